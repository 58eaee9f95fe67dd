/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tls_reader.h"

#include <string.h>

#include "dhe_suites.h"
#include "suite_kinds.h"

#define EXT_SERVER_NAME 0
#define EXT_ALPN 16
#define EXT_EXTENDED_MASTER_SECRET 23
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_KEY_SHARE 51

/* A bounds-checked reader over one message body: every get fails softly once
 * the data runs out, so parsers read straight through and check ok at the end. */
struct cursor {
    const uint8_t *p;
    size_t left;
    bool ok;
};

static const uint8_t *take(struct cursor *c, size_t n)
{
    if (!c->ok || n > c->left) {
        c->ok = false;
        return NULL;
    }
    const uint8_t *at = c->p;
    c->p += n;
    c->left -= n;
    return at;
}

static uint32_t get_be(struct cursor *c, size_t n)
{
    const uint8_t *at = take(c, n);
    uint32_t v = 0;
    for (size_t i = 0; at && i < n; i++)
        v = (v << 8) | at[i];
    return v;
}

/* A vector with an n-byte length prefix: a sub-cursor over its body. */
static struct cursor get_vector(struct cursor *c, size_t n)
{
    uint32_t len = get_be(c, n);
    const uint8_t *at = take(c, len);
    struct cursor v = {at, at ? len : 0, at != NULL};
    return v;
}

bool tls_record_header_plausible(const uint8_t *p, size_t avail)
{
    if (avail < TLS_RECORD_HEADER_LEN)
        return false;
    unsigned len = ((unsigned)p[3] << 8) | p[4];
    return p[0] >= TLS_CT_CHANGE_CIPHER_SPEC && p[0] <= TLS_CT_HEARTBEAT && p[1] == 3 && p[2] <= 4 &&
           len <= TLS_RECORD_MAX_BODY;
}

size_t tls_record_total_length(const uint8_t *p)
{
    return TLS_RECORD_HEADER_LEN + (((size_t)p[3] << 8) | p[4]);
}

uint32_t tls_whole_records_len(const uint8_t *buf, uint32_t len, bool *bad)
{
    uint32_t off = 0;
    *bad = false;
    while (len - off >= TLS_RECORD_HEADER_LEN) {   /* each turn consumes >= 5 bytes */
        if (!tls_record_header_plausible(buf + off, len - off)) {
            *bad = true;
            break;
        }
        uint32_t total = (uint32_t)tls_record_total_length(buf + off);
        if (total > len - off)
            break;
        off += total;
    }
    return off;
}

void tls_reader_init(struct tls_reader *r, bool from_server)
{
    memset(r, 0, sizeof *r);
    r->from_server = from_server;
}

bool tls_findings_any(const struct tls_findings *f)
{
    static const struct tls_findings none;
    return memcmp(f, &none, sizeof none) != 0;
}

const char *tls_version_name(uint16_t version)
{
    switch (version) {
    case SSL_3_0:
        return "SSL 3.0";
    case TLS_1_0:
        return "TLS 1.0";
    case TLS_1_1:
        return "TLS 1.1";
    case TLS_1_2:
        return "TLS 1.2";
    case TLS_1_3:
        return "TLS 1.3";
    default:
        return NULL;
    }
}

const char *tls_alert_name(uint8_t description)
{
    switch (description) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}

bool tls_alert_rejects_certificate(uint8_t description)
{
    return (description >= TLS_ALERT_BAD_CERTIFICATE && description <= TLS_ALERT_CERTIFICATE_UNKNOWN) ||
           description == TLS_ALERT_UNKNOWN_CA;
}

enum dh_leading_zero dh_leading_zero_of(const uint8_t *value, size_t len, size_t p_len)
{
    if (len > 0 && value[0] == 0)
        return DH_ZERO_BYTE_FIRST;
    if (p_len && len < p_len)
        return DH_SHORTER_THAN_P;
    return DH_NO_LEADING_ZERO;
}

static void malformed(struct tls_findings *f, const char *why)
{
    f->malformed = true;
    if (!f->problem)
        f->problem = why;
}

