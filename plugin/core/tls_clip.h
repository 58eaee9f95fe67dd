/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What a snapshot length leaves of TLS records: a capture cut with
 * tcpdump -s or netsh packettruncatebytes holds only the start of a frame,
 * and the rest is lost, not late. The whole records and, in the record the
 * cut falls in, the whole handshake messages are kept (rewritten as a
 * shorter record), so the reader analyses what is there and never waits
 * for bytes that will not come; the message the cut falls in is named by
 * its type byte. No epan dependency.
 */
#ifndef TDSTLS_TLS_CLIP_H
#define TDSTLS_TLS_CLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_clip {
    bool cut;                       /* a record is cut short */
    uint8_t cut_content_type;       /* its content type */
    bool cut_in_message;            /* a handshake message is cut: its type byte is captured */
    uint8_t cut_message_type;
};

/* The records in the captured bytes in, clipped, into out (room for
 * captured bytes: clipping never grows them); returns their length. A cut
 * application-data record keeps its captured body, a cut handshake record
 * its whole messages (maybe none: an empty record still says a handshake
 * flight is under way). Stops at bytes that are not a record header. */
size_t tls_clip_records(const uint8_t *in, size_t captured, uint8_t *out, struct tls_clip *clip);

#endif
