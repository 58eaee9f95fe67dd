/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the epan-free core: TLS record and handshake parsing, DHE
 * suites, leading zeros in both encodings, phases and the close diagnosis.
 * Messages are built here byte by byte, so each test states its input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "connection.h"
#include "login_auth.h"
#include "dhe_suites.h"
#include "tcp_header.h"
#include "x509.h"
#include "tds_prelogin.h"
#include "ssrp.h"
#include "login_answer.h"
#include "ntlm.h"
#include "tls_clip.h"
#include "tls_reader.h"
#include "ucs2.h"

static int failures, checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, __func__, #cond); \
        }                                                                             \
    } while (0)

static void *test_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void test_release(void *ctx, void *p) { (void)ctx; free(p); }
static const struct tls_allocator alloc = {test_alloc, test_release, NULL};
/* traits of records whose traits a test does not look at */
static struct tls_traits sink;

/* --- a tiny message builder ------------------------------------------- */
struct buf {
    uint8_t b[8192];
    size_t n;
};
static void put(struct buf *b, const void *p, size_t n) { memcpy(b->b + b->n, p, n); b->n += n; }
static void u8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void u16(struct buf *b, unsigned v) { u8(b, v >> 8); u8(b, v & 0xFF); }
static void u24(struct buf *b, unsigned v) { u8(b, v >> 16); u16(b, v & 0xFFFF); }
static void fill(struct buf *b, unsigned v, size_t n) { memset(b->b + b->n, (int)v, n); b->n += n; }

/* record(type, handshake message(type, body)) */
static struct buf handshake_record(unsigned msg_type, const struct buf *body)
{
    struct buf r = {{0}, 0};
    u8(&r, TLS_CT_HANDSHAKE);
    u16(&r, 0x0303);
    u16(&r, (unsigned)body->n + 4);
    u8(&r, msg_type);
    u24(&r, (unsigned)body->n);
    put(&r, body->b, body->n);
    return r;
}

static struct buf record(unsigned type, const uint8_t *body, size_t n)
{
    struct buf r = {{0}, 0};
    u8(&r, type);
    u16(&r, 0x0303);
    u16(&r, (unsigned)n);
    put(&r, body, n);
    return r;
}

/* alpn: 0 none, 1 "tds/8.0", 2 "h2" and "http/1.1" */
static struct buf client_hello(const uint16_t *suites, size_t n, int alpn)
{
    struct buf b = {{0}, 0};
    u16(&b, 0x0303);
    fill(&b, 0xAA, 32);
    u8(&b, 0);
    u16(&b, (unsigned)n * 2);
    for (size_t i = 0; i < n; i++)
        u16(&b, suites[i]);
    u8(&b, 1);
    u8(&b, 0);
    if (alpn == 1) {
        u16(&b, 2 + 2 + 2 + 1 + 7);     /* extensions */
        u16(&b, 16);                     /* ALPN */
        u16(&b, 2 + 1 + 7);
        u16(&b, 1 + 7);
        u8(&b, 7);
        put(&b, "tds/8.0", 7);
    } else if (alpn == 2) {
        u16(&b, 2 + 2 + 2 + 3 + 9);
        u16(&b, 16);
        u16(&b, 2 + 3 + 9);
        u16(&b, 3 + 9);
        u8(&b, 2);
        put(&b, "h2", 2);
        u8(&b, 8);
        put(&b, "http/1.1", 8);
    }
    return b;
}

static struct buf server_hello(uint16_t suite, uint16_t supported_version)
{
    struct buf b = {{0}, 0};
    u16(&b, 0x0303);
    fill(&b, 0xBB, 32);
    u8(&b, 0);
    u16(&b, suite);
    u8(&b, 0);
    if (supported_version) {
        u16(&b, 6 + 8);
        u16(&b, 43);
        u16(&b, 2);
        u16(&b, supported_version);
        u16(&b, 51);                     /* key_share: group + empty key for brevity */
        u16(&b, 4);
        u16(&b, 0x0100);                 /* ffdhe2048 */
        u16(&b, 0);
    }
    return b;
}

/* p of p_len bytes (0xFF..), g = 2, Ys of ys_len bytes starting with ys_first */
static struct buf dh_server_key_exchange(size_t p_len, size_t ys_len, unsigned ys_first)
{
    struct buf b = {{0}, 0};
    u16(&b, (unsigned)p_len);
    fill(&b, 0xFF, p_len);
    u16(&b, 1);
    u8(&b, 2);
    u16(&b, (unsigned)ys_len);
    u8(&b, ys_first);
    fill(&b, 0x42, ys_len - 1);
    u16(&b, 0x0401);
    u16(&b, 16);
    fill(&b, 0x99, 16);
    return b;
}

static struct buf dh_client_key_exchange(size_t yc_len, unsigned yc_first)
{
    struct buf b = {{0}, 0};
    u16(&b, (unsigned)yc_len);
    u8(&b, yc_first);
    fill(&b, 0x17, yc_len - 1);
    return b;
}

/* --- tests -------------------------------------------------------------- */

static void test_record_header(void)
{
    const uint8_t ok[] = {22, 3, 3, 0, 10};
    const uint8_t bad_type[] = {25, 3, 3, 0, 10};
    const uint8_t bad_version[] = {22, 2, 0, 0, 10};
    const uint8_t too_long[] = {23, 3, 3, 0xFF, 0xFF};
    CHECK(tls_record_header_plausible(ok, 5));
    CHECK(!tls_record_header_plausible(ok, 4));
    CHECK(!tls_record_header_plausible(bad_type, 5));
    CHECK(!tls_record_header_plausible(bad_version, 5));
    CHECK(!tls_record_header_plausible(too_long, 5));
    CHECK(tls_record_total_length(ok) == 15);

    /* whole records at the start of a buffer: two records of 5+2 and 5+1, then part of a third */
    const uint8_t two_and_part[] = {22, 3, 3, 0, 2, 1, 2, 20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 9, 0};
    bool bad = true;
    CHECK(tls_whole_records_len(two_and_part, 13, &bad) == 13 && !bad);
    CHECK(tls_whole_records_len(two_and_part, sizeof two_and_part, &bad) == 13 && !bad);
    CHECK(tls_whole_records_len(two_and_part, 12, &bad) == 7 && !bad);   /* second record cut */
    CHECK(tls_whole_records_len(two_and_part, 4, &bad) == 0 && !bad);    /* not even a header */
    CHECK(tls_whole_records_len(two_and_part, 0, &bad) == 0 && !bad);
    const uint8_t then_garbage[] = {22, 3, 3, 0, 1, 7, 0x12, 1, 0, 8, 0, 0};
    CHECK(tls_whole_records_len(then_garbage, sizeof then_garbage, &bad) == 6 && bad);
    CHECK(tls_whole_records_len(bad_type, 5, &bad) == 0 && bad);
}

static void test_dhe_suites(void)
{
    CHECK(tdstls_suite_is_dhe(0x009F));      /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
    CHECK(tdstls_suite_is_dhe(0x0033));      /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
    CHECK(tdstls_suite_is_dhe(0xCCAA));      /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    CHECK(tdstls_suite_is_dhe(0x00AA));      /* TLS_DHE_PSK_WITH_AES_128_GCM_SHA256 */
    CHECK(tdstls_suite_is_dhe(0x0034));      /* TLS_DH_anon_WITH_AES_128_CBC_SHA */
    CHECK(tdstls_suite_is_dhe_psk(0x00AA));
    CHECK(!tdstls_suite_is_dhe_psk(0x009F));
    CHECK(!tdstls_suite_is_dhe(0xC030));     /* ECDHE */
    CHECK(!tdstls_suite_is_dhe(0x009D));     /* RSA key exchange */
    CHECK(!tdstls_suite_is_dhe(0x00A1));     /* static DH_RSA: not ephemeral */
    CHECK(!tdstls_suite_is_dhe(0x1302));     /* TLS 1.3 */
    for (size_t i = 1; i < tdstls_dhe_suite_count(); i++)
        CHECK(tdstls_dhe_suite_at(i - 1) < tdstls_dhe_suite_at(i));   /* sorted, for bsearch */
}

static void test_client_hello(void)
{
    const uint16_t with_dhe[] = {0xC030, 0x009F, 0x00FF};
    const uint16_t without[] = {0xC030, 0xC02F};
    struct tls_context ctx = {0};
    struct tls_reader r;
    struct tls_findings f = {0};

    struct buf body = client_hello(with_dhe, 3, 1);
    struct buf rec = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.client_hello && f.offers_dhe && f.offered_suites == 3 && f.offers_tds8_alpn && !f.malformed);

    memset(&f, 0, sizeof f);
    body = client_hello(without, 2, 0);
    rec = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.client_hello && !f.offers_dhe && !f.offers_tds8_alpn);

    /* cut short: the suite list claims more than the message holds */
    memset(&f, 0, sizeof f);
    body = client_hello(with_dhe, 3, 0);
    body.b[2 + 32 + 1 + 1] = 0xF0;          /* low byte of the suite list length */
    rec = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(!f.client_hello && f.malformed);
}

static void test_server_hello(void)
{
    struct tls_context ctx = {0};
    struct tls_reader r;
    struct tls_findings f = {0};
    struct buf body = server_hello(0x009F, 0);
    struct buf rec = handshake_record(TLS_HS_SERVER_HELLO, &body);
    tls_reader_init(&r, true);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.server_hello && f.suite == 0x009F && f.version == 0x0303 && f.suite_dhe);
    CHECK(ctx.dhe && !ctx.tls13 && ctx.suite_known);

    /* TLS 1.3 with an ffdhe key share is not a TLS_DHE suite */
    struct tls_context ctx13 = {0};
    memset(&f, 0, sizeof f);
    body = server_hello(0x1302, 0x0304);
    rec = handshake_record(TLS_HS_SERVER_HELLO, &body);
    tls_reader_init(&r, true);
    tls_reader_record(&r, &ctx13, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.version == 0x0304 && f.key_share_group == 0x0100 && ctx13.tls13 && !ctx13.dhe && !f.suite_dhe);

    /* a ServerHello from the client direction is ignored */
    struct tls_context other = {0};
    memset(&f, 0, sizeof f);
    body = server_hello(0x009F, 0);
    rec = handshake_record(TLS_HS_SERVER_HELLO, &body);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &other, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(!f.server_hello && !other.suite_known);
}

static void dh_exchange(size_t p_len, size_t ys_len, unsigned ys_first, size_t yc_len, unsigned yc_first,
                        struct tls_findings *sf, struct tls_findings *cf, struct tls_context *ctx)
{
    struct tls_reader srv, cli;
    tls_reader_init(&srv, true);
    tls_reader_init(&cli, false);
    memset(ctx, 0, sizeof *ctx);
    struct buf body = server_hello(0x009F, 0);
    struct buf rec = handshake_record(TLS_HS_SERVER_HELLO, &body);
    tls_reader_record(&srv, ctx, &alloc, rec.b, rec.n, sf, &sink);
    body = dh_server_key_exchange(p_len, ys_len, ys_first);
    rec = handshake_record(TLS_HS_SERVER_KEY_EXCHANGE, &body);
    tls_reader_record(&srv, ctx, &alloc, rec.b, rec.n, sf, &sink);
    body = dh_client_key_exchange(yc_len, yc_first);
    rec = handshake_record(TLS_HS_CLIENT_KEY_EXCHANGE, &body);
    tls_reader_record(&cli, ctx, &alloc, rec.b, rec.n, cf, &sink);
}

static void test_leading_zeros(void)
{
    struct tls_findings sf = {0}, cf = {0};
    struct tls_context ctx;
    /* OpenSSL pads: same length as p, first byte 0x00 */
    dh_exchange(256, 256, 0x00, 256, 0x00, &sf, &cf, &ctx);
    CHECK(sf.server_key_exchange_dh && sf.p_len == 256 && sf.g_len == 1 && sf.ys_len == 256 &&
          sf.ys_leading_zero == DH_ZERO_BYTE_FIRST);
    CHECK(cf.client_key_exchange_dh && cf.yc_len == 256 && cf.yc_leading_zero == DH_ZERO_BYTE_FIRST);
    CHECK(ctx.p_len == 256);

    /* GnuTLS strips: one byte shorter than p, first byte not zero */
    memset(&sf, 0, sizeof sf);
    memset(&cf, 0, sizeof cf);
    dh_exchange(256, 255, 0x5A, 255, 0x33, &sf, &cf, &ctx);
    CHECK(sf.ys_len == 255 && sf.ys_leading_zero == DH_SHORTER_THAN_P && sf.ys_len < sf.p_len);
    CHECK(cf.yc_len == 255 && cf.yc_leading_zero == DH_SHORTER_THAN_P);

    /* no leading zero */
    memset(&sf, 0, sizeof sf);
    memset(&cf, 0, sizeof cf);
    dh_exchange(256, 256, 0x80, 256, 0x01, &sf, &cf, &ctx);
    CHECK(sf.ys_leading_zero == DH_NO_LEADING_ZERO && sf.ys_len == sf.p_len &&
          cf.yc_leading_zero == DH_NO_LEADING_ZERO && cf.yc_len == 256);
}

static void test_message_across_records(void)
{
    /* a ServerKeyExchange split over three records, as some stacks send */
    struct tls_context ctx = {0};
    struct tls_reader r;
    struct tls_findings f = {0};
    tls_reader_init(&r, true);
    struct buf body = server_hello(0x009F, 0);
    struct buf rec = handshake_record(TLS_HS_SERVER_HELLO, &body);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);

    body = dh_server_key_exchange(256, 256, 0x00);
    struct buf msg = {{0}, 0};
    u8(&msg, TLS_HS_SERVER_KEY_EXCHANGE);
    u24(&msg, (unsigned)body.n);
    put(&msg, body.b, body.n);
    size_t cuts[] = {0, 3, 200, msg.n};     /* the header itself is split too */
    for (int i = 0; i < 3; i++) {
        rec = record(TLS_CT_HANDSHAKE, msg.b + cuts[i], cuts[i + 1] - cuts[i]);
        tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    }
    CHECK(f.server_key_exchange_dh && f.ys_len == 256 && f.ys_leading_zero == DH_ZERO_BYTE_FIRST && r.body == NULL);
}

