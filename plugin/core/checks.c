/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "checks.h"

#include <stdio.h>
#include <string.h>


const struct check_switch_info tdstls_check_switches[N_CHECK_SWITCHES] = {
    [SWITCH_CHECK_DHE] = {"check_dhe", "Warn about TLS_DHE suites",
                          "Expert info where a ClientHello offers TLS_DHE suites and where a ServerHello picks one",
                          true},
    [SWITCH_CHECK_LEADING_ZERO] = {"check_leading_zero", "Warn about leading-zero DH public values",
                                   "Expert info where dh_Ys or dh_Yc has a leading zero byte", true},
    [SWITCH_CHECK_CLOSE] = {"check_close", "Diagnose failed handshakes and abnormal closes",
                            "Expert info where the server closes or resets first, why a TLS handshake failed "
                            "(KB 4557473, a rejected certificate, no common version or suite, ...), and client "
                            "resets",
                            true},
    [SWITCH_CHECK_TLS_VERSION] = {"check_tls_version", "Warn about SSL 3.0, TLS 1.0 and TLS 1.1",
                                  "Expert info where a ClientHello offers nothing newer than TLS 1.1 and where a "
                                  "ServerHello picks such a version",
                                  true},
    [SWITCH_CHECK_BROWSER] = {"check_browser", "Diagnose SQL Server Browser lookups",
                              "Expert info where a SQL Server Browser request (UDP 1434) has no answer in the capture "
                              "and where an answer lacks the instance asked for",
                              true},
    [SWITCH_CHECK_LOGIN] = {"check_login", "Report failed and contradictory logins",
                            "Expert info where the server answers a login with an error (e.g. 18456) instead of "
                            "LOGINACK, where that answer is readable (login-only encryption, or a keylog), and "
                            "where LOGIN7's integrated-security flag and its SSPI data disagree",
                            true},
    [SWITCH_CHECK_CERTIFICATE] = {"check_certificate", "Note what clients may refuse in the server's certificate",
                                  "Expert info where the server's certificate is self-signed, not valid at the "
                                  "capture's time, or does not name the server the client asked for",
                                  true},
};

static const char *suite_name(const struct check_context *ctx, uint16_t suite)
{
    const char *name = ctx->suite_name ? ctx->suite_name(suite) : NULL;
    return name ? name : "a TLS_DHE suite";
}

/* --- what each check says on its frame ----------------------------------- */

static void say_old_tls_only_offered(const struct check_context *ctx, char *buf, size_t size)
{
    const char *name = tls_version_name(ctx->found->offered_max_version);
    snprintf(buf, size,
             "ClientHello offers nothing newer than %s: a server that allows only TLS 1.2 or later (SQL Server "
             "with TLS 1.0/1.1 disabled) refuses it; update the client driver or its TLS settings",
             name ? name : "TLS 1.1");
}

static void say_old_tls_negotiated(const struct check_context *ctx, char *buf, size_t size)
{
    const char *name = tls_version_name(ctx->found->version);
    snprintf(buf, size,
             "%s negotiated: deprecated (RFC 8996); disable it on the server or client and use TLS 1.2 or later",
             name ? name : "a TLS version before 1.2");
}

static void say_dhe_negotiated(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size,
             "%s negotiated: between Windows builds with and without the KB 4557473 fix, about 1 handshake in "
             "256 fails (a DH shared secret starting with 0x00, never on the wire)",
             suite_name(ctx, ctx->found->suite));
}

static void say_leading_zero(const char *which, uint8_t kind, char *buf, size_t size)
{
    snprintf(buf, size,
             "dh_%s has a leading zero (%s): a peer without the KB 4557473 fix derives a different key and the "
             "handshake fails",
             which, kind == DH_ZERO_BYTE_FIRST ? "first byte 0x00, padded to len(p)" : "shorter than p, zero stripped");
}

static void say_ys_leading_zero(const struct check_context *ctx, char *buf, size_t size)
{
    say_leading_zero("Ys", ctx->found->ys_leading_zero, buf, size);
}

