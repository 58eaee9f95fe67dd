/* SPDX-License-Identifier: GPL-2.0-or-later */
#define WS_BUILD_DLL
#include "tdstls-conv.h"

#include "core/tds_prelogin.h"
#include "core/tls_reader.h"

#include "tdstls-ssrp.h"
#include "tdstls-time.h"

#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

static int proto_tdstls = -1;
static dissector_handle_t tdstls_handle;
static dissector_table_t tcp_port_table;

static void *wmem_file_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return wmem_alloc(wmem_file_scope(), size);
}

static void wmem_file_release(void *ctx, void *ptr)
{
    (void)ctx;
    wmem_free(wmem_file_scope(), ptr);
}

/* Storage that lives as long as the capture file. */
static const struct tls_allocator file_scope = {wmem_file_alloc, wmem_file_release, NULL};

/* every routing ENVCHANGE of the capture so far (file scope, NULL between files) */
static wmem_list_t *routes;

/* How many connections tdstls holds in this capture: none yet means a
 * frame needs no conversation lookup unless one may begin there. */
static unsigned connections_made;

/* A new capture (or a reload): no route and no connection is known. */
static void forget_capture(void)
{
    routes = NULL;
    connections_made = 0;
}

void tdstls_conv_remember_segment(struct sql_connection *c, enum tdstls_side side, uint32_t seq,
                                  const struct frame_label *label)
{
    uint8_t at = c->recent_next[side];
    c->recent[side][at] = (struct recent_segment){seq, label->phase, label->inferred};
    c->recent_next[side] = (uint8_t)((at + 1) % G_N_ELEMENTS(c->recent[side]));
}

bool tdstls_conv_carry_repeated(struct sql_connection *c, uint32_t frame, enum tdstls_side side, uint32_t seq)
{
    for (size_t i = 0; i < G_N_ELEMENTS(c->recent[side]); i++) {
        const struct recent_segment *r = &c->recent[side][i];
        if (r->phase != PHASE_UNKNOWN && r->seq == seq && r->phase != PHASE_CLOSE) {
            tdstls_conn_frame_carries(&c->analysis, frame, (enum tdstls_phase)r->phase, r->inferred);
            return true;
        }
    }
    return false;
}

bool tdstls_conv_carry_open_pdu(struct sql_connection *c, uint32_t frame, enum tdstls_side side)
{
    const struct pdu_start *open = &c->open_pdu[side];
    tdstls_conn_frame_carries(&c->analysis, frame, (enum tdstls_phase)open->phase, open->inferred);
    return open->phase != PHASE_UNKNOWN;
}

void tdstls_conv_carry_pdu_head(struct sql_connection *c, uint32_t frame, enum tdstls_side side, const uint8_t *head,
                                size_t len)
{
    /* only a whole, plausible header: the bytes may be anything */
    bool tls = len >= TLS_RECORD_HEADER_LEN && tls_record_header_plausible(head, len);
    if (!tls && !(len >= TDS_HEADER_LEN && tds_header_plausible(head, len)))
        return;
    bool inferred;
    enum tdstls_phase phase = tdstls_conn_pdu_phase(&c->analysis, side, head, len, &inferred);
    tdstls_conn_frame_carries(&c->analysis, frame, phase, inferred);
}

bool tdstls_conv_any(void)
{
    return connections_made != 0;
}

void tdstls_conv_register(int proto)
{
    proto_tdstls = proto;
    register_cleanup_routine(forget_capture);
}

void tdstls_conv_note_route(struct sql_connection *c, uint32_t frame)
{
    const struct login_answer *a = &tdstls_conn_results(&c->analysis)->login;
    if (c->route_out || !a->routed)
        return;
    struct tdstls_route *r = wmem_new0(wmem_file_scope(), struct tdstls_route);
    copy_address_wmem(wmem_file_scope(), &r->client, &c->client_addr);
    r->server = wmem_strdup(wmem_file_scope(), a->route_server);
    r->port = a->route_port;
    r->frame = frame;
    r->from_stream = c->stream;
    r->from = c;
    c->route_out = r;
    if (!routes)
        routes = wmem_list_new(wmem_file_scope());
    wmem_list_prepend(routes, r);
}

/* The latest route a routing ENVCHANGE gave this client to this port, not
 * yet followed (NULL: none). The route names a host, not an address: the
 * client's address and the port are what tie them. */
static struct tdstls_route *unfollowed_route(const address *client, uint32_t port)
{
    if (!routes)
        return NULL;
    for (wmem_list_frame_t *f = wmem_list_head(routes); f; f = wmem_list_frame_next(f)) {
        struct tdstls_route *r = (struct tdstls_route *)wmem_list_frame_data(f);
        if (!r->linked && r->port == port && addresses_equal(&r->client, client))
            return r;
    }
    return NULL;
}

/* A new connection from a client that a routing ENVCHANGE sent to this
 * port: it follows that route. */
static void link_route(struct sql_connection *c)
{
    struct tdstls_route *r = unfollowed_route(&c->client_addr, c->server_port);
    if (r) {
        r->linked = true;
        r->to_stream = c->stream;
        c->route_in = r;
    }
}

void tdstls_conv_handoff(dissector_handle_t ours)
{
    tdstls_handle = ours;
    tcp_port_table = find_dissector_table("tcp.port");
}

