/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One SQL Server connection as tdstls follows it: the phase it is in, what
 * its TLS handshake showed, and how it closed. Fed events in frame order by
 * the epan glue (first pass only); no epan dependency.
 */
#ifndef TDSTLS_CONNECTION_H
#define TDSTLS_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

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

/* What the first FIN or RST meant; also kept per frame by the glue. */
enum tdstls_close_flag {
    CLOSE_FIRST = 1 << 0,               /* this frame carries the connection's first FIN/RST */
    CLOSE_BY_SERVER = 1 << 1,           /* ... sent by the server */
    CLOSE_RESET = 1 << 2,               /* ... as RST */
    CLOSE_SERVER_RESET = 1 << 3,        /* a server RST (first or not) */
    CLOSE_CLIENT_RESET = 1 << 4,        /* a client RST */
    CLOSE_KB4557473 = 1 << 5,           /* the DHE leading-zero mismatch signature */
};

struct tdstls_conn {
    struct tls_context tls;
    struct tls_reader reader[2];        /* indexed by enum tdstls_side */

    bool saw_syn;
    bool tls_first;                     /* TDS 8 strict: TLS before any TDS */
    bool tls_in_prelogin;               /* TDS 7.x: handshake inside PRELOGIN */
    bool prelogin_response_seen;
    bool handshake_done;
    bool dhe_offered;
    bool ys_leading_zero, yc_leading_zero;
    uint16_t ys_len, yc_len;
    bool alert_seen, alert_from_server;
    uint8_t alert_level, alert_description;
    bool server_finished;
    uint16_t tls_version;               /* negotiated, from the ServerHello */

    /* frames that hold the evidence, 0 = not seen */
    uint32_t frame_client_hello, frame_server_hello, frame_server_key_exchange;
    uint32_t frame_client_key_exchange, frame_client_finished, frame_alert;

    enum tdstls_phase phase;            /* where the connection is now */
    bool phase_inferred;                /* told from order and direction, not TDS types */
    uint8_t step;                       /* position in the post-handshake sequence */

    /* the frame being dissected: its data phase, set by the data events */
    uint32_t frame;
    bool frame_has_data;
    enum tdstls_phase frame_phase;
    bool frame_inferred;

    uint32_t frame_first_close;
    enum tdstls_side close_side;
    bool close_reset;
    enum tdstls_phase phase_at_close;
    bool kb4557473;

    uint8_t encryption_requested, encryption_answered;  /* PRELOGIN ENCRYPTION, 0xFF unknown */
    uint8_t last_client_tds_type;       /* decrypted: what the server's next response answers */
};

void tdstls_conn_init(struct tdstls_conn *c);

/* Data events, in frame order. tls_records: one or more whole records. */
void tdstls_conn_tls(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, bool in_prelogin,
                     const struct tls_allocator *a, const uint8_t *records, size_t len, struct tls_findings *f);
void tdstls_conn_clear_tds(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type);
/* Data we cannot tell anything from (e.g. a TDS packet continued). */
void tdstls_conn_other_data(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side);
/* A TDS packet type read from decrypted TLS (a keylog): it overrides the
 * phase inferred for this frame from order and direction. */
void tdstls_conn_decrypted_tds(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, uint8_t tds_type);
/* A clear PRELOGIN payload (after the TDS header), either side. */
void tdstls_conn_prelogin(struct tdstls_conn *c, enum tdstls_side side, const uint8_t *payload, size_t len);

/* Every frame of the connection, after its data events: the TCP flags.
 * Returns the frame's phase; *close_flags gets enum tdstls_close_flag bits. */
enum tdstls_phase tdstls_conn_tcp(struct tdstls_conn *c, uint32_t frame, enum tdstls_side side, bool syn, bool fin,
                                  bool rst, bool *inferred, unsigned *close_flags);

/* A sentence a DBA can act on, for the connection's first close, or "" when
 * the close was normal. */
void tdstls_conn_diagnosis(const struct tdstls_conn *c, const char *suite_name, char *buf, size_t size);

const char *tdstls_phase_name(enum tdstls_phase p);

/* Where the first close came: "before the PRELOGIN response", "during the
 * TLS handshake", "during login", "after login". */
const char *tdstls_close_story(const struct tdstls_conn *c);

#endif
