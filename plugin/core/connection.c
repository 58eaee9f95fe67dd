/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "connection.h"

#include <string.h>

#include "tds_prelogin.h"
#include "tls_clip.h"

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
#define N_TDS7_STEPS (sizeof tds7_steps / sizeof tds7_steps[0])
#define N_TDS8_STEPS (sizeof tds8_steps / sizeof tds8_steps[0])

static const char *const phase_names[N_PHASES] = {
    "Unknown", "TCP handshake", "Pre-login", "TLS handshake", "Login", "Login response", "Commands", "Close",
};

const char *tdstls_phase_name(enum tdstls_phase p)
{
    return (unsigned)p < N_PHASES ? phase_names[p] : "?";
}

void tdstls_conn_init(struct conn_analysis *c, const struct tls_allocator *alloc, int64_t start_ns)
{
    memset(c, 0, sizeof *c);
    c->track.alloc = alloc;
    tls_reader_init(&c->track.reader[SIDE_CLIENT], false);
    tls_reader_init(&c->track.reader[SIDE_SERVER], true);
    c->res.start_ns = start_ns;
    c->res.encryption = TDS_ENCRYPT_UNKNOWN;
}

void tdstls_conn_free(struct conn_analysis *c)
{
    const struct tls_allocator *a = c->track.alloc;
    for (int side = 0; side < 2; side++)
        if (c->track.reader[side].body)
            a->release(a->ctx, c->track.reader[side].body);
    if (c->res.runs)
        a->release(a->ctx, c->res.runs);
    c->res.runs = NULL;
    c->res.n_runs = c->res.runs_room = 0;
}

/* Start of a data event: a new frame resets what we know of the frame. */
static void at_frame(struct conn_tracking *t, uint32_t frame)
{
    if (t->frame != frame) {
        t->frame = frame;
        t->frame_has_data = false;
        t->frame_phase = PHASE_UNKNOWN;
        t->frame_inferred = false;
    }
}

/* The connection moved to phase p; the frame takes the first phase its data showed. */
static void enter(struct conn_tracking *t, enum tdstls_phase p, bool inferred)
{
    if (t->phase == PHASE_CLOSE)
        return;                              /* data after FIN/RST stays in Close */
    t->phase = p;
    t->phase_inferred = inferred;
    if (!t->frame_has_data) {
        t->frame_has_data = true;
        t->frame_phase = p;
        t->frame_inferred = inferred;
    }
}

static void stay(struct conn_tracking *t)
{
    enter(t, t->phase, t->phase_inferred);
}

static const struct step *steps_of(const struct conn_analysis *c, unsigned *n)
{
    *n = c->res.tls_first ? N_TDS8_STEPS : N_TDS7_STEPS;
    return c->res.tls_first ? tds8_steps : tds7_steps;
}

static void after_handshake(struct conn_analysis *c, enum tdstls_side side, bool inferred)
{
    unsigned n;
    const struct step *steps = steps_of(c, &n);
    struct conn_tracking *t = &c->track;
    if (t->step >= n)
        t->step = (uint8_t)(n - 1);
    if (steps[t->step].side != side && t->step + 1u < n)
        t->step++;
    enter(t, steps[t->step].phase, inferred);
}

/* What the handshake showed, into the results: the first of each kind counts. */
static void note_findings(struct conn_results *r, uint32_t frame, enum tdstls_side side, const struct tls_findings *f)
{
    if (f->client_hello && !r->frame_client_hello) {
        r->frame_client_hello = frame;
        r->dhe_offered = f->offers_dhe;
        r->offered_min_version = f->offered_min_version;
        r->offered_max_version = f->offered_max_version;
        r->offered_suites = f->offered_suites;
        r->offered_kx = f->offered_kx;
        r->offers_ems = f->offers_ems;
        memcpy(r->sni, f->sni, sizeof r->sni);
    }
    if (f->server_hello && !r->frame_server_hello) {
        r->frame_server_hello = frame;
        r->suite_known = true;
        r->suite = f->suite;
        r->dhe = f->suite_dhe;
        r->tls_version = f->version;
        r->ems = f->ems;
    }
    if (f->certificate && !r->frame_certificate) {
        r->frame_certificate = frame;
        r->cert = f->cert;
    }
    if (f->server_key_exchange_dh && !r->frame_server_key_exchange) {
        r->frame_server_key_exchange = frame;
        r->ys_leading_zero = f->ys_leading_zero;
    }
    if (f->client_key_exchange && !r->frame_client_key_exchange) {
        r->frame_client_key_exchange = frame;
        r->yc_leading_zero = f->yc_leading_zero;
    }
    if (f->finished) {
        uint32_t *finished = side == SIDE_CLIENT ? &r->frame_client_finished : &r->frame_server_finished;
        if (!*finished)
            *finished = frame;
    }
    /* an alert we cannot read counts during the handshake only: after it,
     * encrypted alerts are mostly close_notify */
    bool in_handshake = !(r->frame_client_finished && r->frame_server_finished);
    bool fatal = (f->alert && f->alert_level == TLS_ALERT_LEVEL_FATAL) || (f->alert_encrypted && in_handshake);
    if (fatal && !r->frame_alert) {
        r->frame_alert = frame;
        r->alert_side = side;
        r->alert_encrypted = !f->alert;
        r->alert_description = f->alert ? f->alert_description : 0;
    }
}

