/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Reads the clear part of a TLS handshake, one direction at a time, from
 * whole TLS records, and reports what tdstls diagnoses: offered and
 * negotiated suites and versions, DH public value lengths and leading zeros,
 * ChangeCipherSpec, Finished, alerts. No epan dependency: unit-tested and
 * fuzzed on its own.
 */
#ifndef TDSTLS_TLS_READER_H
#define TDSTLS_TLS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509.h"

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
    TLS_HS_CERTIFICATE = 11,
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

/* TLS versions as they appear on the wire (legacy_version, supported_versions). */
enum tls_version {
    SSL_3_0 = 0x0300,
    TLS_1_0 = 0x0301,
    TLS_1_1 = 0x0302,
    TLS_1_2 = 0x0303,
    TLS_1_3 = 0x0304,
};

/* SSL 3.0, TLS 1.0 or TLS 1.1: deprecated (RFC 8996), refused by current
 * clients; false for 0 (no version known). */
static inline bool tls_version_before_1_2(uint16_t version)
{
    return version != 0 && version < TLS_1_2;
}
/* "TLS 1.2", ... or NULL for a value that is none of them. */
const char *tls_version_name(uint16_t version);

/* RFC 5246 7.2: AlertLevel, and the descriptions tdstls reasons about. */
#define TLS_ALERT_LEVEL_FATAL 2
enum tls_alert {
    TLS_ALERT_HANDSHAKE_FAILURE = 40,
    TLS_ALERT_BAD_CERTIFICATE = 42,
    TLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    TLS_ALERT_CERTIFICATE_REVOKED = 44,
    TLS_ALERT_CERTIFICATE_EXPIRED = 45,
    TLS_ALERT_CERTIFICATE_UNKNOWN = 46,
    TLS_ALERT_UNKNOWN_CA = 48,
    TLS_ALERT_PROTOCOL_VERSION = 70,
    TLS_ALERT_INSUFFICIENT_SECURITY = 71,
};
/* "handshake_failure", ... (RFC 8446 6, RFC 5246 7.2); NULL if unknown. */
const char *tls_alert_name(uint8_t description);
/* An alert a client sends when it does not accept the server's certificate. */
bool tls_alert_rejects_certificate(uint8_t description);

#define TLS_SNI_MAX 64

/* A Diffie-Hellman public value (dh_Ys, dh_Yc) with a leading zero: how it
 * shows on the wire. The one rule for both values lives in
 * dh_leading_zero_of(). */
enum dh_leading_zero {
    DH_NO_LEADING_ZERO = 0,
    DH_ZERO_BYTE_FIRST,     /* first byte 0x00: padded to len(p) (OpenSSL) */
    DH_SHORTER_THAN_P,      /* fewer bytes than p: the zero stripped (GnuTLS) */
};
/* p_len 0: p not known, only a zero first byte counts. */
enum dh_leading_zero dh_leading_zero_of(const uint8_t *value, size_t len, size_t p_len);

/* What the connection knows that a direction's reader needs. */
struct tls_context {
    bool suite_known;
    uint16_t suite;
    bool dhe;          /* negotiated suite is ephemeral finite-field DH (never in TLS 1.3) */
    bool dhe_psk;      /* ... with a PSK identity before the DH values */
    bool tls13;        /* ServerHello selected TLS 1.3 */
    uint16_t p_len;    /* from ServerKeyExchange, 0 until seen */
    bool client_finished; /* the handshake is over once the client's Finished is out */
};

/* What a PDU's records showed that tdstls displays: its fields
 * (tdstls-dissect.c) and the checks that read them (checks.c). Fields are
 * set, never cleared, so one struct gathers all the records of a PDU, and a
 * struct still all zero has nothing to show. */
struct tls_findings {
    bool client_hello;
    bool offers_dhe;
    uint16_t offered_suites;
    uint16_t offered_max_version;  /* supported_versions' highest, else legacy_version */
    uint16_t offered_min_version;  /* supported_versions' lowest, else legacy_version */
    uint8_t offered_kx;            /* 1 << enum suite_kx of every suite offered */
    bool offers_ems;               /* extended_master_secret (RFC 7627) */
    bool offers_tds8_alpn;
    bool offers_alpn;              /* an ALPN extension, whatever it lists */
    char sni[TLS_SNI_MAX];         /* server_name, "" if none */
    bool server_hello;
    uint16_t suite;
    bool suite_dhe;            /* suite is TLS_DHE_* and the version is not TLS 1.3 */
    uint16_t version;          /* negotiated: supported_versions, else legacy */
    uint16_t key_share_group;  /* TLS 1.3 ServerHello key_share, 0 if none */
    bool ems;                  /* the ServerHello has extended_master_secret */
    bool certificate;          /* the server's Certificate (TLS 1.2 and older) */
    struct cert_facts cert;    /* its first certificate */
    /* what the connection adds (connection.c): the capture's time lies
     * outside the validity, or the client's server_name is not among its names */
    bool cert_outside_validity, cert_name_mismatch;
    bool server_key_exchange_dh;
    uint16_t p_len, g_len, ys_len;
    uint8_t ys_leading_zero;   /* enum dh_leading_zero */
    bool client_key_exchange;  /* the client's ClientKeyExchange, any key exchange */
    bool client_key_exchange_dh;
    uint16_t yc_len;
    uint8_t yc_leading_zero;   /* enum dh_leading_zero, against p of the ServerKeyExchange */
    bool finished;             /* first encrypted handshake record after CCS */
    bool alert;                /* a clear alert */
    bool alert_from_server;
    uint8_t alert_level, alert_description;
    bool alert_encrypted;      /* an alert record after ChangeCipherSpec */
    bool malformed;
    const char *problem;       /* static text, set with malformed */
    bool cut;                  /* the capture holds only the start of these records (a snapshot length) */
};

/* True when the findings hold something to show. */
bool tls_findings_any(const struct tls_findings *f);

/* What the records showed besides, for the connection's state machine and
 * the hand-off to Wireshark's TLS dissector (first pass only). Set, never
 * cleared, like the findings. */
struct tls_traits {
    bool application_data;         /* an application-data record after the handshake */
    bool change_cipher_spec;
    bool client_hello_from_server; /* a ClientHello header in the server's records */
    bool client_hello_lookalike;   /* an encrypted server handshake record that starts
                                    * with ClientHello's type byte (see tls_reader.c) */
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

/* What the ALPN of a ClientHello whole in the first record says of the
 * connection: TDS 8 (strict) clients offer tds/8.0; one that offers only
 * other protocols (h2, http/1.1, ...) is not SQL Server's. */
enum tls_alpn_verdict {
    TLS_ALPN_UNKNOWN,  /* not a whole ClientHello in the first record */
    TLS_ALPN_NONE,     /* a ClientHello without ALPN */
    TLS_ALPN_TDS8,     /* offers tds/8.0 */
    TLS_ALPN_OTHER,    /* offers ALPN, not tds/8.0 */
};
enum tls_alpn_verdict tls_first_record_alpn(const uint8_t *bytes, size_t len);

/* Forgets a handshake message begun in earlier records: the bytes that
 * would complete it are lost (a capture cut by a snapshot length). */
void tls_reader_drop_partial(struct tls_reader *r, const struct tls_allocator *a);

/* Feeds one whole record (header included). Updates ctx with what the
 * server negotiates, and f and t with what the record showed. */
void tls_reader_record(struct tls_reader *r, struct tls_context *ctx, const struct tls_allocator *a,
                       const uint8_t *record, size_t len, struct tls_findings *f, struct tls_traits *t);

#endif
