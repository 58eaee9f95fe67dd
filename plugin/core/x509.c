/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "x509.h"

#include <stdio.h>
#include <string.h>

enum der_tag {
    DER_INTEGER = 0x02,
    DER_BIT_STRING = 0x03,
    DER_OCTET_STRING = 0x04,
    DER_OID = 0x06,
    DER_UTF8_STRING = 0x0C,
    DER_PRINTABLE_STRING = 0x13,
    DER_T61_STRING = 0x14,
    DER_IA5_STRING = 0x16,
    DER_UTC_TIME = 0x17,
    DER_GENERALIZED_TIME = 0x18,
    DER_BMP_STRING = 0x1E,
    DER_SEQUENCE = 0x30,
    DER_SET = 0x31,
    DER_CONTEXT_0 = 0xA0,       /* [0] EXPLICIT: version */
    DER_CONTEXT_3 = 0xA3,       /* [3] EXPLICIT: extensions */
    DER_SAN_DNS = 0x82,         /* GeneralName [2] IMPLICIT IA5String */
    DER_SAN_IP = 0x87,          /* GeneralName [7] IMPLICIT OCTET STRING */
};

/* A bounds-checked view of DER: every read fails softly once out of bytes. */
struct der {
    const uint8_t *p;
    size_t left;
    bool ok;
};

/* The next element: its tag and a view of its content. */
static struct der der_next(struct der *d, uint8_t *tag)
{
    struct der none = {NULL, 0, false};
    if (!d->ok || d->left < 2) {
        d->ok = false;
        return none;
    }
    *tag = d->p[0];
    size_t len = d->p[1], head = 2;
    if ((*tag & 0x1F) == 0x1F) {              /* high tag numbers: none we read */
        d->ok = false;
        return none;
    }
    if (len & 0x80) {
        size_t n = len & 0x7F;
        if (n == 0 || n > 4 || d->left < 2 + n) {
            d->ok = false;
            return none;
        }
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = (len << 8) | d->p[2 + i];
        head += n;
    }
    if (len > d->left - head) {
        d->ok = false;
        return none;
    }
    struct der content = {d->p + head, len, true};
    d->p += head + len;
    d->left -= head + len;
    return content;
}

/* The next element, which must have this tag. */
static struct der der_expect(struct der *d, uint8_t want)
{
    uint8_t tag = 0;
    struct der content = der_next(d, &tag);
    if (d->ok && tag != want) {
        d->ok = false;
        content.ok = false;
    }
    return content;
}

static bool oid_is(const struct der *oid, const uint8_t *bytes, size_t n)
{
    return oid->ok && oid->left == n && memcmp(oid->p, bytes, n) == 0;
}

#define OID(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03};
static const uint8_t OID_SAN[] = {0x55, 0x1D, 0x11};

/* Copies a directory string as printable ASCII (BMPString: its ASCII). */
static void copy_string(uint8_t tag, const struct der *s, char *out, size_t size)
{
    size_t n = 0, step = tag == DER_BMP_STRING ? 2 : 1;
    for (size_t i = 0; i + step <= s->left && n + 1 < size; i += step) {
        uint8_t c = step == 2 ? (s->p[i] ? '?' : s->p[i + 1]) : s->p[i];
        out[n++] = (char)(c >= 0x20 && c < 0x7F ? c : '?');
    }
    out[n] = '\0';
}

/* The commonName of a Name (SEQUENCE OF SET OF AttributeTypeAndValue). */
static void common_name(struct der name, char *out, size_t size)
{
    out[0] = '\0';
    while (name.ok && name.left > 0) {
        struct der rdn = der_expect(&name, DER_SET);
        while (rdn.ok && rdn.left > 0) {
            struct der atv = der_expect(&rdn, DER_SEQUENCE);
            struct der type = der_expect(&atv, DER_OID);
            uint8_t tag = 0;
            struct der value = der_next(&atv, &tag);
            if (atv.ok && oid_is(&type, OID_CN, sizeof OID_CN) && !out[0] &&
                (tag == DER_UTF8_STRING || tag == DER_PRINTABLE_STRING || tag == DER_T61_STRING ||
                 tag == DER_IA5_STRING || tag == DER_BMP_STRING))
                copy_string(tag, &value, out, size);
        }
    }
}