static void test_hostile(void)
{
    struct tls_context ctx = {0};
    struct tls_reader r;
    struct tls_findings f = {0};
    tls_reader_init(&r, true);
    /* a record that is not what its header says */
    const uint8_t short_rec[] = {22, 3, 3, 0, 9, 1, 2};
    tls_reader_record(&r, &ctx, &alloc, short_rec, sizeof short_rec, &f, &sink);
    CHECK(f.malformed);
    /* a handshake message claiming 16 MiB: skipped, not buffered */
    memset(&f, 0, sizeof f);
    const uint8_t huge[] = {22, 3, 3, 0, 8, TLS_HS_SERVER_KEY_EXCHANGE, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4};
    tls_reader_record(&r, &ctx, &alloc, huge, sizeof huge, &f, &sink);
    CHECK(f.malformed && r.body == NULL);
    /* a ClientHello header in the server's bytes, its body in the next record:
     * flagged at the header (the glue then stops feeding Wireshark's TLS) */
    struct tls_reader from_server, from_client;
    tls_reader_init(&from_server, true);
    tls_reader_init(&from_client, false);
    const uint8_t hello_head[] = {22, 3, 3, 0, 4, TLS_HS_CLIENT_HELLO, 0, 0, 40};
    struct tls_traits t = {0};
    memset(&f, 0, sizeof f);
    tls_reader_record(&from_server, &ctx, &alloc, hello_head, sizeof hello_head, &f, &t);
    CHECK(t.client_hello_from_server && f.malformed && f.problem);
    memset(&f, 0, sizeof f);
    memset(&t, 0, sizeof t);
    tls_reader_record(&from_client, &ctx, &alloc, hello_head, sizeof hello_head, &f, &t);
    CHECK(!t.client_hello_from_server);
    free(from_server.body);   /* the message never completes here */
    free(from_client.body);
    /* After the server's ChangeCipherSpec, an encrypted record that starts
     * with 1: Wireshark's TLS may read a ClientHello there. Not malformed (a
     * real Finished can start so), but flagged; from the client, nothing. */
    const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    uint8_t finished_like[5 + 40] = {22, 3, 3, 0, 40, TLS_HS_CLIENT_HELLO};
    for (int from_srv = 0; from_srv < 2; from_srv++) {
        struct tls_reader after_ccs;
        tls_reader_init(&after_ccs, from_srv);
        memset(&f, 0, sizeof f);
        memset(&t, 0, sizeof t);
        tls_reader_record(&after_ccs, &ctx, &alloc, ccs, sizeof ccs, &f, &t);
        tls_reader_record(&after_ccs, &ctx, &alloc, finished_like, sizeof finished_like, &f, &t);
        CHECK(f.finished && t.client_hello_lookalike == from_srv && t.change_cipher_spec && !f.malformed);
    }
    /* A clear-text record of 16 bytes or more that starts with a type
     * Wireshark's TLS does not know (or five zero bytes) is skipped whole, as
     * that dissector skips it, so the next record starts a message for both:
     * the ClientHello header there is seen. */
    uint8_t unknown_type[5 + 20] = {22, 3, 3, 0, 20, 0x55, 0, 1, 0};
    uint8_t zero_start[5 + 16] = {22, 3, 3, 0, 16};
    const uint8_t *opaque[] = {unknown_type, zero_start};
    const size_t opaque_len[] = {sizeof unknown_type, sizeof zero_start};
    for (int i = 0; i < 2; i++) {
        struct tls_reader srv;
        tls_reader_init(&srv, true);
        memset(&f, 0, sizeof f);
        memset(&t, 0, sizeof t);
        tls_reader_record(&srv, &ctx, &alloc, opaque[i], opaque_len[i], &f, &t);
        CHECK(f.malformed && srv.header_have == 0 && !t.client_hello_from_server);
        tls_reader_record(&srv, &ctx, &alloc, hello_head, sizeof hello_head, &f, &t);
        CHECK(t.client_hello_from_server);
        free(srv.body);
    }
    /* under 16 bytes, an unknown type is still read as clear text (as there) */
    const uint8_t short_unknown[] = {22, 3, 3, 0, 6, 0x55, 0, 0, 2, 7, 7};
    memset(&f, 0, sizeof f);
    struct tls_reader srv_short;
    tls_reader_init(&srv_short, true);
    tls_reader_record(&srv_short, &ctx, &alloc, short_unknown, sizeof short_unknown, &f, &sink);
    CHECK(!f.malformed && srv_short.header_have == 0);
    /* DH lengths overrunning the message */
    struct tls_reader r2;
    tls_reader_init(&r2, true);
    struct tls_context dhe = {.suite_known = true, .suite = 0x009F, .dhe = true};
    memset(&f, 0, sizeof f);
    struct buf body = {{0}, 0};
    u16(&body, 0xFFFF);
    fill(&body, 1, 10);
    struct buf rec = handshake_record(TLS_HS_SERVER_KEY_EXCHANGE, &body);
    tls_reader_record(&r2, &dhe, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.malformed && !f.server_key_exchange_dh && dhe.p_len == 0);
    /* random bytes: no crash, and whatever is reported stays bounded */
    srand(4557473);
    for (int round = 0; round < 20000; round++) {
        uint8_t junk[64];
        size_t n = 5 + (size_t)(rand() % 59);
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rand();
        junk[0] = (uint8_t)(20 + rand() % 5);
        junk[1] = 3;
        junk[3] = 0;
        junk[4] = (uint8_t)(n - 5);
        struct tls_reader rr;
        struct tls_context cc = {.dhe = rand() % 2, .tls13 = rand() % 2};
        struct tls_findings ff = {0};
        tls_reader_init(&rr, rand() % 2);
        tls_reader_record(&rr, &cc, &alloc, junk, n, &ff, &sink);
        CHECK(!ff.malformed || ff.problem);
        if (rr.body) {
            free(rr.body);
            rr.body = NULL;
        }
    }
}

/* --- connections: phases and the close -------------------------------- */

struct script {
    struct conn_analysis c;
    uint32_t frame;
    int64_t now;                 /* ms steps, in ns */
};

static void start(struct script *s)
{
    memset(s, 0, sizeof *s);
    tdstls_conn_init(&s->c, &alloc, 0);
}

static void stop(struct script *s)
{
    tdstls_conn_free(&s->c);
}

static struct frame_label tcp_label(struct script *s, enum tdstls_side side, int syn, int fin, int rst)
{
    s->now += 1000000;
    return tdstls_conn_tcp(&s->c, ++s->frame, s->now, side, syn, fin, rst);
}

/* The checks a frame's label raises (login budget 1000 ms). */
static check_set frame_checks(const struct script *s, const struct frame_label *l)
{
    return tdstls_checks_of_frame(tdstls_conn_results(&s->c), s->frame, l, 1000);
}

static enum tdstls_phase tcp(struct script *s, enum tdstls_side side, int syn, int fin, int rst)
{
    return (enum tdstls_phase)tcp_label(s, side, syn, fin, rst).phase;
}

/* the label of the frame just fed (its data events came first) */
static enum tdstls_phase label_now(struct script *s, enum tdstls_side side)
{
    s->now += 1000000;
    return (enum tdstls_phase)tdstls_conn_tcp(&s->c, s->frame, s->now, side, 0, 0, 0).phase;
}

static enum tdstls_phase tls(struct script *s, enum tdstls_side side, int in_prelogin, const struct buf *records)
{
    struct tls_findings f = {0};
    struct tls_traits t = {0};
    tdstls_conn_tls(&s->c, ++s->frame, s->now, side, in_prelogin, records->b, records->n, &f, &t);
    return label_now(s, side);
}

static enum tdstls_phase clear(struct script *s, enum tdstls_side side, uint8_t type)
{
    tdstls_conn_clear_tds(&s->c, ++s->frame, side, type, NULL, 0);
    return label_now(s, side);
}

static struct buf cat(const struct buf *a, const struct buf *b)
{
    struct buf r = *a;
    put(&r, b->b, b->n);
    return r;
}

/* ChangeCipherSpec and an (encrypted) Finished: the end of a TLS 1.2 flight. */
static struct buf ccs_and_finished(void)
{
    const uint8_t one = 1, enc[40] = {0};
    struct buf ccs = record(TLS_CT_CHANGE_CIPHER_SPEC, &one, 1);
    struct buf fin = record(TLS_CT_HANDSHAKE, enc, sizeof enc);
    return cat(&ccs, &fin);
}

/* Runs a TDS 7.x DHE handshake up to the client's Finished. */
/* SYN, SYN/ACK, ACK, then the PRELOGIN exchange in clear */
static void tcp_and_prelogin(struct script *s)
{
    CHECK(tcp(s, SIDE_CLIENT, 1, 0, 0) == PHASE_TCP_HANDSHAKE);
    CHECK(tcp(s, SIDE_SERVER, 1, 0, 0) == PHASE_TCP_HANDSHAKE);
    CHECK(tcp(s, SIDE_CLIENT, 0, 0, 0) == PHASE_TCP_HANDSHAKE);
    CHECK(clear(s, SIDE_CLIENT, TDS_PRELOGIN) == PHASE_PRELOGIN);
    CHECK(clear(s, SIDE_SERVER, TDS_RESPONSE) == PHASE_PRELOGIN);
}

static void tds7_until_client_finished(struct script *s, uint16_t suite, unsigned ys_first)
{
    const uint16_t offer[] = {suite};
    tcp_and_prelogin(s);
    struct buf body = client_hello(offer, 1, 0);
    struct buf ch = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    CHECK(tls(s, SIDE_CLIENT, 1, &ch) == PHASE_TLS_HANDSHAKE);
    body = server_hello(suite, 0);
    struct buf flight = handshake_record(TLS_HS_SERVER_HELLO, &body);
    if (tdstls_suite_is_dhe(suite)) {
        body = dh_server_key_exchange(256, 256, ys_first);
        struct buf ske = handshake_record(TLS_HS_SERVER_KEY_EXCHANGE, &body);
        flight = cat(&flight, &ske);
    }
    CHECK(tls(s, SIDE_SERVER, 1, &flight) == PHASE_TLS_HANDSHAKE);
    body = dh_client_key_exchange(256, 0x11);
    struct buf cke = handshake_record(TLS_HS_CLIENT_KEY_EXCHANGE, &body);
    struct buf ccs_fin = ccs_and_finished();
    struct buf client_flight = cat(&cke, &ccs_fin);
    CHECK(tls(s, SIDE_CLIENT, 1, &client_flight) == PHASE_TLS_HANDSHAKE);
}

/* A TDS 7.x handshake through the server's CCS/Finished, on a fresh
 * script; returns the phase of that last frame. */
static enum tdstls_phase tds7_handshake_done(struct script *s, uint16_t suite, unsigned ys_first)
{
    start(s);
    tds7_until_client_finished(s, suite, ys_first);
    struct buf srv_fin = ccs_and_finished();
    return tls(s, SIDE_SERVER, 1, &srv_fin);
}

static const char *name_suite(uint16_t suite)
{
    return suite == 0x009F ? "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" : "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
}

/* The connection's diagnosis as tdstls.diagnosis says it. */
static void diagnosis(const struct script *s, char *buf, size_t size)
{
    struct diagnosis_context ctx = {tdstls_conn_results(&s->c), name_suite};
    tdstls_diagnosis_text(&ctx, buf, size);
}

static void test_normal_tds7(void)
{
    struct script s;
    CHECK(tds7_handshake_done(&s, 0x009F, 0x80) == PHASE_TLS_HANDSHAKE);
    CHECK(s.c.track.handshake_done);
    const uint8_t enc[40] = {0};
    struct buf app = record(TLS_CT_APPLICATION_DATA, enc, sizeof enc);
    CHECK(tls(&s, SIDE_CLIENT, 0, &app) == PHASE_LOGIN);
    CHECK(tcp(&s, SIDE_SERVER, 0, 0, 0) == PHASE_LOGIN);          /* bare ACK */
    CHECK(tls(&s, SIDE_SERVER, 0, &app) == PHASE_LOGIN_RESPONSE);
    CHECK(tls(&s, SIDE_CLIENT, 0, &app) == PHASE_COMMANDS);
    CHECK(tls(&s, SIDE_SERVER, 0, &app) == PHASE_COMMANDS);
    struct frame_label l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(l.phase == PHASE_CLOSE && l.first_close && frame_checks(&s, &l) == 0);
    l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.phase == PHASE_CLOSE && !l.first_close && frame_checks(&s, &l) == 0);
    CHECK(tcp(&s, SIDE_CLIENT, 0, 0, 0) == PHASE_CLOSE);
    const struct conn_results *r = tdstls_conn_results(&s.c);
    CHECK(r->diagnosis == DIAG_NONE && r->close_side == SIDE_CLIENT);
    char diag[1536];
    diagnosis(&s, diag, sizeof diag);
    CHECK(diag[0] == '\0');
    CHECK(!r->ys_leading_zero && !r->yc_leading_zero && r->dhe);
    CHECK(r->dhe_offered);

    /* every frame keeps its label on any later pass; few runs hold them */
    const char want[] = "11122333344566777";
    for (uint32_t frame = 1; frame <= s.frame; frame++) {
        struct frame_label got;
        CHECK(tdstls_conn_label(r, frame, &got) && got.phase == (uint8_t)(want[frame - 1] - '0'));
    }
    struct frame_label none;
    CHECK(!tdstls_conn_label(r, 0, &none));
    CHECK(r->n_runs < s.frame);

    /* phase times: each phase lasts until the next begins (frames 1 ms apart) */
    int64_t ns;
    CHECK(tdstls_phase_duration(r, PHASE_TCP_HANDSHAKE, &ns) && ns == 3 * 1000000);
    CHECK(tdstls_phase_duration(r, PHASE_TLS_HANDSHAKE, &ns) && ns == 4 * 1000000);
    CHECK(!tdstls_phase_duration(r, PHASE_CLOSE, &ns));
    enum tdstls_phase before;
    CHECK(tdstls_phase_before(r, PHASE_LOGIN, &before) && before == PHASE_TLS_HANDSHAKE);
    CHECK(!tdstls_phase_before(r, PHASE_TCP_HANDSHAKE, &before));
    uint32_t login_start;
    CHECK(tdstls_login_time(r, &login_start, &ns) && login_start == 4 && ns == 8 * 1000000);
    CHECK(tdstls_login_slow(r, 7) && !tdstls_login_slow(r, 8) && !tdstls_login_slow(r, 0));
    /* the login budget check speaks on the first login-response frame only */
    struct frame_label at_response;
    CHECK(tdstls_conn_label(r, 12, &at_response) && at_response.phase == PHASE_LOGIN_RESPONSE);
    CHECK(tdstls_checks_of_frame(r, 12, &at_response, 7) == CHECK_BIT(CHECK_LOGIN_SLOW));
    CHECK(tdstls_checks_of_frame(r, 12, &at_response, 0) == 0 && tdstls_checks_of_frame(r, 13, &at_response, 7) == 0);
    stop(&s);
}

