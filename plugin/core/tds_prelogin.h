/* SPDX-License-Identifier: GPL-2.0-or-later
 * The clear PRELOGIN option list (MS-TDS 2.2.6.5): what the summary needs. */
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

/* Reads the ENCRYPTION option of a PRELOGIN payload (after the TDS header).
 * False when the option list is malformed or has no ENCRYPTION option. */
bool tds_prelogin_encryption(const uint8_t *payload, size_t len, uint8_t *encryption);

const char *tds_encryption_name(uint8_t encryption);

#endif
