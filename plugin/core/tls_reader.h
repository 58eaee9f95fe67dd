/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Reads the clear part of a TLS handshake, one direction at a time, from
 * whole TLS records, and reports what tdstls diagnoses: offered and
 * negotiated suites, DH public value lengths and leading zeros,
 * ChangeCipherSpec, Finished, alerts. No epan dependency: unit-tested and
 * fuzzed on its own.
 */
#ifndef TDSTLS_TLS_READER_H
#define TDSTLS_TLS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_RECORD_HEADER_LEN 5
/* RFC 8446 5.2: a ciphertext record is at most 2^14 + 256 bytes; TLS 1.2
 * allows 2^14 + 2048. Anything longer is not TLS. */
#define TLS_RECORD_MAX_BODY (16384 + 2048)
/* The handshake messages we read (hellos, key exchanges) are kept whole only
 * up to this size; real ones are a few KiB at most. */
#define TLS_MAX_KEPT_MESSAGE 65536

enum tls_content_type {
    TLS_CT_CHANGE_CIPHER_SPEC = 20,
    TLS_CT_ALERT = 21,
    TLS_CT_HANDSHAKE = 22,
    TLS_CT_APPLICATION_DATA = 23,
    TLS_CT_HEARTBEAT = 24,
};

enum tls_handshake_type {
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_SERVER_KEY_EXCHANGE = 12,
    TLS_HS_CLIENT_KEY_EXCHANGE = 16,
};

/* True when p starts with a plausible TLS record header (content type 20-24,
 * version 3.x with x <= 4, length within TLS_RECORD_MAX_BODY). */
bool tls_record_header_plausible(const uint8_t *p, size_t avail);
/* Header plus body length of the record starting at p (needs 5 bytes). */
size_t tls_record_total_length(const uint8_t *p);
/* Length of the whole records at the start of buf (a partial last record
 * is left out); *bad is set when bytes where a record should start cannot be
 * a record header, and the length stops there. */
uint32_t tls_whole_records_len(const uint8_t *buf, uint32_t len, bool *bad);

/* What the connection knows that a direction's reader needs. */
struct tls_context {
    bool suite_known;
    uint16_t suite;
    bool dhe;          /* negotiated suite is ephemeral finite-field DH */
    bool dhe_psk;      /* ... with a PSK identity before the DH values */
    bool tls13;        /* ServerHello selected TLS 1.3 */
    uint16_t p_len;    /* from ServerKeyExchange, 0 until seen */
    bool client_finished; /* the handshake is over once the client's Finished is out */
};

/* What the records of one batch showed. Fields are set, never cleared, so
 * one struct can gather a whole frame. */
struct tls_findings {
    unsigned records;
    bool client_hello;
    bool offers_dhe;
    uint16_t offered_suites;
    bool offers_tds8_alpn;
    bool server_hello;
    uint16_t suite;
    uint16_t version;          /* negotiated: supported_versions, else legacy */
    uint16_t key_share_group;  /* TLS 1.3 ServerHello key_share, 0 if none */
    bool server_key_exchange_dh;
    uint16_t p_len, g_len, ys_len;
    bool ys_zero_byte;          /* dh_Ys starts with 0x00 (padded encoding) */
    bool client_key_exchange_dh;
    uint16_t yc_len;
    bool yc_zero_byte;
    bool yc_short;              /* dh_Yc shorter than p (stripped encoding) */
    bool change_cipher_spec;
    bool finished;              /* first encrypted handshake record after CCS */
    bool encrypted_record;      /* any record we cannot read */
    bool application_data;
    bool alert;
    bool alert_encrypted;
    uint8_t alert_level, alert_description;
    bool client_hello_from_server; /* a ClientHello header in the server's records */
    bool client_hello_lookalike;   /* an encrypted server handshake record that starts
                                    * with ClientHello's type byte (see tls_reader.c) */
    bool malformed;
    const char *problem;        /* static text, set with malformed */
};

/* Storage for a handshake message that spans records; the glue gives wmem,
 * the tests malloc. */
struct tls_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*release)(void *ctx, void *ptr);
    void *ctx;
};

struct tls_reader {
    bool from_server;
    bool ccs_seen;             /* later handshake records are encrypted */
    bool finished_seen;
    uint8_t header[4];         /* handshake message header being gathered */
    uint8_t header_have;
    uint8_t msg_type;
    uint32_t body_len, body_have;
    bool keeping;              /* the body is one we parse */
    uint8_t *body;             /* only while a kept message spans records */
};

void tls_reader_init(struct tls_reader *r, bool from_server);

/* Adds what one record showed (src) to what a frame showed so far (dst). */
void tls_findings_merge(struct tls_findings *dst, const struct tls_findings *src);

/* Feeds one whole record (header included). Updates ctx with what the
 * server negotiates, and f with what the record showed. */
void tls_reader_record(struct tls_reader *r, struct tls_context *ctx, const struct tls_allocator *a,
                       const uint8_t *record, size_t len, struct tls_findings *f);

#endif
