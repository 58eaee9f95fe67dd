/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Little-endian integers as TDS tokens, LOGIN7 and NTLM store them (the
 * caller has checked the bytes are there). No epan dependency.
 */
#ifndef TDSTLS_BYTE_ORDER_H
#define TDSTLS_BYTE_ORDER_H

#include <stdint.h>

static inline uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
