/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Which TLS cipher suites use ephemeral finite-field Diffie-Hellman: every
 * IANA suite named TLS_DHE_{RSA,DSS,PSK}_*, TLS_DH_anon_* or TLS_PSK_DHE_*.
 * These carry dh_Ys in ServerKeyExchange and dh_Yc in ClientKeyExchange, the
 * values whose leading zero byte trips KB 4557473.
 *
 * The table was generated from Wireshark's own suite names
 * (`tshark -G values`, field tls.handshake.ciphersuite); tests/dhe_suites.sh
 * re-derives it from the installed tshark and fails if the two differ.
 */
#include "dhe_suites.h"

#include <stddef.h>

/* Sorted by id, for binary search. psk: the suite prefixes its key exchange
 * messages with a PSK identity (hint), RFC 4279 section 3. */
static const struct dhe_suite {
    uint16_t id;
    bool psk;
} ffdhe_suites[] = {
    {0x0011, false}, /* TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA */
    {0x0012, false}, /* TLS_DHE_DSS_WITH_DES_CBC_SHA */
    {0x0013, false}, /* TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA */
    {0x0014, false}, /* TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA */
    {0x0015, false}, /* TLS_DHE_RSA_WITH_DES_CBC_SHA */
    {0x0016, false}, /* TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA */
    {0x0017, false}, /* TLS_DH_anon_EXPORT_WITH_RC4_40_MD5 */
    {0x0018, false}, /* TLS_DH_anon_WITH_RC4_128_MD5 */
    {0x0019, false}, /* TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA */
    {0x001A, false}, /* TLS_DH_anon_WITH_DES_CBC_SHA */
    {0x001B, false}, /* TLS_DH_anon_WITH_3DES_EDE_CBC_SHA */
    {0x002D, true }, /* TLS_DHE_PSK_WITH_NULL_SHA */
    {0x0032, false}, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
    {0x0033, false}, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
    {0x0034, false}, /* TLS_DH_anon_WITH_AES_128_CBC_SHA */
    {0x0038, false}, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
    {0x0039, false}, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
    {0x003A, false}, /* TLS_DH_anon_WITH_AES_256_CBC_SHA */
    {0x0040, false}, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 */
    {0x0044, false}, /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA */
    {0x0045, false}, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA */
    {0x0046, false}, /* TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA */
    {0x0063, false}, /* TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA */
    {0x0065, false}, /* TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA */
    {0x0066, false}, /* TLS_DHE_DSS_WITH_RC4_128_SHA */
    {0x0067, false}, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
    {0x006A, false}, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 */
    {0x006B, false}, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
    {0x006C, false}, /* TLS_DH_anon_WITH_AES_128_CBC_SHA256 */
    {0x006D, false}, /* TLS_DH_anon_WITH_AES_256_CBC_SHA256 */
    {0x0087, false}, /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA */
    {0x0088, false}, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA */
    {0x0089, false}, /* TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA */
    {0x008E, true }, /* TLS_DHE_PSK_WITH_RC4_128_SHA */
    {0x008F, true }, /* TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA */
    {0x0090, true }, /* TLS_DHE_PSK_WITH_AES_128_CBC_SHA */
    {0x0091, true }, /* TLS_DHE_PSK_WITH_AES_256_CBC_SHA */
    {0x0099, false}, /* TLS_DHE_DSS_WITH_SEED_CBC_SHA */
    {0x009A, false}, /* TLS_DHE_RSA_WITH_SEED_CBC_SHA */
    {0x009B, false}, /* TLS_DH_anon_WITH_SEED_CBC_SHA */
    {0x009E, false}, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
    {0x009F, false}, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
    {0x00A2, false}, /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
    {0x00A3, false}, /* TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 */
    {0x00A6, false}, /* TLS_DH_anon_WITH_AES_128_GCM_SHA256 */
    {0x00A7, false}, /* TLS_DH_anon_WITH_AES_256_GCM_SHA384 */
    {0x00AA, true }, /* TLS_DHE_PSK_WITH_AES_128_GCM_SHA256 */
    {0x00AB, true }, /* TLS_DHE_PSK_WITH_AES_256_GCM_SHA384 */
    {0x00B2, true }, /* TLS_DHE_PSK_WITH_AES_128_CBC_SHA256 */
    {0x00B3, true }, /* TLS_DHE_PSK_WITH_AES_256_CBC_SHA384 */
    {0x00B4, true }, /* TLS_DHE_PSK_WITH_NULL_SHA256 */
    {0x00B5, true }, /* TLS_DHE_PSK_WITH_NULL_SHA384 */
    {0x00BD, false}, /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256 */
    {0x00BE, false}, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
    {0x00BF, false}, /* TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256 */
    {0x00C3, false}, /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256 */
    {0x00C4, false}, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
    {0x00C5, false}, /* TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256 */
    {0xC042, false}, /* TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256 */
    {0xC043, false}, /* TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384 */
    {0xC044, false}, /* TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256 */
    {0xC045, false}, /* TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384 */
    {0xC046, false}, /* TLS_DH_anon_WITH_ARIA_128_CBC_SHA256 */
    {0xC047, false}, /* TLS_DH_anon_WITH_ARIA_256_CBC_SHA384 */
    {0xC052, false}, /* TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 */
    {0xC053, false}, /* TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 */
    {0xC056, false}, /* TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256 */
    {0xC057, false}, /* TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384 */
    {0xC05A, false}, /* TLS_DH_anon_WITH_ARIA_128_GCM_SHA256 */
    {0xC05B, false}, /* TLS_DH_anon_WITH_ARIA_256_GCM_SHA384 */
    {0xC066, true }, /* TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256 */
    {0xC067, true }, /* TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384 */
    {0xC06C, true }, /* TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256 */
    {0xC06D, true }, /* TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384 */
    {0xC07C, false}, /* TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 */
    {0xC07D, false}, /* TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 */
    {0xC080, false}, /* TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256 */
    {0xC081, false}, /* TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384 */
    {0xC084, false}, /* TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256 */
    {0xC085, false}, /* TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384 */
    {0xC090, true }, /* TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256 */
    {0xC091, true }, /* TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384 */
    {0xC096, true }, /* TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256 */
    {0xC097, true }, /* TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384 */
    {0xC09E, false}, /* TLS_DHE_RSA_WITH_AES_128_CCM */
    {0xC09F, false}, /* TLS_DHE_RSA_WITH_AES_256_CCM */
    {0xC0A2, false}, /* TLS_DHE_RSA_WITH_AES_128_CCM_8 */
    {0xC0A3, false}, /* TLS_DHE_RSA_WITH_AES_256_CCM_8 */
    {0xC0A6, true }, /* TLS_DHE_PSK_WITH_AES_128_CCM */
    {0xC0A7, true }, /* TLS_DHE_PSK_WITH_AES_256_CCM */
    {0xC0AA, true }, /* TLS_PSK_DHE_WITH_AES_128_CCM_8 */
    {0xC0AB, true }, /* TLS_PSK_DHE_WITH_AES_256_CCM_8 */
    {0xCC15, false}, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    {0xCCAA, false}, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
    {0xCCAD, true }, /* TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256 */
    {0xE41C, true }, /* TLS_DHE_PSK_WITH_ESTREAM_SALSA20_SHA1 */
    {0xE41D, true }, /* TLS_DHE_PSK_WITH_SALSA20_SHA1 */
    {0xE41E, false}, /* TLS_DHE_RSA_WITH_ESTREAM_SALSA20_SHA1 */
    {0xE41F, false}, /* TLS_DHE_RSA_WITH_SALSA20_SHA1 */
};

static const struct dhe_suite *find_suite(uint16_t suite)
{
    size_t lo = 0, hi = sizeof ffdhe_suites / sizeof ffdhe_suites[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ffdhe_suites[mid].id == suite)
            return &ffdhe_suites[mid];
        if (ffdhe_suites[mid].id < suite)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool tdstls_suite_is_dhe(uint16_t suite)
{
    return find_suite(suite) != NULL;
}

bool tdstls_suite_is_dhe_psk(uint16_t suite)
{
    const struct dhe_suite *s = find_suite(suite);
    return s != NULL && s->psk;
}

size_t tdstls_dhe_suite_count(void)
{
    return sizeof ffdhe_suites / sizeof ffdhe_suites[0];
}

uint16_t tdstls_dhe_suite_at(size_t i)
{
    return i < tdstls_dhe_suite_count() ? ffdhe_suites[i].id : 0;
}