static void say_yc_leading_zero(const struct check_context *ctx, char *buf, size_t size)
{
    say_leading_zero("Yc", ctx->found->yc_leading_zero, buf, size);
}

static void say_server_closed_first(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    /* the story names the phase ("during the TLS handshake"); after login
     * it says which one the phase field holds */
    if (r->phase_at_close >= PHASE_COMMANDS)
        snprintf(buf, size, "Server %s the connection first, %s (%s phase)", r->close_reset ? "reset" : "closed",
                 tdstls_close_story(r), tdstls_phase_name(r->phase_at_close));
    else
        snprintf(buf, size, "Server %s the connection first, %s", r->close_reset ? "reset" : "closed",
                 tdstls_close_story(r));
}

static void say_tls_alert(const struct check_context *ctx, char *buf, size_t size)
{
    const char *name = tls_alert_name(ctx->found->alert_description);
    snprintf(buf, size, "Fatal TLS alert %s (%u) from the %s: the TLS handshake failed", name ? name : "unknown",
             ctx->found->alert_description, ctx->found->alert_from_server ? "server" : "client");
}

/* Expert summaries stop at 240 characters: the short form here, the whole
 * story in tdstls.diagnosis. */
static void say_kb4557473(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    if (!r->frame_client_finished)           /* a snapshot length cut the client's flight */
        snprintf(buf, size,
                 "KB 4557473 shape, inferred from a truncated capture: the server quit after the client's second "
                 "flight (frame %u, Finished past the cut) with %s; patch both ends or disable TLS_DHE",
                 r->frame_client_flight_cut, suite_name(ctx, r->suite));
    else
        snprintf(buf, size,
                 "KB 4557473 signature: the server quit after the client's Finished (frame %u) with %s; patch both "
                 "ends or disable the TLS_DHE suites",
                 r->frame_client_finished, suite_name(ctx, r->suite));
}

static void say_capture_cut(const struct check_context *ctx, char *buf, size_t size)
{
    (void)ctx;
    snprintf(buf, size,
             "Frame cut by the capture's snapshot length: tdstls read the TDS and TLS headers and the whole "
             "handshake messages it holds; what lies past the cut is not analysed");
}

static void say_malformed(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size, "Malformed TLS inside TDS: %s", ctx->found->problem ? ctx->found->problem : "unreadable");
}

static void say_login_slow(const struct check_context *ctx, char *buf, size_t size)
{
    uint32_t start = 0;
    int64_t ns = 0;
    tdstls_login_time(ctx->conn, &start, &ns);
    snprintf(buf, size,
             "Login exchange took %.0f ms (frames %u to %u), over the %u ms budget (preference "
             "tdstls.login_budget_ms): expect login timeouts",
             (double)ns / 1e6, start, ctx->conn->phase_first_frame[PHASE_LOGIN_RESPONSE], ctx->login_budget_ms);
}

static void say_tls_not_decoded(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size, "TLS not decoded here: %s", ctx->detail ? ctx->detail : "");
}

static void say_cert_self_signed(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size,
             "The server's certificate is self-signed (CN=%s): a client that validates it fails unless it trusts "
             "this certificate itself (SQL Server makes one when none is configured)",
             ctx->found->cert.subject_cn);
}

static void say_cert_outside_validity(const struct check_context *ctx, char *buf, size_t size)
{
    char from[32], until[32];
    tdstls_format_utc(ctx->found->cert.not_before, from, sizeof from);
    tdstls_format_utc(ctx->found->cert.not_after, until, sizeof until);
    snprintf(buf, size, "The server's certificate is not valid at the capture's time: valid from %s to %s", from,
             until);
}

static void say_cert_name_mismatch(const struct check_context *ctx, char *buf, size_t size)
{
    const struct cert_facts *c = &ctx->found->cert;
    snprintf(buf, size, "The server's certificate does not name %s, the server the client asked for: CN=%s%s%s",
             ctx->conn->sni, c->subject_cn, c->names[0] ? ", names: " : "", c->names);
}

