/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One SQL Server connection as tdstls follows it: the phase of every frame,
 * what its TLS handshake showed, how it closed and what that means. Fed
 * events in frame order by the epan glue on the first pass; every pass then
 * reads the results. No epan dependency.
 *
 * The state is split as packet-wireguard.c splits its sessions:
 * struct conn_tracking is the first pass's working state (never read on a
 * later pass), struct conn_results what the first pass established (read by
 * every pass, the tables and the report). Each field says who sets it.
 */
#ifndef TDSTLS_CONNECTION_H
#define TDSTLS_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "login_answer.h"
#include "login_auth.h"
#include "ntlm.h"
#include "tls_reader.h"

enum tdstls_phase {
    PHASE_UNKNOWN = 0,
    PHASE_TCP_HANDSHAKE = 1,
    PHASE_PRELOGIN = 2,
    PHASE_TLS_HANDSHAKE = 3,
    PHASE_LOGIN = 4,
    PHASE_LOGIN_RESPONSE = 5,
    PHASE_COMMANDS = 6,
    PHASE_CLOSE = 7,
    N_PHASES,
};

const char *tdstls_phase_name(enum tdstls_phase p);

enum tdstls_side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

/* TDS packet types we tell phases by (MS-TDS 2.2.3.1.1). */
enum tds_type {
    TDS_SQL_BATCH = 0x01,
    TDS_RPC = 0x03,
    TDS_RESPONSE = 0x04,
    TDS_ATTENTION = 0x06,
    TDS_BULK_LOAD = 0x07,
    TDS_FEDAUTH_TOKEN = 0x08,
    TDS_TRANSACTION_MANAGER = 0x0E,
    TDS_LOGIN7 = 0x10,
    TDS_SSPI = 0x11,
    TDS_PRELOGIN = 0x12,
};

/* Why a connection ended, decided once: at the first fatal TLS alert, at a
 * login answer that refuses the login, or else at the first FIN/RST
 * (diagnose_alert(), read_login_answer() and diagnose_close() in
 * connection.c; the words and the remedies in diagnoses.c). */
enum tdstls_diagnosis {
    DIAG_NONE = 0,                       /* the client closed normally */
    DIAG_CLIENT_RESET,                   /* ... with a RST, as many drivers do */
    DIAG_KB4557473,                      /* TLS_DHE, the server quit after the client's Finished */
    DIAG_KEY_EXCHANGE_REJECTED,          /* the same with any other suite */
    DIAG_CERT_REJECTED,                  /* the client gave up after the server's Certificate */
    DIAG_CLOSED_AFTER_HANDSHAKE,         /* the client closed after both Finished, no LOGIN7 */
    DIAG_VERSION_MISMATCH,               /* no TLS version in common */
    DIAG_NO_COMMON_SUITE,                /* no cipher suite in common */
    DIAG_NO_COMMON_TLS,                  /* the server quit after the ClientHello: version or suite */
    DIAG_FATAL_ALERT,                    /* any other fatal alert */
    DIAG_CLIENT_QUIT_HANDSHAKE,          /* the client closed in the handshake before the Certificate */
    DIAG_CLOSED_BEFORE_PRELOGIN_RESPONSE,
    DIAG_SERVER_CLOSED_FIRST,
    DIAG_VERSION_REFUSED,                /* the client gave up after the server chose TLS 1.0/1.1 (or its certificate) */
    DIAG_LOGIN_FAILED,                   /* the login answer is an error (18456, ...) without LOGINACK */
    DIAG_CONNECTION_REFUSED,             /* the server answered the client's SYN with a RST */
    N_DIAGNOSES,
};

/* What a frame of the connection is labelled with, on every pass. */
struct frame_label {
    uint8_t phase;          /* enum tdstls_phase */
    bool inferred;          /* told from order and direction, not TDS types */
    bool first_close;       /* the connection's first FIN/RST: its close analysis */
    bool diagnosis;         /* the frame that shows why the connection ended */
    uint8_t reset;          /* a RST: 1 + the enum tdstls_side that sent it; else 0 */
};

/* A label that holds from first_frame until the next run starts. */
struct label_run {
    uint32_t first_frame;
    struct frame_label label;
};

/* What the first pass established. Set on the first pass only, by the event
 * named; read by every pass. Frame numbers are 0 until seen. */
struct conn_results {
    int64_t start_ns;                   /* init: the connection's first frame */

    /* TDS (tdstls_conn_tls, tdstls_conn_clear_tds) */
    bool tls_first;                     /* TDS 8 strict: a clear handshake before any TDS */
    bool tls_in_prelogin;               /* TDS 7.x: the handshake inside PRELOGIN */
    bool prelogin_response_seen;        /* the server answered PRELOGIN in clear TDS */
    uint8_t encryption;                 /* the server's PRELOGIN ENCRYPTION; TDS_ENCRYPT_UNKNOWN */