/* A TLS version value, as it counts in an offer: GREASE values (RFC 8701)
 * and anything that is no TLS version count for nothing. */
static uint16_t real_version(uint16_t v)
{
    return tls_version_name(v) ? v : 0;
}

static void parse_client_hello(struct cursor c, struct tls_findings *f)
{
    uint16_t legacy_version = (uint16_t)get_be(&c, 2);
    take(&c, 32);                            /* random */
    get_vector(&c, 1);                       /* session id */
    struct cursor suites = get_vector(&c, 2);
    get_vector(&c, 1);                       /* compression methods */
    if (!c.ok || suites.left % 2) {
        malformed(f, "ClientHello is cut short or its cipher suite list is odd");
        return;
    }
    f->client_hello = true;
    f->offered_max_version = f->offered_min_version = real_version(legacy_version);
    while (suites.left >= 2) {
        uint16_t suite = (uint16_t)get_be(&suites, 2);
        f->offered_suites++;
        enum suite_kx kx = tdstls_suite_kx(suite);
        f->offered_kx |= (uint8_t)(1u << kx);
        if (kx == KX_DHE)
            f->offers_dhe = true;
    }
    if (c.left == 0)
        return;                              /* no extensions */
    struct cursor exts = get_vector(&c, 2);
    while (exts.ok && exts.left >= 4) {
        uint16_t type = (uint16_t)get_be(&exts, 2);
        struct cursor body = get_vector(&exts, 2);
        if (type == EXT_SUPPORTED_VERSIONS) {
            /* it replaces legacy_version as the offer (RFC 8446 4.2.1) */
            struct cursor versions = get_vector(&body, 1);
            uint16_t best = 0, least = 0;
            while (versions.ok && versions.left >= 2) {
                uint16_t v = real_version((uint16_t)get_be(&versions, 2));
                best = v > best ? v : best;
                least = v && (!least || v < least) ? v : least;
            }
            if (best) {
                f->offered_max_version = best;
                f->offered_min_version = least;
            }
        } else if (type == EXT_EXTENDED_MASTER_SECRET) {
            f->offers_ems = true;
        } else if (type == EXT_SERVER_NAME) {
            /* server_name_list: name_type 0 (host_name), then the name */
            struct cursor list = get_vector(&body, 2);
            uint8_t name_type = (uint8_t)get_be(&list, 1);
            struct cursor name = get_vector(&list, 2);
            if (list.ok && name_type == 0) {
                size_t n = name.left < TLS_SNI_MAX - 1 ? name.left : TLS_SNI_MAX - 1;
                for (size_t i = 0; i < n; i++)
                    f->sni[i] = (char)(name.p[i] >= 0x20 && name.p[i] < 0x7F ? name.p[i] : '?');
                f->sni[n] = '\0';
            }
        } else if (type == EXT_ALPN) {
            f->offers_alpn = true;
            struct cursor names = get_vector(&body, 2);
            while (names.ok && names.left > 0) {
                struct cursor name = get_vector(&names, 1);
                if (name.ok && name.left == 7 && memcmp(name.p, "tds/8.0", 7) == 0)
                    f->offers_tds8_alpn = true;
            }
        }
    }
    if (!exts.ok)
        malformed(f, "ClientHello extensions overrun the message");
}