/* The diagnosis announced, in a line (its whole text is tdstls.diagnosis). */
static void say_diagnosis(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    const char *alert = tls_alert_name(r->alert_description);
    char by_alert[64] = "";
    if (r->frame_diagnosis == r->frame_alert && !r->alert_encrypted)
        snprintf(by_alert, sizeof by_alert, " (fatal alert %s from the %s)", alert ? alert : "?",
                 r->alert_side == SIDE_SERVER ? "server" : "client");
    snprintf(buf, size, "%s%s: the evidence and the remedy are in this frame's Diagnosis (tdstls.diagnosis)",
             tdstls_diagnoses[r->diagnosis].short_text, by_alert);
}

/* --- rules on a PDU's TLS findings -------------------------------------- */

static bool offers_dhe(const struct tls_findings *f)
{
    return f->client_hello && f->offers_dhe;
}

static bool offers_old_tls_only(const struct tls_findings *f)
{
    return f->client_hello && tls_version_before_1_2(f->offered_max_version);
}

static bool negotiates_old_tls(const struct tls_findings *f)
{
    return f->server_hello && tls_version_before_1_2(f->version);
}

static bool negotiates_dhe(const struct tls_findings *f)
{
    return f->server_hello && f->suite_dhe;
}

static bool ys_leading_zero(const struct tls_findings *f)
{
    return f->server_key_exchange_dh && f->ys_leading_zero != DH_NO_LEADING_ZERO;
}

static bool yc_leading_zero(const struct tls_findings *f)
{
    return f->client_key_exchange_dh && f->yc_leading_zero != DH_NO_LEADING_ZERO;
}

static bool fatal_alert(const struct tls_findings *f)
{
    return f->alert && f->alert_level == TLS_ALERT_LEVEL_FATAL;
}

static bool malformed(const struct tls_findings *f)
{
    return f->malformed;
}

static bool capture_cut(const struct tls_findings *f)
{
    return f->cut;
}

static bool cert_self_signed(const struct tls_findings *f)
{
    return f->certificate && f->cert.parsed && f->cert.self_signed;
}

static bool cert_outside_validity(const struct tls_findings *f)
{
    return f->certificate && f->cert_outside_validity;
}

static bool cert_name_mismatch(const struct tls_findings *f)
{
    return f->certificate && f->cert_name_mismatch;
}

/* --- rules on the connection ------------------------------------------ */

/* On the ServerHello: the client's offer is in another PDU. */
static uint32_t server_chose_older_tls(const struct conn_results *r)
{
    return tdstls_server_chose_older_tls(r) ? r->frame_server_hello : 0;
}

static uint32_t auth_flag_contradicted(const struct conn_results *r)
{
    return r->frame_auth_contradiction;
}

/* MS-TDS 2.2.6.4: fIntSecurity says whether the login uses integrated
 * security; which of the two a server follows when they disagree is not
 * in the capture, so the words do not guess. */
static void say_auth_flag_contradicted(const struct check_context *ctx, char *buf, size_t size)
{
    const char *token = login_auth_name((enum login_auth)ctx->conn->auth);
    snprintf(buf, size,
             "LOGIN7's fIntSecurity flag is off (SQL Server authentication), but its SSPI data holds a%s %s token: "
             "shown as %s (a client bug or a crafted login; which one the server follows is not in the capture)",
             token[0] == 'N' ? "n" : "", token, token);
}

static void say_server_chose_older_tls(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    const char *chosen = tls_version_name(r->tls_version), *offered = tls_version_name(r->offered_max_version);
    snprintf(buf, size,
             "Server chose %s though the client offered up to %s (frame %u): clients requiring TLS 1.2 refuse "
             "it; enable TLS 1.2 on the server (older SQL Server builds: KB 3135244)",
             chosen ? chosen : "an older version", offered ? offered : "TLS 1.2", r->frame_client_hello);
}

/* --- rules on a labelled frame ------------------------------------------ */

static bool login_slow(const struct frame_facts *at)
{
    return at->conn->phase_first_frame[PHASE_LOGIN_RESPONSE] == at->frame &&
           tdstls_login_slow(at->conn, at->login_budget_ms);
}

