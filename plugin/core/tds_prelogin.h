/* SPDX-License-Identifier: GPL-2.0-or-later
 * TDS packet headers (MS-TDS 2.2.3) and the clear PRELOGIN option list
 * (2.2.6.5): what tells a TDS connection from other traffic, and what the
 * summary needs. */
#ifndef TDSTLS_TDS_PRELOGIN_H
#define TDSTLS_TDS_PRELOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tds_encryption {
    TDS_ENCRYPT_OFF = 0,      /* only LOGIN7 is encrypted */
    TDS_ENCRYPT_ON = 1,
    TDS_ENCRYPT_NOT_SUP = 2,
    TDS_ENCRYPT_REQ = 3,
    TDS_ENCRYPT_UNKNOWN = 0xFF,
};

#define TDS_HEADER_LEN 8
#define TDS_TYPE_PRELOGIN 0x12
/* The login packet of TDS 4.2 and 5.0 (Sybase ASE, SQL Server 6.5 and
 * older, FreeTDS with TDSVER=5.0): a TDS 7 client sends PRELOGIN or
 * LOGIN7 (0x10) first, never this. */
#define TDS_TYPE_LEGACY_LOGIN 0x02

/* A TDS packet header that can start a packet: a known type, status bits
 * within those defined, a length no shorter than the header. */
bool tds_header_plausible(const uint8_t *header, size_t avail);

/* A PRELOGIN payload (after the header) whose option table parses: VERSION
 * (token 0) first, each option's data inside the payload, and the 0xFF
 * terminator within it. What a SQL Server client sends first. */
bool tds_prelogin_plausible(const uint8_t *payload, size_t len);

/* Reads the ENCRYPTION option of a PRELOGIN payload (after the TDS header).
 * False when the option list is malformed or has no ENCRYPTION option. */
bool tds_prelogin_encryption(const uint8_t *payload, size_t len, uint8_t *encryption);

const char *tds_encryption_name(uint8_t encryption);

#endif
