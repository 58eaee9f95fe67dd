/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The glue's state of one SQL Server connection (struct sql_connection, the
 * data tdstls attaches to a TCP conversation_t), kept in wmem file scope: the
 * core's analysis of it (struct conn_analysis), which side is the server, and
 * what the dissector needs to carry TLS out of PRELOGIN packets. In the glue,
 * `conv` names a Wireshark conversation_t and `conn` a struct sql_connection.
 */
#ifndef TDSTLS_CONV_H
#define TDSTLS_CONV_H

#include "wireshark-compat.h"
#include <epan/packet.h>

#include "core/checks.h"
#include "core/connection.h"

struct tdstls_instance;

/* A routing ENVCHANGE: the server sent the client elsewhere (file scope). */
struct tdstls_route {
    address client;
    const char *server;                 /* the AlternateServer named */
    uint16_t port;
    uint32_t frame;                     /* the login answer that carried it */
    uint32_t from_stream;
    const struct sql_connection *from;     /* the connection that sent the client */
    bool linked;                        /* the client's next connection to that port was found */
    uint32_t to_stream;
};

struct sql_connection {
    /* phases, handshake, close: core/connection.h (results for every pass) */
    struct conn_analysis analysis;
    /* set when the connection is first seen (tdstls_conv_get) */
    address server_addr, client_addr;
    uint32_t server_port, client_port;
    uint32_t stream;                    /* TCP's stream number (tcp.stream) */
    /* the instance a SQL Server Browser answer named for this port, or NULL */
    const struct tdstls_instance *instance;
    /* routing (ENVCHANGE type 20 in the login answer): where this
     * connection sent its client, and the connection that sent it here */
    struct tdstls_route *route_out;
    const struct tdstls_route *route_in;
    /* its first payload was TDS or TLS (tdstls_conv_confirm); until then
     * only its SYNs on a TDS port are labelled, and no table has a row */
    bool confirmed;
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
    /* per side, the phase of the PDU begun last, from its header, until a
     * PDU of that side is dissected whole (tdstls-dissect.c) */
    struct pdu_start {
        uint8_t phase;                  /* enum tdstls_phase; PHASE_UNKNOWN: none open */
        bool inferred;                  /* told from order and direction */
    } open_pdu[2];
    /* per side, the last segments with payload and their phase (a ring):
     * a copy of one (a retransmission, or a capture that holds every frame
     * twice) repeats its bytes, so it takes its phase */
    struct recent_segment {
        uint32_t seq;
        uint8_t phase;                  /* enum tdstls_phase */
        bool inferred;
    } recent[2][8];
    uint8_t recent_next[2];
    /* per side, where a PDU a snapshot length cut ends (TCP sequence
     * number): TCP hands the frames before it to tdstls as if they began
     * PDUs; they continue that one (tdstls-dissect.c) */
    uint32_t cut_pdu_end[2];
    bool cut_pdu_open[2];
    /* per side, TLS bytes of a PRELOGIN were cut: the next PRELOGIN may
     * carry the rest of a record whose start is lost */
    bool prelogin_tls_lost[2];
    /* the frame being dissected: its first sequence number, and where its
     * payload lies in the frame (to place a PDU within it) */
    uint32_t frame_seq;
    int frame_raw_offset;
};

/* First pass: a segment with payload was labelled; its copies take its phase. */
void tdstls_conv_remember_segment(struct sql_connection *c, enum tdstls_side side, uint32_t seq,
                                  const struct frame_label *label);
/* First pass: this frame repeats a segment of its side labelled before:
 * it takes its phase. False when it repeats none of the last few. */
bool tdstls_conv_carry_repeated(struct sql_connection *c, uint32_t frame, enum tdstls_side side, uint32_t seq);

/* First pass: this frame carries the PDU its side began last (open_pdu):
 * it takes that PDU's phase, unless data of its own showed one. False when
 * no PDU of that side is open. */
bool tdstls_conv_carry_open_pdu(struct sql_connection *c, uint32_t frame, enum tdstls_side side);

/* First pass: this frame's payload, which TCP handed to no dissector while
 * no PDU of its side was open (a retransmission, a segment reordered
 * behind later ones), begins with head: the frame takes the phase of the
 * PDU that header names, if it is a plausible TDS or TLS header. */
void tdstls_conv_carry_pdu_head(struct sql_connection *c, uint32_t frame, enum tdstls_side side, const uint8_t *head,
                                size_t len);

/* At registration and handoff: our protocol, and our handle on tcp.port. */
void tdstls_conv_register(int proto);
void tdstls_conv_handoff(dissector_handle_t ours);

/* The connection of this packet's conversation; create makes it.
 * dst_is_server_hint: 1 or 0 when the caller knows, -1 to go by our ports. */
struct sql_connection *tdstls_conv_get(packet_info *pinfo, bool create, int dst_is_server_hint);
/* Whether the capture has any connection of tdstls's so far. */
bool tdstls_conv_any(void);
/* The connection's first payload is TDS or TLS: it is one of ours. When the
 * capture holds its SYN and nothing labelled it yet (the heuristic found
 * it), its frames from the SYN on become its TCP handshake. */
void tdstls_conv_confirm(struct sql_connection *conn, packet_info *pinfo);
/* The connection's first payload is not TDS: tdstls leaves it alone from
 * now on (tdstls_conv_get returns NULL for it). */
void tdstls_conv_reject(packet_info *pinfo);
bool tdstls_conv_rejected(packet_info *pinfo);

/* A connection the tables list: its first payload was TDS or TLS, or the
 * server refused its SYN with a RST (a SQL Server port where nothing
 * listens: a failure a user looks for, though no byte of TDS shows). */
bool tdstls_conv_listed(const struct sql_connection *c);
/* Both at once, with one lookup: the connection (or NULL), and whether
 * tdstls left it alone. */
struct sql_connection *tdstls_conv_find(packet_info *pinfo, bool *rejected);
/* The connection's login answer routes its client elsewhere (first pass):
 * the client's next connection to that port, from the same address, is
 * linked to it when it comes. */
void tdstls_conv_note_route(struct sql_connection *conn, uint32_t frame);
/* A port tdstls analyses (preference tdstls.tcp.port, or Decode As). */
bool tdstls_port_is_ours(uint32_t port);
/* This packet's connection is tdstls's from its first frame: on one of its
 * ports, or on a port a SQL Server Browser answer gave. */
bool tdstls_conversation_is_ours(packet_info *pinfo);
enum tdstls_side tdstls_side_of(const struct sql_connection *conn, const packet_info *pinfo);

/* What the dissector learnt of the frame being dissected, for the
 * post-dissector (packet scope): its connection (saves a conversation
 * lookup per frame and pass) and the TCP flags TCP handed it. */
struct tdstls_frame {
    struct sql_connection *conn;
    bool have_tcp_flags;
    uint16_t tcp_flags;
};
/* create: make it when the frame has none yet; else NULL then. */
struct tdstls_frame *tdstls_frame_of(packet_info *pinfo, bool create);
/* The frame's connection: the dissector's, else looked up. */
struct sql_connection *tdstls_conv_of_frame(packet_info *pinfo);

/* Packet-scope proto data keys of tdstls (pinfo->pool). */
enum tdstls_packet_key { PACKET_KEY_FRAME = 0, PACKET_KEY_PDUS = 1, PACKET_KEY_HANDOFF = 2 };

#endif
