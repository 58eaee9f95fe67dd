/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Per-connection state: found through the TCP conversation, kept in wmem
 * file scope, and which side is the server.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/conversation.h>
#include <epan/packet.h>
#include <epan/dissectors/packet-tcp.h>

#include "packet-tdstls.h"

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

const struct tls_allocator tdstls_wmem_allocator = {wmem_file_alloc, wmem_file_release, NULL};

/* The server is the side on one of our ports (preference or Decode As),
 * unless the caller knows better (a SYN, or the port the dissector matched). */
bool port_is_ours(uint32_t port)
{
    return tcp_port_table && dissector_get_uint_handle(tcp_port_table, port) == tdstls_handle;
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
    tdstls_conn_init(&c->core);
    bool dst_is_server = dst_is_server_hint >= 0 ? dst_is_server_hint
                                                      : port_is_ours(pinfo->destport) || !port_is_ours(pinfo->srcport);
    copy_address_wmem(wmem_file_scope(), &c->server_addr, dst_is_server ? &pinfo->dst : &pinfo->src);
    c->server_port = dst_is_server ? pinfo->destport : pinfo->srcport;
    c->first_time = pinfo->abs_ts;
    /* TCP's stream number, so the summary's rows match tcp.stream filters */
    struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
    c->index = tcpd ? tcpd->stream : 0;
    conversation_add_proto_data(conv, proto_tdstls, c);
    return c;
}

enum tdstls_side tdstls_side_of(const struct tdstls_conv *conv, const packet_info *pinfo)
{
    return (pinfo->srcport == conv->server_port && addresses_equal(&pinfo->src, &conv->server_addr)) ? SIDE_SERVER
                                                                                                        : SIDE_CLIENT;
}

/* Suite names come from Wireshark's TLS dissector, so they match tls.* exactly. */
const char *tdstls_suite_name(uint16_t suite)
{
    static header_field_info *hfi;
    if (!hfi)
        hfi = proto_registrar_get_byname("tls.handshake.ciphersuite");
    if (hfi && hfi->strings && (hfi->display & BASE_EXT_STRING))
        return val_to_str_ext_const(suite, (value_string_ext *)hfi->strings, "unknown cipher suite");
    return "unknown cipher suite";
}
