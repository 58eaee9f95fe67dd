/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diagnoses.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "login_auth.h"
#include "ntlm.h"
#include "suite_kinds.h"

#define PART_MAX 400

/* Appends to a string in buf, never past size. */
static void append(char *buf, size_t size, const char *format, ...)
{
    size_t used = strnlen(buf, size);
    if (used + 1 >= size)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(buf + used, size - used, format, args);
    va_end(args);
}

static const char *suite_name(const struct diagnosis_context *ctx)
{
    const char *name = ctx->suite_name ? ctx->suite_name(ctx->conn->suite) : NULL;
    return name ? name : "the negotiated suite";
}

static const char *side_name(enum tdstls_side side)
{
    return side == SIDE_SERVER ? "server" : "client";
}

static const char *alert_name(uint8_t description)
{
    const char *name = tls_alert_name(description);
    return name ? name : "unknown";
}

void tdstls_format_utc(int64_t seconds, char *buf, size_t size)
{
    /* civil from days (H. Hinnant's algorithm) */
    int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days--;
    }
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    snprintf(buf, size, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld UTC", (long long)year, (long long)month,
             (long long)day, (long long)(rest / 3600), (long long)(rest / 60 % 60), (long long)(rest % 60));
}

void tdstls_describe_offer(const struct conn_results *r, char *buf, size_t size)
{
    const char *low = tls_version_name(r->offered_min_version), *high = tls_version_name(r->offered_max_version);
    char versions[64];
    if (!high)
        snprintf(versions, sizeof versions, "an unknown TLS version");
    else if (!low || r->offered_min_version == r->offered_max_version)
        snprintf(versions, sizeof versions, "%s", high);
    else
        snprintf(versions, sizeof versions, "%s to %s", low, high);
    char kinds[96] = "";
    size_t used = 0;
    static const enum suite_kx order[] = {KX_TLS13, KX_ECDHE, KX_DHE, KX_RSA, KX_OTHER};
    int n_kinds = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (r->offered_kx & (1u << order[i])) {
            used += (size_t)snprintf(kinds + used, used < sizeof kinds ? sizeof kinds - used : 0, "%s%s",
                                     n_kinds ? ", " : "", tdstls_suite_kx_name(order[i]));
            n_kinds++;
        }
    const char *note = "";
    if (n_kinds == 1 && (r->offered_kx & (1u << KX_RSA)))
        note = " (only TLS_RSA suites)";
    else if (n_kinds && !(r->offered_kx & (1u << KX_ECDHE)) && !(r->offered_kx & (1u << KX_TLS13)))
        note = " (no ECDHE)";
    snprintf(buf, size, "%s, %u cipher suites: %s%s", versions, r->offered_suites, n_kinds ? kinds : "none",
             note);
}

void tdstls_describe_certificate(const struct cert_facts *c, char *buf, size_t size)
{
    if (!c->parsed) {
        snprintf(buf, size, "not readable");
        return;
    }
    char from[32], until[32], key[32];
    tdstls_format_utc(c->not_before, from, sizeof from);
    tdstls_format_utc(c->not_after, until, sizeof until);
    from[10] = until[10] = '\0';      /* the date is enough here */
    if (c->key_bits)
        snprintf(key, sizeof key, "%s %u", x509_key_name(c->key), c->key_bits);
    else
        snprintf(key, sizeof key, "%s", x509_key_name(c->key));
    snprintf(buf, size, "CN=%s, ", c->subject_cn[0] ? c->subject_cn : "(none)");
    if (c->self_signed)
        append(buf, size, "self-signed");
    else
        append(buf, size, "issued by CN=%s", c->issuer_cn[0] ? c->issuer_cn : "(none)");
    append(buf, size, ", valid %s to %s, %s, %s", from, until, key, c->signature);
    if (c->names[0])
        append(buf, size, ", names: %s", c->names);
}