    /* the TLS handshake (tdstls_conn_tls): the frames that hold the evidence */
    uint32_t frame_client_hello, frame_server_hello, frame_certificate, frame_server_key_exchange;
    uint32_t frame_client_key_exchange, frame_client_finished, frame_server_finished;
    uint32_t frame_client_data;         /* the client's first data after the handshake (LOGIN7) */
    /* a snapshot length (tdstls_conn_cut_tls): the frame of a client's
     * ClientKeyExchange whose Finished lies past a cut */
    uint32_t frame_client_flight_cut;
    bool dhe_offered;                   /* ClientHello: a TLS_DHE suite among the offered */
    uint16_t offered_min_version, offered_max_version;
    uint16_t offered_suites;
    uint8_t offered_kx;                 /* 1 << enum suite_kx of each suite offered */
    bool offers_ems;
    char sni[TLS_SNI_MAX];
    bool suite_known;                   /* ServerHello: */
    uint16_t suite;
    bool dhe;                           /* ... a TLS_DHE_* suite, not TLS 1.3 */
    uint16_t tls_version;
    bool ems;                           /* ... extended_master_secret negotiated */
    struct cert_facts cert;             /* Certificate: the server's */
    bool cert_outside_validity, cert_name_mismatch;
    uint8_t ys_leading_zero, yc_leading_zero; /* enum dh_leading_zero */
    uint32_t frame_alert;               /* the first fatal clear alert (or an encrypted one) */
    enum tdstls_side alert_side;
    bool alert_encrypted;
    uint8_t alert_description;

    /* the server's answer to LOGIN7 where it is readable (clear TDS, or
     * decrypted with a keylog): its frame, and what it said */
    uint32_t frame_login_answer;
    struct login_answer login;
    /* Windows authentication over NTLM, where readable: the client's
     * AUTHENTICATE (the first SSPI packet that holds one) */
    uint32_t frame_ntlm_authenticate;
    struct ntlm_identity ntlm;
    /* how the client logs in (enum login_auth), where readable: LOGIN7,
     * an SSPI leg or the server's SSPI token; the frame that told it best */
    uint8_t auth;
    uint32_t frame_auth;
    /* LOGIN7 whose integrated-security flag is off but whose SSPI data
     * holds a Windows token (NTLM, Kerberos, SPNEGO): its frame */
    uint32_t frame_auth_contradiction;

    /* phases (tdstls_conn_tcp): the first frame and time of each */
    uint32_t phase_first_frame[N_PHASES];
    int64_t phase_first_ns[N_PHASES];
    enum tdstls_phase last_phase_before_close;

    /* the first FIN or RST (tdstls_conn_tcp) */
    uint32_t frame_first_close;
    uint32_t frame_syn_ack;          /* the server's SYN/ACK (tdstls_conn_tcp) */
    enum tdstls_side close_side;
    bool close_reset;
    enum tdstls_phase phase_at_close;

    /* why it ended (at the first fatal alert, else the first FIN/RST) */
    enum tdstls_diagnosis diagnosis;
    uint32_t frame_diagnosis;           /* the frame that shows it */
    enum tdstls_side diagnosis_side;    /* who gave up */
    enum tdstls_phase phase_at_diagnosis;

    /* frame labels (tdstls_conn_tcp), one run where the label changes:
     * a few per connection instead of one per frame */
    struct label_run *runs;
    uint32_t n_runs, runs_room;
};

/* The first pass's working state, in frame order. */
struct conn_tracking {
    const struct tls_allocator *alloc;  /* connection-lifetime storage */
    struct tls_context tls;
    struct tls_reader reader[2];        /* indexed by enum tdstls_side */
    enum tdstls_phase phase;            /* where the connection is now */
    bool phase_inferred;
    bool handshake_done;
    uint8_t step;                       /* position in the post-handshake sequence */
    uint8_t last_client_tds_type;       /* decrypted: what the server's next response answers */
    /* the frame being dissected: the phase its data showed first */
    uint32_t frame;
    bool frame_has_data;
    enum tdstls_phase frame_phase;
    bool frame_inferred;
};

/* What the core knows of one connection: the first pass's working state
 * and what it established. */
struct conn_analysis {
    struct conn_tracking track;
    struct conn_results res;
};

void tdstls_conn_init(struct conn_analysis *c, const struct tls_allocator *alloc, int64_t start_ns);
/* Releases what the connection allocated (the glue's wmem frees it anyway). */
void tdstls_conn_free(struct conn_analysis *c);

static inline const struct conn_results *tdstls_conn_results(const struct conn_analysis *c)
{
    return &c->res;
}

/* --- first pass: data events, in frame order ---------------------------- */

/* The connection was recognised only at its first payload (a PRELOGIN seen
 * by the heuristic), after a SYN in syn_frame at time_ns: the frames from
 * there on were its TCP handshake. Does nothing once frames are labelled. */
void tdstls_conn_began_with_syn(struct conn_analysis *c, uint32_t syn_frame, int64_t time_ns);

/* Whole TLS records (one or more) of a frame captured at time_ns; f and t
 * gather what they showed. */
