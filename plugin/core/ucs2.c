/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ucs2.h"

#include "byte_order.h"

static size_t utf8_length(uint32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static void utf8_put(uint32_t c, char *out)
{
    size_t n = utf8_length(c);
    if (n == 1) {
        out[0] = (char)c;
        return;
    }
    static const uint8_t lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--, c >>= 6)
        out[i] = (char)(0x80 | (c & 0x3F));
    out[0] = (char)(lead[n] | c);
}

size_t ucs2_to_utf8(const uint8_t *p, size_t avail, size_t n_units, char *out, size_t out_size)
{
    if (out_size == 0)
        return 0;
    size_t units = n_units < avail / 2 ? n_units : avail / 2;
    while (units > 0 && le16(p + 2 * (units - 1)) == 0)   /* NUL padding */
        units--;
    size_t written = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = le16(p + 2 * i);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units && le16(p + 2 * (i + 1)) >= 0xDC00 &&
            le16(p + 2 * (i + 1)) < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (le16(p + 2 * (i + 1)) - 0xDC00);
            i++;
        } else if (c < 0x20 || (c >= 0x7F && c < 0xA0) || (c >= 0xD800 && c < 0xE000)) {
            c = '?';
        }
        if (utf8_length(c) > out_size - 1 - written)
            break;
        utf8_put(c, out + written);
        written += utf8_length(c);
    }
    out[written] = '\0';
    return written;
}