/* How the side that gave up did: "sent fatal alert unknown_ca (48) in frame 9" */
static void how_gave_up(const struct conn_results *r, char *buf, size_t size)
{
    if (r->frame_diagnosis && r->frame_diagnosis == r->frame_alert) {
        if (r->alert_encrypted)
            snprintf(buf, size, "sent an encrypted alert in frame %u", r->frame_alert);
        else
            snprintf(buf, size, "sent fatal alert %s (%u) in frame %u", alert_name(r->alert_description),
                     r->alert_description, r->frame_alert);
    } else {
        snprintf(buf, size, "%s the connection (frame %u)", r->close_reset ? "reset" : "closed",
                 r->frame_first_close);
    }
}

/* What the certificate shows that a client may refuse. */
static void certificate_story(const struct conn_results *r, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!r->frame_certificate) {
        if (r->tls_version == TLS_1_3)
            append(buf, size, " In TLS 1.3 the certificate is encrypted: the capture cannot show it.");
        return;
    }
    char facts[PART_MAX], from[32], until[32];
    tdstls_describe_certificate(&r->cert, facts, sizeof facts);
    append(buf, size, " The certificate (frame %u): %s.", r->frame_certificate, facts);
    if (r->cert_outside_validity) {
        tdstls_format_utc(r->cert.not_before, from, sizeof from);
        tdstls_format_utc(r->cert.not_after, until, sizeof until);
        append(buf, size, " It is not valid at the capture's time (valid from %s to %s).", from, until);
    }
    if (r->cert_name_mismatch)
        append(buf, size, " It does not name %s, the server name the client asked for.", r->sni);
}

static const char remedy_certificate[] =
    " Remedy: make the client trust the certificate's issuer (its CA certificate, or a self-signed certificate "
    "itself, in the client's trust store), connect with a name the certificate holds, or renew an expired "
    "certificate. TrustServerCertificate=true (ODBC: TrustServerCertificate=yes) only as a stop-gap: it turns "
    "the check off and leaves the connection open to interception.";

/* What the client had sent when the server quit: its ClientKeyExchange
 * and Finished; in a capture a snapshot length cut, the start of that
 * flight, the rest told from the flights' shape. */
static void client_second_flight(const struct conn_results *r, char *buf, size_t size)
{
    if (r->frame_client_finished)
        snprintf(buf, size, "the client's ClientKeyExchange (frame %u) and Finished (frame %u)",
                 r->frame_client_key_exchange, r->frame_client_finished);
    else
        snprintf(buf, size,
                 "the client's second flight (frame %u; the capture's snapshot length cut it, so its Finished is "
                 "not in the capture: inferred from the shape of the flights. Capture without a snapshot length, "
                 "e.g. tcpdump -s 0, to see it)",
                 r->frame_client_flight_cut);
}

static void describe_kb4557473(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], shows[PART_MAX], flight[PART_MAX];
    how_gave_up(r, how, sizeof how);
    client_second_flight(r, flight, sizeof flight);
    if (r->ys_leading_zero || r->yc_leading_zero) {
        bool ys = r->ys_leading_zero != DH_NO_LEADING_ZERO;
        uint8_t kind = ys ? r->ys_leading_zero : r->yc_leading_zero;
        snprintf(shows, sizeof shows,
                 "a %s that %s (frame %u): an encoding older Microsoft stacks mishandle", ys ? "dh_Ys" : "dh_Yc",
                 kind == DH_ZERO_BYTE_FIRST ? "starts with a zero byte" : "is shorter than p",
                 ys ? r->frame_server_key_exchange : r->frame_client_key_exchange);
    } else if (!r->frame_client_finished) {
        snprintf(shows, sizeof shows,
                 "no leading zero in the Diffie-Hellman values it holds (what lies past the cut is not known); the "
                 "leading zero, if it is the cause, is in the shared secret, which no capture shows");
    } else {
        snprintf(shows, sizeof shows,
                 "dh_Ys and dh_Yc at full length, so the leading zero, if it is the cause, is in the shared "
                 "secret, which no capture shows: the abort after the client's Finished is the evidence");
    }
    snprintf(buf, size,
             "The server %s right after %s, "
             "without its own Finished, with %s negotiated (frame %u): the signature of the TLS_DHE leading-zero "
             "mismatch of Microsoft KB 4557473 (between Windows builds with and without its fix about 1 DHE "
             "handshake in 256 fails). This capture shows %s. Extended Master Secret %s. Remedy: install the "
             "KB 4557473 fix on both client and server, or disable the TLS_DHE_* cipher suites on either side.",
             how, flight, suite_name(ctx), r->frame_server_hello, shows,
             r->ems ? "was negotiated"
                    : "was not negotiated (the ServerHello has no extended_master_secret): Windows enforcing it "
                      "against a peer without it also fails about 1 DHE handshake in 256 (Microsoft KB 4528489; "
                      "Schannel event 36887, alert 20)");
}