void tdstls_conn_tls(struct conn_analysis *c, uint32_t frame, int64_t time_ns, enum tdstls_side side,
                     bool in_prelogin, const uint8_t *records, size_t len, struct tls_findings *f,
                     struct tls_traits *t);
/* TLS records of a frame a snapshot length cut (the capture holds len of
 * them): what is whole is read as tdstls_conn_tls reads it, the rest is
 * lost, not late. A client's second flight cut before its Finished is
 * noted (client_flight_cut): the KB 4557473 shape, told from the flights. */
void tdstls_conn_cut_tls(struct conn_analysis *c, uint32_t frame, int64_t time_ns, enum tdstls_side side,
                         bool in_prelogin, const uint8_t *captured, size_t len, struct tls_findings *f,
                         struct tls_traits *t);
/* A clear TDS packet; payload: what follows its header (read for the
 * server's PRELOGIN answer). */
void tdstls_conn_clear_tds(struct conn_analysis *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type,
                           const uint8_t *payload, size_t payload_len);
/* Data we cannot tell anything from (e.g. a TDS packet continued). */
void tdstls_conn_other_data(struct conn_analysis *c, uint32_t frame, enum tdstls_side side);
/* A frame whose bytes all belong to one PDU that TCP completes only in a
 * later frame (a TDS header sent as its own segment, a server flight cut
 * into small segments): the phase that PDU will have, told from its first
 * bytes (a TDS header's type, a TLS record's content type) and the
 * direction (and for encrypted TDS, the order of the exchange: *inferred),
 * or PHASE_UNKNOWN when they do not tell. First pass. */
enum tdstls_phase tdstls_conn_pdu_phase(const struct conn_analysis *c, enum tdstls_side side, const uint8_t *head,
                                        size_t len, bool *inferred);
/* Such a frame takes that phase (unless data of its own showed one), and
 * so does the connection: bare ACKs while the PDU arrives; inferred: told
 * from order and direction (encrypted TDS, no keylog). Also for the frames
 * between a PDU's first and last piece, which TCP hands no dissector. */
void tdstls_conn_frame_carries(struct conn_analysis *c, uint32_t frame, enum tdstls_phase phase, bool inferred);
/* A TDS packet type read from decrypted TLS (a keylog): it overrides the
 * phase inferred for this frame from order and direction. */
void tdstls_conn_decrypted_tds(struct conn_analysis *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type,
                               const uint8_t *payload, size_t payload_len);
/* Whether a TDS packet of this type from this side may carry the TLS
 * handshake (TDS 7.x: PRELOGIN, or a server's type 0x04 once it has). */
bool tdstls_conn_expects_prelogin_tls(const struct conn_analysis *c, enum tdstls_side side, uint8_t tds_type);

/* Every frame of the connection, after its data events: its TCP flags and
 * time. Labels the frame and returns the label. */
struct frame_label tdstls_conn_tcp(struct conn_analysis *c, uint32_t frame, int64_t time_ns, enum tdstls_side side,
                                   bool syn, bool fin, bool rst);

/* --- any pass: reading the results -------------------------------------- */

/* A frame where something happens: a phase begins, the login answer
 * comes, the connection closes or resets, or its diagnosis shows. Only there do rules on frames look. */
static inline bool tdstls_frame_is_notable(const struct conn_results *r, uint32_t frame, const struct frame_label *l)
{
    return l->first_close || l->diagnosis || l->reset || r->frame_login_answer == frame ||
           (l->phase < N_PHASES && r->phase_first_frame[l->phase] == frame);
}

/* The server chose a TLS version older than 1.2 although the client
 * offered 1.2 or later: the server is the side that holds the connection
 * back, and clients that require TLS 1.2 refuse it. */
static inline bool tdstls_server_chose_older_tls(const struct conn_results *r)
{
    return r->frame_client_hello && r->frame_server_hello && tls_version_before_1_2(r->tls_version) &&
           r->offered_max_version >= TLS_1_2;
}

/* The label of a frame; false for a frame the first pass did not label. */
bool tdstls_conn_label(const struct conn_results *r, uint32_t frame, struct frame_label *label);

/* The phase that began most recently before phase p began (TDS 8 runs 3
 * before 2); PHASE_UNKNOWN with false when none did. */
bool tdstls_phase_before(const struct conn_results *r, enum tdstls_phase p, enum tdstls_phase *before);
/* How long phase p lasted: until the next phase began. False while it has
 * not ended, or never began. */
bool tdstls_phase_duration(const struct conn_results *r, enum tdstls_phase p, int64_t *ns);
/* The login exchange: from the first pre-login frame (TDS 8: the TLS
 * handshake) to the first login-response frame. False until both exist. */
bool tdstls_login_time(const struct conn_results *r, uint32_t *start_frame, int64_t *ns);
/* The login budget rule: budget_ms 0 turns it off. */
bool tdstls_login_slow(const struct conn_results *r, unsigned budget_ms);

/* Where the first close came: "before the PRELOGIN response", "during the
 * TLS handshake", "during login", "after login". */
const char *tdstls_close_story(const struct conn_results *r);

#endif
