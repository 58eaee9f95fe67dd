/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "connection.h"

#include <stdio.h>
#include <string.h>

#include "tds_prelogin.h"

/* After the TLS handshake the exchange alternates; without a keylog, order
 * and direction tell the phases. TDS 7.x: login, login response, commands.
 * TDS 8 puts PRELOGIN inside TLS, so its pair comes first. The last step
 * takes both directions. */
struct step {
    enum tdstls_side side;
    enum tdstls_phase phase;
};
static const struct step tds7_steps[] = {
    {SIDE_CLIENT, PHASE_LOGIN}, {SIDE_SERVER, PHASE_LOGIN_RESPONSE}, {SIDE_CLIENT, PHASE_COMMANDS}};
static const struct step tds8_steps[] = {{SIDE_CLIENT, PHASE_PRELOGIN},
                                         {SIDE_SERVER, PHASE_PRELOGIN},
                                         {SIDE_CLIENT, PHASE_LOGIN},
                                         {SIDE_SERVER, PHASE_LOGIN_RESPONSE},
                                         {SIDE_CLIENT, PHASE_COMMANDS}};

static const char *const phase_names[] = {
    "Unknown", "TCP handshake", "Pre-login", "TLS handshake", "Login", "Login response", "Commands", "Close",
};

const char *tdstls_phase_name(enum tdstls_phase p)
{
    return (unsigned)p < sizeof phase_names / sizeof phase_names[0] ? phase_names[p] : "?";
}

void tdstls_conn_init(struct tdstls_conn *c)
{
    memset(c, 0, sizeof *c);
    tls_reader_init(&c->reader[SIDE_CLIENT], false);
    tls_reader_init(&c->reader[SIDE_SERVER], true);
    c->encryption_requested = c->encryption_answered = TDS_ENCRYPT_UNKNOWN;
}

void tdstls_conn_prelogin(struct tdstls_conn *c, enum tdstls_side side, const uint8_t *payload, size_t len)
{
    uint8_t enc;
    if (!tds_prelogin_encryption(payload, len, &enc))
        return;
    if (side == SIDE_CLIENT)
        c->encryption_requested = enc;
    else
        c->encryption_answered = enc;
}

/* Start of a data event: a new frame resets what we know of the frame. */
static void at_frame(struct tdstls_conn *c, uint32_t frame)
{
    if (c->frame != frame) {
        c->frame = frame;
        c->frame_has_data = false;
        c->frame_phase = PHASE_UNKNOWN;
        c->frame_inferred = false;
    }
}

/* The connection moved to phase p; the frame takes the first phase its data showed. */
static void enter(struct tdstls_conn *c, enum tdstls_phase p, bool inferred)
{
    if (c->phase == PHASE_CLOSE)
        return;                              /* data after FIN/RST stays in Close */
    c->phase = p;
    c->phase_inferred = inferred;
    if (!c->frame_has_data) {
        c->frame_has_data = true;
        c->frame_phase = p;
        c->frame_inferred = inferred;
    }
}

static void after_handshake(struct tdstls_conn *c, enum tdstls_side side, bool inferred)
{
    const struct step *steps = c->tls_first ? tds8_steps : tds7_steps;
    unsigned n = c->tls_first ? sizeof tds8_steps / sizeof tds8_steps[0] : sizeof tds7_steps / sizeof tds7_steps[0];
    if (c->step >= n)
        c->step = (uint8_t)(n - 1);
    if (steps[c->step].side != side && c->step + 1u < n)
        c->step++;
    enter(c, steps[c->step].phase, inferred);
}

