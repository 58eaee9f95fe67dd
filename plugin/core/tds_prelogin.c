/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tds_prelogin.h"

#define PL_OPTION_ENCRYPTION 0x01
#define PL_TERMINATOR 0xFF
#define PL_OPTION_LEN 5             /* token, offset (2), length (2) */

bool tds_prelogin_encryption(const uint8_t *payload, size_t len, uint8_t *encryption)
{
    /* each option takes 5 bytes, so the loop ends within len / 5 steps */
    for (size_t at = 0; at < len && payload[at] != PL_TERMINATOR; at += PL_OPTION_LEN) {
        if (len - at < PL_OPTION_LEN)
            return false;
        size_t offset = ((size_t)payload[at + 1] << 8) | payload[at + 2];
        size_t length = ((size_t)payload[at + 3] << 8) | payload[at + 4];
        if (payload[at] == PL_OPTION_ENCRYPTION) {
            if (length < 1 || offset >= len)
                return false;
            *encryption = payload[offset];
            return true;
        }
    }
    return false;
}

const char *tds_encryption_name(uint8_t encryption)
{
    switch (encryption) {
    case TDS_ENCRYPT_OFF:
        return "off (login only)";
    case TDS_ENCRYPT_ON:
        return "on";
    case TDS_ENCRYPT_NOT_SUP:
        return "not supported";
    case TDS_ENCRYPT_REQ:
        return "required";
    default:
        return "?";
    }
}
