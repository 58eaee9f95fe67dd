/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The little of an X.509 certificate (RFC 5280) a DBA needs to see why a
 * client rejects a server: names, issuer, validity, key and signature
 * algorithm. Reads DER with a bounds-checked cursor; anything unexpected
 * stops the parse with what was read so far. No epan dependency.
 */
#ifndef TDSTLS_X509_H
#define TDSTLS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_NAME_MAX 64
#define CERT_NAMES_MAX 160

enum cert_key { CERT_KEY_UNKNOWN = 0, CERT_KEY_RSA, CERT_KEY_EC, CERT_KEY_ED25519, CERT_KEY_ED448, CERT_KEY_DSA };

struct cert_facts {
    bool parsed;                        /* subject, issuer and validity were read */
    char subject_cn[CERT_NAME_MAX];     /* commonName, "" if none */
    char issuer_cn[CERT_NAME_MAX];
    char names[CERT_NAMES_MAX];         /* subjectAltName DNS names and IP addresses, ", " between */
    bool self_signed;                   /* issuer and subject are the same name */
    int64_t not_before, not_after;      /* seconds since 1970-01-01 UTC */
    uint8_t key;                        /* enum cert_key */
    uint16_t key_bits;                  /* RSA modulus or EC curve size, 0 if unknown */
    const char *signature;              /* static: "sha256WithRSAEncryption", ... or "other" */
};

/* Reads one DER certificate. False when not even the names and validity
 * could be read (the facts hold what was). */
bool x509_read(const uint8_t *der, size_t len, struct cert_facts *out);

const char *x509_key_name(uint8_t key);   /* "RSA", "EC", ... */

/* Whether host (a name or an IPv4/IPv6 text) is one the certificate names:
 * a SAN DNS name or IP, else the CN; "*." wildcards match one label. */
bool x509_names_host(const struct cert_facts *c, const char *host);

/* Seconds since 1970 of a civil UTC time; for the validity dates. */
int64_t x509_utc_seconds(int year, int month, int day, int hour, int minute, int second);

#endif