static void note_findings(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, const struct tls_findings *f)
{
    if (f->client_hello && !c->frame_client_hello) {
        c->frame_client_hello = frame;
        c->dhe_offered = f->offers_dhe;
    }
    if (f->server_hello && !c->frame_server_hello) {
        c->frame_server_hello = frame;
        c->tls_version = f->version;
    }
    if (f->server_key_exchange_dh && !c->frame_server_key_exchange) {
        c->frame_server_key_exchange = frame;
        c->ys_len = f->ys_len;
        c->ys_leading_zero = f->ys_zero_byte || f->ys_len < f->p_len;
    }
    if (f->client_key_exchange_dh && !c->frame_client_key_exchange) {
        c->frame_client_key_exchange = frame;
        c->yc_len = f->yc_len;
        c->yc_leading_zero = f->yc_zero_byte || (c->tls.p_len && f->yc_len < c->tls.p_len);
    }
    if (f->finished) {
        if (side == SIDE_CLIENT && !c->frame_client_finished)
            c->frame_client_finished = frame;
        if (side == SIDE_SERVER)
            c->server_finished = true;
    }
    if (f->alert && !c->alert_seen) {
        c->alert_seen = true;
        c->alert_from_server = side == SIDE_SERVER;
        c->alert_level = f->alert_level;
        c->alert_description = f->alert_description;
        c->frame_alert = frame;
    }
}

void tdstls_conn_tls(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, bool in_prelogin,
                     const struct tls_allocator *a, const uint8_t *records, size_t len, struct tls_findings *f)
{
    at_frame(c, frame);
    if (!c->tls_in_prelogin && !c->tls_first) {
        if (in_prelogin)
            c->tls_in_prelogin = true;
        else if (c->phase <= PHASE_TCP_HANDSHAKE && len > 0 && records[0] == TLS_CT_HANDSHAKE)
            c->tls_first = true;             /* a clear handshake before any TDS: TDS 8 strict */
    }
    /* Without the handshake's start we cannot tell phases from records. */
    bool following = c->tls_in_prelogin || c->tls_first;
    /* TDS 7.x: the client's first raw record after a PRELOGIN handshake
     * means the handshake is over, whatever we could read of it. */
    if (c->tls_in_prelogin && !in_prelogin && side == SIDE_CLIENT)
        c->handshake_done = true;

    struct tls_findings one;
    size_t off = 0;
    while (len - off >= TLS_RECORD_HEADER_LEN) {
        size_t rec = tls_record_total_length(records + off);
        if (rec > len - off)
            break;
        memset(&one, 0, sizeof one);
        tls_reader_record(&c->reader[side], &c->tls, a, records + off, rec, &one);
        note_findings(c, frame, side, &one);
        if (!following) {
            enter(c, c->phase, c->phase_inferred);
        } else if (!c->handshake_done) {
            enter(c, PHASE_TLS_HANDSHAKE, false);
            if ((c->tls.tls13 && c->frame_client_finished) || (c->frame_client_finished && c->server_finished))
                c->handshake_done = true;
        } else if (one.application_data) {
            after_handshake(c, side, true);
        } else {
            enter(c, c->phase, c->phase_inferred);
        }
        tls_findings_merge(f, &one);
        if (one.client_key_exchange_dh)
            f->yc_short = c->tls.p_len && one.yc_len < c->tls.p_len;
        off += rec;
    }
    if (in_prelogin && !c->handshake_done)
        enter(c, PHASE_TLS_HANDSHAKE, false);
}

void tdstls_conn_clear_tds(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type)
{
    at_frame(c, frame);
    if (side == SIDE_CLIENT && tds_type == TDS_PRELOGIN && c->phase <= PHASE_PRELOGIN) {
        enter(c, PHASE_PRELOGIN, false);
        return;
    }
    if (side == SIDE_SERVER && c->phase == PHASE_PRELOGIN && tds_type == TDS_RESPONSE) {
        c->prelogin_response_seen = true;
        enter(c, PHASE_PRELOGIN, false);
        return;
    }
    if (side == SIDE_CLIENT) {
        switch (tds_type) {
        case TDS_LOGIN7:
        case TDS_SSPI:
        case TDS_FEDAUTH_TOKEN:
            if (c->phase < PHASE_LOGIN) {
                c->handshake_done = true;
                c->step = 0;             /* the login step of the TDS 7 sequence */
            }
            break;
        case TDS_SQL_BATCH:
        case TDS_RPC:
        case TDS_ATTENTION:
        case TDS_BULK_LOAD:
        case TDS_TRANSACTION_MANAGER:
            c->handshake_done = true;
            c->step = c->tls_first ? 4 : 2;  /* the commands step */
            break;
        default:
            break;
        }
    }
    if (c->handshake_done || c->prelogin_response_seen) {
        c->handshake_done = true;
        after_handshake(c, side, false);
    }
}

