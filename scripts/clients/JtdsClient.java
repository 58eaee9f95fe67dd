// SPDX-License-Identifier: GPL-2.0-or-later
// Logs in with jTDS (Java / JSSE), runs SELECT 1, disconnects.
// usage: java -cp /usr/share/java/jtds.jar JtdsClient.java PORT|\\INSTANCE SSL
// SSL: off | request | require | authenticate (authenticate checks the certificate against Java's trust store)
// Environment: TDS_LAB_NTLM=DOMAIN\USER (Windows authentication: jTDS's own NTLM, as on a machine without its SSO DLL)
import java.sql.*;

public class JtdsClient {
    public static void main(String[] args) throws Exception {
        String port = args.length > 0 ? args[0] : "1433";
        String ssl = args.length > 1 ? args[1] : "require";
        Class.forName("net.sourceforge.jtds.jdbc.Driver");
        // \\INSTANCE: jTDS asks SQL Server Browser (UDP 1434) for the instance's port
        String url = port.startsWith("\\")
            ? "jdbc:jtds:sqlserver://127.0.0.1/master;instance=" + port.substring(1) + ";ssl=" + ssl + ";loginTimeout=5"
            : "jdbc:jtds:sqlserver://127.0.0.1:" + port + "/master;ssl=" + ssl + ";loginTimeout=5";
        String user = "sa", ntlm = System.getenv("TDS_LAB_NTLM");
        if (ntlm != null && ntlm.contains("\\")) {
            url += ";domain=" + ntlm.substring(0, ntlm.indexOf('\\'));
            user = ntlm.substring(ntlm.indexOf('\\') + 1);
        }
        try (Connection c = DriverManager.getConnection(url, user, "pw");
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT 1")) {
            while (r.next()) System.out.println("row " + r.getInt(1));
        }
    }
}