static void parse_server_hello(struct cursor c, struct tls_context *ctx, struct tls_findings *f)
{
    uint16_t version = (uint16_t)get_be(&c, 2);
    take(&c, 32);
    get_vector(&c, 1);
    uint16_t suite = (uint16_t)get_be(&c, 2);
    take(&c, 1);                             /* compression */
    if (!c.ok) {
        malformed(f, "ServerHello is cut short");
        return;
    }
    if (c.left > 0) {
        struct cursor exts = get_vector(&c, 2);
        while (exts.ok && exts.left >= 4) {
            uint16_t type = (uint16_t)get_be(&exts, 2);
            struct cursor body = get_vector(&exts, 2);
            if (type == EXT_SUPPORTED_VERSIONS && body.left >= 2)
                version = (uint16_t)get_be(&body, 2);
            else if (type == EXT_KEY_SHARE && body.left >= 2)
                f->key_share_group = (uint16_t)get_be(&body, 2);
            else if (type == EXT_EXTENDED_MASTER_SECRET)
                f->ems = true;
        }
        if (!exts.ok)
            malformed(f, "ServerHello extensions overrun the message");
    }
    ctx->suite_known = true;
    ctx->suite = suite;
    ctx->tls13 = version == TLS_1_3;
    /* TLS 1.3 suites say nothing of key exchange: an ffdhe key_share is
     * padded to len(p) by RFC 8446, so KB 4557473 cannot happen there. */
    ctx->dhe = !ctx->tls13 && tdstls_suite_is_dhe(suite);
    ctx->dhe_psk = ctx->dhe && tdstls_suite_is_dhe_psk(suite);
    f->server_hello = true;
    f->suite = suite;
    f->suite_dhe = ctx->dhe;
    f->version = version;
}

/* Certificate (TLS 1.2 and older; 1.3 sends it encrypted): the first,
 * the server's own, of certificate_list. */
static void parse_certificate(struct cursor c, struct tls_findings *f)
{
    struct cursor list = get_vector(&c, 3);
    if (!c.ok) {
        malformed(f, "Certificate list overruns the message");
        return;
    }
    f->certificate = true;
    if (list.left == 0)
        return;                              /* an empty list: no certificate to read */
    struct cursor first = get_vector(&list, 3);
    if (!list.ok)
        malformed(f, "Certificate list overruns the message");
    else if (!x509_read(first.p, first.left, &f->cert))
        malformed(f, "the server's certificate is not DER this reader can follow");
}

static void parse_server_key_exchange(struct cursor c, struct tls_context *ctx, struct tls_findings *f)
{
    if (!ctx->dhe)
        return;                              /* ECDHE, RSA export, ...: nothing of ours */
    if (ctx->dhe_psk)
        get_vector(&c, 2);                   /* psk_identity_hint */
    struct cursor p = get_vector(&c, 2);
    struct cursor g = get_vector(&c, 2);
    struct cursor ys = get_vector(&c, 2);
    if (!c.ok || p.left == 0 || ys.left == 0) {
        malformed(f, "ServerKeyExchange DH parameters are cut short or empty");
        return;
    }
    f->server_key_exchange_dh = true;
    f->p_len = (uint16_t)p.left;
    f->g_len = (uint16_t)g.left;
    f->ys_len = (uint16_t)ys.left;
    f->ys_leading_zero = (uint8_t)dh_leading_zero_of(ys.p, ys.left, p.left);
    ctx->p_len = f->p_len;
}

static void parse_client_key_exchange(struct cursor c, struct tls_context *ctx, struct tls_findings *f)
{
    f->client_key_exchange = true;
    if (!ctx->dhe)
        return;
    if (ctx->dhe_psk)
        get_vector(&c, 2);                   /* psk_identity */
    struct cursor yc = get_vector(&c, 2);
    if (!c.ok || yc.left == 0) {
        malformed(f, "ClientKeyExchange dh_Yc is cut short or empty");
        return;
    }
    f->client_key_exchange_dh = true;
    f->yc_len = (uint16_t)yc.left;
    f->yc_leading_zero = (uint8_t)dh_leading_zero_of(yc.p, yc.left, ctx->p_len);
}

static void parse_message(struct tls_reader *r, struct tls_context *ctx, const uint8_t *body, size_t len,
                          struct tls_findings *f)
{
    struct cursor c = {body, len, true};
    switch (r->msg_type) {
    case TLS_HS_CLIENT_HELLO:
        if (!r->from_server)
            parse_client_hello(c, f);
        break;
    case TLS_HS_SERVER_HELLO:
        if (r->from_server)
            parse_server_hello(c, ctx, f);
        break;
    case TLS_HS_CERTIFICATE:
        if (r->from_server && !ctx->tls13)
            parse_certificate(c, f);
        break;
    case TLS_HS_SERVER_KEY_EXCHANGE:
        if (r->from_server)
            parse_server_key_exchange(c, ctx, f);
        break;
    case TLS_HS_CLIENT_KEY_EXCHANGE:
        if (!r->from_server)
            parse_client_key_exchange(c, ctx, f);
        break;
    default:
        break;
    }
}

