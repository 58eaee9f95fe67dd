/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ntlm.h"

#include <stdio.h>
#include <string.h>

#include "byte_order.h"
#include "ucs2.h"

#define NTLM_SIGNATURE "NTLMSSP"             /* and a NUL: 8 bytes */
#define NTLM_AUTHENTICATE 3
#define NTLM_NEGOTIATE_UNICODE 0x00000001u
/* AUTHENTICATE's fixed part up to NegotiateFlags: signature, type, then
 * six fields of (Len 2, MaxLen 2, BufferOffset 4) */
enum { AT_DOMAIN = 28, AT_USER = 36, AT_WORKSTATION = 44, AT_FLAGS = 60, FIXED_LEN = 64 };

/* The payload a field header at `at` points to, as text into out. */
static void read_name(const uint8_t *msg, size_t len, size_t at, bool unicode, char *out)
{
    size_t n = le16(msg + at), offset = le32(msg + at + 4), i = 0;
    out[0] = '\0';
    if (offset > len || n > len - offset)
        return;                              /* outside what is captured: left empty */
    const uint8_t *p = msg + offset;
    if (unicode) {
        ucs2_to_utf8(p, n, n / 2, out, NTLM_NAME_MAX);
        return;
    }
    for (; i < n && i < NTLM_NAME_MAX - 1; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7F ? (char)p[i] : '?';   /* OEM code page: ASCII only */
    out[i] = '\0';
}

void ntlm_account(const struct ntlm_identity *id, char out[NTLM_ACCOUNT_MAX])
{
    snprintf(out, NTLM_ACCOUNT_MAX, "%s\\%s", id->domain, id->user);
}

bool ntlm_authenticate_read(const uint8_t *msg, size_t len, struct ntlm_identity *id)
{
    memset(id, 0, sizeof *id);
    if (len < FIXED_LEN || memcmp(msg, NTLM_SIGNATURE, sizeof NTLM_SIGNATURE) != 0 ||
        le32(msg + 8) != NTLM_AUTHENTICATE)
        return false;
    bool unicode = (le32(msg + AT_FLAGS) & NTLM_NEGOTIATE_UNICODE) != 0;
    read_name(msg, len, AT_DOMAIN, unicode, id->domain);
    read_name(msg, len, AT_USER, unicode, id->user);
    read_name(msg, len, AT_WORKSTATION, unicode, id->workstation);
    return true;
}