static bool server_closed_first(const struct frame_facts *at)
{
    return at->label->first_close && at->conn->close_side == SIDE_SERVER;
}

/* On the frame that shows why the connection ended: the check that
 * announces that diagnosis. */
static bool announces_diagnosis(const struct frame_facts *at)
{
    return at->label->diagnosis && tdstls_checks[at->id].announces == at->conn->diagnosis;
}

static bool server_reset(const struct frame_facts *at)
{
    return at->label->reset == 1 + SIDE_SERVER;
}

static bool client_reset(const struct frame_facts *at)
{
    return at->label->reset == 1 + SIDE_CLIENT;
}

static bool login_failed(const struct frame_facts *at)
{
    const struct conn_results *r = at->conn;
    return r->frame_login_answer == at->frame && r->login.error && !r->login.loginack;
}

/* SQL Server tells the client state 1 whatever went wrong and writes the
 * real state to its error log (Microsoft's MSSQLSERVER_18456 article);
 * the words say so rather than guess. */
static void say_login_failed(const struct check_context *ctx, char *buf, size_t size)
{
    const struct login_answer *a = &ctx->conn->login;
    char who[NTLM_ACCOUNT_MAX];
    ntlm_account(&ctx->conn->ntlm, who);
    if (a->error_number == 18456 && ctx->conn->frame_ntlm_authenticate)
        snprintf(buf, size,
                 "Login failed (18456, state %u, class %u) for Windows user %s (NTLM). The cause is in the "
                 "server's error log: clients get state 1 (11 or 12 there: authenticated, no access to the "
                 "server; 8: wrong password; MSSQLSERVER_18456)",
                 a->error_state, a->error_class, who);
    else if (a->error_number == 18456)
        snprintf(buf, size,
                 "Login failed (18456, state %u, class %u): \"%s\". The cause is in the server's error log: "
                 "clients get state 1 (8 there: wrong password; 5: unknown login; MSSQLSERVER_18456)",
                 a->error_state, a->error_class, a->error_message);
    else
        snprintf(buf, size, "Login failed: error %u, state %u, class %u: \"%s\"", a->error_number, a->error_state,
                 a->error_class, a->error_message);
}

/* --- rules and words on a SQL Server Browser message ---------------------- */

static bool browser_no_answer(const struct ssrp_lookup *l)
{
    return !l->response && (l->unreachable || l->repeats_frame || (l->capture_read && l->answers == 0));
}

static bool browser_no_instance(const struct ssrp_lookup *l)
{
    return l->response && l->lacks_instance;
}

static bool browser_malformed(const struct ssrp_lookup *l)
{
    return l->problem != NULL;
}

/* Instance names are at most 32 bytes ([MC-SQLR] 2.2.3): the words fit
 * Wireshark's 240-character item text. */
static void say_browser_no_answer(const struct check_context *ctx, char *buf, size_t size)
{
    const struct ssrp_lookup *l = ctx->browser;
    const char *what = ssrp_type_name(l->request_type);
    what = what ? what : "request";
    if (l->unreachable)
        snprintf(buf, size,
                 "ICMP port unreachable for a %s%s%.32s: nothing listens on UDP 1434 there, SQL Server Browser is "
                 "stopped or not installed (client error 26, Error Locating Server/Instance); start it, or use "
                 "host,port", what, l->instance[0] ? " for " : "", l->instance);
    else if (l->repeats_frame && !l->answers)
        snprintf(buf, size,
                 "The client asks again: no answer from SQL Server Browser to its %s%s%.32s in frame %u, nor to "
                 "this one yet: Browser stopped or UDP 1434 blocked (client error 26); start it, open UDP 1434, or "
                 "use host,port", what, l->instance[0] ? " for " : "", l->instance, l->repeats_frame);
    else if (l->repeats_frame)
        snprintf(buf, size,
                 "No answer from SQL Server Browser to the client's %s%s%.32s in frame %u; this one was answered "
                 "(UDP 1434 lost or dropped a request)", what, l->instance[0] ? " for " : "", l->instance,
                 l->repeats_frame);
    else
        snprintf(buf, size,
                 "No answer from SQL Server Browser to this %s%s%.32s: Browser stopped or UDP 1434 blocked (client "
                 "error 26, Error Locating Server/Instance); start it, open UDP 1434, or use host,port",
                 what, l->instance[0] ? " for " : "", l->instance);
}

