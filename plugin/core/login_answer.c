/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "login_answer.h"

#include <string.h>

#include "byte_order.h"
#include "login_auth.h"
#include "ucs2.h"

enum {
    TOKEN_RETURNSTATUS = 0x79,
    TOKEN_ORDER = 0xA9,
    TOKEN_ERROR = 0xAA,
    TOKEN_INFO = 0xAB,
    TOKEN_LOGINACK = 0xAD,
    TOKEN_FEATUREEXTACK = 0xAE,
    TOKEN_ENVCHANGE = 0xE3,
    TOKEN_SESSIONSTATE = 0xE4,
    TOKEN_SSPI = TDS_TOKEN_SSPI,
    TOKEN_FEDAUTHINFO = 0xEE,
    TOKEN_DONE = 0xFD,
    TOKEN_DONEPROC = 0xFE,
    TOKEN_DONEINPROC = 0xFF,
};
#define ENVCHANGE_ROUTING 20

/* n UCS-2 characters at p (within end) as text. */
static void ucs2_text(const uint8_t *p, const uint8_t *end, size_t n, char *out)
{
    ucs2_to_utf8(p, (size_t)(end - p), n, out, LOGIN_TEXT_MAX);
}

/* ERROR: Number (4), State, Class, MsgText (US_VARCHAR), ServerName, ... */
static void read_error(const uint8_t *p, const uint8_t *end, struct login_answer *a)
{
    if (a->error || end - p < 8)
        return;
    a->error = true;
    a->error_number = le32(p);
    a->error_state = p[4];
    a->error_class = p[5];
    ucs2_text(p + 8, end, le16(p + 6), a->error_message);
}

/* LOGINACK: Interface, TDSVersion (4, network order), ProgName (B_VARCHAR), ProgVersion (4) */
static void read_loginack(const uint8_t *p, const uint8_t *end, struct login_answer *a)
{
    if (end - p < 6)
        return;
    a->loginack = true;
    a->tds_version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    ucs2_text(p + 6, end, p[5], a->program);
}

/* ENVCHANGE type 20: NewValue = RoutingDataValueLength (2), Protocol (0 =
 * TCP), ProtocolProperty (port, 2), AlternateServer (US_VARCHAR). */
static void read_envchange(const uint8_t *p, const uint8_t *end, struct login_answer *a)
{
    if (end - p < 1 + 2 + 5 || p[0] != ENVCHANGE_ROUTING)
        return;
    const uint8_t *route = p + 3;
    if (route[0] != 0)                           /* not TCP: nothing a capture can follow */
        return;
    a->routed = true;
    a->route_port = le16(route + 1);
    ucs2_text(route + 5, end, le16(route + 3), a->route_server);
}

bool login_answer_read(const uint8_t *payload, size_t len, struct login_answer *a)
{
    memset(a, 0, sizeof *a);
    const uint8_t *p = payload, *end = payload + len;
    /* every token takes at least its type byte: at most len steps */
    while (p < end) {
        uint8_t token = *p++;
        size_t body;
        switch (token) {
        case TOKEN_DONE:
        case TOKEN_DONEPROC:
        case TOKEN_DONEINPROC:
            goto done;
        case TOKEN_RETURNSTATUS:
            body = 4;
            break;
        case TOKEN_SESSIONSTATE:
        case TOKEN_FEDAUTHINFO:
            if (end - p < 4)
                goto done;
            body = 4 + (size_t)le32(p);
            break;
        case TOKEN_FEATUREEXTACK: {
            /* FeatureId, FeatureAckDataLen (4), data; until 0xFF */
            const uint8_t *q = p;
            while (q < end && *q != 0xFF) {
                if (end - q < 5)
                    goto done;
                size_t n = le32(q + 1);
                if (n > (size_t)(end - q) - 5)
                    goto done;
                q += 5 + n;
            }
            body = (size_t)(q - p) + 1;
            break;
        }
        case TOKEN_ORDER:
        case TOKEN_ERROR:
        case TOKEN_INFO:
        case TOKEN_LOGINACK:
        case TOKEN_ENVCHANGE:
        case TOKEN_SSPI:
            if (end - p < 2)
                goto done;
            body = 2 + (size_t)le16(p);
            break;
        default:
            goto done;                           /* not a login response token: stop */
        }
        if (body > (size_t)(end - p))            /* continues in the next packet: read what is here */
            body = (size_t)(end - p);
        const uint8_t *value = p + (token == TOKEN_RETURNSTATUS ? 0 : 2), *value_end = p + body;
        if (token == TOKEN_ERROR)
            read_error(value, value_end, a);
        else if (token == TOKEN_LOGINACK)
            read_loginack(value, value_end, a);
        else if (token == TOKEN_ENVCHANGE)
            read_envchange(value, value_end, a);
        else if (token == TOKEN_SSPI && !a->sspi) {
            a->sspi = true;
            a->sspi_auth = (uint8_t)login_auth_of_sspi(value, (size_t)(value_end - value));
        }
        p += body;
    }
done:
    return a->loginack || a->error || a->routed;
}