/* What the connection knows of the server's certificate that the
 * certificate alone does not: the capture's time, the name the client asked
 * for. */
static void judge_certificate(const struct conn_results *r, int64_t time_ns, struct tls_findings *f)
{
    if (!f->certificate || !f->cert.parsed)
        return;
    int64_t now = time_ns / 1000000000;
    f->cert_outside_validity = now < f->cert.not_before || now > f->cert.not_after;
    f->cert_name_mismatch = r->sni[0] && !x509_names_host(&f->cert, r->sni);
}

static void diagnose_alert(struct conn_results *r);
static void decide(struct conn_results *r, enum tdstls_diagnosis d, uint32_t frame, enum tdstls_side side);

void tdstls_conn_tls(struct conn_analysis *c, uint32_t frame, int64_t time_ns, enum tdstls_side side,
                     bool in_prelogin, const uint8_t *records, size_t len, struct tls_findings *f,
                     struct tls_traits *traits)
{
    struct conn_tracking *t = &c->track;
    struct conn_results *r = &c->res;
    at_frame(t, frame);
    if (!r->tls_in_prelogin && !r->tls_first) {
        if (in_prelogin)
            r->tls_in_prelogin = true;
        else if (t->phase <= PHASE_TCP_HANDSHAKE && len > 0 && records[0] == TLS_CT_HANDSHAKE)
            r->tls_first = true;             /* a clear handshake before any TDS: TDS 8 strict */
    }
    /* Without the handshake's start we cannot tell phases from records. */
    bool following = r->tls_in_prelogin || r->tls_first;
    /* TDS 7.x: the client's first raw record after a PRELOGIN handshake
     * means the handshake is over, whatever we could read of it. */
    if (r->tls_in_prelogin && !in_prelogin && side == SIDE_CLIENT)
        t->handshake_done = true;

    size_t off = 0;
    while (len - off >= TLS_RECORD_HEADER_LEN) {
        size_t rec = tls_record_total_length(records + off);
        if (rec > len - off)
            break;
        struct tls_traits one = {0};
        tls_reader_record(&t->reader[side], &t->tls, t->alloc, records + off, rec, f, &one);
        judge_certificate(r, time_ns, f);
        note_findings(r, frame, side, f);
        if (!following) {
            stay(t);
        } else if (!t->handshake_done) {
            enter(t, PHASE_TLS_HANDSHAKE, false);
            if ((t->tls.tls13 && r->frame_client_finished) || (r->frame_client_finished && r->frame_server_finished))
                t->handshake_done = true;
        } else if (one.application_data) {
            if (side == SIDE_CLIENT && !r->frame_client_data)
                r->frame_client_data = frame;
            after_handshake(c, side, true);
        } else {
            stay(t);
        }
        traits->application_data |= one.application_data;
        traits->change_cipher_spec |= one.change_cipher_spec;
        traits->client_hello_from_server |= one.client_hello_from_server;
        traits->client_hello_lookalike |= one.client_hello_lookalike;
        off += rec;
    }
    if (in_prelogin && !t->handshake_done)
        enter(t, PHASE_TLS_HANDSHAKE, false);
    if (r->frame_alert == frame && !r->frame_diagnosis && !r->frame_first_close) {
        r->phase_at_diagnosis = t->frame_has_data ? t->frame_phase : t->phase;
        diagnose_alert(r);
    }
}

