/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "login_auth.h"

#include <string.h>

#include "byte_order.h"

/* DER object identifiers, content bytes only */
static const uint8_t OID_KRB5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};    /* 1.2.840.113554.1.2.2 */
static const uint8_t OID_MS_KRB5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02}; /* 1.2.840.48018.1.2.2 */
static const uint8_t OID_SPNEGO[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};                    /* 1.3.6.1.5.5.2 */
static const uint8_t OID_NTLMSSP[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}; /* 1.3.6.1.4.1.311.2.2.10 */
static const uint8_t NTLM_SIGNATURE[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

enum { DER_OID = 0x06, DER_SEQUENCE = 0x30, DER_APPLICATION_0 = 0x60, KRB_AP_REQ = 0x6e, KRB_AP_REP = 0x6f,
       SPNEGO_INIT = 0xa0, SPNEGO_RESP = 0xa1 };

/* MS-TDS 2.2.6.4: where LOGIN7's fixed part keeps what tells */
#define LOGIN7_FIXED 94
#define LOGIN7_OPTION_FLAGS2 25
#define LOGIN7_OPTION_FLAGS3 27
#define LOGIN7_INT_SECURITY 0x80             /* OptionFlags2 fIntSecurity */
#define LOGIN7_EXTENSION 0x10                /* OptionFlags3 fExtension */
#define LOGIN7_IB_EXTENSION 56
#define LOGIN7_IB_SSPI 78
#define LOGIN7_CB_SSPI 80
#define LOGIN7_CB_SSPI_LONG 90
#define FEATURE_FEDAUTH 0x02
#define FEATURE_TERMINATOR 0xFF

const char *login_auth_name(enum login_auth a)
{
    static const char *const names[N_LOGIN_AUTHS] = {"", "SQL Server", "NTLM", "Kerberos", "Negotiate (SPNEGO)",
                                                     "Windows (SSPI)", "Microsoft Entra ID (federated)"};
    return (unsigned)a < N_LOGIN_AUTHS ? names[a] : "";
}

bool login_auth_better(enum login_auth a, enum login_auth b)
{
    if (b == LOGIN_AUTH_UNKNOWN || b >= N_LOGIN_AUTHS || a == b)
        return false;
    if (a == LOGIN_AUTH_UNKNOWN)
        return true;
    bool vague_a = a == LOGIN_AUTH_WINDOWS || a == LOGIN_AUTH_NEGOTIATE;
    bool vague_b = b == LOGIN_AUTH_WINDOWS || b == LOGIN_AUTH_NEGOTIATE;
    return vague_a && (!vague_b || b == LOGIN_AUTH_NEGOTIATE);
}

/* SPNEGO wraps a mechanism's token; a hostile blob could nest further */
#define MAX_NESTING 3

static enum login_auth sspi_auth(const uint8_t *blob, size_t len, unsigned depth);

/* A DER element: its tag, and its content within [p, end). */
struct der {
    uint8_t tag;
    const uint8_t *content, *end;
};

/* The element at *p (within end); moves *p past it. False when its header
 * is cut or malformed; a content cut short ends at end (captured bytes). */
static bool der_next(const uint8_t **p, const uint8_t *end, struct der *e)
{
    const uint8_t *q = *p;
    if (end - q < 2)
        return false;
    e->tag = *q++;
    size_t len = *q++;
    if (len & 0x80) {
        unsigned n = len & 0x7F;
        if (n == 0 || n > 3 || (size_t)(end - q) < n)
            return false;
        len = 0;
        for (unsigned i = 0; i < n; i++)
            len = len << 8 | *q++;
    }
    e->content = q;
    e->end = len < (size_t)(end - q) ? q + len : end;
    *p = e->end;
    return true;
}

static bool oid_is(const struct der *e, const uint8_t *oid, size_t n)
{
    return e->tag == DER_OID && (size_t)(e->end - e->content) == n && memcmp(e->content, oid, n) == 0;
}

static enum login_auth auth_of_mech(const struct der *oid)
{
    if (oid_is(oid, OID_KRB5, sizeof OID_KRB5) || oid_is(oid, OID_MS_KRB5, sizeof OID_MS_KRB5))
        return LOGIN_AUTH_KERBEROS;
    if (oid_is(oid, OID_NTLMSSP, sizeof OID_NTLMSSP))
        return LOGIN_AUTH_NTLM;
    return LOGIN_AUTH_NEGOTIATE;
}

/* The first element of a context tag's content that is itself a SEQUENCE's
 * first element: SPNEGO's [n] { SEQUENCE { first ... } } shape. */
static bool enter_sequence(const struct der *outer, struct der *seq)
{
    const uint8_t *p = outer->content;
    return der_next(&p, outer->end, seq) && seq->tag == DER_SEQUENCE;
}

/* NegTokenInit ([0] SEQUENCE { mechTypes [0] SEQUENCE OF OID, ... }): its
 * first mechanism, the client's preferred one. */
static enum login_auth negotiate_init(const struct der *init)
{
    struct der seq, field, list, oid;
    if (!enter_sequence(init, &seq))
        return LOGIN_AUTH_NEGOTIATE;
    const uint8_t *p = seq.content;
    if (!der_next(&p, seq.end, &field) || field.tag != SPNEGO_INIT || !enter_sequence(&field, &list))
        return LOGIN_AUTH_NEGOTIATE;
    const uint8_t *q = list.content;
    return der_next(&q, list.end, &oid) ? auth_of_mech(&oid) : LOGIN_AUTH_NEGOTIATE;
}

/* NegTokenResp ([1] SEQUENCE { negState [0], supportedMech [1] OID,
 * responseToken [2] OCTET STRING, ... }): the mechanism the server chose,
 * else what its token is. Each field takes at least 2 bytes: bounded. */
static enum login_auth negotiate_resp(const struct der *resp, unsigned depth)
{
    struct der seq, field;
    if (!enter_sequence(resp, &seq))
        return LOGIN_AUTH_NEGOTIATE;
    const uint8_t *p = seq.content;
    while (der_next(&p, seq.end, &field)) {
        const uint8_t *q = field.content;
        struct der inner;
        if (!der_next(&q, field.end, &inner))
            continue;
        if (field.tag == 0xa1 && inner.tag == DER_OID)
            return auth_of_mech(&inner);
        if (field.tag == 0xa2 && inner.tag == 0x04) {        /* OCTET STRING: the mechanism's own token */
            enum login_auth a = sspi_auth(inner.content, (size_t)(inner.end - inner.content), depth + 1);
            if (a != LOGIN_AUTH_UNKNOWN && a != LOGIN_AUTH_NEGOTIATE)
                return a;
        }
    }
    return LOGIN_AUTH_NEGOTIATE;
}

static enum login_auth sspi_auth(const uint8_t *blob, size_t len, unsigned depth)
{
    if (!blob || depth > MAX_NESTING)
        return LOGIN_AUTH_UNKNOWN;
    if (len >= sizeof NTLM_SIGNATURE && memcmp(blob, NTLM_SIGNATURE, sizeof NTLM_SIGNATURE) == 0)
        return LOGIN_AUTH_NTLM;
    const uint8_t *p = blob, *end = blob + len;
    struct der outer, oid, inner;
    if (!der_next(&p, end, &outer))
        return LOGIN_AUTH_UNKNOWN;
    switch (outer.tag) {
    case KRB_AP_REQ:
    case KRB_AP_REP:
        return LOGIN_AUTH_KERBEROS;
    case SPNEGO_RESP:
        return negotiate_resp(&outer, depth);
    case DER_APPLICATION_0: {               /* a GSS-API token: its mechanism's OID first */
        const uint8_t *q = outer.content;
        if (!der_next(&q, outer.end, &oid))
            return LOGIN_AUTH_UNKNOWN;
        if (oid_is(&oid, OID_SPNEGO, sizeof OID_SPNEGO))
            return der_next(&q, outer.end, &inner) && inner.tag == SPNEGO_INIT ? negotiate_init(&inner)
                                                                                : LOGIN_AUTH_NEGOTIATE;
        enum login_auth a = auth_of_mech(&oid);
        return a == LOGIN_AUTH_NEGOTIATE ? LOGIN_AUTH_UNKNOWN : a;
    }
    default:
        return LOGIN_AUTH_UNKNOWN;
    }
}

enum login_auth login_auth_of_sspi(const uint8_t *blob, size_t len)
{
    return sspi_auth(blob, len, 0);
}

/* SPNEGO's [2] field (NegTokenInit's mechToken, NegTokenResp's
 * responseToken) in a { SEQUENCE { fields } } element: its OCTET STRING. */
static bool spnego_token(const struct der *outer, struct der *token)
{
    struct der seq, field;
    if (!enter_sequence(outer, &seq))
        return false;
    const uint8_t *p = seq.content;
    while (der_next(&p, seq.end, &field)) {   /* each field takes at least 2 bytes */
        const uint8_t *q = field.content;
        if (field.tag == 0xa2)
            return der_next(&q, field.end, token) && token->tag == 0x04;
    }
    return false;
}

const uint8_t *login_auth_mech_token(const uint8_t *blob, size_t len, size_t *token_len)
{
    *token_len = len;
    if (!blob)
        return NULL;
    const uint8_t *p = blob, *end = blob + len;
    struct der outer, oid, init, token;
    if (!der_next(&p, end, &outer))
        return blob;
    bool found = false;
    if (outer.tag == SPNEGO_RESP) {
        found = spnego_token(&outer, &token);
    } else if (outer.tag == DER_APPLICATION_0) {
        const uint8_t *q = outer.content;
        found = der_next(&q, outer.end, &oid) && oid_is(&oid, OID_SPNEGO, sizeof OID_SPNEGO) &&
                der_next(&q, outer.end, &init) && init.tag == SPNEGO_INIT && spnego_token(&init, &token);
    }
    if (!found)
        return blob;
    *token_len = (size_t)(token.end - token.content);
    return token.content;
}

/* FeatureExt (FeatureId, FeatureDataLen (4), data; until 0xFF), found
 * through the DWORD ibExtension points to: a FEDAUTH feature? Each turn
 * moves at least 5 bytes: bounded by len. */
static bool has_fedauth(const uint8_t *login7, size_t len)
{
    size_t at = le16(login7 + LOGIN7_IB_EXTENSION);
    if (at > len || len - at < 4)
        return false;
    size_t f = le32(login7 + at);
    while (f < len && login7[f] != FEATURE_TERMINATOR) {
        if (login7[f] == FEATURE_FEDAUTH)
            return true;
        if (len - f < 5)
            return false;
        size_t n = le32(login7 + f + 1);
        if (n > len - f - 5)
            return false;
        f += 5 + n;
    }
    return false;
}

/* The mechanism of LOGIN7's SSPI data (within the captured bytes);
 * unknown when there is none or it tells none. */
static enum login_auth sspi_of_login7(const uint8_t *login7, size_t len)
{
    size_t at = le16(login7 + LOGIN7_IB_SSPI), n = le16(login7 + LOGIN7_CB_SSPI);
    if (n == 0xFFFF)
        n = le32(login7 + LOGIN7_CB_SSPI_LONG);
    if (at >= len || n == 0)
        return LOGIN_AUTH_UNKNOWN;
    return login_auth_of_sspi(login7 + at, n < len - at ? n : len - at);
}

enum login_auth login_auth_of_login7(const uint8_t *login7, size_t len, bool *flag_contradicted)
{
    if (flag_contradicted)
        *flag_contradicted = false;
    if (!login7 || len < LOGIN7_FIXED)
        return LOGIN_AUTH_UNKNOWN;
    enum login_auth in_sspi = sspi_of_login7(login7, len);
    if (login7[LOGIN7_OPTION_FLAGS2] & LOGIN7_INT_SECURITY)
        return in_sspi == LOGIN_AUTH_UNKNOWN ? LOGIN_AUTH_WINDOWS : in_sspi;
    if (in_sspi != LOGIN_AUTH_UNKNOWN) {
        /* the flag says SQL Server authentication, the data a Windows
         * token: show what the data is, and say the two disagree */
        if (flag_contradicted)
            *flag_contradicted = true;
        return in_sspi;
    }
    if ((login7[LOGIN7_OPTION_FLAGS3] & LOGIN7_EXTENSION) && has_fedauth(login7, len))
        return LOGIN_AUTH_FEDAUTH;
    return LOGIN_AUTH_SQL;
}