static void say_browser_no_instance(const struct check_context *ctx, char *buf, size_t size)
{
    const struct ssrp_lookup *l = ctx->browser;
    snprintf(buf, size,
             "SQL Server Browser knows no instance %.32s here (it lists: %.64s): a wrong instance name, a stopped "
             "instance, or one on another server",
             l->instance, l->listed[0] ? l->listed : "none");
}

static void say_browser_malformed(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size, "Malformed SQL Server Browser message: %s", ctx->browser->problem);
}

/* --- the table ------------------------------------------------------------ */

/* One row per check, in the order a frame shows them: the expert's name,
 * group, severity and summary; the preference that switches it off; its
 * short text for the tables; its words; its rule. */
const struct check_info tdstls_checks[N_CHECKS] = {
    {.id = CHECK_DHE_OFFERED, .name = "dhe_offered", .group = GROUP_SECURITY, .severity = SEVERITY_NOTE,
     .summary = "ClientHello offers TLS_DHE suites (the ServerHello says whether one is used)",
     .switched_by = SWITCH_CHECK_DHE, .short_text = "client offers DHE", .on_findings = offers_dhe},
    {.id = CHECK_OLD_TLS_ONLY_OFFERED, .name = "old_tls_only_offered", .group = GROUP_SECURITY,
     .severity = SEVERITY_NOTE,
     .summary = "ClientHello offers nothing newer than TLS 1.1",
     .switched_by = SWITCH_CHECK_TLS_VERSION, .short_text = "TLS 1.1 or older offered only",
     .message = say_old_tls_only_offered, .on_findings = offers_old_tls_only},
    {.id = CHECK_DHE_NEGOTIATED, .name = "dhe_negotiated", .group = GROUP_SECURITY, .severity = SEVERITY_WARN,
     .summary = "TLS_DHE suite negotiated",
     .switched_by = SWITCH_CHECK_DHE, .short_text = "DHE negotiated",
     .message = say_dhe_negotiated, .on_findings = negotiates_dhe},
    {.id = CHECK_OLD_TLS_NEGOTIATED, .name = "old_tls_negotiated", .group = GROUP_SECURITY, .severity = SEVERITY_WARN,
     .summary = "SSL 3.0, TLS 1.0 or TLS 1.1 negotiated",
     .switched_by = SWITCH_CHECK_TLS_VERSION, .short_text = "TLS 1.1 or older negotiated",
     .message = say_old_tls_negotiated, .on_findings = negotiates_old_tls},
    {.id = CHECK_SERVER_CHOSE_OLDER_TLS, .name = "server_chose_older_tls", .group = GROUP_SECURITY,
     .severity = SEVERITY_WARN,
     .summary = "The server chose TLS 1.1 or older although the client offered TLS 1.2 or later",
     .switched_by = SWITCH_CHECK_TLS_VERSION, .short_text = "server chose TLS 1.1 or older",
     .message = say_server_chose_older_tls, .on_connection = server_chose_older_tls},
    {.id = CHECK_YS_LEADING_ZERO, .name = "ys_leading_zero", .group = GROUP_SECURITY, .severity = SEVERITY_WARN,
     .summary = "dh_Ys has a leading zero byte",
     .switched_by = SWITCH_CHECK_LEADING_ZERO, .short_text = "DH server value (Ys) starts 0x00",
     .message = say_ys_leading_zero, .on_findings = ys_leading_zero},
    {.id = CHECK_YC_LEADING_ZERO, .name = "yc_leading_zero", .group = GROUP_SECURITY, .severity = SEVERITY_WARN,
     .summary = "dh_Yc has a leading zero byte",
     .switched_by = SWITCH_CHECK_LEADING_ZERO, .short_text = "DH client value (Yc) starts 0x00",
     .message = say_yc_leading_zero, .on_findings = yc_leading_zero},
    {.id = CHECK_TLS_ALERT, .name = "tls_alert", .group = GROUP_RESPONSE_CODE, .severity = SEVERITY_ERROR,
     .summary = "Fatal TLS alert during the handshake",
     .switched_by = SWITCH_ALWAYS, .short_text = "fatal TLS alert",
     .message = say_tls_alert, .on_findings = fatal_alert},
    {.id = CHECK_MALFORMED, .name = "malformed", .group = GROUP_MALFORMED, .severity = SEVERITY_ERROR,
     .summary = "Malformed TLS inside TDS",
     .switched_by = SWITCH_ALWAYS, .short_text = "malformed TLS",
     .message = say_malformed, .on_findings = malformed},
    {.id = CHECK_CAPTURE_CUT, .name = "capture_cut", .group = GROUP_UNDECODED, .severity = SEVERITY_NOTE,
     .summary = "Frame cut by the capture's snapshot length",
     .switched_by = SWITCH_ALWAYS, .short_text = "capture cut",
     .message = say_capture_cut, .on_findings = capture_cut},
    {.id = CHECK_TLS_NOT_DECODED, .name = "tls_not_decoded", .group = GROUP_UNDECODED, .severity = SEVERITY_NOTE,
     .summary = "TLS records not handed to Wireshark's TLS dissector",
     .switched_by = SWITCH_DECODE_TLS, .short_text = "TLS not decoded",
     .message = say_tls_not_decoded},
    {.id = CHECK_CERT_SELF_SIGNED, .name = "cert_self_signed", .group = GROUP_SECURITY, .severity = SEVERITY_NOTE,
     .summary = "The server's certificate is self-signed",
     .switched_by = SWITCH_CHECK_CERTIFICATE, .short_text = "self-signed certificate",
     .message = say_cert_self_signed, .on_findings = cert_self_signed},
    {.id = CHECK_CERT_OUTSIDE_VALIDITY, .name = "cert_outside_validity", .group = GROUP_SECURITY,
     .severity = SEVERITY_WARN,
     .summary = "The server's certificate is not valid at the capture's time",
     .switched_by = SWITCH_CHECK_CERTIFICATE, .short_text = "certificate expired or not yet valid",
     .message = say_cert_outside_validity, .on_findings = cert_outside_validity},
    {.id = CHECK_CERT_NAME_MISMATCH, .name = "cert_name_mismatch", .group = GROUP_SECURITY,
     .severity = SEVERITY_WARN,
     .summary = "The server's certificate does not name the server the client asked for",
     .switched_by = SWITCH_CHECK_CERTIFICATE, .short_text = "certificate name mismatch",
     .message = say_cert_name_mismatch, .on_findings = cert_name_mismatch},
    {.id = CHECK_LOGIN_SLOW, .name = "login_slow", .group = GROUP_SEQUENCE, .severity = SEVERITY_WARN,
     .summary = "Login exchange slower than the login budget",
     .switched_by = SWITCH_LOGIN_BUDGET, .short_text = "slow login",
     .message = say_login_slow, .on_frame = login_slow},
    {.id = CHECK_SERVER_CLOSED_FIRST, .name = "server_closed_first", .group = GROUP_SEQUENCE,
     .severity = SEVERITY_ERROR,
     .summary = "Server closed the connection first",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "server closed first",
     .message = say_server_closed_first, .on_frame = server_closed_first},
    {.id = CHECK_KB4557473, .name = "kb4557473", .group = GROUP_SECURITY, .severity = SEVERITY_ERROR,
     .summary = "TLS_DHE leading-zero mismatch (KB 4557473)",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "KB 4557473",
     .message = say_kb4557473, .on_frame = announces_diagnosis, .announces = DIAG_KB4557473},
    {.id = CHECK_KEY_EXCHANGE_REJECTED, .name = "key_exchange_rejected", .group = GROUP_SECURITY,
     .severity = SEVERITY_ERROR,
     .summary = "The server quit after the client's Finished (not a TLS_DHE suite, not KB 4557473)",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "key exchange rejected",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_KEY_EXCHANGE_REJECTED},
    {.id = CHECK_CERT_REJECTED, .name = "cert_rejected", .group = GROUP_SECURITY, .severity = SEVERITY_ERROR,
     .summary = "The client rejected the server's certificate",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "certificate rejected",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_CERT_REJECTED},
    {.id = CHECK_TLS_VERSION_REFUSED, .name = "tls_version_refused", .group = GROUP_SECURITY,
     .severity = SEVERITY_ERROR,
     .summary = "The client gave up after the server chose TLS 1.1 or older (or it rejected the certificate)",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "TLS version refused",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_VERSION_REFUSED},
    {.id = CHECK_CLOSED_AFTER_HANDSHAKE, .name = "closed_after_handshake", .group = GROUP_SECURITY,
     .severity = SEVERITY_WARN,
     .summary = "The client closed right after the TLS handshake, without LOGIN7 (probable certificate rejection)",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "closed after the handshake",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_CLOSED_AFTER_HANDSHAKE},
    {.id = CHECK_TLS_VERSION_MISMATCH, .name = "tls_version_mismatch", .group = GROUP_SECURITY,
     .severity = SEVERITY_ERROR,
     .summary = "No TLS version in common",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "no common TLS version",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_VERSION_MISMATCH},
    {.id = CHECK_NO_COMMON_SUITE, .name = "no_common_suite", .group = GROUP_SECURITY, .severity = SEVERITY_ERROR,
     .summary = "No cipher suite in common",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "no common cipher suite",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_NO_COMMON_SUITE},
    {.id = CHECK_NO_COMMON_TLS, .name = "no_common_tls", .group = GROUP_SECURITY, .severity = SEVERITY_ERROR,
     .summary = "The server quit after the ClientHello: no TLS version or cipher suite in common",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "no common TLS version or suite",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_NO_COMMON_TLS},
    {.id = CHECK_CLIENT_QUIT_HANDSHAKE, .name = "client_quit_handshake", .group = GROUP_SEQUENCE,
     .severity = SEVERITY_WARN,
     .summary = "The client quit the TLS handshake before the server's certificate",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "client quit the handshake",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_CLIENT_QUIT_HANDSHAKE},
    {.id = CHECK_SERVER_RESET, .name = "server_reset", .group = GROUP_SEQUENCE, .severity = SEVERITY_ERROR,
     .summary = "Server reset the connection",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "server reset",
     .on_frame = server_reset},
    {.id = CHECK_CLIENT_RESET, .name = "client_reset", .group = GROUP_SEQUENCE, .severity = SEVERITY_NOTE,
     .summary = "Client reset the connection (many drivers close this way)",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "client reset",
     .on_frame = client_reset},
    {.id = CHECK_BROWSER_NO_ANSWER, .name = "browser_no_answer", .group = GROUP_RESPONSE_CODE,
     .severity = SEVERITY_ERROR,
     .summary = "SQL Server Browser did not answer: service stopped or UDP 1434 blocked",
     .switched_by = SWITCH_CHECK_BROWSER, .short_text = "Browser did not answer",
     .message = say_browser_no_answer, .on_browser = browser_no_answer},
    {.id = CHECK_BROWSER_NO_INSTANCE, .name = "browser_no_instance", .group = GROUP_RESPONSE_CODE,
     .severity = SEVERITY_ERROR,
     .summary = "SQL Server Browser's answer lacks the instance asked for",
     .switched_by = SWITCH_CHECK_BROWSER, .short_text = "instance unknown to Browser",
     .message = say_browser_no_instance, .on_browser = browser_no_instance},
    {.id = CHECK_BROWSER_MALFORMED, .name = "browser_malformed", .group = GROUP_MALFORMED,
     .severity = SEVERITY_ERROR,
     .summary = "Malformed SQL Server Browser message",
     .switched_by = SWITCH_ALWAYS, .short_text = "malformed Browser message",
     .message = say_browser_malformed, .on_browser = browser_malformed},
    {.id = CHECK_LOGIN_FAILED, .name = "login_failed", .group = GROUP_RESPONSE_CODE, .severity = SEVERITY_ERROR,
     .summary = "The server refused the login", .switched_by = SWITCH_CHECK_LOGIN, .short_text = "login failed",
     .message = say_login_failed, .on_frame = login_failed, .announces = DIAG_LOGIN_FAILED},
    {.id = CHECK_AUTH_FLAG_CONTRADICTED, .name = "auth_flag_contradicted", .group = GROUP_PROTOCOL,
     .severity = SEVERITY_WARN,
     .summary = "LOGIN7's integrated-security flag is off, but its SSPI data holds a Windows token",
     .switched_by = SWITCH_CHECK_LOGIN, .short_text = "LOGIN7 flag and SSPI data disagree",
     .message = say_auth_flag_contradicted, .on_connection = auth_flag_contradicted},
    /* raised by the glue, which leaves such a connection to Wireshark's TDS dissector */
    {.id = CHECK_TDS_LEGACY, .name = "tds_legacy", .group = GROUP_UNDECODED, .severity = SEVERITY_NOTE,
     .summary = "TDS 4.2/5.0 login (Sybase ASE, or SQL Server 6.5 and older): left to Wireshark's TDS dissector, "
                "tdstls analyses TDS 7 and later (no phases, no diagnosis)",
     .switched_by = SWITCH_ALWAYS, .short_text = "TDS 4.2/5.0, not analysed"},
    {.id = CHECK_CONNECTION_REFUSED, .name = "connection_refused", .group = GROUP_SEQUENCE,
     .severity = SEVERITY_ERROR,
     .summary = "The server answered the SYN with a RST: nothing listens on that port",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "connection refused",
     .message = say_diagnosis, .on_frame = announces_diagnosis, .announces = DIAG_CONNECTION_REFUSED},
};