void tdstls_conn_cut_tls(struct conn_analysis *c, uint32_t frame, int64_t time_ns, enum tdstls_side side,
                         bool in_prelogin, const uint8_t *captured, size_t len, struct tls_findings *f,
                         struct tls_traits *t)
{
    struct conn_results *r = &c->res;
    const struct tls_allocator *a = c->track.alloc;
    f->cut = true;
    /* a message begun before the cut cannot be completed now */
    tls_reader_drop_partial(&c->track.reader[side], a);
    uint8_t *clipped = a->alloc(a->ctx, len ? len : 1);
    if (!clipped)
        return;
    struct tls_clip clip;
    size_t n = tls_clip_records(captured, len, clipped, &clip);
    tdstls_conn_tls(c, frame, time_ns, side, in_prelogin, clipped, n, f, t);
    a->release(a->ctx, clipped);
    /* the server answered: its ServerHello begins here (the suite lies past the cut) */
    if (side == SIDE_SERVER && clip.cut_in_message && clip.cut_message_type == TLS_HS_SERVER_HELLO &&
        !r->frame_server_hello)
        r->frame_server_hello = frame;
    /* the client's second flight: its ClientKeyExchange begins here (whole
     * or cut), its ChangeCipherSpec and Finished lie past the cut */
    if (side == SIDE_CLIENT && clip.cut_in_message && clip.cut_message_type == TLS_HS_CLIENT_KEY_EXCHANGE &&
        !r->frame_client_key_exchange)
        r->frame_client_key_exchange = frame;
    if (side == SIDE_CLIENT && clip.cut && r->frame_client_key_exchange && !r->frame_client_finished &&
        !r->frame_client_flight_cut)
        r->frame_client_flight_cut = frame;
}

bool tdstls_conn_expects_prelogin_tls(const struct conn_analysis *c, enum tdstls_side side, uint8_t tds_type)
{
    if (c->track.handshake_done || c->res.tls_first)
        return false;
    return tds_type == TDS_PRELOGIN || (tds_type == TDS_RESPONSE && side == SIDE_SERVER && c->res.tls_in_prelogin);
}

/* How the client logs in, as this frame tells it, if it tells more. */
static void note_auth(struct conn_results *r, uint32_t frame, enum login_auth auth)
{
    if (login_auth_better((enum login_auth)r->auth, auth)) {
        r->auth = (uint8_t)auth;
        r->frame_auth = frame;
    }
}

/* The server's first TDS answers PRELOGIN (MS-TDS 3.2.5.1): in pre-login,
 * or right after the TCP handshake when the capture lost the client's
 * PRELOGIN. A connection seen from its middle (phase unknown) cannot tell. */
static bool prelogin_answer_due(const struct conn_analysis *c)
{
    enum tdstls_phase p = c->track.phase;
    return !c->res.prelogin_response_seen && (p == PHASE_PRELOGIN || p == PHASE_TCP_HANDSHAKE);
}

/* How LOGIN7 logs in, and whether its flag and its SSPI data disagree. */
static void note_login7(struct conn_results *r, uint32_t frame, const uint8_t *login7, size_t len)
{
    bool contradicted;
    note_auth(r, frame, login_auth_of_login7(login7, len, &contradicted));
    if (contradicted && !r->frame_auth_contradiction)
        r->frame_auth_contradiction = frame;
}

/* A server response after the login was sent: its answer to LOGIN7 (or
 * to the client's last SSPI packet), if it holds LOGINACK, ERROR or
 * routing. True when it only carries Windows authentication on (an SSPI
 * token, NTLM's CHALLENGE): the login goes on, MS-TDS 3.2.5.1. */
static bool read_login_answer(struct conn_analysis *c, uint32_t frame, const uint8_t *payload, size_t len)
{
    struct conn_results *r = &c->res;
    if (r->frame_login_answer || !c->track.handshake_done || c->track.phase > PHASE_LOGIN_RESPONSE)
        return false;
    struct login_answer a;
    if (login_answer_read(payload, len, &a)) {
        r->login = a;
        r->frame_login_answer = frame;
        /* a refused login is why the connection ends, whoever closes it */
        if (a.error && !a.loginack && !r->frame_diagnosis) {
            r->phase_at_diagnosis = PHASE_LOGIN_RESPONSE;
            decide(r, DIAG_LOGIN_FAILED, frame, SIDE_SERVER);
        }
    }
    note_auth(r, frame, (enum login_auth)a.sspi_auth);
    return login_answer_continues(&a);
}

