/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tdstls: the TLS handshake SQL Server clients tunnel inside TDS PRELOGIN,
 * decoded by Wireshark's own TLS dissector, with expert info for TLS_DHE
 * suites, leading-zero DH public values (KB 4557473) and abnormal closes,
 * and the connection phase on every frame.
 *
 * This file registers fields, expert info, preferences and handles.
 * tdstls-dissect.c carries TDS and TLS, tdstls-close.c labels every frame
 * (a post-dissector, as pure FIN/RST frames carry no payload), and core/
 * holds the epan-free parsing.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/proto.h>

#include "packet-tdstls.h"

#ifndef VERSION
#define VERSION "0.1.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);

/* Newer releases ask what kind of plugin this is (the answer shows in
 * About > Plugins); 4.0 has no such question and does not even install
 * wsutil/plugins.h, so look for the header rather than at the version. */
#if defined(__has_include)
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif
#endif
#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

#define TDSTLS_DEFAULT_PORTS "1433"

int proto_tdstls = -1;
int proto_tds = -1;
dissector_handle_t tdstls_handle, tds_handle, tls_handle;
static dissector_handle_t tdstls_post_handle, tdstls_decrypted_handle;
dissector_table_t tcp_port_table;

int hf_tdstls_phase = -1, hf_tdstls_phase_inferred = -1, hf_tdstls_phase_name = -1;
int hf_tdstls_carrier = -1, hf_tdstls_tls_bytes = -1;
int hf_tdstls_cipher_suite = -1, hf_tdstls_dhe = -1, hf_tdstls_dhe_offered = -1, hf_tdstls_offers_tds8 = -1;
int hf_tdstls_tls_version = -1, hf_tdstls_key_share_group = -1;
int hf_tdstls_dh_p_len = -1, hf_tdstls_dh_g_len = -1, hf_tdstls_dh_ys_len = -1, hf_tdstls_dh_yc_len = -1;
int hf_tdstls_dh_ys_leading_zero = -1, hf_tdstls_dh_yc_leading_zero = -1;
int hf_tdstls_finished = -1, hf_tdstls_alert_desc = -1;
int hf_tdstls_close_initiator = -1, hf_tdstls_close_kind = -1, hf_tdstls_close_abnormal = -1,
    hf_tdstls_close_phase = -1;
int hf_tdstls_diagnosis = -1, hf_tdstls_evidence_frame = -1;
int hf_tdstls_phase_since_syn = -1, hf_tdstls_phase_since_previous = -1, hf_tdstls_login_time = -1;
int tdstls_tap = -1;
/* SQL Server allows the login exchange about a second by default. */
unsigned tdstls_login_budget_ms = 1000;
/* Hand the TLS inside PRELOGIN to Wireshark's TLS dissector (tls.* fields,
 * decryption). Off, tdstls still diagnoses everything from its own parse and
 * batch runs skip decoding certificates that stock Wireshark never saw. */
tdstls_pref_bool tdstls_decode_tls = true;
/* Each group of expert checks can be switched off, e.g. the DHE warnings
 * where DHE is used on purpose; the fields stay, so filters still work. */
tdstls_pref_bool tdstls_check_dhe = true, tdstls_check_leading_zero = true, tdstls_check_close = true;
int hf_tds_type = -1, hf_tds_status = -1, hf_tds_length = -1, hf_tds_channel = -1, hf_tds_packet_number = -1,
    hf_tds_window = -1;

int ett_tdstls = -1, ett_tdstls_dh = -1, ett_tdstls_close = -1, ett_tds_header = -1;

expert_field ei_tdstls_dhe_negotiated = EI_INIT, ei_tdstls_dhe_offered = EI_INIT, ei_tdstls_ys_leading_zero = EI_INIT,
             ei_tdstls_yc_leading_zero = EI_INIT, ei_tdstls_server_closed_first = EI_INIT,
             ei_tdstls_server_reset = EI_INIT, ei_tdstls_client_reset = EI_INIT, ei_tdstls_tls_alert = EI_INIT,
             ei_tdstls_kb4557473 = EI_INIT, ei_tdstls_malformed = EI_INIT,
             ei_tdstls_login_slow = EI_INIT, ei_tdstls_tls_not_decoded = EI_INIT;