static void test_kb4557473(void)
{
    struct script s;
    start(&s);
    tds7_until_client_finished(&s, 0x009F, 0x00);
    const struct conn_results *r = tdstls_conn_results(&s.c);
    CHECK(r->ys_leading_zero && r->dhe);
    struct frame_label l = tcp_label(&s, SIDE_SERVER, 0, 0, 1);
    CHECK(l.phase == PHASE_CLOSE && l.first_close);
    CHECK(frame_checks(&s, &l) == (CHECK_BIT(CHECK_SERVER_RESET) | CHECK_BIT(CHECK_SERVER_CLOSED_FIRST) |
                       CHECK_BIT(CHECK_KB4557473)));
    CHECK(r->phase_at_close == PHASE_TLS_HANDSHAKE && r->close_reset && r->diagnosis == DIAG_KB4557473);
    char diag[1536];
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "KB 4557473") && strstr(diag, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384") &&
          strstr(diag, "disable the TLS_DHE"));
    uint32_t evidence[MAX_EVIDENCE];
    /* the client's key exchange and Finished came in one frame: named once; then the RST */
    CHECK(r->frame_client_key_exchange == r->frame_client_finished);
    CHECK(tdstls_diagnosis_evidence(r, evidence) == 3 && evidence[0] == r->frame_server_hello &&
          evidence[1] == r->frame_client_finished && evidence[2] == r->frame_first_close);
    stop(&s);

    /* DHE, handshake complete, server closes after login: not KB 4557473 */
    start(&s);
    tds7_until_client_finished(&s, 0x009F, 0x00);
    const uint8_t enc[40] = {0};
    struct buf srv_fin = ccs_and_finished();
    tls(&s, SIDE_SERVER, 1, &srv_fin);
    struct buf app = record(TLS_CT_APPLICATION_DATA, enc, sizeof enc);
    tls(&s, SIDE_CLIENT, 0, &app);
    tls(&s, SIDE_SERVER, 0, &app);
    tls(&s, SIDE_CLIENT, 0, &app);
    l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.phase == PHASE_CLOSE && frame_checks(&s, &l) == CHECK_BIT(CHECK_SERVER_CLOSED_FIRST));
    CHECK(s.c.res.diagnosis == DIAG_SERVER_CLOSED_FIRST);
    diagnosis(&s, diag, sizeof diag);
    CHECK(!strstr(diag, "KB 4557473") && strstr(diag, "after login"));
    stop(&s);

    /* the same abort with ECDHE: the server rejected the key exchange, not KB 4557473 */
    start(&s);
    tds7_until_client_finished(&s, 0xC030, 0);
    l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.phase == PHASE_CLOSE && l.diagnosis);
    CHECK(frame_checks(&s, &l) == (CHECK_BIT(CHECK_SERVER_CLOSED_FIRST) | CHECK_BIT(CHECK_KEY_EXCHANGE_REJECTED)));
    CHECK(s.c.res.diagnosis == DIAG_KEY_EXCHANGE_REJECTED && s.c.res.diagnosis_side == SIDE_SERVER);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "not KB 4557473") && strstr(diag, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
    /* ServerHello, the client's flight (key exchange and Finished), the FIN */
    CHECK(tdstls_diagnosis_evidence(tdstls_conn_results(&s.c), evidence) == 3);
    stop(&s);
}

static void test_failures_before_tls(void)
{
    struct script s;
    char diag[1536];
    /* FIN before the PRELOGIN response */
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    tcp(&s, SIDE_SERVER, 1, 0, 0);
    CHECK(clear(&s, SIDE_CLIENT, TDS_PRELOGIN) == PHASE_PRELOGIN);
    struct frame_label l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.phase == PHASE_CLOSE && (frame_checks(&s, &l) & CHECK_BIT(CHECK_SERVER_CLOSED_FIRST)));
    CHECK(s.c.res.diagnosis == DIAG_CLOSED_BEFORE_PRELOGIN_RESPONSE);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "before answering PRELOGIN") != NULL);
    stop(&s);

    /* FIN right after the ClientHello: no common version or suite */
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    clear(&s, SIDE_CLIENT, TDS_PRELOGIN);
    clear(&s, SIDE_SERVER, TDS_RESPONSE);
    const uint16_t offer[] = {0x009F};
    struct buf body = client_hello(offer, 1, 0);
    struct buf ch = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    tls(&s, SIDE_CLIENT, 1, &ch);
    CHECK(s.c.res.dhe_offered);
    l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.phase == PHASE_CLOSE && !(frame_checks(&s, &l) & CHECK_BIT(CHECK_KB4557473)));
    CHECK(s.c.res.diagnosis == DIAG_NO_COMMON_TLS);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "no TLS version or cipher suite in common") != NULL);
    stop(&s);

    /* a client RST: a Note, no diagnosis text */
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    l = tcp_label(&s, SIDE_CLIENT, 0, 0, 1);
    CHECK(l.first_close && frame_checks(&s, &l) == CHECK_BIT(CHECK_CLIENT_RESET));
    CHECK(s.c.res.diagnosis == DIAG_CLIENT_RESET);
    diagnosis(&s, diag, sizeof diag);
    CHECK(diag[0] == '\0' && strcmp(tdstls_diagnoses[DIAG_CLIENT_RESET].short_text, "client reset") == 0);
    stop(&s);
}

static void test_decrypted_types(void)
{
    /* with a keylog, decrypted TDS types replace the guess: the client's
     * SSPI packet is login, not commands (test_windows_authentication: the
     * server's SSPI token is login too) */
    struct script s;
    tds7_handshake_done(&s, 0xC030, 0);
    const uint8_t enc[40] = {0};
    struct buf app = record(TLS_CT_APPLICATION_DATA, enc, sizeof enc);
    struct tls_findings f = {0};
    struct tls_traits t = {0};
    enum tdstls_side order[] = {SIDE_CLIENT, SIDE_SERVER, SIDE_CLIENT, SIDE_SERVER, SIDE_CLIENT};
    uint8_t types[] = {TDS_LOGIN7, TDS_RESPONSE, TDS_SSPI, TDS_RESPONSE, TDS_SQL_BATCH};
    enum tdstls_phase want[] = {PHASE_LOGIN, PHASE_LOGIN_RESPONSE, PHASE_LOGIN, PHASE_LOGIN_RESPONSE, PHASE_COMMANDS};
    for (int i = 0; i < 5; i++) {
        tdstls_conn_tls(&s.c, ++s.frame, 0, order[i], 0, app.b, app.n, &f, &t);
        tdstls_conn_decrypted_tds(&s.c, s.frame, order[i], types[i], NULL, 0);
        struct frame_label l = tdstls_conn_tcp(&s.c, s.frame, 0, order[i], 0, 0, 0);
        CHECK(l.phase == want[i] && !l.inferred);
    }
    /* a frame we cannot decrypt after that is still guessed, from where we are */
    tdstls_conn_tls(&s.c, ++s.frame, 0, SIDE_SERVER, 0, app.b, app.n, &f, &t);
    struct frame_label l = tdstls_conn_tcp(&s.c, s.frame, 0, SIDE_SERVER, 0, 0, 0);
    CHECK(l.phase == PHASE_COMMANDS && l.inferred);
    CHECK(t.application_data);
    stop(&s);
}

static void test_tds8_and_midstream(void)
{
    struct script s;
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    tcp(&s, SIDE_SERVER, 1, 0, 0);
    tcp(&s, SIDE_CLIENT, 0, 0, 0);
    const uint16_t offer[] = {0x1302};
    struct buf body = client_hello(offer, 1, 1);
    struct buf ch = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    CHECK(tls(&s, SIDE_CLIENT, 0, &ch) == PHASE_TLS_HANDSHAKE && s.c.res.tls_first);
    body = server_hello(0x1302, 0x0304);
    struct buf sh = handshake_record(TLS_HS_SERVER_HELLO, &body);
    const uint8_t enc[40] = {0};
    struct buf app = record(TLS_CT_APPLICATION_DATA, enc, sizeof enc);
    struct buf flight = cat(&sh, &app);
    CHECK(tls(&s, SIDE_SERVER, 0, &flight) == PHASE_TLS_HANDSHAKE);
    /* the client's Finished and its PRELOGIN in one segment: the frame is
     * TLS handshake, and the server's answer is the PRELOGIN response */
    struct buf both = cat(&app, &app);
    CHECK(tls(&s, SIDE_CLIENT, 0, &both) == PHASE_TLS_HANDSHAKE && s.c.track.handshake_done);
    CHECK(tls(&s, SIDE_SERVER, 0, &app) == PHASE_PRELOGIN);
    CHECK(tls(&s, SIDE_CLIENT, 0, &app) == PHASE_LOGIN);
    CHECK(tls(&s, SIDE_SERVER, 0, &app) == PHASE_LOGIN_RESPONSE);
    CHECK(tls(&s, SIDE_CLIENT, 0, &app) == PHASE_COMMANDS);
    CHECK(!s.c.res.dhe && s.c.res.tls_version == TLS_1_3);
    /* TDS 8 runs the TLS handshake before pre-login: the phase before
     * pre-login is the TLS handshake */
    enum tdstls_phase before;
    CHECK(tdstls_phase_before(&s.c.res, PHASE_PRELOGIN, &before) && before == PHASE_TLS_HANDSHAKE);
    stop(&s);

    /* a capture that starts mid-connection stays unknown on encrypted data */
    start(&s);
    CHECK(tls(&s, SIDE_CLIENT, 0, &app) == PHASE_UNKNOWN);
    CHECK(clear(&s, SIDE_CLIENT, TDS_SQL_BATCH) == PHASE_COMMANDS);
    stop(&s);
}

static void test_prelogin(void)
{
    /* VERSION (6 bytes), ENCRYPTION = 3, terminator: as SQL Server answers */
    const uint8_t answer[] = {0x00, 0x00, 0x0B, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xFF,
                              16, 0, 0x10, 0, 0, 0, 0x03};
    uint8_t enc = 0xFF;
    CHECK(tds_prelogin_encryption(answer, sizeof answer, &enc) && enc == TDS_ENCRYPT_REQ);
    /* ENCRYPTION pointing past the payload */
    const uint8_t bad[] = {0x01, 0x7F, 0xFF, 0x00, 0x01, 0xFF};
    CHECK(!tds_prelogin_encryption(bad, sizeof bad, &enc));
    /* an option header cut short, and no ENCRYPTION at all */
    CHECK(!tds_prelogin_encryption(answer, 3, &enc));
    const uint8_t none[] = {0x00, 0x00, 0x06, 0x00, 0x00, 0xFF};
    CHECK(!tds_prelogin_encryption(none, sizeof none, &enc));
    /* the server's answer, after the client's PRELOGIN, is what the table shows */
    struct script s;
    start(&s);
    CHECK(s.c.res.encryption == TDS_ENCRYPT_UNKNOWN);
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_CLIENT, TDS_PRELOGIN, answer, sizeof answer);
    CHECK(s.c.res.encryption == TDS_ENCRYPT_UNKNOWN);
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_SERVER, TDS_RESPONSE, answer, sizeof answer);
    CHECK(s.c.res.encryption == TDS_ENCRYPT_REQ && s.c.res.prelogin_response_seen);
    CHECK(strcmp(tds_encryption_name(TDS_ENCRYPT_OFF), "off (login only)") == 0);
    stop(&s);
}

/* The checks table: one row per id, in order, each with what the glue and
 * the tables need; the rules on findings fire on what they should. */
static void test_checks_table(void)
{
    for (int i = 0; i < N_CHECKS; i++) {
        const struct check_info *c = &tdstls_checks[i];
        CHECK(c->id == (enum tdstls_check)i && c->name && c->summary && c->short_text && c->short_text[0]);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(c->name, tdstls_checks[j].name) != 0);
    }
    for (int d = 0; d < N_DIAGNOSES; d++)
        CHECK(tdstls_diagnoses[d].kind == (enum tdstls_diagnosis)d && tdstls_diagnoses[d].short_text);

    struct tls_findings f = {0};
    CHECK(tdstls_checks_of_findings(&f) == 0 && !tls_findings_any(&f));
    f.client_hello = true;
    CHECK(tdstls_checks_of_findings(&f) == 0 && tls_findings_any(&f));
    f.offers_dhe = true;
    f.alert = true;
    f.alert_level = 1;                     /* a warning alert is no check */
    CHECK(tdstls_checks_of_findings(&f) == CHECK_BIT(CHECK_DHE_OFFERED));
    f.alert_level = TLS_ALERT_LEVEL_FATAL;
    f.server_key_exchange_dh = true;
    f.ys_leading_zero = DH_SHORTER_THAN_P;
    CHECK(tdstls_checks_of_findings(&f) ==
          (CHECK_BIT(CHECK_DHE_OFFERED) | CHECK_BIT(CHECK_TLS_ALERT) | CHECK_BIT(CHECK_YS_LEADING_ZERO)));

    char text[512];
    struct check_context ctx = {NULL, &f, name_suite, 1000, NULL, NULL};
    tdstls_check_message(CHECK_YS_LEADING_ZERO, &ctx, text, sizeof text);
    CHECK(strstr(text, "dh_Ys has a leading zero (shorter than p, zero stripped)") == text);
    tdstls_check_message(CHECK_SERVER_RESET, &ctx, text, sizeof text);
    CHECK(text[0] == '\0');                /* said by its summary */
    tdstls_check_list(CHECK_BIT(CHECK_KB4557473) | CHECK_BIT(CHECK_DHE_NEGOTIATED), text, sizeof text);
    CHECK(strcmp(text, "DHE negotiated, KB 4557473") == 0);
    tdstls_check_list(CHECK_BIT(CHECK_KB4557473) | CHECK_BIT(CHECK_DHE_NEGOTIATED), text, 8);
    CHECK(strlen(text) < 8);               /* cut, never overrun */
    CHECK(strcmp(tls_version_name(TLS_1_0), "TLS 1.0") == 0 && tls_version_name(0x0305) == NULL);
    const uint8_t zero_first[] = {0, 1}, full[] = {1, 1};
    CHECK(dh_leading_zero_of(zero_first, 2, 2) == DH_ZERO_BYTE_FIRST);
    CHECK(dh_leading_zero_of(full, 2, 3) == DH_SHORTER_THAN_P);
    CHECK(dh_leading_zero_of(full, 2, 0) == DH_NO_LEADING_ZERO && dh_leading_zero_of(full, 2, 2) == DH_NO_LEADING_ZERO);
}

/* A check added as one row (checks.c) and its rule on the findings
 * (tls_reader.c): TLS 1.1 or older, offered only or negotiated. */
