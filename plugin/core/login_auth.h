/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Which authentication a SQL Server login uses, from the bytes that show
 * it: LOGIN7's flags, SSPI field and feature extensions (MS-TDS 2.2.6.4),
 * or an SSPI blob in either direction: an NTLM message ([MS-NLMP]), a
 * Kerberos token (RFC 4121 4.1: [APPLICATION 0] with the Kerberos OID, or a
 * bare AP-REQ/AP-REP, RFC 4120 5.5), or SPNEGO (RFC 4178), whose mechanism
 * list or chosen mechanism names the one under it. Readable where LOGIN7 or
 * the SSPI legs are in clear (no TLS; login-only encryption leaves the
 * legs after LOGIN7 clear) or decrypted with a keylog. No epan dependency.
 */
#ifndef TDSTLS_LOGIN_AUTH_H
#define TDSTLS_LOGIN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum login_auth {
    LOGIN_AUTH_UNKNOWN,
    LOGIN_AUTH_SQL,          /* user name and password in LOGIN7 */
    LOGIN_AUTH_NTLM,
    LOGIN_AUTH_KERBEROS,
    LOGIN_AUTH_NEGOTIATE,    /* SPNEGO, the mechanism under it not shown */
    LOGIN_AUTH_WINDOWS,      /* LOGIN7 asks for Windows authentication; its blob does not say which */
    LOGIN_AUTH_FEDAUTH,      /* a FEDAUTH feature: Microsoft Entra ID tokens */
    N_LOGIN_AUTHS
};

/* "SQL Server", "NTLM", "Kerberos", ... ("" for unknown). */
const char *login_auth_name(enum login_auth a);

/* True when b tells more than a: known over unknown, a mechanism over
 * "Windows" or bare SPNEGO. */
bool login_auth_better(enum login_auth a, enum login_auth b);

/* The mechanism of an SSPI blob (len bytes captured); unknown if none tells. */
enum login_auth login_auth_of_sspi(const uint8_t *blob, size_t len);

/* The mechanism's own token in an SPNEGO blob (NegTokenInit's mechToken,
 * NegTokenResp's responseToken: an NTLM message inside SPNEGO, as Windows
 * sends NTLM), with its length in *token_len; the blob itself when it is
 * not SPNEGO or holds no such token. Within the blob's captured bytes. */
const uint8_t *login_auth_mech_token(const uint8_t *blob, size_t len, size_t *token_len);

/* The authentication a LOGIN7 (its bytes after the TDS header, len
 * captured) asks for; unknown when what tells lies past len. */
enum login_auth login_auth_of_login7(const uint8_t *login7, size_t len, bool *flag_contradicted);

#endif