static int digits(const uint8_t *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

int64_t x509_utc_seconds(int year, int month, int day, int hour, int minute, int second)
{
    /* days from civil (H. Hinnant's algorithm), proleptic Gregorian */
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + minute * 60 + second;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
static bool read_time(struct der *validity, int64_t *out)
{
    uint8_t tag = 0;
    struct der t = der_next(validity, &tag);
    if (!validity->ok)
        return false;
    int year;
    const uint8_t *p = t.p;
    if (tag == DER_UTC_TIME && t.left == 13) {
        year = digits(p, 2);
        year += year < 50 ? 2000 : 1900;     /* RFC 5280 4.1.2.5.1 */
        p += 2;
    } else if (tag == DER_GENERALIZED_TIME && t.left == 15) {
        year = digits(p, 4);
        p += 4;
    } else {
        return false;
    }
    int month = digits(p, 2), day = digits(p + 2, 2), hour = digits(p + 4, 2), minute = digits(p + 6, 2),
        second = digits(p + 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60 || p[10] != 'Z')
        return false;
    *out = x509_utc_seconds(year, month, day, hour, minute, second);
    return true;
}

static const char *signature_name(const struct der *oid)
{
    static const struct {
        uint8_t bytes[9];
        uint8_t len;
        const char *name;
    } known[] = {
        {{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B}, 9, "sha256WithRSAEncryption"},
        {{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C}, 9, "sha384WithRSAEncryption"},
        {{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D}, 9, "sha512WithRSAEncryption"},
        {{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05}, 9, "sha1WithRSAEncryption"},
        {{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x04}, 9, "md5WithRSAEncryption"},
        {{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A}, 9, "RSASSA-PSS"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02}, 8, "ecdsa-with-SHA256"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03}, 8, "ecdsa-with-SHA384"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04}, 8, "ecdsa-with-SHA512"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01}, 7, "ecdsa-with-SHA1"},
        {{0x2B, 0x65, 0x70}, 3, "Ed25519"},
        {{0x2B, 0x65, 0x71}, 3, "Ed448"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (oid_is(oid, known[i].bytes, known[i].len))
            return known[i].name;
    return "other";
}

/* Bits of a big-endian unsigned integer. */
static uint16_t integer_bits(const struct der *n)
{
    size_t i = 0;
    while (i < n->left && n->p[i] == 0)
        i++;
    if (i == n->left)
        return 0;
    unsigned bits = (unsigned)(n->left - i) * 8;
    for (uint8_t top = n->p[i]; !(top & 0x80); top <<= 1)
        bits--;
    return bits > 0xFFFF ? 0xFFFF : (uint16_t)bits;
}

/* SubjectPublicKeyInfo: the key's kind and size. */
static void read_key(struct der spki, struct cert_facts *out)
{
    struct der alg = der_expect(&spki, DER_SEQUENCE);
    struct der oid = der_expect(&alg, DER_OID);
    if (oid_is(&oid, OID(0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01))) {
        out->key = CERT_KEY_RSA;
        struct der bits = der_expect(&spki, DER_BIT_STRING);
        if (bits.ok && bits.left > 1) {
            struct der key = {bits.p + 1, bits.left - 1, true};   /* after the unused-bits byte */
            struct der rsa = der_expect(&key, DER_SEQUENCE);
            struct der modulus = der_expect(&rsa, DER_INTEGER);
            if (rsa.ok)
                out->key_bits = integer_bits(&modulus);
        }
    } else if (oid_is(&oid, OID(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01))) {
        out->key = CERT_KEY_EC;
        struct der curve = der_expect(&alg, DER_OID);
        if (oid_is(&curve, OID(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07)))
            out->key_bits = 256;
        else if (oid_is(&curve, OID(0x2B, 0x81, 0x04, 0x00, 0x22)))
            out->key_bits = 384;
        else if (oid_is(&curve, OID(0x2B, 0x81, 0x04, 0x00, 0x23)))
            out->key_bits = 521;
    } else if (oid_is(&oid, OID(0x2B, 0x65, 0x70))) {
        out->key = CERT_KEY_ED25519;
        out->key_bits = 256;
    } else if (oid_is(&oid, OID(0x2B, 0x65, 0x71))) {
        out->key = CERT_KEY_ED448;
        out->key_bits = 456;
    } else if (oid_is(&oid, OID(0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01))) {
        out->key = CERT_KEY_DSA;
    }
}

static void append_name(struct cert_facts *out, const char *name)
{
    size_t used = strlen(out->names);
    snprintf(out->names + used, sizeof out->names - used, "%s%s", used ? ", " : "", name);
}