static void test_old_tls_versions(void)
{
    const uint16_t suites[] = {0x002F};
    struct tls_context ctx = {0};
    struct tls_reader r;
    struct tls_findings f = {0};
    /* a TLS 1.0 client: legacy_version 3.1, no supported_versions */
    struct buf body = client_hello(suites, 1, 0);
    body.b[1] = 0x01;
    struct buf rec = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.offered_max_version == TLS_1_0);
    CHECK(tdstls_checks_of_findings(&f) == CHECK_BIT(CHECK_OLD_TLS_ONLY_OFFERED));
    char text[512];
    struct check_context cctx = {NULL, &f, name_suite, 1000, NULL, NULL};
    tdstls_check_message(CHECK_OLD_TLS_ONLY_OFFERED, &cctx, text, sizeof text);
    CHECK(strstr(text, "nothing newer than TLS 1.0") != NULL);

    /* legacy_version 3.3 with supported_versions {GREASE, 3.4, 3.3}: TLS 1.3 offered */
    struct buf ch = {{0}, 0};
    u16(&ch, 0x0303), fill(&ch, 0xAA, 32), u8(&ch, 0), u16(&ch, 2), u16(&ch, 0x1301), u8(&ch, 1), u8(&ch, 0);
    u16(&ch, 4 + 1 + 6), u16(&ch, 43), u16(&ch, 1 + 6), u8(&ch, 6);    /* extensions: supported_versions */
    u16(&ch, 0x7A7A), u16(&ch, 0x0304), u16(&ch, 0x0303);
    rec = handshake_record(TLS_HS_CLIENT_HELLO, &ch);
    memset(&f, 0, sizeof f);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.client_hello && f.offered_max_version == TLS_1_3 && tdstls_checks_of_findings(&f) == 0);
    /* ... and one whose supported_versions holds only 3.1 and 3.2: TLS 1.1 at best */
    ch.b[ch.n - 4] = 0x03, ch.b[ch.n - 3] = 0x02, ch.b[ch.n - 1] = 0x01;
    rec = handshake_record(TLS_HS_CLIENT_HELLO, &ch);
    memset(&f, 0, sizeof f);
    tls_reader_init(&r, false);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.offered_max_version == TLS_1_1 && (tdstls_checks_of_findings(&f) & CHECK_BIT(CHECK_OLD_TLS_ONLY_OFFERED)));

    /* a server picking TLS 1.1 */
    struct buf sh = server_hello(0x002F, 0);
    sh.b[1] = 0x02;
    rec = handshake_record(TLS_HS_SERVER_HELLO, &sh);
    memset(&f, 0, sizeof f);
    tls_reader_init(&r, true);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.version == TLS_1_1 && tdstls_checks_of_findings(&f) == CHECK_BIT(CHECK_OLD_TLS_NEGOTIATED));
    tdstls_check_message(CHECK_OLD_TLS_NEGOTIATED, &cctx, text, sizeof text);
    CHECK(strstr(text, "TLS 1.1 negotiated") == text);
    /* ... and TLS 1.2: nothing */
    sh.b[1] = 0x03;
    rec = handshake_record(TLS_HS_SERVER_HELLO, &sh);
    memset(&f, 0, sizeof f);
    tls_reader_init(&r, true);
    tls_reader_record(&r, &ctx, &alloc, rec.b, rec.n, &f, &sink);
    CHECK(f.version == TLS_1_2 && tdstls_checks_of_findings(&f) == 0);
}

/* --- a tiny DER builder, for certificates --------------------------------- */

static struct buf der(unsigned tag, const struct buf *content)
{
    struct buf r = {{0}, 0};
    u8(&r, tag);
    if (content->n < 128) {
        u8(&r, (unsigned)content->n);
    } else {
        u8(&r, 0x82);
        u16(&r, (unsigned)content->n);
    }
    put(&r, content->b, content->n);
    return r;
}

static struct buf raw(const void *p, size_t n)
{
    struct buf r = {{0}, 0};
    put(&r, p, n);
    return r;
}

/* SEQUENCE/SET of the given elements */
static struct buf cons(unsigned tag, const struct buf *items, size_t n)
{
    struct buf body = {{0}, 0};
    for (size_t i = 0; i < n; i++)
        put(&body, items[i].b, items[i].n);
    return der(tag, &body);
}

static struct buf cn_name(const char *cn)
{
    const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
    struct buf o = raw(oid_cn, sizeof oid_cn), v = raw(cn, strlen(cn));
    struct buf atv[2] = {der(0x06, &o), der(0x0C, &v)};
    struct buf seq = cons(0x30, atv, 2);
    struct buf set = cons(0x31, &seq, 1);
    return cons(0x30, &set, 1);
}

/* A certificate: subject/issuer CN, validity (UTCTime texts), an RSA key of
 * key_bytes modulus bytes, SAN DNS names (NULL-terminated list or NULL). */
static struct buf certificate(const char *subject, const char *issuer, const char *from, const char *until,
                              size_t key_bytes, const char *const *dns)
{
    const uint8_t sha256rsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B};
    const uint8_t rsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
    const uint8_t san[] = {0x55, 0x1D, 0x11};
    struct buf o = raw(sha256rsa, sizeof sha256rsa), null = {{0}, 0};
    struct buf alg_items[2] = {der(0x06, &o), der(0x05, &null)};
    struct buf alg = cons(0x30, alg_items, 2);
    struct buf two = {{2}, 1}, version_int = der(0x02, &two), serial_v = {{0x11}, 1};
    struct buf t1 = raw(from, strlen(from)), t2 = raw(until, strlen(until));
    struct buf times[2] = {der(0x17, &t1), der(0x17, &t2)};
    /* SubjectPublicKeyInfo: rsaEncryption, BIT STRING { SEQUENCE { modulus, e } } */
    struct buf modulus = {{0}, 0};
    u8(&modulus, 0x00), u8(&modulus, 0xC0), fill(&modulus, 0x11, key_bytes - 1);
    struct buf e = {{1, 0, 1}, 3};
    struct buf rsa_items[2] = {der(0x02, &modulus), der(0x02, &e)};
    struct buf rsa_key = cons(0x30, rsa_items, 2);
    struct buf bits = {{0}, 1};
    put(&bits, rsa_key.b, rsa_key.n);
    struct buf ro = raw(rsa, sizeof rsa);
    struct buf kalg_items[2] = {der(0x06, &ro), der(0x05, &null)};
    struct buf spki_items[2] = {cons(0x30, kalg_items, 2), der(0x03, &bits)};
    struct buf tbs_items[8] = {der(0xA0, &version_int), der(0x02, &serial_v), alg, cn_name(issuer),
                               cons(0x30, times, 2), cn_name(subject), cons(0x30, spki_items, 2)};
    size_t n_tbs = 7;
    if (dns) {
        struct buf names = {{0}, 0};
        for (size_t i = 0; dns[i]; i++) {
            struct buf d = raw(dns[i], strlen(dns[i])), one = der(0x82, &d);
            put(&names, one.b, one.n);
        }
        struct buf list = der(0x30, &names), so = raw(san, sizeof san);
        struct buf ext_items[2] = {der(0x06, &so), der(0x04, &list)};
        struct buf ext = cons(0x30, ext_items, 2);
        struct buf exts = cons(0x30, &ext, 1);
        tbs_items[n_tbs++] = der(0xA3, &exts);
    }
    struct buf sig = {{0, 0x55, 0x55}, 3};
    struct buf cert_items[3] = {cons(0x30, tbs_items, n_tbs), alg, der(0x03, &sig)};
    return cons(0x30, cert_items, 3);
}

static void test_x509(void)
{
    const char *const names[] = {"db01.corp.example", "*.db.example", NULL};
    struct buf c = certificate("db01", "Corp CA", "260101000000Z", "270101000000Z", 256, names);
    struct cert_facts f;
    CHECK(x509_read(c.b, c.n, &f) && f.parsed);
    CHECK(strcmp(f.subject_cn, "db01") == 0 && strcmp(f.issuer_cn, "Corp CA") == 0 && !f.self_signed);
    CHECK(strcmp(f.names, "db01.corp.example, *.db.example") == 0);
    CHECK(f.key == CERT_KEY_RSA && f.key_bits == 2048 && strcmp(f.signature, "sha256WithRSAEncryption") == 0);
    CHECK(f.not_before == x509_utc_seconds(2026, 1, 1, 0, 0, 0) && f.not_after == 1798761600);
    /* names: SAN DNS names count, the CN does not when they exist; one-label wildcards */
    CHECK(x509_names_host(&f, "DB01.corp.example") && x509_names_host(&f, "a.db.example"));
    CHECK(!x509_names_host(&f, "db01") && !x509_names_host(&f, "a.b.db.example") && !x509_names_host(&f, "db.example"));
    char text[400];
    tdstls_describe_certificate(&f, text, sizeof text);
    CHECK(strcmp(text, "CN=db01, issued by CN=Corp CA, valid 2026-01-01 to 2027-01-01, RSA 2048, "
                       "sha256WithRSAEncryption, names: db01.corp.example, *.db.example") == 0);
    /* self-signed, no SAN: the CN names the host; years before 2050 in UTCTime */
    c = certificate("localhost", "localhost", "991231235959Z", "491231235959Z", 128, NULL);
    CHECK(x509_read(c.b, c.n, &f) && f.self_signed && x509_names_host(&f, "localhost") && f.key_bits == 1024);
    tdstls_format_utc(f.not_before, text, sizeof text);
    CHECK(strcmp(text, "1999-12-31 23:59:59 UTC") == 0);
    tdstls_format_utc(f.not_after, text, sizeof text);
    CHECK(strcmp(text, "2049-12-31 23:59:59 UTC") == 0);
    /* cut anywhere: never a read past the end, and no facts from nowhere */
    for (size_t n = 0; n < c.n; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, c.b, n);
        bool ok = x509_read(cut, n, &f);
        CHECK(!ok || f.parsed);
        free(cut);
    }
    CHECK(!x509_read(NULL, 0, &f) && !f.parsed);
    /* a bad date is no validity */
    c = certificate("x", "y", "261301000000Z", "270101000000Z", 16, NULL);
    CHECK(!x509_read(c.b, c.n, &f));
}

/* A TDS 7.x connection up to the server's flight (ServerHello, Certificate
 * with a real-shaped certificate, ServerHelloDone), on a fresh script. */
static void tds7_until_server_flight(struct script *s, const uint16_t *offer, size_t n_offer, uint16_t legacy)
{
    start(s);
    tcp(s, SIDE_CLIENT, 1, 0, 0);
    tcp(s, SIDE_SERVER, 1, 0, 0);
    clear(s, SIDE_CLIENT, TDS_PRELOGIN);
    clear(s, SIDE_SERVER, TDS_RESPONSE);
    struct buf body = client_hello(offer, n_offer, 0);
    body.b[1] = (uint8_t)legacy;
    struct buf ch = handshake_record(TLS_HS_CLIENT_HELLO, &body);
    CHECK(tls(s, SIDE_CLIENT, 1, &ch) == PHASE_TLS_HANDSHAKE);
}

/* ServerHello (legacy version 0x03, minor) and Certificate, one record each */
static void server_flight_version(struct script *s, uint16_t suite, uint8_t minor)
{
    struct buf body = server_hello(suite, 0);
    body.b[1] = minor;
    struct buf flight = handshake_record(TLS_HS_SERVER_HELLO, &body);
    struct buf c = certificate("localhost", "localhost", "260101000000Z", "270101000000Z", 256, NULL);
    struct buf list = {{0}, 0};
    u24(&list, (unsigned)c.n + 3), u24(&list, (unsigned)c.n), put(&list, c.b, c.n);
    struct buf cert = handshake_record(TLS_HS_CERTIFICATE, &list);
    flight = cat(&flight, &cert);
    CHECK(tls(s, SIDE_SERVER, 1, &flight) == PHASE_TLS_HANDSHAKE);
}

static void server_flight(struct script *s, uint16_t suite)
{
    server_flight_version(s, suite, 0x03);
}

static struct buf alert(unsigned description)
{
    const uint8_t body[2] = {TLS_ALERT_LEVEL_FATAL, (uint8_t)description};
    return record(TLS_CT_ALERT, body, 2);
}

/* The checks a labelled frame of s raises. */
static check_set checks_at(const struct script *s, uint32_t frame)
{
    struct frame_label l;
    return tdstls_conn_label(&s->c.res, frame, &l) ? tdstls_checks_of_frame(&s->c.res, frame, &l, 1000) : 0;
}

/* A server that answers TLS 1.2 with TLS 1.0 (a SQL Server build without
 * KB 3135244): a connection-level check on its ServerHello, which needs the
 * ClientHello too; a client that then closes refused the version, or the
 * certificate, and the diagnosis names both. */
static void test_version_refused(void)
{
    const uint16_t modern[] = {0xC014, 0x0035};
    struct script s;
    char diag[1536];

    tds7_until_server_flight(&s, modern, 2, 0x03);
    uint32_t hello = s.frame;
    server_flight_version(&s, 0xC014, 0x01);
    uint32_t answer = s.frame;
    CHECK(s.c.res.tls_version == TLS_1_0 && tdstls_server_chose_older_tls(&s.c.res));
    CHECK(checks_at(&s, answer) & CHECK_BIT(CHECK_SERVER_CHOSE_OLDER_TLS));
    CHECK(!(checks_at(&s, hello) & CHECK_BIT(CHECK_SERVER_CHOSE_OLDER_TLS)));   /* once, on the ServerHello */
    struct check_context ctx = {&s.c.res, NULL, NULL, 1000, NULL, NULL};
    tdstls_check_message(CHECK_SERVER_CHOSE_OLDER_TLS, &ctx, diag, sizeof diag);
    CHECK(strstr(diag, "chose TLS 1.0 though the client offered up to TLS 1.2") && strstr(diag, "KB 3135244"));
    /* Wireshark cuts item labels at 240 bytes, "Expert Info (Warning/Security): " included */
    CHECK(strlen("Expert Info (Warning/Security): ") + strlen(diag) < 240);
    struct frame_label l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(l.diagnosis && s.c.res.diagnosis == DIAG_VERSION_REFUSED && s.c.res.diagnosis_side == SIDE_CLIENT);
    CHECK(checks_at(&s, s.frame) == CHECK_BIT(CHECK_TLS_VERSION_REFUSED));
    diagnosis(&s, diag, sizeof diag);
    char *version = strstr(diag, "refused TLS 1.0"), *certificate = strstr(diag, "rejected the server's certificate");
    CHECK(version && certificate && version < certificate);       /* both causes, the likelier first */
    CHECK(strstr(diag, "KB 3135244") && strstr(diag, "CN=localhost"));
    stop(&s);

    /* a client that offers nothing newer than TLS 1.1: no older version was chosen over its offer */
    tds7_until_server_flight(&s, modern, 2, 0x02);
    server_flight_version(&s, 0xC014, 0x01);
    CHECK(!tdstls_server_chose_older_tls(&s.c.res) && !(checks_at(&s, s.frame) & CHECK_BIT(CHECK_SERVER_CHOSE_OLDER_TLS)));
    l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(l.diagnosis && s.c.res.diagnosis == DIAG_CERT_REJECTED);
    stop(&s);

    /* a certificate alert says which: the certificate, whatever the version */
    tds7_until_server_flight(&s, modern, 2, 0x03);
    server_flight_version(&s, 0xC014, 0x01);
    struct buf a = alert(TLS_ALERT_UNKNOWN_CA);
    tls(&s, SIDE_CLIENT, 1, &a);
    CHECK(s.c.res.diagnosis == DIAG_CERT_REJECTED);
    stop(&s);

    /* TLS 1.2 chosen: the certificate, as before */
    tds7_until_server_flight(&s, modern, 2, 0x03);
    server_flight(&s, 0xC014);
    CHECK(!(checks_at(&s, s.frame) & CHECK_BIT(CHECK_SERVER_CHOSE_OLDER_TLS)));
    l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(s.c.res.diagnosis == DIAG_CERT_REJECTED);
    stop(&s);
}

/* Every way a handshake ends without both Finished, decided once, on the
 * frame that shows it, naming the side that gave up. */