/* The phase a decrypted TDS packet belongs to. */
static enum tdstls_phase decrypted_phase(const struct tdstls_conn *c, enum tdstls_side side, uint8_t type)
{
    uint8_t asked = side == SIDE_CLIENT ? type : c->last_client_tds_type;
    switch (asked) {
    case TDS_PRELOGIN:
        return PHASE_PRELOGIN;
    case TDS_LOGIN7:
    case TDS_SSPI:
    case TDS_FEDAUTH_TOKEN:
        return side == SIDE_CLIENT ? PHASE_LOGIN : PHASE_LOGIN_RESPONSE;
    case TDS_SQL_BATCH:
    case TDS_RPC:
    case TDS_ATTENTION:
    case TDS_BULK_LOAD:
    case TDS_TRANSACTION_MANAGER:
        return PHASE_COMMANDS;
    default:
        return PHASE_UNKNOWN;
    }
}

void tdstls_conn_decrypted_tds(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type)
{
    at_frame(c, frame);
    if (side == SIDE_CLIENT)
        c->last_client_tds_type = tds_type;
    enum tdstls_phase p = decrypted_phase(c, side, tds_type);
    if (p == PHASE_UNKNOWN || c->phase == PHASE_CLOSE || !c->handshake_done)
        return;
    /* keep the order-and-direction machine in step for frames we cannot decrypt */
    const struct step *steps = c->tls_first ? tds8_steps : tds7_steps;
    unsigned n = c->tls_first ? sizeof tds8_steps / sizeof tds8_steps[0] : sizeof tds7_steps / sizeof tds7_steps[0];
    for (unsigned i = 0; i < n; i++)
        if (steps[i].side == side && steps[i].phase == p && i >= c->step) {
            c->step = (uint8_t)i;
            break;
        }
    c->phase = p;
    c->phase_inferred = false;
    /* a guess for this frame gives way; a frame that began with the client's
     * Finished (never a guess) stays in the TLS handshake */
    if (!c->frame_has_data || c->frame_inferred) {
        c->frame_has_data = true;
        c->frame_phase = p;
        c->frame_inferred = false;
    }
}

void tdstls_conn_other_data(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side)
{
    (void)side;
    at_frame(c, frame);
    enter(c, c->phase, c->phase_inferred);
}

enum tdstls_phase tdstls_conn_tcp(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, bool syn, bool fin,
                                  bool rst, bool *inferred, unsigned *close_flags)
{
    at_frame(c, frame);
    *close_flags = 0;
    *inferred = false;
    if (rst)
        *close_flags |= side == SIDE_SERVER ? CLOSE_SERVER_RESET : CLOSE_CLIENT_RESET;
    if ((fin || rst) && !c->frame_first_close) {
        c->frame_first_close = frame;
        c->close_side = side;
        c->close_reset = rst;
        c->phase_at_close = c->frame_has_data ? c->frame_phase : c->phase;
        /* KB 4557473: DHE negotiated, the client sent ClientKeyExchange and
         * Finished, and the server quit without its own Finished and without
         * an alert: the two ends derived different keys. */
        c->kb4557473 = side == SIDE_SERVER && c->tls.dhe && c->frame_client_key_exchange &&
                       c->frame_client_finished && !c->server_finished &&
                       !(c->alert_seen && c->alert_from_server);
        c->phase = PHASE_CLOSE;
        c->phase_inferred = false;
        *close_flags |= CLOSE_FIRST | (side == SIDE_SERVER ? CLOSE_BY_SERVER : 0) | (rst ? CLOSE_RESET : 0) |
                        (c->kb4557473 ? CLOSE_KB4557473 : 0);
        return PHASE_CLOSE;
    }
    if (c->phase == PHASE_CLOSE)
        return PHASE_CLOSE;
    if (syn) {
        c->saw_syn = true;
        c->phase = PHASE_TCP_HANDSHAKE;
        return PHASE_TCP_HANDSHAKE;
    }
    if (c->frame_has_data) {
        *inferred = c->frame_inferred;
        return c->frame_phase;
    }
    /* a bare ACK: the phase of the connection at that moment */
    *inferred = c->phase_inferred;
    return c->phase;
}

