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
    [SWITCH_CHECK_CLOSE] = {"check_close", "Diagnose abnormal closes",
                            "Expert info where the server closes or resets first, the KB 4557473 diagnosis, "
                            "and client resets",
                            true},
    [SWITCH_CHECK_TLS_VERSION] = {"check_tls_version", "Warn about SSL 3.0, TLS 1.0 and TLS 1.1",
                                  "Expert info where a ClientHello offers nothing newer than TLS 1.1 and where a "
                                  "ServerHello picks such a version",
                                  true},
};

static const char *suite_name(const struct check_context *ctx, uint16_t suite)
{
    const char *name = ctx->suite_name ? ctx->suite_name(suite) : NULL;
    return name ? name : "a TLS_DHE suite";
}

/* --- what each check says on its frame ----------------------------------- */

static void say_dhe_offered(const struct check_context *ctx, char *buf, size_t size)
{
    (void)ctx;
    snprintf(buf, size, "ClientHello offers TLS_DHE suites: if the server picks one and the two Windows builds "
                        "differ in the KB 4557473 fix, about 1 handshake in 256 fails");
}

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
             "%s negotiated: ephemeral finite-field Diffie-Hellman; between Windows builds with and without the "
             "KB 4557473 fix, a leading zero in dh_Ys or dh_Yc (1 in 256) breaks the handshake",
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
    snprintf(buf, size, "Server %s the connection first, %s (%s phase)", r->close_reset ? "reset" : "closed",
             tdstls_close_story(r), tdstls_phase_name(r->phase_at_close));
}

static void say_tls_alert(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size, "Fatal TLS alert %u during the handshake: the peers could not agree on TLS",
             ctx->found->alert_description);
}

/* Expert summaries stop at 240 characters: the short form here, the whole
 * story in tdstls.diagnosis. */
static void say_kb4557473(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size,
             "KB 4557473: DHE leading-zero mismatch: server quit after the client's Finished (frame %u) with %s; "
             "patch both ends or disable TLS_DHE suites",
             ctx->conn->frame_client_finished, suite_name(ctx, ctx->conn->suite));
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

/* --- rules on a PDU's TLS findings -------------------------------------- */

static bool offers_dhe(const struct tls_findings *f)
{
    return f->client_hello && f->offers_dhe;
}

static bool offers_old_tls_only(const struct tls_findings *f)
{
    return f->client_hello && f->offered_max_version && f->offered_max_version < TLS_1_2;
}