static void test_tls_failures(void)
{
    const uint16_t modern[] = {0xC030, 0x009F, 0x009D}, rsa_only[] = {0x009D, 0x002F};
    struct script s;
    struct buf a;
    struct frame_label l;
    char diag[1536];

    /* the client's alert unknown_ca after the server's Certificate */
    tds7_until_server_flight(&s, modern, 3, 0x03);
    server_flight(&s, 0xC030);
    CHECK(s.c.res.frame_certificate == s.frame && s.c.res.cert.parsed && s.c.res.cert.self_signed);
    a = alert(TLS_ALERT_UNKNOWN_CA);
    tls(&s, SIDE_CLIENT, 1, &a);
    uint32_t alert_frame = s.frame;
    CHECK(s.c.res.diagnosis == DIAG_CERT_REJECTED && s.c.res.diagnosis_side == SIDE_CLIENT &&
          s.c.res.frame_diagnosis == alert_frame);
    l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(l.first_close && !l.diagnosis && s.c.res.diagnosis == DIAG_CERT_REJECTED);   /* decided at the alert */
    struct frame_label at_alert;
    CHECK(tdstls_conn_label(&s.c.res, alert_frame, &at_alert) && at_alert.diagnosis);
    CHECK(tdstls_checks_of_frame(&s.c.res, alert_frame, &at_alert, 1000) == CHECK_BIT(CHECK_CERT_REJECTED));
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "unknown_ca (48)") && strstr(diag, "CN=localhost, self-signed") &&
          strstr(diag, "TrustServerCertificate"));
    stop(&s);

    /* ... or its FIN after the Certificate, without an alert */
    tds7_until_server_flight(&s, modern, 3, 0x03);
    server_flight(&s, 0xC030);
    l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(l.diagnosis && s.c.res.diagnosis == DIAG_CERT_REJECTED && s.c.res.diagnosis_side == SIDE_CLIENT);
    stop(&s);

    /* the handshake completes, the client closes without LOGIN7 */
    tds7_until_server_flight(&s, modern, 3, 0x03);
    server_flight(&s, 0xC030);
    struct buf body = dh_client_key_exchange(65, 0x04);   /* an ECDHE point, read as opaque */
    struct buf cke = handshake_record(TLS_HS_CLIENT_KEY_EXCHANGE, &body), fin = ccs_and_finished();
    struct buf flight = cat(&cke, &fin);
    tls(&s, SIDE_CLIENT, 1, &flight);
    tls(&s, SIDE_SERVER, 1, &fin);
    l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(l.diagnosis && s.c.res.diagnosis == DIAG_CLOSED_AFTER_HANDSHAKE && !s.c.res.frame_client_data);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "without sending LOGIN7") && strstr(diag, "inferred"));
    stop(&s);

    /* the server's protocol_version alert to the ClientHello */
    tds7_until_server_flight(&s, modern, 3, 0x03);
    a = alert(TLS_ALERT_PROTOCOL_VERSION);
    tls(&s, SIDE_SERVER, 1, &a);
    CHECK(s.c.res.diagnosis == DIAG_VERSION_MISMATCH && s.c.res.diagnosis_side == SIDE_SERVER);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "protocol_version (70)") && strstr(diag, "TLS 1.2, 3 cipher suites: ECDHE, DHE, RSA"));
    stop(&s);

    /* handshake_failure to the ClientHello: no suite in common; the offer named */
    tds7_until_server_flight(&s, rsa_only, 2, 0x03);
    a = alert(TLS_ALERT_HANDSHAKE_FAILURE);
    tls(&s, SIDE_SERVER, 1, &a);
    CHECK(s.c.res.diagnosis == DIAG_NO_COMMON_SUITE);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "only TLS_RSA suites") != NULL);
    stop(&s);

    /* a TLS 1.0 client, and the server closes after its ClientHello */
    tds7_until_server_flight(&s, rsa_only, 2, 0x01);
    l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.diagnosis && s.c.res.diagnosis == DIAG_VERSION_MISMATCH);
    stop(&s);

    /* another fatal alert from the server: named */
    tds7_until_server_flight(&s, modern, 3, 0x03);
    a = alert(47);
    tls(&s, SIDE_SERVER, 1, &a);
    CHECK(s.c.res.diagnosis == DIAG_FATAL_ALERT);
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "illegal_parameter (47)") && strstr(diag, "TLS handshake phase"));
    stop(&s);

    /* the client quits before the server's flight */
    tds7_until_server_flight(&s, modern, 3, 0x03);
    l = tcp_label(&s, SIDE_CLIENT, 0, 0, 1);
    CHECK(l.diagnosis && s.c.res.diagnosis == DIAG_CLIENT_QUIT_HANDSHAKE);
    stop(&s);

    /* a normal session ends with an encrypted close_notify: no diagnosis */
    tds7_handshake_done(&s, 0xC030, 0);
    const uint8_t enc[40] = {0};
    struct buf app = record(TLS_CT_APPLICATION_DATA, enc, sizeof enc), notify = record(TLS_CT_ALERT, enc, 26);
    tls(&s, SIDE_CLIENT, 0, &app);
    tls(&s, SIDE_SERVER, 0, &app);
    tls(&s, SIDE_CLIENT, 0, &notify);
    l = tcp_label(&s, SIDE_CLIENT, 0, 1, 0);
    CHECK(!l.diagnosis && s.c.res.diagnosis == DIAG_NONE && !s.c.res.frame_alert);
    stop(&s);
}

/* TCP flags and payload length read from a frame's bytes, behind the IP
 * header that carries the connection's addresses. */
static void test_tcp_header(void)
{
    const uint8_t src4[] = {10, 0, 0, 1}, dst4[] = {10, 0, 0, 2};
    struct buf f = {{0}, 0};
    fill(&f, 0xEE, 14);                          /* an Ethernet header */
    u8(&f, 0x45), u8(&f, 0), u16(&f, 40), u16(&f, 1), u16(&f, 0x4000), u8(&f, 64), u8(&f, 6), u16(&f, 0);
    put(&f, src4, 4), put(&f, dst4, 4);
    u16(&f, 50123), u16(&f, 1433), fill(&f, 0, 8);
    u8(&f, 0x50), u8(&f, 0x11), fill(&f, 0, 6);  /* data offset 5, FIN|ACK */
    struct tcp_endpoints ep = {4, src4, dst4, 50123, 1433};
    struct tcp_segment seg = {0};
    CHECK(tcp_segment_in_frame(f.b, f.n, &ep, &seg) && seg.flags == (TCP_FLAG_FIN | TCP_FLAG_ACK) &&
          seg.payload_len == 0);
    /* the other direction's ports, a cut frame, a later fragment: no */
    struct tcp_endpoints back = {4, src4, dst4, 1433, 50123};
    CHECK(!tcp_segment_in_frame(f.b, f.n, &back, &seg));
    CHECK(!tcp_segment_in_frame(f.b, f.n - 1, &ep, &seg));
    f.b[14 + 7] = 8;                             /* fragment offset 64 bytes */
    CHECK(!tcp_segment_in_frame(f.b, f.n, &ep, &seg));
    f.b[14 + 7] = 0;
    /* 1000 bytes of payload by IP's total length, of which a snapshot length kept none */
    f.b[14 + 2] = (40 + 1000) >> 8, f.b[14 + 3] = (40 + 1000) & 0xFF;
    CHECK(tcp_segment_in_frame(f.b, f.n, &ep, &seg) && seg.payload_len == 1000);
    /* IP's total length 0 (segmentation offload): the captured bytes count */
    f.b[14 + 2] = 0, f.b[14 + 3] = 0;
    fill(&f, 0x42, 30);
    CHECK(tcp_segment_in_frame(f.b, f.n, &ep, &seg) && seg.payload_len == 30 && seg.payload_offset == 14 + 40);
    f.n -= 30;
    f.b[14 + 3] = 40;
    /* behind a tunnel's outer IPv4 header with other addresses */
    struct buf t = {{0}, 0};
    u8(&t, 0x45), fill(&t, 0, 8), u8(&t, 4), fill(&t, 0, 2), fill(&t, 0x99, 8);
    put(&t, f.b + 14, f.n - 14);
    CHECK(tcp_segment_in_frame(t.b, t.n, &ep, &seg) && seg.flags == (TCP_FLAG_FIN | TCP_FLAG_ACK));
    /* IPv6, a RST; then 12 bytes of payload by its payload length */
    uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8}, dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    struct buf v6 = {{0}, 0};
    u8(&v6, 0x60), fill(&v6, 0, 3), u16(&v6, 20), u8(&v6, 6), u8(&v6, 64);
    put(&v6, src6, 16), put(&v6, dst6, 16);
    u16(&v6, 1433), u16(&v6, 50123), fill(&v6, 0, 8), u8(&v6, 0x50), u8(&v6, TCP_FLAG_RST), fill(&v6, 0, 6);
    struct tcp_endpoints ep6 = {6, src6, dst6, 1433, 50123};
    CHECK(tcp_segment_in_frame(v6.b, v6.n, &ep6, &seg) && seg.flags == TCP_FLAG_RST && seg.payload_len == 0);
    v6.b[5] = 32;
    CHECK(tcp_segment_in_frame(v6.b, v6.n, &ep6, &seg) && seg.payload_len == 12);
    v6.b[5] = 8;                                 /* shorter than the TCP header: no payload */
    CHECK(tcp_segment_in_frame(v6.b, v6.n, &ep6, &seg) && seg.payload_len == 0);
    struct tcp_endpoints no_ip = {5, src6, dst6, 1433, 50123};
    CHECK(!tcp_segment_in_frame(v6.b, v6.n, &no_ip, &seg) && !tcp_segment_in_frame(NULL, 0, &ep6, &seg));
}