/* The client's SSPI packet: with NTLM, its AUTHENTICATE names the user
 * (bare, or inside SPNEGO as Windows sends it). */
static void read_sspi(struct conn_results *r, uint32_t frame, const uint8_t *payload, size_t len)
{
    size_t n;
    const uint8_t *message = login_auth_mech_token(payload, len, &n);
    if (!r->frame_ntlm_authenticate && ntlm_authenticate_read(message, n, &r->ntlm))
        r->frame_ntlm_authenticate = frame;
    note_auth(r, frame, login_auth_of_sspi(payload, len));
}

/* Where the order-and-direction machine stands in the login: the client's
 * LOGIN step, as after LOGIN7; an SSPI round trip returns there. */
static void back_to_login_step(struct conn_analysis *c)
{
    c->track.step = c->res.tls_first ? 2 : 0;
}

void tdstls_conn_clear_tds(struct conn_analysis *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type,
                           const uint8_t *payload, size_t payload_len)
{
    struct conn_tracking *t = &c->track;
    struct conn_results *r = &c->res;
    at_frame(t, frame);
    if (side == SIDE_SERVER && tds_type == TDS_RESPONSE && read_login_answer(c, frame, payload, payload_len)) {
        enter(t, PHASE_LOGIN, false);        /* the SSPI round trip is the login's */
        back_to_login_step(c);
        return;
    }
    if (side == SIDE_CLIENT && tds_type == TDS_PRELOGIN && t->phase <= PHASE_PRELOGIN) {
        enter(t, PHASE_PRELOGIN, false);
        return;
    }
    if (side == SIDE_SERVER && tds_type == TDS_RESPONSE && prelogin_answer_due(c)) {
        uint8_t encryption;
        if (tds_prelogin_encryption(payload, payload_len, &encryption))
            r->encryption = encryption;
        r->prelogin_response_seen = true;
        enter(t, PHASE_PRELOGIN, false);
        return;
    }
    if (side == SIDE_CLIENT) {
        switch (tds_type) {
        case TDS_SSPI:
            read_sspi(r, frame, payload, payload_len);
            if (t->phase <= PHASE_LOGIN_RESPONSE) {
                t->handshake_done = true;
                back_to_login_step(c);   /* Windows authentication goes on: still the login */
            }
            break;
        case TDS_LOGIN7:
        case TDS_FEDAUTH_TOKEN:
            if (t->phase < PHASE_LOGIN) {    /* LOGIN7's first packet */
                if (tds_type == TDS_LOGIN7)
                    note_login7(r, frame, payload, payload_len);
                t->handshake_done = true;
                t->step = 0;             /* the login step of the TDS 7 sequence */
            }
            break;
        case TDS_SQL_BATCH:
        case TDS_RPC:
        case TDS_ATTENTION:
        case TDS_BULK_LOAD:
        case TDS_TRANSACTION_MANAGER:
            t->handshake_done = true;
            t->step = r->tls_first ? 4 : 2;  /* the commands step */
            break;
        default:
            break;
        }
    }
    if (t->handshake_done || r->prelogin_response_seen) {
        t->handshake_done = true;
        if (side == SIDE_CLIENT && !r->frame_client_data && r->frame_client_finished)
            r->frame_client_data = frame;
        after_handshake(c, side, false);
    } else if (t->phase == PHASE_TCP_HANDSHAKE) {
        /* TDS that names no later phase, right after the TCP handshake
         * (seen from its SYN): pre-login at least. A connection seen from
         * its middle stays unknown. */
        enter(t, PHASE_PRELOGIN, false);
    }
}