check_set tdstls_checks_of_findings(const struct tls_findings *f)
{
    check_set set = 0;
    for (int i = 0; i < N_CHECKS; i++)
        if (tdstls_checks[i].on_findings && tdstls_checks[i].on_findings(f))
            set |= CHECK_BIT(i);
    return set;
}

check_set tdstls_checks_of_frame(const struct conn_results *r, uint32_t frame, const struct frame_label *l,
                                 unsigned login_budget_ms)
{
    struct frame_facts at = {CHECK_NONE, r, frame, l, login_budget_ms};
    bool notable = tdstls_frame_is_notable(r, frame, l);   /* most frames are not: nothing happens there */
    check_set set = 0;
    for (int i = 0; i < N_CHECKS; i++) {
        const struct check_info *c = &tdstls_checks[i];
        at.id = (enum tdstls_check)i;
        if ((c->on_connection && c->on_connection(r) == frame) || (notable && c->on_frame && c->on_frame(&at)))
            set |= CHECK_BIT(i);
    }
    return set;
}

check_set tdstls_checks_of_browser(const struct ssrp_lookup *l)
{
    check_set set = 0;
    for (int i = 0; i < N_CHECKS; i++)
        if (tdstls_checks[i].on_browser && tdstls_checks[i].on_browser(l))
            set |= CHECK_BIT(i);
    return set;
}

enum tdstls_check tdstls_check_announcing(enum tdstls_diagnosis d)
{
    for (int i = 0; i < N_CHECKS; i++)
        if (d != DIAG_NONE && tdstls_checks[i].announces == d)
            return (enum tdstls_check)i;
    return CHECK_NONE;
}

void tdstls_check_message(enum tdstls_check id, const struct check_context *ctx, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (id < N_CHECKS && tdstls_checks[id].message)
        tdstls_checks[id].message(ctx, buf, size);
}

void tdstls_check_list(check_set set, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; i < N_CHECKS && used < size; i++)
        if (set & CHECK_BIT(i)) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", tdstls_checks[i].short_text);
            if (n < 0)
                break;
            used += (size_t)n;
        }
}