bool tdstls_port_is_ours(uint32_t port)
{
    return tcp_port_table && dissector_get_uint_handle(tcp_port_table, port) == tdstls_handle;
}

bool tdstls_conversation_is_ours(packet_info *pinfo)
{
    if (tdstls_port_is_ours(pinfo->srcport) || tdstls_port_is_ours(pinfo->destport))
        return true;
    /* a client SYN to the port a routing ENVCHANGE sent it to: SQL Server's from its SYN */
    if (unfollowed_route(&pinfo->src, pinfo->destport))
        return true;
    /* a port a SQL Server Browser answer gave (tdstls-ssrp.c), or one the
     * heuristic claimed */
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    return conv && conversation_get_dissector(conv, pinfo->num) == tdstls_handle;
}

/* What a conversation shown not to be TDS holds instead of a struct sql_connection. */
static const char not_tds;

struct sql_connection *tdstls_conv_get(packet_info *pinfo, bool create, int dst_is_server_hint)
{
    conversation_t *conv = create ? find_or_create_conversation(pinfo) : find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return NULL;
    void *data = conversation_get_proto_data(conv, proto_tdstls);
    if (data == &not_tds)
        return NULL;
    struct sql_connection *c = (struct sql_connection *)data;
    if (c || !create)
        return c;

    c = wmem_new0(wmem_file_scope(), struct sql_connection);
    connections_made++;
    tdstls_conn_init(&c->analysis, &file_scope, tdstls_ns_of(&pinfo->abs_ts));
    /* The server is the side on one of our ports, or on a port a SQL
     * Server Browser answer gave, unless the caller knows better (a SYN, or
     * the port the dissector matched). */
    bool dst_is_server = dst_is_server_hint >= 0 ? dst_is_server_hint
                         : tdstls_ssrp_instance_at(&pinfo->dst, pinfo->destport) ? true
                         : tdstls_ssrp_instance_at(&pinfo->src, pinfo->srcport)
                             ? false
                             : tdstls_port_is_ours(pinfo->destport) || !tdstls_port_is_ours(pinfo->srcport);
    copy_address_wmem(wmem_file_scope(), &c->server_addr, dst_is_server ? &pinfo->dst : &pinfo->src);
    copy_address_wmem(wmem_file_scope(), &c->client_addr, dst_is_server ? &pinfo->src : &pinfo->dst);
    c->server_port = dst_is_server ? pinfo->destport : pinfo->srcport;
    c->client_port = dst_is_server ? pinfo->srcport : pinfo->destport;
    c->instance = tdstls_ssrp_instance_at(&c->server_addr, c->server_port);
    /* TCP's stream number, so the tables' rows match tcp.stream filters */
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
    c->stream = tcpd ? tcpd->stream : 0;
    link_route(c);
    conversation_add_proto_data(conv, proto_tdstls, c);
    return c;
}

void tdstls_conv_confirm(struct sql_connection *c, packet_info *pinfo)
{
    if (c->confirmed)
        return;
    c->confirmed = true;
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    struct tcp_analysis *tcpd = conv ? get_tcp_conversation_data(conv, pinfo) : NULL;
    /* TCP remembers the server's port from a SYN or SYN/ACK: the capture
     * holds the handshake, which began the conversation */
    if (tcpd && tcpd->server_port && conv->setup_frame < pinfo->num)
        tdstls_conn_began_with_syn(&c->analysis, conv->setup_frame, tdstls_ns_of(&tcpd->ts_first));
}

void tdstls_conv_reject(packet_info *pinfo)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return;
    conversation_delete_proto_data(conv, proto_tdstls);
    conversation_add_proto_data(conv, proto_tdstls, (void *)&not_tds);
}

bool tdstls_conv_listed(const struct sql_connection *c)
{
    return c->confirmed || tdstls_conn_results(&c->analysis)->diagnosis == DIAG_CONNECTION_REFUSED;
}

bool tdstls_conv_rejected(packet_info *pinfo)
{
    bool rejected;
    tdstls_conv_find(pinfo, &rejected);
    return rejected;
}

struct sql_connection *tdstls_conv_find(packet_info *pinfo, bool *rejected)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    void *data = conv ? conversation_get_proto_data(conv, proto_tdstls) : NULL;
    *rejected = data == &not_tds;
    return *rejected ? NULL : (struct sql_connection *)data;
}

enum tdstls_side tdstls_side_of(const struct sql_connection *conn, const packet_info *pinfo)
{
    return (pinfo->srcport == conn->server_port && addresses_equal(&pinfo->src, &conn->server_addr)) ? SIDE_SERVER
                                                                                                        : SIDE_CLIENT;
}

struct tdstls_frame *tdstls_frame_of(packet_info *pinfo, bool create)
{
    struct tdstls_frame *f =
        (struct tdstls_frame *)p_get_proto_data(pinfo->pool, pinfo, proto_tdstls, PACKET_KEY_FRAME);
    if (!f && create) {
        f = wmem_new0(pinfo->pool, struct tdstls_frame);
        p_add_proto_data(pinfo->pool, pinfo, proto_tdstls, PACKET_KEY_FRAME, f);
    }
    return f;
}

struct sql_connection *tdstls_conv_of_frame(packet_info *pinfo)
{
    struct tdstls_frame *f = tdstls_frame_of(pinfo, false);
    return f && f->conn ? f->conn : tdstls_conv_get(pinfo, false, -1);
}