/* The handshake types Wireshark's TLS dissector knows (ssl_31_handshake_type). */
static bool tls_dissector_knows(uint8_t msg_type)
{
    static const uint8_t known[] = {0, 1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 67};
    for (size_t i = 0; i < sizeof known; i++)
        if (known[i] == msg_type)
            return true;
    return false;
}

/* Mirrors is_encrypted_handshake_message() in packet-tls.c for a record that
 * starts a message before ChangeCipherSpec: 16 bytes or more, and five zero
 * bytes first (a GCM nonce) or a type it does not know. */
static bool tls_dissector_takes_for_encrypted(const uint8_t *body, size_t len)
{
    static const uint8_t zeros[5];
    if (len < 16)
        return false;
    return memcmp(body, zeros, sizeof zeros) == 0 || !tls_dissector_knows(body[0]);
}

static bool wanted(uint8_t msg_type)
{
    return msg_type == TLS_HS_CLIENT_HELLO || msg_type == TLS_HS_SERVER_HELLO || msg_type == TLS_HS_CERTIFICATE ||
           msg_type == TLS_HS_SERVER_KEY_EXCHANGE || msg_type == TLS_HS_CLIENT_KEY_EXCHANGE;
}

static void drop_body(struct tls_reader *r, const struct tls_allocator *a)
{
    if (r->body)
        a->release(a->ctx, r->body);
    r->body = NULL;
}

/* Handshake messages may span records and records may hold several: gather
 * the 4-byte header, then the body, parsing in place when it is whole here. */
static void handshake_bytes(struct tls_reader *r, struct tls_context *ctx, const struct tls_allocator *a,
                            const uint8_t *p, size_t len, struct tls_findings *f, struct tls_traits *t)
{
    while (len > 0) {
        if (r->header_have < 4) {
            r->header[r->header_have++] = *p++;
            len--;
            if (r->header_have < 4)
                continue;
            r->msg_type = r->header[0];
            r->body_len = ((uint32_t)r->header[1] << 16) | ((uint32_t)r->header[2] << 8) | r->header[3];
            r->body_have = 0;
            r->keeping = wanted(r->msg_type);
            /* Only a client sends ClientHello. Seen in the server's bytes it
             * is corruption, and Wireshark's TLS dissector would take the
             * client for the server from then on (and trip its own
             * reassembly assertion); the glue stops feeding it. */
            if (r->from_server && r->msg_type == TLS_HS_CLIENT_HELLO) {
                t->client_hello_from_server = true;
                malformed(f, "a ClientHello in the server's direction");
            }
            if (r->keeping && r->body_len > TLS_MAX_KEPT_MESSAGE) {
                malformed(f, "handshake message too long to analyse");
                r->keeping = false;
            }
        }
        size_t room = r->body_len - r->body_have;
        size_t n = len < room ? len : room;
        if (r->keeping) {
            if (r->body_have == 0 && n == r->body_len) {
                parse_message(r, ctx, p, n, f);      /* whole in this record: no copy */
            } else {
                if (!r->body)
                    r->body = a->alloc(a->ctx, r->body_len ? r->body_len : 1);
                if (r->body) {
                    memcpy(r->body + r->body_have, p, n);
                    if (r->body_have + n == r->body_len)
                        parse_message(r, ctx, r->body, r->body_len, f);
                } else {
                    r->keeping = false;
                }
            }
        }
        r->body_have += (uint32_t)n;
        p += n;
        len -= n;
        if (r->body_have == r->body_len) {
            drop_body(r, a);
            r->header_have = 0;
        }
    }
}

void tls_reader_drop_partial(struct tls_reader *r, const struct tls_allocator *a)
{
    drop_body(r, a);
    r->header_have = 0;
    r->body_len = r->body_have = 0;
    r->keeping = false;
}