static void describe_key_exchange_rejected(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], flight[PART_MAX];
    how_gave_up(r, how, sizeof how);
    client_second_flight(r, flight, sizeof flight);
    snprintf(buf, size,
             "The server %s right after %s, "
             "without its own Finished, with %s negotiated (frame %u), not a TLS_DHE suite: the server rejected "
             "the client's key exchange or Finished; not KB 4557473. The server's Windows System log (Schannel "
             "events) and the SQL Server error log at this time name the reason.",
             how, flight, suite_name(ctx), r->frame_server_hello);
}

static void describe_cert_rejected(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], story[PART_MAX + 160];
    how_gave_up(r, how, sizeof how);
    certificate_story(r, story, sizeof story);
    bool by_alert = r->frame_diagnosis == r->frame_alert;
    uint32_t seen = r->frame_certificate ? r->frame_certificate : r->frame_server_hello;
    snprintf(buf, size, "The client rejected the server's certificate: it %s after the server's %s (frame %u)%s.%s%s",
             how, r->frame_certificate ? "Certificate" : "flight", seen,
             by_alert ? ""
                      : " without sending its key exchange: clients that do not trust a certificate close so, "
                        "mostly without an alert (seen in captures of pytds, FreeTDS and jTDS); the client's error "
                        "names the reason, e.g. \"The certificate chain was issued by an authority that is not "
                        "trusted\"",
             story, remedy_certificate);
}

static void describe_closed_after_handshake(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], story[PART_MAX + 160];
    how_gave_up(r, how, sizeof how);
    certificate_story(r, story, sizeof story);
    snprintf(buf, size,
             "The client %s right after the TLS handshake completed (its Finished in frame %u) without sending "
             "LOGIN7. The capture shows the close; why is inferred: drivers that check the certificate only "
             "after the handshake (Node.js tedious, Python with a host-name check) close exactly so when they "
             "reject it, so the client probably rejected the certificate; its error message confirms it.%s%s",
             how, r->frame_client_finished, story, remedy_certificate);
}

static const char remedy_version[] =
    " Remedy: enable a version both sides have, TLS 1.2 on server and client (SQL Server builds before "
    "TLS 1.2 support need the update of Microsoft KB 3135244; Schannel's protocols are set in the registry "
    "under SCHANNEL\\Protocols), or update the client driver; TLS 1.0 and 1.1 are deprecated (RFC 8996).";

static void describe_version_mismatch(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], offer[PART_MAX], answer[64] = "";
    how_gave_up(r, how, sizeof how);
    tdstls_describe_offer(r, offer, sizeof offer);
    const char *chosen = tls_version_name(r->tls_version);
    if (r->frame_server_hello && chosen)
        snprintf(answer, sizeof answer, "; the server chose %s (frame %u)", chosen, r->frame_server_hello);
    snprintf(buf, size, "No TLS version in common: the %s %s%s. The client offered %s (frame %u)%s.%s",
             side_name(r->diagnosis_side), how,
             r->frame_diagnosis == r->frame_alert ? "" : " after the ClientHello without answering it", offer,
             r->frame_client_hello, answer, remedy_version);
}