/* subjectAltName: dNSName and iPAddress entries. */
static void read_alt_names(struct der value, struct cert_facts *out)
{
    struct der names = der_expect(&value, DER_SEQUENCE);
    while (names.ok && names.left > 0) {
        uint8_t tag = 0;
        struct der name = der_next(&names, &tag);
        char text[CERT_NAME_MAX];
        if (!names.ok)
            break;
        if (tag == DER_SAN_DNS) {
            copy_string(DER_IA5_STRING, &name, text, sizeof text);
            append_name(out, text);
        } else if (tag == DER_SAN_IP && name.left == 4) {
            snprintf(text, sizeof text, "%u.%u.%u.%u", name.p[0], name.p[1], name.p[2], name.p[3]);
            append_name(out, text);
        } else if (tag == DER_SAN_IP && name.left == 16) {
            size_t n = 0;
            for (int i = 0; i < 16; i += 2)
                n += (size_t)snprintf(text + n, sizeof text - n, "%s%x", i ? ":" : "", (name.p[i] << 8) | name.p[i + 1]);
            append_name(out, text);
        }
    }
}

static void read_extensions(struct der exts, struct cert_facts *out)
{
    struct der list = der_expect(&exts, DER_SEQUENCE);
    while (list.ok && list.left > 0) {
        struct der ext = der_expect(&list, DER_SEQUENCE);
        struct der oid = der_expect(&ext, DER_OID);
        uint8_t tag = 0;
        struct der value = der_next(&ext, &tag);
        if (ext.ok && tag != DER_OCTET_STRING)   /* the optional critical BOOLEAN */
            value = der_next(&ext, &tag);
        if (ext.ok && tag == DER_OCTET_STRING && oid_is(&oid, OID_SAN, sizeof OID_SAN))
            read_alt_names(value, out);
    }
}

bool x509_read(const uint8_t *der, size_t len, struct cert_facts *out)
{
    memset(out, 0, sizeof *out);
    out->signature = "other";
    struct der all = {der, len, der != NULL};
    struct der cert = der_expect(&all, DER_SEQUENCE);
    struct der tbs = der_expect(&cert, DER_SEQUENCE);
    struct der sig_alg = der_expect(&cert, DER_SEQUENCE);
    struct der sig_oid = der_expect(&sig_alg, DER_OID);
    if (sig_alg.ok)
        out->signature = signature_name(&sig_oid);

    uint8_t tag = 0;
    struct der first = der_next(&tbs, &tag);       /* [0] version, or the serial number */
    (void)first;
    if (tbs.ok && tag == DER_CONTEXT_0)
        der_expect(&tbs, DER_INTEGER);             /* serial number */
    der_expect(&tbs, DER_SEQUENCE);                /* signature algorithm */
    struct der issuer = der_expect(&tbs, DER_SEQUENCE);
    struct der validity = der_expect(&tbs, DER_SEQUENCE);
    struct der subject = der_expect(&tbs, DER_SEQUENCE);
    if (!tbs.ok)
        return false;
    common_name(issuer, out->issuer_cn, sizeof out->issuer_cn);
    common_name(subject, out->subject_cn, sizeof out->subject_cn);
    out->self_signed = issuer.left == subject.left && memcmp(issuer.p, subject.p, issuer.left) == 0;
    if (!read_time(&validity, &out->not_before) || !read_time(&validity, &out->not_after))
        return false;
    out->parsed = true;

    struct der spki = der_expect(&tbs, DER_SEQUENCE);
    if (tbs.ok)
        read_key(spki, out);
    while (tbs.ok && tbs.left > 0) {               /* [1], [2] unique ids, [3] extensions */
        struct der field = der_next(&tbs, &tag);
        if (tbs.ok && tag == DER_CONTEXT_3)
            read_extensions(field, out);
    }
    return true;
}

const char *x509_key_name(uint8_t key)
{
    switch (key) {
    case CERT_KEY_RSA:
        return "RSA";
    case CERT_KEY_EC:
        return "EC";
    case CERT_KEY_ED25519:
        return "Ed25519";
    case CERT_KEY_ED448:
        return "Ed448";
    case CERT_KEY_DSA:
        return "DSA";
    default:
        return "unknown key";
    }
}

static bool same_text(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* RFC 6125 6.4.3, simply: "*." matches exactly one leftmost label. */
static bool name_matches(const char *pattern, size_t n, const char *host)
{
    size_t h = strlen(host);
    if (n >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = strchr(host, '.');
        return dot && dot != host && (size_t)(host + h - dot) == n - 1 && same_text(pattern + 1, dot, n - 1);
    }
    return n == h && same_text(pattern, host, n);
}

bool x509_names_host(const struct cert_facts *c, const char *host)
{
    if (!host || !host[0])
        return false;
    if (c->names[0]) {
        /* RFC 6125 6.4.4: with DNS names in the SAN, the CN does not count */
        for (const char *p = c->names; *p;) {
            const char *end = strstr(p, ", ");
            size_t n = end ? (size_t)(end - p) : strlen(p);
            if (name_matches(p, n, host))
                return true;
            p += n + (end ? 2 : 0);
        }
        return false;
    }
    return name_matches(c->subject_cn, strlen(c->subject_cn), host);
}
