/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The TCP flags and payload length of a frame, read from its bytes. The post-dissector labels
 * every frame of a connection, and a frame without payload (SYN, ACK, FIN,
 * RST) tells its phase only by its flags; asking Wireshark for the tcp.flags
 * field instead would make tshark build a protocol tree for every frame of
 * a first pass that otherwise needs none. The TCP header is found behind the
 * IPv4 or IPv6 header that carries the addresses and ports the dissectors
 * already read (pinfo holds the innermost ones). No epan dependency.
 */
#ifndef TDSTLS_TCP_HEADER_H
#define TDSTLS_TCP_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_FLAG_FIN 0x001
#define TCP_FLAG_SYN 0x002
#define TCP_FLAG_RST 0x004
#define TCP_FLAG_ACK 0x010

/* How far into a frame the IP header may start (link layers, tunnels). */
#define TCP_HEADER_SEARCH_SPAN 512

struct tcp_endpoints {
    uint8_t ip_version;             /* 4 or 6 */
    const uint8_t *src, *dst;       /* 4 or 16 bytes each */
    uint16_t src_port, dst_port;
};

/* What a frame's TCP header says. */
struct tcp_segment {
    uint16_t flags;                 /* its 12 flag bits */
    uint32_t seq;                   /* its sequence number, as sent */
    /* the bytes of payload the segment carried, from the IP length fields
     * (a frame cut by a snapshot length holds fewer); from the captured
     * bytes where IP gives no length (TCP segmentation offload writes 0) */
    uint32_t payload_len;
    /* where the payload begins in the frame's bytes (it may lie past a cut) */
    uint32_t payload_offset;
};

/* The TCP header carrying these endpoints; false when the frame's bytes
 * hold no such header (IP fragments, extension headers, a cut frame). */
bool tcp_segment_in_frame(const uint8_t *frame, size_t len, const struct tcp_endpoints *ep, struct tcp_segment *seg);

#endif