/* What the heuristic takes for the start of a SQL Server connection. */
static void test_connection_start(void)
{
    /* FreeTDS's PRELOGIN: header, then VERSION, ENCRYPTION, INSTOPT,
     * THREADID, MARS, terminator, their data */
    const uint8_t prelogin[] = {0x12, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x1A, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21,
                                0x00, 0x01, 0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00, 0x01, 0xFF,
                                0x08, 0x00, 0x01, 0x55, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    _Static_assert(sizeof prelogin == 0x2F, "the header's length field says 0x2F bytes");
    CHECK(tds_header_plausible(prelogin, sizeof prelogin));
    CHECK(tds_prelogin_plausible(prelogin + TDS_HEADER_LEN, sizeof prelogin - TDS_HEADER_LEN));
    /* cut before the terminator, or an option reaching past the payload */
    CHECK(!tds_prelogin_plausible(prelogin + TDS_HEADER_LEN, 20));
    uint8_t far[sizeof prelogin];
    memcpy(far, prelogin, sizeof far);
    far[TDS_HEADER_LEN + 3] = 0x7F;                   /* VERSION's length */
    CHECK(!tds_prelogin_plausible(far + TDS_HEADER_LEN, sizeof far - TDS_HEADER_LEN));
    /* VERSION must come first */
    memcpy(far, prelogin, sizeof far);
    far[TDS_HEADER_LEN] = 0x01;
    CHECK(!tds_prelogin_plausible(far + TDS_HEADER_LEN, sizeof far - TDS_HEADER_LEN));
    /* no terminator at all; an empty table */
    const uint8_t empty[] = {0xFF};
    CHECK(!tds_prelogin_plausible(empty, sizeof empty));
    CHECK(!tds_prelogin_plausible(prelogin, 0));
    /* HTTP is not a TDS header; nor are unknown types, status bits or short lengths */
    CHECK(!tds_header_plausible((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
    const uint8_t odd_type[] = {0x13, 0x01, 0x00, 0x08, 0, 0, 0, 0};
    const uint8_t odd_status[] = {0x12, 0x41, 0x00, 0x08, 0, 0, 0, 0};
    const uint8_t short_len[] = {0x12, 0x01, 0x00, 0x07, 0, 0, 0, 0};
    CHECK(!tds_header_plausible(odd_type, 8) && !tds_header_plausible(odd_status, 8) &&
          !tds_header_plausible(short_len, 8) && !tds_header_plausible(prelogin, 7));
    /* TDS 8: a ClientHello offering ALPN tds/8.0, and one that does not */
    const uint16_t suites[] = {0xC030, 0x009F};
    struct buf ch = client_hello(suites, 2, 1);
    struct buf tds8 = handshake_record(TLS_HS_CLIENT_HELLO, &ch);
    CHECK(tls_first_record_alpn(tds8.b, tds8.n) == TLS_ALPN_TDS8);
    CHECK(tls_first_record_alpn(tds8.b, tds8.n - 1) == TLS_ALPN_UNKNOWN);       /* the record cut short */
    ch = client_hello(suites, 2, 0);
    struct buf plain = handshake_record(TLS_HS_CLIENT_HELLO, &ch);
    CHECK(tls_first_record_alpn(plain.b, plain.n) == TLS_ALPN_NONE);
    CHECK(tls_first_record_alpn(prelogin, sizeof prelogin) == TLS_ALPN_UNKNOWN);
    /* ALPN h2, http/1.1: HTTPS */
    ch = client_hello(suites, 2, 2);
    struct buf h2 = handshake_record(TLS_HS_CLIENT_HELLO, &ch);
    CHECK(tls_first_record_alpn(h2.b, h2.n) == TLS_ALPN_OTHER);
}

static void test_ssrp(void)
{
    struct ssrp_message m;
    /* the requests */
    const uint8_t bcast[] = {0x02}, ucast[] = {0x03};
    CHECK(ssrp_parse(bcast, 1, &m) && m.request && m.type == SSRP_CLNT_BCAST_EX && !m.problem);
    CHECK(ssrp_parse(ucast, 1, &m) && m.request && m.type == SSRP_CLNT_UCAST_EX);
    const uint8_t inst[] = "\x04SQLEXPRESS";                      /* with its NUL */
    CHECK(ssrp_parse(inst, sizeof inst, &m) && m.type == SSRP_CLNT_UCAST_INST && !m.problem &&
          strcmp(m.instance.text, "SQLEXPRESS") == 0 && m.instance.at == 1 && m.instance.len == 10);
    const uint8_t dac[] = "\x0f\x01INST1";
    CHECK(ssrp_parse(dac, sizeof dac, &m) && m.type == SSRP_CLNT_UCAST_DAC && m.dac_protocol_version == 1 &&
          strcmp(m.instance.text, "INST1") == 0);
    uint8_t long_name[40] = {0x04};
    memset(long_name + 1, 'A', 38);
    CHECK(ssrp_parse(long_name, sizeof long_name, &m) && m.problem != NULL);
    CHECK(ssrp_parse(inst, 1, &m) && m.problem != NULL);           /* no name at all */
    /* not SSRP: another first byte, or nothing */
    const uint8_t other[] = {0x01, 0x02};
    CHECK(!ssrp_parse(other, sizeof other, &m) && !ssrp_parse(other, 0, &m));
    /* a response with two instances, the second with a pipe and no TCP */
    const char text[] = "ServerName;DB1;InstanceName;SQLEXPRESS;IsClustered;No;Version;16.0.1000.6;tcp;49172;;"
                        "ServerName;DB1;InstanceName;OTHER;IsClustered;Yes;Version;15.0.2000.5;"
                        "np;\\\\DB1\\pipe\\MSSQL$OTHER\\sql\\query;;";
    uint8_t resp[300] = {0x05, (uint8_t)(sizeof text - 1), 0};
    memcpy(resp + 3, text, sizeof text - 1);
    CHECK(ssrp_parse(resp, 3 + sizeof text - 1, &m) && !m.request && !m.problem && !m.dac);
    CHECK(m.resp_size == sizeof text - 1 && m.n_instances == 2);
    const struct ssrp_instance *a = ssrp_find_instance(&m, "sqlexpress");   /* names ignore case */
    CHECK(a && a->tcp_port == 49172 && strcmp(a->server_name.text, "DB1") == 0 &&
          strcmp(a->version.text, "16.0.1000.6") == 0 && strcmp(a->is_clustered.text, "No") == 0);
    CHECK(a && a->server_name.at == 3 + 11 && a->server_name.len == 3);
    const struct ssrp_instance *b = ssrp_find_instance(&m, "OTHER");
    CHECK(b && b->tcp_port == 0 && b->np.len > 0 && strcmp(b->is_clustered.text, "Yes") == 0);
    CHECK(!ssrp_find_instance(&m, "MISSING"));
    /* RESP_SIZE past the datagram; data ending inside a pair */
    CHECK(ssrp_parse(resp, 40, &m) && m.problem != NULL);
    resp[1] = 20;
    CHECK(ssrp_parse(resp, 23, &m) && m.problem != NULL);        /* "ServerName;DB1;Instan" */
    /* the DAC answer: RESP_SIZE 6, version 1, the port little-endian */
    const uint8_t dac_resp[] = {0x05, 0x06, 0x00, 0x01, 0x05, 0x04};
    CHECK(ssrp_parse(dac_resp, sizeof dac_resp, &m) && m.dac && m.dac_port == 1029 && !m.problem);
    /* a port that is not one, and "bv" with its three values */
    const char odd[] = "ServerName;X;InstanceName;I;bv;item;group;org;tcp;99999;;";
    uint8_t odd_resp[100] = {0x05, (uint8_t)(sizeof odd - 1), 0};
    memcpy(odd_resp + 3, odd, sizeof odd - 1);
    CHECK(ssrp_parse(odd_resp, 3 + sizeof odd - 1, &m) && !m.problem && m.n_instances == 1 &&
          m.instances[0].tcp_port == 0 && strcmp(m.instances[0].tcp.text, "99999") == 0);
    /* more instances than kept: all counted */
    uint8_t many[4096] = {0x05};
    size_t n = 3;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf((char *)many + n, sizeof many - n, "ServerName;S;InstanceName;I%d;tcp;%d;;", i, 1000 + i);
    many[1] = (uint8_t)((n - 3) & 0xFF);
    many[2] = (uint8_t)((n - 3) >> 8);
    CHECK(ssrp_parse(many, n, &m) && m.n_instances == 40 && !m.problem && !ssrp_find_instance(&m, "I39") &&
          ssrp_find_instance(&m, "I15") && ssrp_find_instance(&m, "I15")->tcp_port == 1015);
    CHECK(ssrp_type_name(0x05) && !ssrp_type_name(0x06));
}

static void ucs2(struct buf *b, const char *s)
{
    for (; *s; s++) {
        u8(b, (unsigned char)*s);
        u8(b, 0);
    }
}

/* The answers to LOGIN7 (MS-TDS 2.2.7): success, routing, failure. */
static void test_login_answer(void)
{
    struct login_answer a;
    struct buf b = {{0}, 0};
    /* ENVCHANGE database "master" */
    u8(&b, 0xE3); u8(&b, 3 + 12); u8(&b, 0); u8(&b, 1); u8(&b, 6); ucs2(&b, "master"); u8(&b, 0);
    /* LOGINACK: interface 1, TDS 7.4, "Lab", version */
    u8(&b, 0xAD); u8(&b, 1 + 4 + 1 + 6 + 4); u8(&b, 0);
    u8(&b, 1); u8(&b, 0x74); u8(&b, 0); u8(&b, 0); u8(&b, 4); u8(&b, 3); ucs2(&b, "Lab"); u8(&b, 16); fill(&b, 0, 3);
    size_t before_route = b.n;
    /* ENVCHANGE routing: 20, RoutingDataValueLength, protocol 0, port 11003, "db.example" */
    u8(&b, 0xE3); u8(&b, 1 + 2 + 5 + 20 + 2); u8(&b, 0);
    u8(&b, 20); u8(&b, 5 + 20); u8(&b, 0); u8(&b, 0); u8(&b, 11003 & 0xFF); u8(&b, 11003 >> 8);
    u8(&b, 10); u8(&b, 0); ucs2(&b, "db.example"); u8(&b, 0); u8(&b, 0);
    /* DONE, then something that is no token */
    u8(&b, 0xFD); fill(&b, 0, 12); u8(&b, 0x42);
    CHECK(login_answer_read(b.b, b.n, &a) && a.loginack && a.tds_version == 0x74000004 && strcmp(a.program, "Lab") == 0);
    CHECK(a.routed && a.route_port == 11003 && strcmp(a.route_server, "db.example") == 0 && !a.error);
    /* cut inside the routing token: what is there is read, nothing past it */
    CHECK(login_answer_read(b.b, before_route + 15, &a) && a.loginack && a.routed && a.route_port == 11003 &&
          strcmp(a.route_server, "db") == 0);
    CHECK(login_answer_read(b.b, before_route, &a) && a.loginack && !a.routed);
    /* a failed login: ERROR 18456, state 1, class 14, then DONE */
    struct buf e = {{0}, 0};
    const char *msg = "Login failed for user 'sa'.";
    size_t n = strlen(msg);
    u8(&e, 0xAA); u16(&e, 0); size_t len_at = e.n - 2;
    u8(&e, 18456 & 0xFF); u8(&e, (18456 >> 8) & 0xFF); u8(&e, 0); u8(&e, 0); u8(&e, 1); u8(&e, 14);
    u8(&e, (unsigned)n); u8(&e, 0); ucs2(&e, msg); u8(&e, 0); u8(&e, 0); fill(&e, 0, 4);
    unsigned token_len = (unsigned)(e.n - len_at - 2);
    e.b[len_at] = (uint8_t)token_len; e.b[len_at + 1] = (uint8_t)(token_len >> 8);
    u8(&e, 0xFD); u8(&e, 2); fill(&e, 0, 11);
    CHECK(login_answer_read(e.b, e.n, &a) && a.error && !a.loginack && a.error_number == 18456 &&
          a.error_state == 1 && a.error_class == 14 && strcmp(a.error_message, msg) == 0);
    /* not a login answer: a result set; nothing; lengths past the end */
    const uint8_t rows[] = {0x81, 0x01, 0x00};
    CHECK(!login_answer_read(rows, sizeof rows, &a) && !login_answer_read(rows, 0, &a));
    const uint8_t huge[] = {0xE4, 0xFF, 0xFF, 0xFF, 0x7F, 0xAD, 0x40, 0x00};
    CHECK(!login_answer_read(huge, sizeof huge, &a));
    const uint8_t ack_short[] = {0xAD, 0x40, 0x00, 0x01, 0x74};
    CHECK(!login_answer_read(ack_short, sizeof ack_short, &a));
    /* SQL Server pads ProgName with NULs ("Microsoft SQL Server" and two NULs, 22 characters) */
    struct buf padded = {{0}, 0};
    u8(&padded, 0xAD); u8(&padded, 1 + 4 + 1 + 44 + 4); u8(&padded, 0);
    u8(&padded, 1); u8(&padded, 0x74); u8(&padded, 0); u8(&padded, 0); u8(&padded, 4); u8(&padded, 22);
    ucs2(&padded, "Microsoft SQL Server"); fill(&padded, 0, 4); u8(&padded, 16); fill(&padded, 0, 3);
    CHECK(login_answer_read(padded.b, padded.n, &a) && a.loginack);
    CHECK(strcmp(a.program, "Microsoft SQL Server") == 0);
}

/* UTF-16LE from the wire as UTF-8: padding dropped, nothing invented. */
static void test_ucs2(void)
{
    char out[16];
    /* "SQL" padded with two NULs, as SQL Server pads LOGINACK's program name */
    const uint8_t padded[] = {'S', 0, 'Q', 0, 'L', 0, 0, 0, 0, 0};
    CHECK(ucs2_to_utf8(padded, sizeof padded, 5, out, sizeof out) == 3);
    CHECK(strcmp(out, "SQL") == 0);
    /* all padding: empty; a NUL inside the text is not padding */
    CHECK(ucs2_to_utf8(padded + 6, 4, 2, out, sizeof out) == 0 && out[0] == '\0');
    const uint8_t inner_nul[] = {'a', 0, 0, 0, 'b', 0};
    ucs2_to_utf8(inner_nul, sizeof inner_nul, 3, out, sizeof out);
    CHECK(strcmp(out, "a?b") == 0);
    /* e-acute (2 UTF-8 bytes), the euro sign (3), U+1F600 as a surrogate pair (4) */
    const uint8_t wide[] = {0xE9, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    CHECK(ucs2_to_utf8(wide, sizeof wide, 4, out, sizeof out) == 9);
    CHECK(strcmp(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == 0);
    /* an unpaired surrogate (high then ASCII; a lone low one) is '?' */
    const uint8_t unpaired[] = {0x3D, 0xD8, 'x', 0, 0x00, 0xDE};
    ucs2_to_utf8(unpaired, sizeof unpaired, 3, out, sizeof out);
    CHECK(strcmp(out, "?x?") == 0);
    /* fewer bytes captured than the length says, an odd byte count: what is whole */
    CHECK(ucs2_to_utf8(padded, 5, 5, out, sizeof out) == 2 && strcmp(out, "SQ") == 0);
    /* out too small: only whole characters, always terminated */
    char small[4];
    CHECK(ucs2_to_utf8(wide, sizeof wide, 4, small, sizeof small) == 2 && strcmp(small, "\xC3\xA9") == 0);
    CHECK(ucs2_to_utf8(padded, sizeof padded, 5, small, 1) == 0 && small[0] == '\0');
}

/* little-endian, as NTLM and TDS tokens write numbers */
static void le16_put(struct buf *b, unsigned v) { u8(b, v & 0xFF); u8(b, v >> 8); }
static void le32_put(struct buf *b, uint32_t v) { le16_put(b, v & 0xFFFF); le16_put(b, v >> 16); }

/* An NTLM AUTHENTICATE ([MS-NLMP] 2.2.1.3): fixed part, then domain, user
 * and workstation, in UTF-16LE when unicode, else one byte a character. */
static struct buf ntlm_authenticate(const char *domain, const char *user, const char *workstation, bool unicode)
{
    struct buf b = {{0}, 0};
    const char *names[3] = {domain, user, workstation};
    size_t width = unicode ? 2 : 1, offset = 64;
    put(&b, "NTLMSSP", 8);
    le32_put(&b, 3);
    fill(&b, 0, 16);                                    /* LM and NT responses: empty */
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(names[i]) * width;
        le16_put(&b, (unsigned)n); le16_put(&b, (unsigned)n); le32_put(&b, (uint32_t)offset);
        offset += n;
    }
    fill(&b, 0, 8);                                     /* session key */
    le32_put(&b, unicode ? 0xE2888215u : 0xE2888214u);  /* NegotiateFlags */
    for (int i = 0; i < 3; i++) {
        if (unicode)
            ucs2(&b, names[i]);
        else
            put(&b, names[i], strlen(names[i]));
    }
    return b;
}

static void test_ntlm(void)
{
    struct ntlm_identity id;
    struct buf a = ntlm_authenticate("LAB", "labuser", "vm", true);
    CHECK(ntlm_authenticate_read(a.b, a.n, &id) && strcmp(id.domain, "LAB") == 0 && strcmp(id.user, "labuser") == 0 &&
          strcmp(id.workstation, "vm") == 0);
    /* a name beyond ASCII is shown as UTF-8, not '?' (U+00E9 written by ucs2() from Latin-1) */
    struct buf accented = ntlm_authenticate("LAB", "Jos\xE9", "vm", true);
    CHECK(ntlm_authenticate_read(accented.b, accented.n, &id) && strcmp(id.user, "Jos\xC3\xA9") == 0);
    CHECK(ntlm_authenticate_read(a.b, a.n, &id));
    char account[NTLM_ACCOUNT_MAX];
    ntlm_account(&id, account);
    CHECK(strcmp(account, "LAB\\labuser") == 0);
    struct buf oem = ntlm_authenticate("CORP", "dba", "", false);
    CHECK(ntlm_authenticate_read(oem.b, oem.n, &id) && strcmp(id.domain, "CORP") == 0 && strcmp(id.user, "dba") == 0 &&
          id.workstation[0] == '\0');
    /* cut inside the names: what lies outside the capture is left empty */
    CHECK(ntlm_authenticate_read(a.b, 64 + 6 + 4, &id) && strcmp(id.domain, "LAB") == 0 && id.user[0] == '\0');
    CHECK(!ntlm_authenticate_read(a.b, 63, &id));       /* the fixed part cut short */
    a.b[8] = 1;                                         /* a NEGOTIATE */
    CHECK(!ntlm_authenticate_read(a.b, a.n, &id));
    a.b[8] = 3;
    a.b[0] = 'X';
    CHECK(!ntlm_authenticate_read(a.b, a.n, &id));
    a.b[0] = 'N';
    /* hostile offsets and lengths; a name longer than kept is cut; non-ASCII is '?' */
    a.b[36 + 4] = 0xFF; a.b[36 + 5] = 0xFF; a.b[36 + 6] = 0xFF; a.b[36 + 7] = 0xFF;
    CHECK(ntlm_authenticate_read(a.b, a.n, &id) && id.user[0] == '\0' && strcmp(id.domain, "LAB") == 0);
    char long_name[200];
    memset(long_name, 'u', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    long_name[0] = (char)0xE9;
    struct buf big = ntlm_authenticate("D", long_name, "W", false);
    CHECK(ntlm_authenticate_read(big.b, big.n, &id) && strlen(id.user) == NTLM_NAME_MAX - 1 && id.user[0] == '?' &&
          strcmp(id.workstation, "W") == 0);
}

/* What a snapshot length leaves of records: whole records as they are,
 * whole handshake messages of the record the cut falls in, the type of the
 * message cut. */
static void test_tls_clip(void)
{
    struct buf r = {{0}, 0};
    const uint8_t one = 1;
    struct buf ccs = record(TLS_CT_CHANGE_CIPHER_SPEC, &one, 1);
    put(&r, ccs.b, ccs.n);
    /* a handshake record: a 6-byte message (type 2), then a 40-byte one (type 16) */
    u8(&r, TLS_CT_HANDSHAKE); u8(&r, 3); u8(&r, 3); u16(&r, 10 + 44);
    u8(&r, 2); u8(&r, 0); u16(&r, 6); fill(&r, 0xAB, 6);
    u8(&r, 16); u8(&r, 0); u16(&r, 40); fill(&r, 0xCD, 40);
    uint8_t out[sizeof r.b];
    struct tls_clip clip;
    /* whole: unchanged */
    CHECK(tls_clip_records(r.b, r.n, out, &clip) == r.n && memcmp(out, r.b, r.n) == 0 && !clip.cut);
    /* cut inside the second message: the first kept, the record shortened, type 16 named */
    size_t cut_at = ccs.n + 5 + 10 + 4 + 7;
    size_t n = tls_clip_records(r.b, cut_at, out, &clip);
    CHECK(n == ccs.n + 5 + 10 && clip.cut && clip.cut_content_type == TLS_CT_HANDSHAKE && clip.cut_in_message &&
          clip.cut_message_type == 16);
    CHECK(out[ccs.n + 3] == 0 && out[ccs.n + 4] == 10 && memcmp(out + ccs.n + 5, r.b + ccs.n + 5, 10) == 0);
    /* nothing whole in it: an empty handshake record still says a flight is under way */
    n = tls_clip_records(r.b, ccs.n + 5 + 3, out, &clip);
    CHECK(n == ccs.n + 5 && out[ccs.n + 4] == 0 && clip.cut && clip.cut_in_message && clip.cut_message_type == 2);
    /* a record header cut */
    CHECK(tls_clip_records(r.b, ccs.n + 3, out, &clip) == ccs.n && clip.cut);
    /* application data keeps what is captured */
    const uint8_t body[100] = {0};
    struct buf app = record(TLS_CT_APPLICATION_DATA, body, sizeof body);
    CHECK(tls_clip_records(app.b, 30, out, &clip) == 30 && out[3] == 0 && out[4] == 25 && clip.cut &&
          clip.cut_content_type == TLS_CT_APPLICATION_DATA);
    /* not a record: nothing */
    const uint8_t junk[8] = {0x99, 3, 3, 0, 1, 0};
    CHECK(tls_clip_records(junk, sizeof junk, out, &clip) == 0 && clip.cut);
    /* a hostile message length inside a cut record: nothing kept past what is there */
    struct buf h = {{0}, 0};
    u8(&h, TLS_CT_HANDSHAKE); u8(&h, 3); u8(&h, 3); u16(&h, 200);
    u8(&h, 11); u8(&h, 0xFF); u8(&h, 0xFF); u8(&h, 0xFF); fill(&h, 0, 20);
    CHECK(tls_clip_records(h.b, h.n, out, &clip) == 5 && clip.cut_in_message && clip.cut_message_type == 11);
}

/* A KB 4557473 abort in a capture cut at a snapshot length: the client's
 * second flight begins (its ClientKeyExchange cut), the server closes:
 * recognised from the flights, with the ServerHello's suite read. */
static void test_cut_kb4557473(void)
{
    struct script s;
    start(&s);
    tcp_and_prelogin(&s);
    const uint16_t offered[] = {0x009F};
    struct buf ch_body = client_hello(offered, 1, 0);
    struct buf ch = handshake_record(TLS_HS_CLIENT_HELLO, &ch_body);
    CHECK(tls(&s, SIDE_CLIENT, 1, &ch) == PHASE_TLS_HANDSHAKE);
    /* the server's flight, cut after its ServerHello */
    struct buf sh_body = server_hello(0x009F, 0);
    struct buf sh = handshake_record(TLS_HS_SERVER_HELLO, &sh_body);
    struct buf flight = sh;
    u8(&flight, TLS_CT_HANDSHAKE); u8(&flight, 3); u8(&flight, 3); u16(&flight, 900);
    u8(&flight, 11); u8(&flight, 0); u16(&flight, 896); fill(&flight, 0x30, 40);
    struct tls_findings f = {0};
    struct tls_traits t = {0};
    tdstls_conn_cut_tls(&s.c, ++s.frame, s.now, SIDE_SERVER, true, flight.b, flight.n, &f, &t);
    CHECK(label_now(&s, SIDE_SERVER) == PHASE_TLS_HANDSHAKE && f.cut && f.server_hello && !f.malformed);
    CHECK(tdstls_checks_of_findings(&f) & CHECK_BIT(CHECK_CAPTURE_CUT));
    /* the client's second flight: its ClientKeyExchange cut after 20 bytes */
    struct buf cke = {{0}, 0};
    u8(&cke, TLS_CT_HANDSHAKE); u8(&cke, 3); u8(&cke, 3); u16(&cke, 262);
    u8(&cke, 16); u8(&cke, 0); u16(&cke, 258); fill(&cke, 0x11, 16);
    memset(&f, 0, sizeof f);
    tdstls_conn_cut_tls(&s.c, ++s.frame, s.now, SIDE_CLIENT, true, cke.b, cke.n, &f, &t);
    CHECK(label_now(&s, SIDE_CLIENT) == PHASE_TLS_HANDSHAKE && !f.malformed);
    const struct conn_results *r = tdstls_conn_results(&s.c);
    CHECK(r->frame_client_key_exchange == s.frame && r->frame_client_flight_cut == s.frame && !r->frame_client_finished);
    struct frame_label l = tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(l.first_close && l.diagnosis && r->diagnosis == DIAG_KB4557473);
    char diag[1536];
    diagnosis(&s, diag, sizeof diag);
    CHECK(strstr(diag, "snapshot length cut it") && strstr(diag, "not known"));
    stop(&s);
    /* without the ServerHello's suite (cut before it) the shape says nothing of DHE */
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    clear(&s, SIDE_CLIENT, TDS_PRELOGIN);
    clear(&s, SIDE_SERVER, TDS_RESPONSE);
    tls(&s, SIDE_CLIENT, 1, &ch);
    memset(&f, 0, sizeof f);
    tdstls_conn_cut_tls(&s.c, ++s.frame, s.now, SIDE_SERVER, true, sh.b, 20, &f, &t);
    label_now(&s, SIDE_SERVER);
    tdstls_conn_cut_tls(&s.c, ++s.frame, s.now, SIDE_CLIENT, true, cke.b, cke.n, &f, &t);
    label_now(&s, SIDE_CLIENT);
    tcp_label(&s, SIDE_SERVER, 0, 1, 0);
    CHECK(tdstls_conn_results(&s.c)->diagnosis == DIAG_SERVER_CLOSED_FIRST &&
          tdstls_conn_results(&s.c)->frame_server_hello == 5);   /* the server did answer */
    stop(&s);
}

static enum tdstls_phase pdu_phase(struct script *s, enum tdstls_side side, const uint8_t *head, size_t len);

/* Windows authentication over NTLM: LOGIN7, the server's SSPI token (NTLM
 * CHALLENGE), the client's SSPI packet (AUTHENTICATE) are all the login;
 * LOGINACK then is the login response. In clear TDS and decrypted. */
static void test_windows_authentication(void)
{
    const uint8_t challenge[] = {TDS_TOKEN_SSPI, 4, 0, 'N', 'T', 'L', 'M'};
    const uint8_t loginack[] = {0xAD, 6, 0, 1, 0x74, 0, 0, 4, 0};
    struct buf authenticate = ntlm_authenticate("LAB", "labuser", "vm", true);
    struct login_answer a;
    CHECK(!login_answer_read(challenge, sizeof challenge, &a) && a.sspi && login_answer_continues(&a));
    struct buf kerberos = {{0}, 0};                     /* an SSPI token beside LOGINACK ends the login */
    put(&kerberos, challenge, sizeof challenge);
    put(&kerberos, loginack, sizeof loginack);
    CHECK(login_answer_read(kerberos.b, kerberos.n, &a) && a.sspi && a.loginack && !login_answer_continues(&a));

    const uint8_t enc[40] = {0};
    struct buf app = record(TLS_CT_APPLICATION_DATA, enc, sizeof enc);
    for (int decrypted = 0; decrypted < 2; decrypted++) {
        struct script s;
        tds7_handshake_done(&s, 0xC030, 0);
        /* LOGIN7 in TLS; with a keylog, the legs after it are decrypted, else (login-only encryption) clear */
        struct tls_findings f = {0};
        struct tls_traits t = {0};
        tdstls_conn_tls(&s.c, ++s.frame, 0, SIDE_CLIENT, 0, app.b, app.n, &f, &t);
        if (decrypted)
            tdstls_conn_decrypted_tds(&s.c, s.frame, SIDE_CLIENT, TDS_LOGIN7, NULL, 0);
        CHECK(label_now(&s, SIDE_CLIENT) == PHASE_LOGIN);
        /* a server answer that begins in this frame and opens with an SSPI token: the login's */
        uint8_t head[9] = {TDS_RESPONSE, 0x01, 0x00, 0x40, 0, 0, 1, 0, TDS_TOKEN_SSPI};
        CHECK(pdu_phase(&s, SIDE_SERVER, head, sizeof head) == PHASE_LOGIN);
        head[8] = 0xAD;
        CHECK(pdu_phase(&s, SIDE_SERVER, head, sizeof head) == PHASE_LOGIN_RESPONSE);
        enum tdstls_side order[] = {SIDE_SERVER, SIDE_CLIENT, SIDE_SERVER, SIDE_CLIENT};
        uint8_t types[] = {TDS_RESPONSE, TDS_SSPI, TDS_RESPONSE, TDS_SQL_BATCH};
        const uint8_t *payloads[] = {challenge, authenticate.b, loginack, NULL};
        size_t lens[] = {sizeof challenge, authenticate.n, sizeof loginack, 0};
        enum tdstls_phase want[] = {PHASE_LOGIN, PHASE_LOGIN, PHASE_LOGIN_RESPONSE, PHASE_COMMANDS};
        for (int i = 0; i < 4; i++) {
            if (decrypted) {
                tdstls_conn_tls(&s.c, ++s.frame, 0, order[i], 0, app.b, app.n, &f, &t);
                tdstls_conn_decrypted_tds(&s.c, s.frame, order[i], types[i], payloads[i], lens[i]);
            } else
                tdstls_conn_clear_tds(&s.c, ++s.frame, order[i], types[i], payloads[i], lens[i]);
            struct frame_label l = tdstls_conn_tcp(&s.c, s.frame, 0, order[i], 0, 0, 0);
            CHECK(l.phase == want[i] && !l.inferred);
        }
        const struct conn_results *r = tdstls_conn_results(&s.c);
        CHECK(r->frame_ntlm_authenticate == s.frame - 2 && strcmp(r->ntlm.user, "labuser") == 0 &&
              strcmp(r->ntlm.domain, "LAB") == 0 && strcmp(r->ntlm.workstation, "vm") == 0);
        CHECK(r->frame_login_answer == s.frame - 1 && r->login.loginack);
        CHECK(r->auth == LOGIN_AUTH_NTLM && r->frame_auth == s.frame - 2);    /* told by the AUTHENTICATE */
        /* the login phase ran from LOGIN7 to the AUTHENTICATE: one phase, not three */
        CHECK(r->phase_first_frame[PHASE_LOGIN] == s.frame - 4 && r->phase_first_frame[PHASE_LOGIN_RESPONSE] == s.frame - 1);
        /* an SSPI token after the login is over changes nothing */
        if (!decrypted) {
            tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_SERVER, TDS_RESPONSE, challenge, sizeof challenge);
            CHECK(label_now(&s, SIDE_SERVER) == PHASE_COMMANDS);
        }
        stop(&s);
    }
}

static enum tdstls_phase pdu_phase(struct script *s, enum tdstls_side side, const uint8_t *head, size_t len)
{
    bool inferred;
    return tdstls_conn_pdu_phase(&s->c, side, head, len, &inferred);
}

/* A frame that carries only part of a PDU: the phase that PDU will have,
 * from its first bytes and the direction; data of its own wins. */
static void test_partial_pdu_phase(void)
{
    struct script s;
    start(&s);
    const uint8_t prelogin[8] = {TDS_PRELOGIN, 0x01, 0x00, 0x40}, response[8] = {TDS_RESPONSE, 0x01, 0x00, 0x40};
    const uint8_t login7[8] = {TDS_LOGIN7, 0x01, 0x01, 0x00}, batch[8] = {TDS_SQL_BATCH, 0x01, 0x00, 0x20};
    const uint8_t handshake[5] = {TLS_CT_HANDSHAKE, 3, 3, 0x01, 0x00}, junk[8] = {0x77, 0x77};
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    /* right after the TCP handshake, TDS that names no phase (a mutated
     * stream) is pre-login at least; seen from a connection's middle, unknown */
    struct script mid;
    start(&mid);
    CHECK(clear(&mid, SIDE_SERVER, TDS_RESPONSE) == PHASE_UNKNOWN);
    stop(&mid);
    start(&mid);
    tcp(&mid, SIDE_CLIENT, 1, 0, 0);
    CHECK(clear(&mid, SIDE_CLIENT, TDS_RESPONSE) == PHASE_PRELOGIN);
    stop(&mid);
    CHECK(pdu_phase(&s, SIDE_CLIENT, prelogin, sizeof prelogin) == PHASE_PRELOGIN);
    CHECK(pdu_phase(&s, SIDE_CLIENT, junk, sizeof junk) == PHASE_UNKNOWN);
    CHECK(pdu_phase(&s, SIDE_CLIENT, prelogin, 1) == PHASE_UNKNOWN);   /* too short to tell */
    CHECK(clear(&s, SIDE_CLIENT, TDS_PRELOGIN) == PHASE_PRELOGIN);
    CHECK(pdu_phase(&s, SIDE_SERVER, response, sizeof response) == PHASE_PRELOGIN);
    CHECK(clear(&s, SIDE_SERVER, TDS_RESPONSE) == PHASE_PRELOGIN);
    /* after the answer, the client's PRELOGIN packets carry the TLS handshake (jTDS: its header alone) */
    CHECK(pdu_phase(&s, SIDE_CLIENT, prelogin, sizeof prelogin) == PHASE_TLS_HANDSHAKE);
    CHECK(pdu_phase(&s, SIDE_SERVER, prelogin, sizeof prelogin) == PHASE_TLS_HANDSHAKE);
    CHECK(pdu_phase(&s, SIDE_CLIENT, batch, sizeof batch) == PHASE_UNKNOWN);
    tdstls_conn_frame_carries(&s.c, ++s.frame, PHASE_TLS_HANDSHAKE, false);
    CHECK(label_now(&s, SIDE_CLIENT) == PHASE_TLS_HANDSHAKE);
    /* the connection is in that PDU: the server's bare ACK, and a middle piece of it */
    CHECK(tcp(&s, SIDE_SERVER, 0, 0, 0) == PHASE_TLS_HANDSHAKE);
    tdstls_conn_frame_carries(&s.c, ++s.frame, PHASE_TLS_HANDSHAKE, false);
    CHECK(label_now(&s, SIDE_CLIENT) == PHASE_TLS_HANDSHAKE);
    /* the frame's own data first: the guess does not replace it */
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_CLIENT, TDS_LOGIN7, NULL, 0);
    tdstls_conn_frame_carries(&s.c, s.frame, PHASE_TLS_HANDSHAKE, false);
    CHECK(label_now(&s, SIDE_CLIENT) == PHASE_LOGIN);
    CHECK(pdu_phase(&s, SIDE_SERVER, response, sizeof response) == PHASE_LOGIN_RESPONSE);
    CHECK(pdu_phase(&s, SIDE_CLIENT, login7, sizeof login7) == PHASE_LOGIN);
    /* a PRELOGIN packet seen after LOGIN7 (reordered, retransmitted) is
     * still the TLS handshake's, and takes the connection nowhere back */
    CHECK(pdu_phase(&s, SIDE_CLIENT, prelogin, sizeof prelogin) == PHASE_TLS_HANDSHAKE);
    tdstls_conn_frame_carries(&s.c, ++s.frame, PHASE_TLS_HANDSHAKE, false);
    CHECK(label_now(&s, SIDE_SERVER) == PHASE_TLS_HANDSHAKE);
    CHECK(tcp(&s, SIDE_CLIENT, 0, 0, 0) == PHASE_LOGIN);
    /* a raw TLS record says nothing once the handshake is over (order and direction do) */
    CHECK(pdu_phase(&s, SIDE_CLIENT, handshake, sizeof handshake) == PHASE_UNKNOWN);
    CHECK(clear(&s, SIDE_SERVER, TDS_RESPONSE) == PHASE_LOGIN_RESPONSE);
    CHECK(pdu_phase(&s, SIDE_CLIENT, batch, sizeof batch) == PHASE_COMMANDS);
    tdstls_conn_frame_carries(&s.c, ++s.frame, PHASE_UNKNOWN, false);   /* nothing known: the phase of the moment */
    CHECK(label_now(&s, SIDE_CLIENT) == PHASE_LOGIN_RESPONSE);
    CHECK(tcp(&s, SIDE_CLIENT, 0, 1, 0) == PHASE_CLOSE);
    CHECK(pdu_phase(&s, SIDE_CLIENT, batch, sizeof batch) == PHASE_UNKNOWN);
    stop(&s);
}

/* appends the DER element tag { content } to b */
static void der_to(struct buf *b, unsigned tag, const struct buf *content)
{
    struct buf e = der(tag, content);
    put(b, e.b, e.n);
}

static struct buf der_oid(const uint8_t *oid, size_t n)
{
    struct buf c = {{0}, 0}, e = {{0}, 0};
    put(&c, oid, n);
    der_to(&e, 0x06, &c);
    return e;
}

/* SPNEGO NegTokenInit (RFC 4178 4.2.1) offering these mechanisms, in order */
static struct buf spnego_init(const struct buf *oids, size_t n)
{
    static const uint8_t spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    struct buf list = {{0}, 0}, seq_of = {{0}, 0}, mech_types = {{0}, 0}, seq = {{0}, 0}, init = {{0}, 0};
    for (size_t i = 0; i < n; i++)
        put(&list, oids[i].b, oids[i].n);
    der_to(&seq_of, 0x30, &list);
    der_to(&mech_types, 0xa0, &seq_of);
    der_to(&seq, 0x30, &mech_types);
    der_to(&init, 0xa0, &seq);
    struct buf gss = der_oid(spnego, sizeof spnego), token = {{0}, 0};
    put(&gss, init.b, init.n);
    der_to(&token, 0x60, &gss);
    return token;
}

/* Which authentication: SSPI blobs of each mechanism, LOGIN7's flags. */
static void test_login_auth(void)
{
    static const uint8_t krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
    static const uint8_t ms_krb5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
    static const uint8_t ntlmssp[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
    static const uint8_t other[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e};   /* NEGOEX */
    const uint8_t negotiate[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0};
    CHECK(login_auth_of_sspi(negotiate, sizeof negotiate) == LOGIN_AUTH_NTLM);
    /* a Kerberos GSS token (RFC 4121 4.1): krb5 OID, TOK_ID 01 00, AP-REQ */
    struct buf ap_req = {{0}, 0}, inner = der_oid(krb5, sizeof krb5), gss = {{0}, 0};
    u8(&inner, 0x01), u8(&inner, 0x00), u8(&inner, 0x6e), u8(&inner, 0x03), fill(&inner, 0x30, 3);
    der_to(&gss, 0x60, &inner);
    CHECK(login_auth_of_sspi(gss.b, gss.n) == LOGIN_AUTH_KERBEROS);
    u8(&ap_req, 0x6f), u8(&ap_req, 2), u8(&ap_req, 0x30), u8(&ap_req, 0);      /* a bare AP-REP */
    CHECK(login_auth_of_sspi(ap_req.b, ap_req.n) == LOGIN_AUTH_KERBEROS);
    /* SPNEGO: the client's first mechanism */
    struct buf mechs[3] = {der_oid(ms_krb5, sizeof ms_krb5), der_oid(krb5, sizeof krb5), der_oid(ntlmssp, sizeof ntlmssp)};
    struct buf init = spnego_init(mechs, 3);
    CHECK(login_auth_of_sspi(init.b, init.n) == LOGIN_AUTH_KERBEROS);
    init = spnego_init(mechs + 2, 1);
    CHECK(login_auth_of_sspi(init.b, init.n) == LOGIN_AUTH_NTLM);
    struct buf odd = der_oid(other, sizeof other);
    init = spnego_init(&odd, 1);
    CHECK(login_auth_of_sspi(init.b, init.n) == LOGIN_AUTH_NEGOTIATE);
    /* SPNEGO NegTokenResp: the server's chosen mechanism, else its token */
    struct buf state = {{0}, 0}, f0 = {{0}, 0}, f1 = {{0}, 0}, f2 = {{0}, 0}, octets = {{0}, 0}, fields = {{0}, 0};
    struct buf seq = {{0}, 0}, resp = {{0}, 0};
    u8(&state, 0x0a), u8(&state, 1), u8(&state, 1);                          /* accept-incomplete */
    der_to(&f0, 0xa0, &state);
    der_to(&f1, 0xa1, &mechs[2]);
    struct buf challenge = {{0}, 0};
    put(&challenge, "NTLMSSP", 8), u8(&challenge, 2), fill(&challenge, 0, 3);
    der_to(&octets, 0x04, &challenge);
    der_to(&f2, 0xa2, &octets);
    put(&fields, f0.b, f0.n), put(&fields, f1.b, f1.n), put(&fields, f2.b, f2.n);
    der_to(&seq, 0x30, &fields);
    der_to(&resp, 0xa1, &seq);
    CHECK(login_auth_of_sspi(resp.b, resp.n) == LOGIN_AUTH_NTLM);
    fields.n = 0, seq.n = 0, resp.n = 0;
    put(&fields, f0.b, f0.n), put(&fields, f2.b, f2.n);                      /* no supportedMech: the token */
    der_to(&seq, 0x30, &fields);
    der_to(&resp, 0xa1, &seq);
    CHECK(login_auth_of_sspi(resp.b, resp.n) == LOGIN_AUTH_NTLM);
    /* every cut of each blob, and responses nested in themselves: an answer, no more */
    const struct buf *blobs[] = {&gss, &init, &resp};
    for (size_t i = 0; i < 3; i++)
        for (size_t n = 0; n <= blobs[i]->n; n++)
            CHECK(login_auth_of_sspi(blobs[i]->b, n) < N_LOGIN_AUTHS);
    struct buf nest = resp;
    for (int depth = 0; depth < 6; depth++) {
        struct buf o = {{0}, 0}, a2 = {{0}, 0}, sq = {{0}, 0}, r = {{0}, 0};
        der_to(&o, 0x04, &nest);
        der_to(&a2, 0xa2, &o);
        der_to(&sq, 0x30, &a2);
        der_to(&r, 0xa1, &sq);
        nest = r;
        CHECK(login_auth_of_sspi(nest.b, nest.n) == (depth < 2 ? LOGIN_AUTH_NTLM : LOGIN_AUTH_NEGOTIATE));
    }
    /* NTLM inside SPNEGO, as Windows sends it: the AUTHENTICATE in a NegTokenResp's responseToken */
    struct buf authn = ntlm_authenticate("LAB", "labuser", "vm", true), wrapped = der(0x04, &authn);
    struct buf token_field = der(0xa2, &wrapped), resp_seq = der(0x30, &token_field), resp_auth = der(0xa1, &resp_seq);
    size_t token_len;
    const uint8_t *token = login_auth_mech_token(resp_auth.b, resp_auth.n, &token_len);
    struct ntlm_identity id;
    CHECK(token_len == authn.n && memcmp(token, authn.b, authn.n) == 0 && ntlm_authenticate_read(token, token_len, &id) &&
          strcmp(id.user, "labuser") == 0 && login_auth_of_sspi(resp_auth.b, resp_auth.n) == LOGIN_AUTH_NTLM);
    CHECK(login_auth_mech_token(authn.b, authn.n, &token_len) == authn.b && token_len == authn.n);   /* bare NTLM */
    CHECK(login_auth_mech_token(init.b, init.n, &token_len) == init.b);       /* SPNEGO without a mechToken */
    for (size_t n = 0; n <= resp_auth.n; n++) {                                /* every cut stays inside */
        token = login_auth_mech_token(resp_auth.b, n, &token_len);
        CHECK(token >= resp_auth.b && token + token_len <= resp_auth.b + n);
    }
    const uint8_t junk[] = {0x60, 0x84, 0xff, 0xff, 0xff, 0xff};
    CHECK(login_auth_of_sspi(junk, sizeof junk) == LOGIN_AUTH_UNKNOWN && login_auth_of_sspi(NULL, 0) == LOGIN_AUTH_UNKNOWN);

    /* LOGIN7 (MS-TDS 2.2.6.4): 94 bytes of fixed part, then data */
    struct buf login7 = {{0}, 0};
    fill(&login7, 0, 94);
    CHECK(login_auth_of_login7(login7.b, login7.n, NULL) == LOGIN_AUTH_SQL);
    CHECK(login_auth_of_login7(login7.b, 93, NULL) == LOGIN_AUTH_UNKNOWN);
    login7.b[25] = 0x80;                                         /* fIntSecurity, no SSPI data */
    CHECK(login_auth_of_login7(login7.b, login7.n, NULL) == LOGIN_AUTH_WINDOWS);
    login7.b[78] = 94, login7.b[80] = (uint8_t)gss.n;            /* ibSSPI, cbSSPI */
    put(&login7, gss.b, gss.n);
    CHECK(login_auth_of_login7(login7.b, login7.n, NULL) == LOGIN_AUTH_KERBEROS);
    login7.b[80] = 0xFF, login7.b[81] = 0xFF, login7.b[90] = (uint8_t)gss.n;   /* cbSSPILong */
    CHECK(login_auth_of_login7(login7.b, login7.n, NULL) == LOGIN_AUTH_KERBEROS);
    CHECK(login_auth_of_login7(login7.b, 96, NULL) == LOGIN_AUTH_WINDOWS);           /* the blob cut short */
    /* the flag off, a Kerberos token in the SSPI data: the data is shown, the disagreement said */
    bool contradicted = false;
    login7.b[25] = 0;
    CHECK(login_auth_of_login7(login7.b, login7.n, &contradicted) == LOGIN_AUTH_KERBEROS && contradicted);
    CHECK(login_auth_of_login7(login7.b, 96, &contradicted) == LOGIN_AUTH_SQL && !contradicted);
    login7.b[25] = 0x80;
    CHECK(login_auth_of_login7(login7.b, login7.n, &contradicted) == LOGIN_AUTH_KERBEROS && !contradicted);
    /* fExtension: ibExtension points to a DWORD offset of FeatureExt */
    struct buf fed = {{0}, 0};
    fill(&fed, 0, 94);
    fed.b[27] = 0x10, fed.b[56] = 94;
    le32_put(&fed, 98);
    u8(&fed, 0x04), le32_put(&fed, 1), u8(&fed, 0);             /* another feature first */
    u8(&fed, 0x02), le32_put(&fed, 2), u8(&fed, 0x02), u8(&fed, 0);   /* FEDAUTH */
    u8(&fed, 0xFF);
    CHECK(login_auth_of_login7(fed.b, fed.n, NULL) == LOGIN_AUTH_FEDAUTH);
    fed.b[104] = 0x05;                                           /* no FEDAUTH: a SQL login with features */
    CHECK(login_auth_of_login7(fed.b, fed.n, NULL) == LOGIN_AUTH_SQL);
    fed.b[99] = 0xF0;                                            /* a length past the end: stop */
    CHECK(login_auth_of_login7(fed.b, fed.n, NULL) == LOGIN_AUTH_SQL);
    for (size_t n = 0; n <= fed.n; n++)
        CHECK(login_auth_of_login7(fed.b, n, NULL) < N_LOGIN_AUTHS);
    /* what tells more wins; names */
    CHECK(login_auth_better(LOGIN_AUTH_WINDOWS, LOGIN_AUTH_KERBEROS) && !login_auth_better(LOGIN_AUTH_KERBEROS, LOGIN_AUTH_WINDOWS));
    CHECK(login_auth_better(LOGIN_AUTH_WINDOWS, LOGIN_AUTH_NEGOTIATE) && !login_auth_better(LOGIN_AUTH_NTLM, LOGIN_AUTH_UNKNOWN));
    CHECK(strcmp(login_auth_name(LOGIN_AUTH_KERBEROS), "Kerberos") == 0 && login_auth_name(N_LOGIN_AUTHS)[0] == '\0');

    /* in a connection: LOGIN7 in clear says Windows; the answer's token beside LOGINACK says Kerberos */
    struct script s;
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    login7.b[80] = 0, login7.b[81] = 0, login7.n = 94, login7.b[78] = 0;
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_CLIENT, TDS_LOGIN7, login7.b, login7.n);
    const struct conn_results *r = tdstls_conn_results(&s.c);
    CHECK(r->auth == LOGIN_AUTH_WINDOWS && r->frame_auth == s.frame);
    struct buf answer = {{0}, 0};
    u8(&answer, TDS_TOKEN_SSPI), le16_put(&answer, (unsigned)ap_req.n), put(&answer, ap_req.b, ap_req.n);
    const uint8_t loginack[] = {0xAD, 6, 0, 1, 0x74, 0, 0, 4, 0};
    put(&answer, loginack, sizeof loginack);
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_SERVER, TDS_RESPONSE, answer.b, answer.n);
    CHECK(r->auth == LOGIN_AUTH_KERBEROS && r->frame_auth == s.frame && r->login.loginack &&
          r->login.sspi_auth == LOGIN_AUTH_KERBEROS);
    CHECK(label_now(&s, SIDE_SERVER) == PHASE_LOGIN_RESPONSE);
    stop(&s);
    /* NTLM in SPNEGO: the client's SSPI packet names the user */
    start(&s);
    tcp(&s, SIDE_CLIENT, 1, 0, 0);
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_CLIENT, TDS_LOGIN7, login7.b, login7.n);
    tdstls_conn_clear_tds(&s.c, ++s.frame, SIDE_CLIENT, TDS_SSPI, resp_auth.b, resp_auth.n);
    r = tdstls_conn_results(&s.c);
    CHECK(r->frame_ntlm_authenticate == s.frame && strcmp(r->ntlm.user, "labuser") == 0 &&
          r->auth == LOGIN_AUTH_NTLM && r->frame_auth == s.frame);
    stop(&s);
}

int main(void)
{
    test_login_auth();
    test_partial_pdu_phase();
    test_prelogin();
    test_record_header();
    test_dhe_suites();
    test_client_hello();
    test_server_hello();
    test_leading_zeros();
    test_message_across_records();
    test_hostile();
    test_normal_tds7();
    test_kb4557473();
    test_failures_before_tls();
    test_tds8_and_midstream();
    test_decrypted_types();
    test_checks_table();
    test_tcp_header();
    test_old_tls_versions();
    test_x509();
    test_tls_failures();
    test_version_refused();
    test_connection_start();
    test_ssrp();
    test_ucs2();
    test_login_answer();
    test_ntlm();
    test_windows_authentication();
    test_tls_clip();
    test_cut_kb4557473();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
