/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The glue's state of one SQL Server connection (a TCP conversation), kept in
 * wmem file scope: the core's connection, which side is the server, and what
 * the dissector needs to carry TLS out of PRELOGIN packets.
 */
#ifndef TDSTLS_CONV_H
#define TDSTLS_CONV_H

#include "wireshark-compat.h"
#include <epan/packet.h>

#include "core/checks.h"
#include "core/connection.h"

struct tdstls_conv {
    /* phases, handshake, close: core/connection.h (results for every pass) */
    struct tdstls_conn core;
    /* set when the connection is first seen (tdstls_conv_get) */
    address server_addr, client_addr;
    uint32_t server_port, client_port;
    uint32_t stream;                    /* TCP's stream number (tcp.stream) */
    /* every check raised on any frame of the connection, for the tables:
     * added on the first pass by tdstls-dissect.c and tdstls-post.c */
    check_set raised;
    /* first pass only, tdstls-dissect.c: */
    /* TLS bytes from PRELOGIN payloads that do not yet make a whole record,
     * per direction; freed once they do */
    uint8_t *pending[2];
    uint32_t pending_len[2];
    /* Wireshark's TLS dissector takes the sender of a ClientHello for the
     * client: it gets the server's handshake records only after the
     * client's ClientHello, and none after the server sent what it could
     * read as one (tls_verdict) */
    bool client_hello_handed;
    bool server_tls_withheld;
};

/* At registration and handoff: our protocol, and our handle on tcp.port. */
void tdstls_conv_register(int proto);
void tdstls_conv_handoff(dissector_handle_t ours);

/* The connection of this packet's conversation; create makes it.
 * dst_is_server_hint: 1 or 0 when the caller knows, -1 to go by our ports. */
struct tdstls_conv *tdstls_conv_get(packet_info *pinfo, bool create, int dst_is_server_hint);
/* A port tdstls analyses (preference tdstls.tcp.port, or Decode As). */
bool tdstls_port_is_ours(uint32_t port);
enum tdstls_side tdstls_side_of(const struct tdstls_conv *conv, const packet_info *pinfo);

/* What the dissector learnt of the frame being dissected, for the
 * post-dissector (packet scope): its connection (saves a conversation
 * lookup per frame and pass) and the TCP flags TCP handed it. */
struct tdstls_frame {
    struct tdstls_conv *conv;
    bool have_tcp_flags;
    uint16_t tcp_flags;
};
/* create: make it when the frame has none yet; else NULL then. */
struct tdstls_frame *tdstls_frame_of(packet_info *pinfo, bool create);
/* The frame's connection: the dissector's, else looked up. */
struct tdstls_conv *tdstls_conv_of_frame(packet_info *pinfo);

/* Packet-scope proto data keys of tdstls (pinfo->pool). */
enum tdstls_packet_key { PACKET_KEY_FRAME = 0, PACKET_KEY_PDUS = 1, PACKET_KEY_HANDOFF = 2 };

#endif
