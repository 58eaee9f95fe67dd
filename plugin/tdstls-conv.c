/* SPDX-License-Identifier: GPL-2.0-or-later */
#define WS_BUILD_DLL
#include "tdstls-conv.h"

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

void tdstls_conv_register(int proto)
{
    proto_tdstls = proto;
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

static int64_t ns_of(const nstime_t *t)
{
    return (int64_t)t->secs * 1000000000 + t->nsecs;
}

struct tdstls_conv *tdstls_conv_get(packet_info *pinfo, bool create, int dst_is_server_hint)
{
    conversation_t *conv = create ? find_or_create_conversation(pinfo) : find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return NULL;
    struct tdstls_conv *c = (struct tdstls_conv *)conversation_get_proto_data(conv, proto_tdstls);
    if (c || !create)
        return c;

    c = wmem_new0(wmem_file_scope(), struct tdstls_conv);
    tdstls_conn_init(&c->core, &file_scope, ns_of(&pinfo->abs_ts));
    /* The server is the side on one of our ports, unless the caller knows
     * better (a SYN, or the port the dissector matched). */
    bool dst_is_server = dst_is_server_hint >= 0 ? dst_is_server_hint
                                                 : tdstls_port_is_ours(pinfo->destport) ||
                                                       !tdstls_port_is_ours(pinfo->srcport);
    copy_address_wmem(wmem_file_scope(), &c->server_addr, dst_is_server ? &pinfo->dst : &pinfo->src);
    copy_address_wmem(wmem_file_scope(), &c->client_addr, dst_is_server ? &pinfo->src : &pinfo->dst);
    c->server_port = dst_is_server ? pinfo->destport : pinfo->srcport;
    c->client_port = dst_is_server ? pinfo->srcport : pinfo->destport;
    /* TCP's stream number, so the tables' rows match tcp.stream filters */
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
    c->stream = tcpd ? tcpd->stream : 0;
    conversation_add_proto_data(conv, proto_tdstls, c);
    return c;
}

enum tdstls_side tdstls_side_of(const struct tdstls_conv *conv, const packet_info *pinfo)
{
    return (pinfo->srcport == conv->server_port && addresses_equal(&pinfo->src, &conv->server_addr)) ? SIDE_SERVER
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

struct tdstls_conv *tdstls_conv_of_frame(packet_info *pinfo)
{
    struct tdstls_frame *f = tdstls_frame_of(pinfo, false);
    return f && f->conv ? f->conv : tdstls_conv_get(pinfo, false, -1);
}