/* A client closing after the server's flight without its key exchange has
 * either refused the TLS version or the certificate; the wire shows no
 * difference (neither sends an alert in the lab's captures). The version
 * is the likelier cause when the server chose TLS 1.0/1.1 and the client
 * offered TLS 1.2: current stacks refuse those versions by default (OpenSSL
 * 3 and Java 17 do; pytds closes so in pytds-server-tls10-refused), while a
 * certificate is refused only when untrusted. */
static void describe_version_refused(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], story[PART_MAX + 160];
    how_gave_up(r, how, sizeof how);
    certificate_story(r, story, sizeof story);
    const char *chosen = tls_version_name(r->tls_version), *offered = tls_version_name(r->offered_max_version);
    snprintf(buf, size,
             "The client %s after the server's flight (frame %u) without sending its key exchange. Two causes "
             "end a handshake so and the capture cannot tell them apart; likelier first: (1) the client refused "
             "%s, which the server chose (frame %u) although the client offered up to %s (frame %u): current "
             "clients refuse TLS 1.0 and 1.1 by default (OpenSSL 3, Java 17), which makes this the likelier "
             "cause.%s (2) The client rejected the server's certificate (its error names a certificate or trust "
             "problem if so).%s",
             how, r->frame_server_hello, chosen ? chosen : "the server's TLS version", r->frame_server_hello,
             offered ? offered : "TLS 1.2", r->frame_client_hello, remedy_version, story);
}

static void describe_no_common_suite(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], offer[PART_MAX];
    how_gave_up(r, how, sizeof how);
    tdstls_describe_offer(r, offer, sizeof offer);
    snprintf(buf, size,
             "No cipher suite in common: the server %s in answer to the ClientHello (frame %u), which offered %s. "
             "Remedy: enable on the server a suite the client offers, or on the client one the server allows "
             "(Windows: the SSL cipher suite order policy; OpenSSL and GnuTLS clients: their cipher settings).",
             how, r->frame_client_hello, offer);
}

static void describe_no_common_tls(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96], offer[PART_MAX];
    how_gave_up(r, how, sizeof how);
    tdstls_describe_offer(r, offer, sizeof offer);
    snprintf(buf, size,
             "The server %s after the ClientHello (frame %u) without answering it and without an alert: no TLS "
             "version or cipher suite in common (a failed secure-channel negotiation; the capture cannot tell "
             "which). The client offered %s. Remedy: compare with the protocols and suites enabled on the server: "
             "TLS 1.2 on both sides, and a suite both have.",
             how, r->frame_client_hello, offer);
}

static void describe_fatal_alert(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96];
    how_gave_up(r, how, sizeof how);
    snprintf(buf, size,
             "The %s %s during the %s phase: the TLS handshake failed there. The %s's log (Schannel events in "
             "the Windows System log, or the driver's error) names the cause.",
             side_name(r->diagnosis_side), how, tdstls_phase_name(r->phase_at_diagnosis),
             side_name(r->diagnosis_side));
}

static void describe_client_quit_handshake(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    char how[96];
    how_gave_up(r, how, sizeof how);
    snprintf(buf, size,
             "The client %s during the TLS handshake, before the server's certificate: a client-side TLS error or "
             "time-out, not a refusal by the server; the client's error message names it.",
             how);
}

static void describe_closed_before_prelogin_response(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    snprintf(buf, size,
             "Server %s the connection before answering PRELOGIN: not a SQL Server listener, or one that "
             "refuses the client (check the port, the SQL Server error log and any firewall or proxy).",
             ctx->conn->close_reset ? "reset" : "closed");
}

static void describe_server_closed_first(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    snprintf(buf, size,
             "Server %s the connection first, %s (%s): the client sees \"An existing connection was forcibly "
             "closed by the remote host\"; check the SQL Server error log for this time.",
             r->close_reset ? "reset" : "closed", tdstls_close_story(r), tdstls_phase_name(r->phase_at_close));
}

