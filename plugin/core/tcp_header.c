/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tcp_header.h"

#include <string.h>

#define IPV4_MIN_HEADER 20
#define IPV6_HEADER 40
#define TCP_MIN_HEADER 20
#define IP_PROTO_TCP 6

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* The TCP header at tcp, if it is whole in the frame and has these ports;
 * ip_payload: the bytes IP says follow its header(s), 0 when it does not say. */
static bool tcp_at(const uint8_t *frame, size_t len, size_t tcp, size_t ip_payload, const struct tcp_endpoints *ep,
                   struct tcp_segment *seg)
{
    if (tcp > len || len - tcp < TCP_MIN_HEADER)
        return false;
    const uint8_t *h = frame + tcp;
    size_t header = (size_t)(h[12] >> 4) * 4;
    if (be16(h) != ep->src_port || be16(h + 2) != ep->dst_port || header < TCP_MIN_HEADER)
        return false;
    seg->flags = (uint16_t)(((h[12] & 0x0F) << 8) | h[13]);
    seg->seq = ((uint32_t)be16(h + 4) << 16) | be16(h + 6);
    seg->payload_offset = (uint32_t)(tcp + header);
    if (ip_payload)
        seg->payload_len = ip_payload > header ? (uint32_t)(ip_payload - header) : 0;
    else
        seg->payload_len = len - tcp > header ? (uint32_t)(len - tcp - header) : 0;
    return true;
}

/* The offset after an IP header at o that carries TCP between these
 * addresses, or 0; *ip_payload: the bytes after that header by IP's length
 * field (0: not given). */
static size_t tcp_after_ip(const uint8_t *frame, size_t len, size_t o, const struct tcp_endpoints *ep,
                           size_t *ip_payload)
{
    const uint8_t *ip = frame + o;
    if (ep->ip_version == 4) {
        if (len - o < IPV4_MIN_HEADER || ip[0] >> 4 != 4 || ip[9] != IP_PROTO_TCP)
            return 0;
        size_t ihl = (size_t)(ip[0] & 0x0F) * 4, total = be16(ip + 2);
        if (ihl < IPV4_MIN_HEADER || memcmp(ip + 12, ep->src, 4) != 0 || memcmp(ip + 16, ep->dst, 4) != 0)
            return 0;
        /* a fragment after the first holds no TCP header */
        if (((ip[6] & 0x1F) << 8 | ip[7]) != 0)
            return 0;
        *ip_payload = total > ihl ? total - ihl : 0;
        return o + ihl;
    }
    if (len - o < IPV6_HEADER || ip[0] >> 4 != 6 || ip[6] != IP_PROTO_TCP || memcmp(ip + 8, ep->src, 16) != 0 ||
        memcmp(ip + 24, ep->dst, 16) != 0)
        return 0;
    *ip_payload = be16(ip + 4);
    return o + IPV6_HEADER;
}

bool tcp_segment_in_frame(const uint8_t *frame, size_t len, const struct tcp_endpoints *ep, struct tcp_segment *seg)
{
    if (!frame || (ep->ip_version != 4 && ep->ip_version != 6))
        return false;
    size_t span = len < TCP_HEADER_SEARCH_SPAN ? len : TCP_HEADER_SEARCH_SPAN;
    /* The first IP header with these addresses carrying TCP with these
     * ports: an outer (tunnel) header has other addresses. */
    for (size_t o = 0; o < span; o++) {
        size_t ip_payload = 0, tcp = tcp_after_ip(frame, len, o, ep, &ip_payload);
        if (tcp && tcp_at(frame, len, tcp, ip_payload, ep, seg))
            return true;
    }
    return false;
}
