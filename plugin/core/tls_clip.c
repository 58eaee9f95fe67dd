/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tls_clip.h"

#include <string.h>

#include "tls_reader.h"

#define HANDSHAKE_HEADER_LEN 4

/* The whole handshake messages at the start of body (have bytes). */
static size_t whole_messages(const uint8_t *body, size_t have)
{
    size_t keep = 0;
    /* every message takes at least its 4-byte header */
    while (have - keep >= HANDSHAKE_HEADER_LEN) {
        const uint8_t *m = body + keep;
        size_t len = HANDSHAKE_HEADER_LEN + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
        if (len > have - keep)
            break;
        keep += len;
    }
    return keep;
}

size_t tls_clip_records(const uint8_t *in, size_t captured, uint8_t *out, struct tls_clip *clip)
{
    memset(clip, 0, sizeof *clip);
    size_t off = 0, n = 0;
    /* every turn takes a whole record, or ends at the cut */
    while (captured - off >= TLS_RECORD_HEADER_LEN && tls_record_header_plausible(in + off, captured - off)) {
        const uint8_t *rec = in + off;
        size_t total = tls_record_total_length(rec);
        if (total <= captured - off) {
            memcpy(out + n, rec, total);
            n += total;
            off += total;
            continue;
        }
        /* the record the cut falls in: nothing after it is captured */
        const uint8_t *body = rec + TLS_RECORD_HEADER_LEN;
        size_t have = captured - off - TLS_RECORD_HEADER_LEN, keep = 0;
        clip->cut = true;
        clip->cut_content_type = rec[0];
        if (rec[0] == TLS_CT_HANDSHAKE) {
            keep = whole_messages(body, have);
            if (have > keep) {
                clip->cut_in_message = true;
                clip->cut_message_type = body[keep];
            }
        } else if (rec[0] == TLS_CT_APPLICATION_DATA) {
            keep = have;
        }
        /* the record itself counts (a handshake or application data is
         * under way), even with nothing whole in it */
        if (keep || rec[0] == TLS_CT_APPLICATION_DATA || rec[0] == TLS_CT_HANDSHAKE) {
            memcpy(out + n, rec, 3);
            out[n + 3] = (uint8_t)(keep >> 8);
            out[n + 4] = (uint8_t)(keep & 0xFF);
            memcpy(out + n + TLS_RECORD_HEADER_LEN, body, keep);
            n += TLS_RECORD_HEADER_LEN + keep;
        }
        break;
    }
    if (!clip->cut && off < captured)
        clip->cut = true;                    /* a record header itself is cut */
    return n;
}
