// SPDX-License-Identifier: GPL-2.0-or-later
// Logs in with tedious (Node.js / OpenSSL), runs SELECT 1, disconnects.
// usage: node tedious_client.js PORT|\\INSTANCE ENCRYPT   (ENCRYPT: true | false | strict)
// Environment: TDS_LAB_CA (a CA file to trust), TDS_LAB_VALIDATE=1 (check the
// certificate: trustServerCertificate false, server name TDS_LAB_SERVER_NAME or
// localhost), TLS_MIN / TLS_MAX (TLSv1 ... TLSv1.3), TLS_CIPHERS (OpenSSL list),
// TDS_LAB_NTLM=DOMAIN\\USER (Windows authentication: tedious's own NTLM).
const { Connection, Request } = require('tedious');
// PORT may be \\INSTANCE: tedious asks SQL Server Browser (UDP 1434) for its port.
const where = process.argv[2] || '1433';
const byInstance = where.startsWith('\\');
const port = byInstance ? undefined : parseInt(where, 10);
const instanceName = byInstance ? where.slice(1) : undefined;
const mode = process.argv[3] || 'true';
const encrypt = mode === 'strict' ? 'strict' : mode === 'true';
const fs = require('fs');
const ca = process.env.TDS_LAB_CA ? fs.readFileSync(process.env.TDS_LAB_CA) : undefined;
function ntlmAuthentication() {
  const who = process.env.TDS_LAB_NTLM;
  if (!who) return undefined;
  const [domain, userName] = who.split('\\');
  return { type: 'ntlm', options: { domain, userName, password: 'pw' } };
}
const conn = new Connection({
  server: '127.0.0.1',
  authentication: ntlmAuthentication() || { type: 'default', options: { userName: 'sa', password: 'pw' } },
  options: { port, instanceName, encrypt, connectTimeout: 5000,
             trustServerCertificate: process.env.TDS_LAB_VALIDATE !== '1',
             serverName: process.env.TDS_LAB_VALIDATE === '1' ? (process.env.TDS_LAB_SERVER_NAME || 'localhost')
                                                               : undefined,
             cryptoCredentialsDetails: { minVersion: process.env.TLS_MIN || 'TLSv1.2',
                                         maxVersion: process.env.TLS_MAX || 'TLSv1.3', ca,
                                         ciphers: process.env.TLS_CIPHERS } },
});
let failed = false;
conn.on('connect', (err) => {
  if (err) { console.error('connect:', err.message); failed = true; conn.close(); return; }
  const req = new Request('SELECT 1', (e, rows) => {
    if (e) { console.error('query:', e.message); failed = true; } else console.log('rows', rows);
    conn.close();
  });
  conn.execSql(req);
});
conn.on('end', () => process.exit(failed ? 1 : 0));
conn.on('error', (e) => { console.error('error:', e.message); process.exit(1); });
conn.connect();
