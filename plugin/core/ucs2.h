/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * UCS-2 / UTF-16LE text from the wire (TDS tokens, NTLM names) as UTF-8
 * for display. Real SQL Server (2000, 2019 and 2022 captures) pads
 * LOGINACK's program name with NUL characters: trailing NULs are padding,
 * not text, and are dropped. No epan dependency.
 */
#ifndef TDSTLS_UCS2_H
#define TDSTLS_UCS2_H

#include <stddef.h>
#include <stdint.h>

/* Writes the n_units UTF-16LE code units at p (at most `avail` bytes
 * captured there) into out (out_size bytes, NUL-terminated) as UTF-8.
 * Trailing NULs are dropped; a character out cannot hold whole is left out
 * with everything after it. Control characters (C0, DEL and C1; an embedded
 * NUL among them) and unpaired surrogates become '?'. Returns the length written. */
size_t ucs2_to_utf8(const uint8_t *p, size_t avail, size_t n_units, char *out, size_t out_size);

#endif
