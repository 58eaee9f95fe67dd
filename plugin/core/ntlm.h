/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Who logged in with Windows authentication over NTLM: the domain, user and
 * workstation of an NTLM AUTHENTICATE message ([MS-NLMP] 2.2.1.3), which a
 * client sends in a TDS SSPI packet (type 0x11) after the server's
 * CHALLENGE. Readable in clear TDS (encryption for the login only: the
 * SSPI legs follow LOGIN7 in clear) or decrypted with a keylog. Wireshark's
 * NTLMSSP dissector shows the whole message; tdstls keeps the names for the
 * connection's row and its login answer. No epan dependency.
 */
#ifndef TDSTLS_NTLM_H
#define TDSTLS_NTLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTLM_NAME_MAX 64

struct ntlm_identity {
    char domain[NTLM_NAME_MAX];
    char user[NTLM_NAME_MAX];
    char workstation[NTLM_NAME_MAX];
};

/* DOMAIN\user, as Windows names the account. */
#define NTLM_ACCOUNT_MAX (2 * NTLM_NAME_MAX)
void ntlm_account(const struct ntlm_identity *id, char out[NTLM_ACCOUNT_MAX]);

/* Reads an AUTHENTICATE message at msg (len bytes captured). False for any
 * other message or a fixed part cut short; a name whose bytes lie outside
 * msg is left empty. Names are UTF-16LE (NTLMSSP_NEGOTIATE_UNICODE), shown
 * as UTF-8 (ucs2.h), or OEM, whose ASCII is kept and the rest becomes '?'. */
bool ntlm_authenticate_read(const uint8_t *msg, size_t len, struct ntlm_identity *id);

#endif