static const value_string phase_vals[] = {
    {PHASE_UNKNOWN, "Unknown (connection start not in capture)"},
    {PHASE_TCP_HANDSHAKE, "TCP handshake"},
    {PHASE_PRELOGIN, "Pre-login"},
    {PHASE_TLS_HANDSHAKE, "TLS handshake"},
    {PHASE_LOGIN, "Login"},
    {PHASE_LOGIN_RESPONSE, "Login response"},
    {PHASE_COMMANDS, "Commands"},
    {PHASE_CLOSE, "Close"},
    {0, NULL},
};

static const value_string carrier_vals[] = {
    {0x00, "TCP (raw TLS records)"},
    {0x04, "TDS type 0x04 (response) packet"},
    {0x12, "TDS PRELOGIN packet"},
    {0, NULL},
};

static const value_string tls_version_vals[] = {
    {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"}, {0x0302, "TLS 1.1"}, {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"},
    {0, NULL},
};

static const value_string close_kind_vals[] = {{0, "FIN"}, {1, "RST"}, {0, NULL}};

static void proto_register_tdstls(void)
{
    static hf_register_info hf[] = {
        {&hf_tdstls_phase, {"Phase", "tdstls.phase", FT_UINT8, BASE_DEC, VALS(phase_vals), 0,
                            "Phase of the SQL Server connection this frame belongs to", HFILL}},
        {&hf_tdstls_phase_name, {"Phase name", "tdstls.phase.name", FT_STRING, BASE_NONE, NULL, 0,
                                 "The phase as text, for columns and exports", HFILL}},
        {&hf_tdstls_phase_inferred, {"Phase inferred", "tdstls.phase.inferred", FT_BOOLEAN, BASE_NONE, NULL, 0,
                                     "Told from the order and direction of encrypted records, not from TDS types",
                                     HFILL}},
        {&hf_tdstls_phase_since_syn, {"Phase starts after SYN", "tdstls.phase.since_syn", FT_RELATIVE_TIME,
                                      BASE_NONE, NULL, 0,
                                      "On the first frame of a phase: time since the connection's first frame",
                                      HFILL}},
        {&hf_tdstls_phase_since_previous, {"Previous phase took", "tdstls.phase.since_previous", FT_RELATIVE_TIME,
                                           BASE_NONE, NULL, 0,
                                           "On the first frame of a phase: time since the previous phase began",
                                           HFILL}},
        {&hf_tdstls_login_time, {"Login exchange took", "tdstls.login_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
                                 "From the first pre-login or TLS frame to the first login response frame", HFILL}},
        {&hf_tdstls_carrier, {"TLS carried in", "tdstls.carrier", FT_UINT8, BASE_HEX, VALS(carrier_vals), 0, NULL,
                              HFILL}},
        {&hf_tdstls_tls_bytes, {"TLS bytes completed here", "tdstls.tls_bytes", FT_UINT32, BASE_DEC, NULL, 0,
                                "Bytes of whole TLS records handed to the TLS dissector from this packet", HFILL}},
        {&hf_tdstls_cipher_suite, {"Cipher suite", "tdstls.cipher_suite", FT_UINT16, BASE_HEX, NULL, 0,
                                   "Cipher suite the ServerHello selected", HFILL}},
        {&hf_tdstls_dhe, {"DHE", "tdstls.dhe", FT_BOOLEAN, BASE_NONE, NULL, 0,
                          "The negotiated suite uses ephemeral finite-field Diffie-Hellman (TLS_DHE_*)", HFILL}},
        {&hf_tdstls_dhe_offered, {"DHE offered", "tdstls.dhe_offered", FT_BOOLEAN, BASE_NONE, NULL, 0,
                                  "The ClientHello offers at least one TLS_DHE_* suite", HFILL}},
        {&hf_tdstls_offers_tds8, {"Offers ALPN tds/8.0", "tdstls.alpn_tds8", FT_BOOLEAN, BASE_NONE, NULL, 0,
                                  "The ClientHello offers ALPN tds/8.0 (TDS 8 strict encryption)", HFILL}},
        {&hf_tdstls_tls_version, {"Negotiated TLS version", "tdstls.tls_version", FT_UINT16, BASE_HEX,
                                  VALS(tls_version_vals), 0, NULL, HFILL}},
        {&hf_tdstls_key_share_group, {"TLS 1.3 key share group", "tdstls.key_share_group", FT_UINT16, BASE_HEX,
                                      NULL, 0, "Not a TLS_DHE suite: RFC 8446 pads ffdhe values to len(p)", HFILL}},
        {&hf_tdstls_dh_p_len, {"DH p length", "tdstls.dh.p_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_tdstls_dh_g_len, {"DH g length", "tdstls.dh.g_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_tdstls_dh_ys_len, {"DH Ys length", "tdstls.dh.ys_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_tdstls_dh_yc_len, {"DH Yc length", "tdstls.dh.yc_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_tdstls_dh_ys_leading_zero, {"DH Ys has a leading zero", "tdstls.dh.ys_leading_zero", FT_BOOLEAN,
                                         BASE_NONE, NULL, 0,
                                         "dh_Ys starts with 0x00 (padded) or is shorter than p (stripped)", HFILL}},
        {&hf_tdstls_dh_yc_leading_zero, {"DH Yc has a leading zero", "tdstls.dh.yc_leading_zero", FT_BOOLEAN,
                                         BASE_NONE, NULL, 0,
                                         "dh_Yc starts with 0x00 (padded) or is shorter than p (stripped)", HFILL}},
        {&hf_tdstls_finished, {"Finished (encrypted)", "tdstls.finished", FT_BOOLEAN, BASE_NONE, NULL, 0,
                               "This direction's Finished message is in this packet", HFILL}},
        {&hf_tdstls_alert_desc, {"Fatal alert", "tdstls.alert", FT_UINT8, BASE_DEC, NULL, 0,
                                 "Alert description of a clear fatal alert during the handshake", HFILL}},
        {&hf_tdstls_close_initiator, {"Closed first by", "tdstls.close.initiator", FT_STRING, BASE_NONE, NULL, 0,
                                      "Who sent the connection's first FIN or RST: client or server", HFILL}},
        {&hf_tdstls_close_kind, {"First close", "tdstls.close.kind", FT_UINT8, BASE_DEC, VALS(close_kind_vals), 0,
                                 NULL, HFILL}},
        {&hf_tdstls_close_abnormal, {"Abnormal close", "tdstls.close.abnormal", FT_BOOLEAN, BASE_NONE, NULL, 0,
                                     "The server, not the client, ended the connection first", HFILL}},
        {&hf_tdstls_close_phase, {"Closed during", "tdstls.close.phase", FT_UINT8, BASE_DEC, VALS(phase_vals), 0,
                                  "Phase the connection was in when the first FIN or RST came", HFILL}},
        {&hf_tdstls_diagnosis, {"Diagnosis", "tdstls.diagnosis", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_tdstls_evidence_frame, {"Evidence in frame", "tdstls.evidence_frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
                                     NULL, HFILL}},
    };
    static int *ett[] = {&ett_tdstls, &ett_tdstls_dh, &ett_tdstls_close, &ett_tds_header};
    static ei_register_info ei[] = {
        {&ei_tdstls_dhe_negotiated, {"tdstls.expert.dhe_negotiated", PI_SECURITY, PI_WARN,
                                     "TLS_DHE suite negotiated", EXPFILL}},
        {&ei_tdstls_dhe_offered, {"tdstls.expert.dhe_offered", PI_SECURITY, PI_NOTE,
                                  "ClientHello offers TLS_DHE suites", EXPFILL}},
        {&ei_tdstls_ys_leading_zero, {"tdstls.expert.ys_leading_zero", PI_SECURITY, PI_WARN,
                                      "dh_Ys has a leading zero byte", EXPFILL}},
        {&ei_tdstls_yc_leading_zero, {"tdstls.expert.yc_leading_zero", PI_SECURITY, PI_WARN,
                                      "dh_Yc has a leading zero byte", EXPFILL}},
        {&ei_tdstls_server_closed_first, {"tdstls.expert.server_closed_first", PI_SEQUENCE, PI_ERROR,
                                          "Server closed the connection first", EXPFILL}},
        {&ei_tdstls_server_reset, {"tdstls.expert.server_reset", PI_SEQUENCE, PI_ERROR,
                                   "Server reset the connection", EXPFILL}},
        {&ei_tdstls_client_reset, {"tdstls.expert.client_reset", PI_SEQUENCE, PI_NOTE,
                                   "Client reset the connection (many drivers close this way)", EXPFILL}},
        {&ei_tdstls_tls_alert, {"tdstls.expert.tls_alert", PI_RESPONSE_CODE, PI_ERROR,
                                "Fatal TLS alert during the handshake", EXPFILL}},
        {&ei_tdstls_kb4557473, {"tdstls.expert.kb4557473", PI_SECURITY, PI_ERROR,
                                "TLS_DHE leading-zero mismatch (KB 4557473)", EXPFILL}},
        {&ei_tdstls_malformed, {"tdstls.expert.malformed", PI_MALFORMED, PI_ERROR,
                                "Malformed TLS inside TDS", EXPFILL}},
        {&ei_tdstls_login_slow, {"tdstls.expert.login_slow", PI_SEQUENCE, PI_WARN,
                                 "Login exchange slower than the login budget", EXPFILL}},
        {&ei_tdstls_tls_not_decoded, {"tdstls.expert.tls_not_decoded", PI_UNDECODED, PI_NOTE,
                                      "TLS records not handed to Wireshark's TLS dissector", EXPFILL}},
    };

    proto_tdstls = proto_register_protocol("TDS TLS handshake analysis", "TDSTLS", "tdstls");
    proto_register_field_array(proto_tdstls, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_tdstls), ei, array_length(ei));
    /* The port range preference (tdstls.tcp.port) comes with the handoff. */
    module_t *module = prefs_register_protocol(proto_tdstls, NULL);
    prefs_register_uint_preference(module, "login_budget_ms", "Login time budget (ms)",
                                   "Warn when pre-login to login response takes longer than this "
                                   "(SQL Server allows about 1000 ms by default); 0 turns the check off",
                                   10, &tdstls_login_budget_ms);
    prefs_register_bool_preference(module, "decode_tls", "Decode the TLS inside PRELOGIN",
                                   "Hand the TLS handshake carried in PRELOGIN packets to Wireshark's TLS dissector "
                                   "(tls.* fields, keylog decryption). Off, tdstls still diagnoses DHE, leading zeros "
                                   "and closes from its own parse, and batch runs are cheaper.",
                                   &tdstls_decode_tls);
    prefs_register_bool_preference(module, "check_dhe", "Warn about TLS_DHE suites",
                                   "Expert info where a ClientHello offers TLS_DHE suites and where a ServerHello "
                                   "picks one (tdstls.expert.dhe_offered, tdstls.expert.dhe_negotiated)",
                                   &tdstls_check_dhe);
    prefs_register_bool_preference(module, "check_leading_zero", "Warn about leading-zero DH public values",
                                   "Expert info where dh_Ys or dh_Yc has a leading zero byte "
                                   "(tdstls.expert.ys_leading_zero, tdstls.expert.yc_leading_zero)",
                                   &tdstls_check_leading_zero);
    prefs_register_bool_preference(module, "check_close", "Diagnose abnormal closes",
                                   "Expert info where the server closes or resets first, the KB 4557473 diagnosis, "
                                   "and client resets (tdstls.expert.server_closed_first, .server_reset, "
                                   ".kb4557473, .client_reset)",
                                   &tdstls_check_close);
    tdstls_tap = register_tap("tdstls");
    tdstls_register_stat();

    tdstls_handle = register_dissector("tdstls", dissect_tdstls, proto_tdstls);
    tdstls_post_handle = create_dissector_handle(dissect_tdstls_post, proto_tdstls);
    tdstls_decrypted_handle = register_dissector("tdstls.decrypted", dissect_tdstls_decrypted, proto_tdstls);
    register_postdissector(tdstls_post_handle);
}

static int field_id(const char *name)
{
    header_field_info *hfi = proto_registrar_get_byname(name);
    return hfi ? hfi->id : -1;
}

static void proto_reg_handoff_tdstls(void)
{
    tds_handle = find_dissector_add_dependency("tds", proto_tdstls);
    tls_handle = find_dissector_add_dependency("tls", proto_tdstls);
    tcp_port_table = find_dissector_table("tcp.port");
    proto_tds = proto_get_id_by_filter_name("tds");
    hf_tds_type = field_id("tds.type");
    hf_tds_status = field_id("tds.status");
    hf_tds_length = field_id("tds.length");
    hf_tds_channel = field_id("tds.channel");
    hf_tds_packet_number = field_id("tds.packet_number");
    hf_tds_window = field_id("tds.window");

    /* Our handoff runs after the built-in ones, so this takes TCP 1433 over
     * from tds; tds still gets every TDS packet that carries no TLS. */
    dissector_add_uint_range_with_preference("tcp.port", TDSTLS_DEFAULT_PORTS, tdstls_handle);
    /* Decrypted data (with a keylog) is TDS: TDS 7.x by port, TDS 8 by ALPN.
     * Our handle reads its packet type for the phase, then calls tds. */
    dissector_add_uint("tls.port", 1433, tdstls_decrypted_handle);
    dissector_add_string("tls.alpn", "tds/8.0", tdstls_decrypted_handle);

    tdstls_close_init_fields(tdstls_post_handle);
}

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_tdstls;
    plug.register_handoff = proto_reg_handoff_tdstls;
    proto_register_plugin(&plug);
}