/* The phase a decrypted TDS packet belongs to. */
static enum tdstls_phase decrypted_phase(const struct conn_tracking *t, enum tdstls_side side, uint8_t type)
{
    uint8_t asked = side == SIDE_CLIENT ? type : t->last_client_tds_type;
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

void tdstls_conn_decrypted_tds(struct conn_analysis *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type,
                               const uint8_t *payload, size_t payload_len)
{
    struct conn_tracking *t = &c->track;
    at_frame(t, frame);
    bool continues = false;
    if (side == SIDE_CLIENT) {
        if (tds_type == TDS_LOGIN7 && t->last_client_tds_type != TDS_LOGIN7)    /* LOGIN7's first packet */
            note_login7(&c->res, frame, payload, payload_len);
        t->last_client_tds_type = tds_type;
        if (tds_type == TDS_SSPI)
            read_sspi(&c->res, frame, payload, payload_len);
    } else if (tds_type == TDS_RESPONSE &&
               (t->last_client_tds_type == TDS_LOGIN7 || t->last_client_tds_type == TDS_SSPI))
        continues = read_login_answer(c, frame, payload, payload_len);
    enum tdstls_phase p = continues ? PHASE_LOGIN : decrypted_phase(t, side, tds_type);
    if (p == PHASE_UNKNOWN || t->phase == PHASE_CLOSE || !t->handshake_done)
        return;
    /* keep the order-and-direction machine in step for frames we cannot
     * decrypt; an SSPI leg takes it back to the login step */
    unsigned n;
    const struct step *steps = steps_of(c, &n);
    if (p == PHASE_LOGIN)
        back_to_login_step(c);
    for (unsigned i = 0; i < n; i++)
        if (steps[i].side == side && steps[i].phase == p && i >= t->step) {
            t->step = (uint8_t)i;
            break;
        }
    t->phase = p;
    t->phase_inferred = false;
    /* a guess for this frame gives way; a frame that began with the client's
     * Finished (never a guess) stays in the TLS handshake */
    if (!t->frame_has_data || t->frame_inferred) {
        t->frame_has_data = true;
        t->frame_phase = p;
        t->frame_inferred = false;
    }
}

void tdstls_conn_other_data(struct conn_analysis *c, uint32_t frame, enum tdstls_side side)
{
    (void)side;
    at_frame(&c->track, frame);
    stay(&c->track);
}

enum tdstls_phase tdstls_conn_pdu_phase(const struct conn_analysis *c, enum tdstls_side side, const uint8_t *head,
                                        size_t len, bool *inferred)
{
    const struct conn_tracking *t = &c->track;
    const struct conn_results *r = &c->res;
    *inferred = false;
    if (len < 2 || t->phase == PHASE_CLOSE)
        return PHASE_UNKNOWN;
    bool tls_record = head[0] >= TLS_CT_CHANGE_CIPHER_SPEC && head[0] <= TLS_CT_APPLICATION_DATA && head[1] == 3;
    if (tls_record && !(r->tls_first || r->tls_in_prelogin))
        return PHASE_UNKNOWN;
    if (tls_record && !t->handshake_done)
        return PHASE_TLS_HANDSHAKE;
    if (tls_record && head[0] == TLS_CT_APPLICATION_DATA) {
        /* encrypted TDS: the step the order-and-direction machine would
         * take for it (after_handshake), without taking it */
        unsigned n;
        const struct step *steps = steps_of(c, &n);
        unsigned step = t->step >= n ? n - 1 : t->step;
        if (steps[step].side != side && step + 1 < n)
            step++;
        *inferred = true;
        return steps[step].phase;
    }
    if (tls_record)
        return PHASE_UNKNOWN;
    switch (head[0]) {
    case TDS_PRELOGIN:
        if (side == SIDE_CLIENT && t->phase <= PHASE_PRELOGIN && !r->prelogin_response_seen)
            return PHASE_PRELOGIN;
        /* PRELOGIN packets after the answer carry the TLS handshake (also
         * one seen late: a retransmission, or reordered behind LOGIN7) */
        return r->prelogin_response_seen ? PHASE_TLS_HANDSHAKE : PHASE_UNKNOWN;
    case TDS_RESPONSE:
        if (side != SIDE_SERVER)
            return PHASE_UNKNOWN;
        if (prelogin_answer_due(c))
            return PHASE_PRELOGIN;
        if (t->phase == PHASE_TLS_HANDSHAKE && !t->handshake_done)
            return PHASE_TLS_HANDSHAKE;      /* TLS carried in type 0x04 packets */
        if (t->phase == PHASE_LOGIN || t->phase == PHASE_LOGIN_RESPONSE)   /* an SSPI token goes on with the login */
            return len > TDS_HEADER_LEN && head[TDS_HEADER_LEN] == TDS_TOKEN_SSPI ? PHASE_LOGIN : PHASE_LOGIN_RESPONSE;
        return t->phase == PHASE_COMMANDS ? PHASE_COMMANDS : PHASE_UNKNOWN;
    case TDS_LOGIN7:
    case TDS_SSPI:
    case TDS_FEDAUTH_TOKEN:
        return side == SIDE_CLIENT && t->phase <= PHASE_LOGIN ? PHASE_LOGIN : PHASE_UNKNOWN;
    case TDS_SQL_BATCH:
    case TDS_RPC:
    case TDS_ATTENTION:
    case TDS_BULK_LOAD:
    case TDS_TRANSACTION_MANAGER:
        /* only after the login; in a capture that starts mid-connection
         * (phase unknown) too */
        return side == SIDE_CLIENT && (t->phase >= PHASE_LOGIN_RESPONSE || t->phase == PHASE_UNKNOWN) ? PHASE_COMMANDS
                                                                                                  : PHASE_UNKNOWN;
    default:
        return PHASE_UNKNOWN;
    }
}

void tdstls_conn_frame_carries(struct conn_analysis *c, uint32_t frame, enum tdstls_phase phase, bool inferred)
{
    struct conn_tracking *t = &c->track;
    at_frame(t, frame);
    if (phase == PHASE_UNKNOWN || phase >= N_PHASES || t->frame_has_data || t->phase == PHASE_CLOSE)
        return;
    t->frame_has_data = true;
    t->frame_phase = phase;
    t->frame_inferred = inferred;
    /* the connection is in that PDU now: the other side's bare ACKs while
     * it arrives take its phase (the step machine moves when it is whole).
     * Only forward: a PDU begun long ago and never completed (a mutated
     * stream) does not take the connection back. */
    if (phase > t->phase) {
        t->phase = phase;
        t->phase_inferred = inferred;
    }
}

/* The server quit after the client's ClientKeyExchange and Finished,
 * without its own Finished; or, in a capture a snapshot length cut, after
 * the client's second flight whose Finished lies past the cut (the shape
 * of the flights, the ServerHello's suite read: the diagnosis says it is
 * inferred). */
static bool server_quit_after_client_finished(const struct conn_results *r)
{
    if (r->frame_server_finished || !r->frame_client_key_exchange)
        return false;
    return r->frame_client_finished || (r->frame_client_flight_cut && r->suite_known);
}

/* What the server's quit after the client's Finished means: with a TLS_DHE
 * suite the KB 4557473 leading-zero mismatch, with any other a rejected
 * key exchange. */
static enum tdstls_diagnosis quit_after_finished_diagnosis(const struct conn_results *r)
{
    return r->dhe ? DIAG_KB4557473 : DIAG_KEY_EXCHANGE_REJECTED;
}

static void decide(struct conn_results *r, enum tdstls_diagnosis d, uint32_t frame, enum tdstls_side side)
{
    r->diagnosis = d;
    r->frame_diagnosis = d == DIAG_NONE ? 0 : frame;
    r->diagnosis_side = side;
}

/* A fatal alert decides at once; the order matters, the most specific
 * evidence first. */
static void diagnose_alert(struct conn_results *r)
{
    enum tdstls_side by = r->alert_side;
    uint8_t d = r->alert_description;
    enum tdstls_diagnosis why = DIAG_FATAL_ALERT;
    if (r->alert_encrypted)
        why = by == SIDE_SERVER && server_quit_after_client_finished(r) ? quit_after_finished_diagnosis(r)
                                                                         : DIAG_FATAL_ALERT;
    else if (by == SIDE_CLIENT && tls_alert_rejects_certificate(d))
        why = DIAG_CERT_REJECTED;
    else if (d == TLS_ALERT_PROTOCOL_VERSION)
        why = DIAG_VERSION_MISMATCH;
    else if (by == SIDE_SERVER && server_quit_after_client_finished(r))
        why = quit_after_finished_diagnosis(r);
    else if (by == SIDE_SERVER && !r->frame_server_hello &&
             (d == TLS_ALERT_HANDSHAKE_FAILURE || d == TLS_ALERT_INSUFFICIENT_SECURITY))
        why = DIAG_NO_COMMON_SUITE;
    decide(r, why, r->frame_alert, by);
}

/* Without a fatal alert, the first FIN/RST decides. */
static void diagnose_close(struct conn_results *r)
{
    uint32_t frame = r->frame_first_close;
    if (r->close_side == SIDE_SERVER) {
        enum tdstls_diagnosis why = DIAG_SERVER_CLOSED_FIRST;
        if (server_quit_after_client_finished(r))
            why = quit_after_finished_diagnosis(r);
        else if (r->close_reset && !r->frame_syn_ack && r->phase_at_close == PHASE_TCP_HANDSHAKE)
            why = DIAG_CONNECTION_REFUSED;   /* nothing listens there: the client's error 40 */
        else if (r->phase_at_close == PHASE_TLS_HANDSHAKE && r->frame_client_hello && !r->frame_server_hello)
            why = tls_version_before_1_2(r->offered_max_version) ? DIAG_VERSION_MISMATCH : DIAG_NO_COMMON_TLS;
        else if (r->phase_at_close <= PHASE_PRELOGIN && !r->prelogin_response_seen)
            why = DIAG_CLOSED_BEFORE_PRELOGIN_RESPONSE;
        decide(r, why, frame, SIDE_SERVER);
        return;
    }
    enum tdstls_diagnosis why = r->close_reset ? DIAG_CLIENT_RESET : DIAG_NONE;
    bool tls13 = r->tls_version == TLS_1_3;
    if (r->phase_at_close == PHASE_TLS_HANDSHAKE && r->frame_client_hello && !r->frame_client_finished) {
        /* before its own key exchange: after the server's certificate (in
         * TLS 1.3 encrypted, so after the ServerHello) it was refused */
        bool after_certificate = tls13 ? r->frame_server_hello != 0 : r->frame_certificate != 0;
        if (!after_certificate || r->frame_client_key_exchange)
            why = DIAG_CLIENT_QUIT_HANDSHAKE;
        else    /* a version it refuses closes it there too, likelier when the server chose TLS 1.0/1.1 */
            why = tdstls_server_chose_older_tls(r) ? DIAG_VERSION_REFUSED : DIAG_CERT_REJECTED;
    } else if (r->frame_client_finished && (r->frame_server_finished || tls13) && !r->frame_client_data) {
        why = DIAG_CLOSED_AFTER_HANDSHAKE;
    }
    decide(r, why, frame, SIDE_CLIENT);
}

/* Appends a label run when the label differs from the last one. */
static void remember_label(struct conn_results *r, const struct tls_allocator *a, uint32_t frame,
                           const struct frame_label *label)
{
    if (r->n_runs) {
        const struct frame_label *last = &r->runs[r->n_runs - 1].label;
        if (last->phase == label->phase && last->inferred == label->inferred &&
            last->first_close == label->first_close && last->diagnosis == label->diagnosis &&
            last->reset == label->reset)
            return;
    }
    if (r->n_runs == r->runs_room) {
        uint32_t room = r->runs_room ? 2 * r->runs_room : 8;
        struct label_run *more = (struct label_run *)a->alloc(a->ctx, room * sizeof *more);
        if (!more)
            return;
        if (r->n_runs)
            memcpy(more, r->runs, r->n_runs * sizeof *more);
        if (r->runs)
            a->release(a->ctx, r->runs);
        r->runs = more;
        r->runs_room = room;
    }
    r->runs[r->n_runs].first_frame = frame;
    r->runs[r->n_runs].label = *label;
    r->n_runs++;
}

/* A frame's label, from the TCP flags and what its data showed. */
static struct frame_label label_frame(struct conn_analysis *c, uint32_t frame, enum tdstls_side side, bool syn,
                                      bool fin, bool rst)
{
    struct conn_tracking *t = &c->track;
    struct conn_results *r = &c->res;
    struct frame_label label = {0};
    if (rst)
        label.reset = (uint8_t)(1 + side);
    if ((fin || rst) && !r->frame_first_close) {
        r->frame_first_close = frame;
        r->close_side = side;
        r->close_reset = rst;
        r->phase_at_close = t->frame_has_data ? t->frame_phase : t->phase;
        if (!r->frame_diagnosis) {
            r->phase_at_diagnosis = r->phase_at_close;
            diagnose_close(r);
        }
        t->phase = PHASE_CLOSE;
        t->phase_inferred = false;
        label.phase = PHASE_CLOSE;
        label.first_close = true;
        label.diagnosis = r->frame_diagnosis == frame;
        return label;
    }
    label.diagnosis = r->frame_diagnosis == frame;
    if (t->phase == PHASE_CLOSE) {
        label.phase = PHASE_CLOSE;
    } else if (syn) {
        if (side == SIDE_SERVER && !r->frame_syn_ack)
            r->frame_syn_ack = frame;
        t->phase = PHASE_TCP_HANDSHAKE;
        label.phase = PHASE_TCP_HANDSHAKE;
    } else if (t->frame_has_data) {
        label.phase = (uint8_t)t->frame_phase;
        label.inferred = t->frame_inferred;
    } else {
        /* a bare ACK: the phase of the connection at that moment */
        label.phase = (uint8_t)t->phase;
        label.inferred = t->phase_inferred;
    }
    return label;
}

void tdstls_conn_began_with_syn(struct conn_analysis *c, uint32_t syn_frame, int64_t time_ns)
{
    struct conn_results *r = &c->res;
    if (r->n_runs || !syn_frame)
        return;
    struct frame_label handshake = {.phase = PHASE_TCP_HANDSHAKE};
    remember_label(r, c->track.alloc, syn_frame, &handshake);
    r->phase_first_frame[PHASE_TCP_HANDSHAKE] = syn_frame;
    r->phase_first_ns[PHASE_TCP_HANDSHAKE] = time_ns;
    r->start_ns = time_ns;
    r->last_phase_before_close = PHASE_TCP_HANDSHAKE;
    if (c->track.phase == PHASE_UNKNOWN)
        c->track.phase = PHASE_TCP_HANDSHAKE;
}

struct frame_label tdstls_conn_tcp(struct conn_analysis *c, uint32_t frame, int64_t time_ns, enum tdstls_side side,
                                   bool syn, bool fin, bool rst)
{
    struct conn_results *r = &c->res;
    at_frame(&c->track, frame);
    struct frame_label label = label_frame(c, frame, side, syn, fin, rst);
    remember_label(r, c->track.alloc, frame, &label);
    if (!r->phase_first_frame[label.phase]) {
        r->phase_first_frame[label.phase] = frame;
        r->phase_first_ns[label.phase] = time_ns;
    }
    if (label.phase != PHASE_CLOSE && label.phase > r->last_phase_before_close)
        r->last_phase_before_close = (enum tdstls_phase)label.phase;
    return label;
}

bool tdstls_conn_label(const struct conn_results *r, uint32_t frame, struct frame_label *label)
{
    uint32_t lo = 0, hi = r->n_runs;         /* the first run after frame: [lo, hi) */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->runs[mid].first_frame <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    *label = r->runs[lo - 1].label;
    return true;
}

bool tdstls_phase_before(const struct conn_results *r, enum tdstls_phase p, enum tdstls_phase *before)
{
    uint32_t start = (unsigned)p < N_PHASES ? r->phase_first_frame[p] : 0, best = 0;
    *before = PHASE_UNKNOWN;
    if (!start)
        return false;
    for (int q = 0; q < N_PHASES; q++) {
        uint32_t f = r->phase_first_frame[q];
        if (q != (int)p && f && f < start && f > best) {
            best = f;
            *before = (enum tdstls_phase)q;
        }
    }
    return best != 0;
}

bool tdstls_phase_duration(const struct conn_results *r, enum tdstls_phase p, int64_t *ns)
{
    uint32_t start = (unsigned)p < N_PHASES ? r->phase_first_frame[p] : 0, next = 0;
    if (!start)
        return false;
    int next_phase = -1;
    for (int q = 0; q < N_PHASES; q++) {
        uint32_t f = r->phase_first_frame[q];
        if (f > start && (!next || f < next)) {
            next = f;
            next_phase = q;
        }
    }
    if (next_phase < 0)
        return false;
    *ns = r->phase_first_ns[next_phase] - r->phase_first_ns[p];
    return true;
}

bool tdstls_login_time(const struct conn_results *r, uint32_t *start_frame, int64_t *ns)
{
    uint32_t end = r->phase_first_frame[PHASE_LOGIN_RESPONSE];
    int start = -1;
    for (int p = PHASE_PRELOGIN; p <= PHASE_TLS_HANDSHAKE; p++)
        if (r->phase_first_frame[p] && (start < 0 || r->phase_first_frame[p] < r->phase_first_frame[start]))
            start = p;
    if (!end || start < 0)
        return false;
    *start_frame = r->phase_first_frame[start];
    *ns = r->phase_first_ns[PHASE_LOGIN_RESPONSE] - r->phase_first_ns[start];
    return true;
}

bool tdstls_login_slow(const struct conn_results *r, unsigned budget_ms)
{
    uint32_t start;
    int64_t ns;
    return budget_ms && tdstls_login_time(r, &start, &ns) && ns > (int64_t)budget_ms * 1000000;
}

const char *tdstls_close_story(const struct conn_results *r)
{
    if (r->phase_at_close <= PHASE_PRELOGIN && !r->prelogin_response_seen)
        return "before the PRELOGIN response";
    switch (r->phase_at_close) {
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
