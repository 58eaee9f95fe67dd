/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tds_prelogin.h"

#define PL_OPTION_VERSION 0x00
#define PL_OPTION_ENCRYPTION 0x01
#define PL_TERMINATOR 0xFF
#define PL_OPTION_LEN 5             /* token, offset (2), length (2) */

bool tds_header_plausible(const uint8_t *h, size_t avail)
{
    /* MS-TDS 2.2.3.1.1 types, and 0x02 (TDS 4.2 login) that tds still reads */
    static const uint8_t types[] = {0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08, 0x0E, 0x0F, 0x10, 0x11, 0x12};
    if (avail < TDS_HEADER_LEN || (h[1] & ~0x1Fu) != 0 || ((unsigned)h[2] << 8 | h[3]) < TDS_HEADER_LEN)
        return false;
    for (size_t i = 0; i < sizeof types; i++)
        if (h[0] == types[i])
            return true;
    return false;
}

bool tds_prelogin_plausible(const uint8_t *payload, size_t len)
{
    size_t at = 0;
    /* each option takes 5 bytes, so the loop ends within len / 5 steps */
    for (; at < len && payload[at] != PL_TERMINATOR; at += PL_OPTION_LEN) {
        if (len - at < PL_OPTION_LEN || (at == 0 && payload[at] != PL_OPTION_VERSION))
            return false;
        size_t offset = ((size_t)payload[at + 1] << 8) | payload[at + 2];
        size_t length = ((size_t)payload[at + 3] << 8) | payload[at + 4];
        if (offset > len || length > len - offset)
            return false;
    }
    return at > 0 && at < len;               /* at least VERSION, and the terminator */
}

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