static bool negotiates_old_tls(const struct tls_findings *f)
{
    return f->server_hello && f->version < TLS_1_2;
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

/* --- rules on a labelled frame ------------------------------------------ */

static bool login_slow(const struct conn_results *r, uint32_t frame, const struct frame_label *l, unsigned budget_ms)
{
    (void)l;
    return r->phase_first_frame[PHASE_LOGIN_RESPONSE] == frame && tdstls_login_slow(r, budget_ms);
}

static bool server_closed_first(const struct conn_results *r, uint32_t frame, const struct frame_label *l,
                                unsigned budget_ms)
{
    (void)frame, (void)budget_ms;
    return l->first_close && r->close_side == SIDE_SERVER;
}

static bool kb4557473(const struct conn_results *r, uint32_t frame, const struct frame_label *l, unsigned budget_ms)
{
    (void)frame, (void)budget_ms;
    return l->first_close && r->diagnosis == DIAG_KB4557473;
}

static bool server_reset(const struct conn_results *r, uint32_t frame, const struct frame_label *l,
                         unsigned budget_ms)
{
    (void)r, (void)frame, (void)budget_ms;
    return l->reset == 1 + SIDE_SERVER;
}

static bool client_reset(const struct conn_results *r, uint32_t frame, const struct frame_label *l,
                         unsigned budget_ms)
{
    (void)r, (void)frame, (void)budget_ms;
    return l->reset == 1 + SIDE_CLIENT;
}

/* --- the table ------------------------------------------------------------ */

/* One row per check, in the order a frame shows them: the expert's name,
 * group, severity and summary; the preference that switches it off; its
 * short text for the tables; its words; its rule. */
const struct check_info tdstls_checks[N_CHECKS] = {
    {.id = CHECK_DHE_OFFERED, .name = "dhe_offered", .group = GROUP_SECURITY, .severity = SEVERITY_NOTE,
     .summary = "ClientHello offers TLS_DHE suites",
     .switched_by = SWITCH_CHECK_DHE, .short_text = "DHE offered",
     .message = say_dhe_offered, .on_findings = offers_dhe},
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
    {.id = CHECK_YS_LEADING_ZERO, .name = "ys_leading_zero", .group = GROUP_SECURITY, .severity = SEVERITY_WARN,
     .summary = "dh_Ys has a leading zero byte",
     .switched_by = SWITCH_CHECK_LEADING_ZERO, .short_text = "dh_Ys leading zero",
     .message = say_ys_leading_zero, .on_findings = ys_leading_zero},
    {.id = CHECK_YC_LEADING_ZERO, .name = "yc_leading_zero", .group = GROUP_SECURITY, .severity = SEVERITY_WARN,
     .summary = "dh_Yc has a leading zero byte",
     .switched_by = SWITCH_CHECK_LEADING_ZERO, .short_text = "dh_Yc leading zero",
     .message = say_yc_leading_zero, .on_findings = yc_leading_zero},
    {.id = CHECK_TLS_ALERT, .name = "tls_alert", .group = GROUP_RESPONSE_CODE, .severity = SEVERITY_ERROR,
     .summary = "Fatal TLS alert during the handshake",
     .switched_by = SWITCH_ALWAYS, .short_text = "fatal TLS alert",
     .message = say_tls_alert, .on_findings = fatal_alert},
    {.id = CHECK_MALFORMED, .name = "malformed", .group = GROUP_MALFORMED, .severity = SEVERITY_ERROR,
     .summary = "Malformed TLS inside TDS",
     .switched_by = SWITCH_ALWAYS, .short_text = "malformed TLS",
     .message = say_malformed, .on_findings = malformed},
    {.id = CHECK_TLS_NOT_DECODED, .name = "tls_not_decoded", .group = GROUP_UNDECODED, .severity = SEVERITY_NOTE,
     .summary = "TLS records not handed to Wireshark's TLS dissector",
     .switched_by = SWITCH_DECODE_TLS, .short_text = "TLS not decoded",
     .message = say_tls_not_decoded},
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
     .message = say_kb4557473, .on_frame = kb4557473},
    {.id = CHECK_SERVER_RESET, .name = "server_reset", .group = GROUP_SEQUENCE, .severity = SEVERITY_ERROR,
     .summary = "Server reset the connection",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "server reset",
     .on_frame = server_reset},
    {.id = CHECK_CLIENT_RESET, .name = "client_reset", .group = GROUP_SEQUENCE, .severity = SEVERITY_NOTE,
     .summary = "Client reset the connection (many drivers close this way)",
     .switched_by = SWITCH_CHECK_CLOSE, .short_text = "client reset",
     .on_frame = client_reset},
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
    check_set set = 0;
    for (int i = 0; i < N_CHECKS; i++)
        if (tdstls_checks[i].on_frame && tdstls_checks[i].on_frame(r, frame, l, login_budget_ms))
            set |= CHECK_BIT(i);
    return set;
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

/* --- what the first close means ---------------------------------------- */

static const char *how(const struct conn_results *r)
{
    return r->close_reset ? "reset" : "closed";
}

static void describe_kb4557473(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    snprintf(buf, size,
             "Server %s the connection right after the client's ClientKeyExchange (frame %u) and Finished "
             "(frame %u), without its own Finished and without an alert, with %s negotiated (frame %u): "
             "the Diffie-Hellman leading-zero mismatch of KB 4557473 (one side pads or strips a leading zero "
             "of dh_Ys/dh_Yc, the other does not; about 1 handshake in 256 fails). Remedy: install the fix on "
             "both client and server Windows, or disable the TLS_DHE_* cipher suites on either side.",
             how(r), r->frame_client_key_exchange, r->frame_client_finished, suite_name(ctx, r->suite),
             r->frame_server_hello);
}

static void describe_server_alert(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    snprintf(buf, size,
             "Server sent fatal TLS alert %u (frame %u) %s and %s the connection: the TLS handshake failed; "
             "compare the TLS versions and cipher suites the client offers with those enabled on the server.",
             r->alert_description, r->frame_alert, tdstls_close_story(r), how(r));
}

static void describe_no_common_tls(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    snprintf(buf, size,
             "Server %s the connection after the ClientHello (frame %u) without answering it: no TLS version "
             "or cipher suite in common (failed secure-channel negotiation). Compare the client's offer with "
             "the protocols and suites enabled on the server (Schannel: TLS 1.2 enabled on both sides?).",
             how(r), r->frame_client_hello);
}

static void describe_closed_before_prelogin_response(const struct check_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size,
             "Server %s the connection before answering PRELOGIN: not a SQL Server listener, or one that "
             "refuses the client (check the port, the SQL Server error log and any firewall or proxy).",
             how(ctx->conn));
}