const char *tdstls_close_story(const struct tdstls_conn *c)
{
    if (c->phase_at_close <= PHASE_PRELOGIN && !c->prelogin_response_seen)
        return "before the PRELOGIN response";
    switch (c->phase_at_close) {
    case PHASE_UNKNOWN:
    case PHASE_TCP_HANDSHAKE:
    case PHASE_PRELOGIN:
        return "during pre-login";
    case PHASE_TLS_HANDSHAKE:
        return "during the TLS handshake";
    case PHASE_LOGIN:
    case PHASE_LOGIN_RESPONSE:
        return "during login";
    default:
        return "after login";
    }
}

void tdstls_conn_diagnosis(const struct tdstls_conn *c, const char *suite_name, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    if (!c->frame_first_close || c->close_side != SIDE_SERVER)
        return;
    const char *how = c->close_reset ? "reset" : "closed";
    if (c->kb4557473) {
        snprintf(buf, size,
                 "Server %s the connection right after the client's ClientKeyExchange (frame %u) and Finished "
                 "(frame %u), without its own Finished and without an alert, with %s negotiated (frame %u): "
                 "the Diffie-Hellman leading-zero mismatch of KB 4557473 (one side pads or strips a leading zero "
                 "of dh_Ys/dh_Yc, the other does not; about 1 handshake in 256 fails). Remedy: install the fix on "
                 "both client and server Windows, or disable the TLS_DHE_* cipher suites on either side.",
                 how, c->frame_client_key_exchange, c->frame_client_finished, suite_name ? suite_name : "a TLS_DHE suite",
                 c->frame_server_hello);
    } else if (c->alert_seen && c->alert_from_server && c->alert_level == 2) {
        snprintf(buf, size,
                 "Server sent fatal TLS alert %u (frame %u) %s and %s the connection: the TLS handshake failed; "
                 "compare the TLS versions and cipher suites the client offers with those enabled on the server.",
                 c->alert_description, c->frame_alert, tdstls_close_story(c), how);
    } else if (c->phase_at_close == PHASE_TLS_HANDSHAKE && c->frame_client_hello && !c->frame_server_hello) {
        snprintf(buf, size,
                 "Server %s the connection after the ClientHello (frame %u) without answering it: no TLS version "
                 "or cipher suite in common (failed secure-channel negotiation). Compare the client's offer with "
                 "the protocols and suites enabled on the server (Schannel: TLS 1.2 enabled on both sides?).",
                 how, c->frame_client_hello);
    } else if (c->phase_at_close <= PHASE_PRELOGIN && !c->prelogin_response_seen) {
        snprintf(buf, size,
                 "Server %s the connection before answering PRELOGIN: not a SQL Server listener, or one that "
                 "refuses the client (check the port, the SQL Server error log and any firewall or proxy).",
                 how);
    } else {
        snprintf(buf, size,
                 "Server %s the connection first, %s (%s): the client sees \"An existing connection was forcibly "
                 "closed by the remote host\"; check the SQL Server error log for this time.",
                 how, tdstls_close_story(c), tdstls_phase_name(c->phase_at_close));
    }
}