/* SQL Server tells every client state 1 and writes the real state, which
 * names the cause, to its error log (Microsoft's MSSQLSERVER_18456
 * article); the words say so rather than guess. */
static void describe_login_failed(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    const struct login_answer *a = &r->login;
    char who[NTLM_ACCOUNT_MAX + 48] = "", account[NTLM_ACCOUNT_MAX];
    if (r->frame_ntlm_authenticate) {
        ntlm_account(&r->ntlm, account);
        snprintf(who, sizeof who, " for Windows user %s (NTLM, frame %u)", account, r->frame_ntlm_authenticate);
    }
    const char *how = login_auth_name((enum login_auth)r->auth);
    char mechanism[64] = "";
    if (how[0])
        snprintf(mechanism, sizeof mechanism, "; the client logs in with %s", how);
    if (a->error_number == 18456)
        snprintf(buf, size,
                 "The server refused the login (frame %u): error 18456, state %u, class %u%s: \"%s\"%s. Everything "
                 "before the login worked. Every client is told state 1; the real state, which names "
                 "the cause (5: unknown login, 8: wrong password, 11 or 12: authenticated but no access to the "
                 "server, 38: the database asked for is missing or closed to it), is in the SQL Server error log at this "
                 "time (Microsoft's MSSQLSERVER_18456 article). Remedy: read that entry; then fix the password, "
                 "create the login, or grant it access.",
                 r->frame_login_answer, a->error_state, a->error_class, who, a->error_message, mechanism);
    else
        snprintf(buf, size,
                 "The server refused the login (frame %u): error %u, state %u, class %u%s: \"%s\"%s. Everything "
                 "before the login worked; the message names the cause, and the SQL Server error "
                 "log has more at this time.",
                 r->frame_login_answer, a->error_number, a->error_state, a->error_class, who, a->error_message,
                 mechanism);
}

static void describe_connection_refused(const struct diagnosis_context *ctx, char *buf, size_t size)
{
    const struct conn_results *r = ctx->conn;
    snprintf(buf, size,
             "The server answered the client's SYN (frame %u) with a RST (frame %u): nothing listens on that "
             "address and port, so the client cannot open a connection (SQL Server clients report error 40 or "
             "\"could not open a connection\"). Remedy: check that the SQL Server service runs, that it listens "
             "on this port (a named instance uses a port of its own, which SQL Server Browser gives), and the "
             "address the client uses. A port scan probing a closed port looks the same.",
             r->phase_first_frame[PHASE_TCP_HANDSHAKE], r->frame_first_close);
}