static void describe_server_closed_first(const struct check_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    snprintf(buf, size,
             "Server %s the connection first, %s (%s): the client sees \"An existing connection was forcibly "
             "closed by the remote host\"; check the SQL Server error log for this time.",
             how(r), tdstls_close_story(r), tdstls_phase_name(r->phase_at_close));
}

const struct diagnosis_info tdstls_diagnoses[N_DIAGNOSES] = {
    {DIAG_NONE, "", CHECK_NONE, NULL, {0}},
    {DIAG_CLIENT_RESET, "client reset", CHECK_NONE, NULL, {0}},
    {DIAG_KB4557473, "KB 4557473: DHE leading-zero mismatch", CHECK_KB4557473, describe_kb4557473,
     {EVIDENCE_SERVER_HELLO, EVIDENCE_CLIENT_KEY_EXCHANGE, EVIDENCE_CLIENT_FINISHED}},
    {DIAG_SERVER_ALERT, "server fatal TLS alert", CHECK_NONE, describe_server_alert, {0}},
    {DIAG_NO_COMMON_TLS, "no common TLS version or suite", CHECK_NONE, describe_no_common_tls, {0}},
    {DIAG_CLOSED_BEFORE_PRELOGIN_RESPONSE, "server closed before PRELOGIN response", CHECK_NONE,
     describe_closed_before_prelogin_response, {0}},
    {DIAG_SERVER_CLOSED_FIRST, "server closed first", CHECK_NONE, describe_server_closed_first, {0}},
};

void tdstls_diagnosis_text(const struct check_context *ctx, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    enum tdstls_diagnosis d = ctx->conn->diagnosis;
    if ((unsigned)d < N_DIAGNOSES && tdstls_diagnoses[d].describe)
        tdstls_diagnoses[d].describe(ctx, buf, size);
}

static uint32_t evidence_frame(const struct conn_results *r, enum evidence e)
{
    switch (e) {
    case EVIDENCE_CLIENT_HELLO:
        return r->frame_client_hello;
    case EVIDENCE_SERVER_HELLO:
        return r->frame_server_hello;
    case EVIDENCE_SERVER_KEY_EXCHANGE:
        return r->frame_server_key_exchange;
    case EVIDENCE_CLIENT_KEY_EXCHANGE:
        return r->frame_client_key_exchange;
    case EVIDENCE_CLIENT_FINISHED:
        return r->frame_client_finished;
    case EVIDENCE_ALERT:
        return r->frame_alert;
    default:
        return 0;
    }
}

size_t tdstls_diagnosis_evidence(const struct conn_results *r, uint32_t frames[MAX_EVIDENCE])
{
    size_t n = 0;
    if ((unsigned)r->diagnosis >= N_DIAGNOSES)
        return 0;
    for (int i = 0; i < MAX_EVIDENCE; i++) {
        uint32_t f = evidence_frame(r, (enum evidence)tdstls_diagnoses[r->diagnosis].evidence[i]);
        if (f)
            frames[n++] = f;
    }
    return n;
}