void tls_reader_record(struct tls_reader *r, struct tls_context *ctx, const struct tls_allocator *a,
                       const uint8_t *record, size_t len, struct tls_findings *f, struct tls_traits *t)
{
    if (len < TLS_RECORD_HEADER_LEN || !tls_record_header_plausible(record, len) ||
        tls_record_total_length(record) != len) {
        malformed(f, "not a whole TLS record");
        return;
    }
    const uint8_t *body = record + TLS_RECORD_HEADER_LEN;
    size_t body_len = len - TLS_RECORD_HEADER_LEN;
    bool encrypted = r->ccs_seen;
    switch (record[0]) {
    case TLS_CT_CHANGE_CIPHER_SPEC:
        t->change_cipher_spec = true;
        if (!ctx->tls13)
            r->ccs_seen = true;
        break;
    case TLS_CT_ALERT:
        if (!encrypted && body_len == 2) {
            f->alert = true;
            f->alert_from_server = r->from_server;
            f->alert_level = body[0];
            f->alert_description = body[1];
        } else {
            f->alert_encrypted = true;
        }
        break;
    case TLS_CT_HANDSHAKE:
        if (encrypted) {
            if (!r->finished_seen) {
                r->finished_seen = true;     /* the first one after CCS is Finished */
                f->finished = true;
                if (!r->from_server)
                    ctx->client_finished = true;
            }
            /* Wireshark's TLS dissector reads a handshake record from its
             * first byte as clear text when it is short, or when the
             * ChangeCipherSpec came in the same frame: an encrypted server
             * record starting with 1 would be taken for a ClientHello (see
             * client_hello_from_server). */
            if (r->from_server && body_len > 0 && body[0] == TLS_HS_CLIENT_HELLO)
                t->client_hello_lookalike = true;
        } else if (r->header_have == 0 && tls_dissector_takes_for_encrypted(body, body_len)) {
            /* Where Wireshark's TLS dissector sees no message start, neither
             * do we: its next record starts a message again, and so does ours. */
            malformed(f, "a handshake record before ChangeCipherSpec that is not clear text");
        } else {
            handshake_bytes(r, ctx, a, body, body_len, f, t);
        }
        break;
    case TLS_CT_APPLICATION_DATA:
        if (ctx->tls13 && !ctx->client_finished) {
            /* TLS 1.3 hides the rest of the handshake in application data
             * records: the server's flight ends with its Finished, and the
             * client's first such record is its Finished. */
            if (!r->finished_seen) {
                r->finished_seen = true;
                f->finished = true;
            }
            if (!r->from_server)
                ctx->client_finished = true;
        } else {
            t->application_data = true;
        }
        break;
    default:
        break;                               /* heartbeat: nothing of ours */
    }
}

static void *no_alloc(void *ctx, size_t size)
{
    (void)ctx, (void)size;
    return NULL;
}

static void no_release(void *ctx, void *ptr)
{
    (void)ctx, (void)ptr;
}

enum tls_alpn_verdict tls_first_record_alpn(const uint8_t *bytes, size_t len)
{
    /* one record, read by a reader that keeps nothing across records */
    static const struct tls_allocator none = {no_alloc, no_release, NULL};
    if (!tls_record_header_plausible(bytes, len) || bytes[0] != TLS_CT_HANDSHAKE)
        return TLS_ALPN_UNKNOWN;
    size_t total = tls_record_total_length(bytes);
    if (total > len)
        return TLS_ALPN_UNKNOWN;
    struct tls_reader r;
    struct tls_context ctx;
    struct tls_findings f;
    struct tls_traits t;
    memset(&ctx, 0, sizeof ctx);
    memset(&f, 0, sizeof f);
    memset(&t, 0, sizeof t);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &none, bytes, total, &f, &t);
    if (!f.client_hello || f.malformed)
        return TLS_ALPN_UNKNOWN;
    return f.offers_tds8_alpn ? TLS_ALPN_TDS8 : f.offers_alpn ? TLS_ALPN_OTHER : TLS_ALPN_NONE;
}