#define EV(...) {__VA_ARGS__}
const struct diagnosis_info tdstls_diagnoses[N_DIAGNOSES] = {
    {DIAG_NONE, "none", "", NULL, EV(0)},
    {DIAG_CLIENT_RESET, "client_reset", "client reset", NULL, EV(0)},
    {DIAG_KB4557473, "kb4557473", "KB 4557473: DHE abort after the client's Finished", describe_kb4557473,
     EV(EVIDENCE_SERVER_HELLO, EVIDENCE_CLIENT_KEY_EXCHANGE, EVIDENCE_CLIENT_FINISHED, EVIDENCE_ALERT, EVIDENCE_CLOSE)},
    {DIAG_KEY_EXCHANGE_REJECTED, "key_exchange_rejected", "server rejected the key exchange (not DHE)",
     describe_key_exchange_rejected,
     EV(EVIDENCE_SERVER_HELLO, EVIDENCE_CLIENT_KEY_EXCHANGE, EVIDENCE_CLIENT_FINISHED, EVIDENCE_ALERT, EVIDENCE_CLOSE)},
    {DIAG_CERT_REJECTED, "cert_rejected", "client rejected the certificate", describe_cert_rejected,
     EV(EVIDENCE_SERVER_HELLO, EVIDENCE_CERTIFICATE, EVIDENCE_ALERT, EVIDENCE_CLOSE)},
    {DIAG_CLOSED_AFTER_HANDSHAKE, "closed_after_handshake", "client closed after the handshake (certificate?)",
     describe_closed_after_handshake, EV(EVIDENCE_CERTIFICATE, EVIDENCE_CLIENT_FINISHED, EVIDENCE_CLOSE)},
    {DIAG_VERSION_MISMATCH, "tls_version_mismatch", "no common TLS version", describe_version_mismatch,
     EV(EVIDENCE_CLIENT_HELLO, EVIDENCE_SERVER_HELLO, EVIDENCE_ALERT, EVIDENCE_CLOSE)},
    {DIAG_NO_COMMON_SUITE, "no_common_suite", "no common cipher suite", describe_no_common_suite,
     EV(EVIDENCE_CLIENT_HELLO, EVIDENCE_ALERT)},
    {DIAG_NO_COMMON_TLS, "no_common_tls", "no common TLS version or suite", describe_no_common_tls,
     EV(EVIDENCE_CLIENT_HELLO, EVIDENCE_CLOSE)},
    {DIAG_FATAL_ALERT, "fatal_alert", "fatal TLS alert", describe_fatal_alert, EV(EVIDENCE_ALERT)},
    {DIAG_CLIENT_QUIT_HANDSHAKE, "client_quit_handshake", "client quit the TLS handshake",
     describe_client_quit_handshake, EV(EVIDENCE_CLIENT_HELLO, EVIDENCE_SERVER_HELLO, EVIDENCE_CLOSE)},
    {DIAG_CLOSED_BEFORE_PRELOGIN_RESPONSE, "closed_before_prelogin_response",
     "server closed before PRELOGIN response", describe_closed_before_prelogin_response, EV(0)},
    {DIAG_SERVER_CLOSED_FIRST, "server_closed_first", "server closed first", describe_server_closed_first, EV(0)},
    {DIAG_VERSION_REFUSED, "tls_version_refused", "client refused the server's TLS 1.0/1.1 (or its certificate)",
     describe_version_refused, EV(EVIDENCE_CLIENT_HELLO, EVIDENCE_SERVER_HELLO, EVIDENCE_CERTIFICATE, EVIDENCE_CLOSE)},
    {DIAG_LOGIN_FAILED, "login_failed", "login refused", describe_login_failed,
     EV(EVIDENCE_NTLM_AUTHENTICATE, EVIDENCE_LOGIN_ANSWER)},
    {DIAG_CONNECTION_REFUSED, "connection_refused", "connection refused: nothing listens there",
     describe_connection_refused, EV(EVIDENCE_CLOSE)},
};

void tdstls_diagnosis_text(const struct diagnosis_context *ctx, char *buf, size_t size)
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
    case EVIDENCE_CERTIFICATE:
        return r->frame_certificate;
    case EVIDENCE_SERVER_KEY_EXCHANGE:
        return r->frame_server_key_exchange;
    case EVIDENCE_CLIENT_KEY_EXCHANGE:
        return r->frame_client_key_exchange;
    case EVIDENCE_CLIENT_FINISHED:
        return r->frame_client_finished ? r->frame_client_finished : r->frame_client_flight_cut;
    case EVIDENCE_SERVER_FINISHED:
        return r->frame_server_finished;
    case EVIDENCE_ALERT:
        return r->frame_diagnosis == r->frame_alert ? r->frame_alert : 0;
    case EVIDENCE_CLOSE:
        return r->frame_diagnosis == r->frame_first_close ? r->frame_first_close : 0;
    case EVIDENCE_NTLM_AUTHENTICATE:
        return r->frame_ntlm_authenticate;
    case EVIDENCE_LOGIN_ANSWER:
        return r->frame_login_answer;
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
        bool seen = false;
        for (size_t j = 0; j < n; j++)
            seen |= frames[j] == f;
        if (f && !seen)
            frames[n++] = f;
    }
    return n;
}
