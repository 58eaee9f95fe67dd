/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Two ways in, one test. A TCP heuristic (tdstls_tcp) sees the payloads no
 * port dissector took. A watch set on each client SYN (a conversation
 * dissector, which TCP tries before any port) sees the connection's first
 * payload even on a port another dissector owns, and steps aside for good
 * when it is not SQL Server's: TCP then goes on exactly as without tdstls.
 * Both claim a connection whose client begins as SQL Server clients do.
 */
#define WS_BUILD_DLL
#include "tdstls-find.h"

#include <epan/conversation.h>

#include "core/tds_prelogin.h"
#include "core/tls_reader.h"
#include "tdstls-conv.h"

#define HEURISTIC_NAME "tdstls_tcp"

static int proto_tdstls = -1;
static dissector_handle_t tdstls_handle, watch_handle;
static dissector_table_t tcp_port_table;
static heur_dtbl_entry_t *heuristic;

bool tdstls_find_enabled(void)
{
    return heuristic && heuristic->enabled;
}

/* How a SQL Server connection begins: the client's PRELOGIN (a whole TDS
 * packet whose option table parses, VERSION first), or a TLS ClientHello
 * offering ALPN tds/8.0 (TDS 8 strict). The first byte rules out nearly
 * everything else before any copy. */
static bool begins_sql_connection(tvbuff_t *tvb)
{
    unsigned len = tvb_captured_length(tvb);
    if (len < TDS_HEADER_LEN)
        return false;
    uint8_t first = tvb_get_uint8(tvb, 0);
    if (first == TDS_TYPE_PRELOGIN) {
        uint8_t header[TDS_HEADER_LEN];
        tvb_memcpy(tvb, header, 0, sizeof header);
        unsigned packet = ((unsigned)header[2] << 8) | header[3];
        if (!tds_header_plausible(header, sizeof header) || packet > len)
            return false;
        return tds_prelogin_plausible(tvb_get_ptr(tvb, TDS_HEADER_LEN, packet - TDS_HEADER_LEN),
                                      packet - TDS_HEADER_LEN);
    }
    if (first == TLS_CT_HANDSHAKE)
        return tls_first_record_alpn(tvb_get_ptr(tvb, 0, len), len) == TLS_ALPN_TDS8;
    return false;
}

/* The user gave one of the connection's ports to another dissector (Decode
 * As): that choice wins, as it does over Wireshark's own heuristics. */
static bool decoded_as_other(const packet_info *pinfo)
{
    const uint32_t ports[] = {pinfo->srcport, pinfo->destport};
    for (size_t i = 0; i < G_N_ELEMENTS(ports); i++)
        if (dissector_is_uint_changed(tcp_port_table, ports[i]) &&
            dissector_get_uint_handle(tcp_port_table, ports[i]) != tdstls_handle)
            return true;
    return false;
}

/* The connection is ours from this frame on: its conversation's dissector,
 * the sender the client. */
static int claim(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data, conversation_t *conv)
{
    conversation_set_dissector(conv, tdstls_handle);
    if (!tdstls_conv_get(pinfo, true, 1))
        return 0;
    return call_dissector_only(tdstls_handle, tvb, pinfo, tree, data);
}

static tdstls_heur_result dissect_heuristic(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!begins_sql_connection(tvb) || tdstls_conv_rejected(pinfo))
        return false;
    return claim(tvb, pinfo, tree, data, find_or_create_conversation(pinfo)) > 0;
}

/* The first payload of a watched connection. Declining (returning 0) leaves
 * TCP to try ports and heuristics as it would without tdstls. */
static int dissect_watched(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return 0;
    if (tdstls_find_enabled() && !decoded_as_other(pinfo) && begins_sql_connection(tvb))
        return claim(tvb, pinfo, tree, data, conv);
    /* not SQL Server: the watch ends, the heuristic leaves it alone too */
    conversation_set_dissector(conv, NULL);
    tdstls_conv_reject(pinfo);
    return 0;
}

void tdstls_find_watch(packet_info *pinfo)
{
    if (!tdstls_find_enabled() || PINFO_FD_VISITED(pinfo))
        return;
    conversation_t *conv = find_or_create_conversation(pinfo);
    /* another dissector already chose this conversation (FTP data, SIP's
     * RTP and the like): theirs */
    if (conversation_get_dissector(conv, pinfo->num))
        return;
    /* From frame 0, as a dissector that takes a conversation later sets
     * its own (conversation_set_dissector): it replaces the watch rather
     * than sit behind it. Declining clears it the same way. */
    conversation_set_dissector(conv, watch_handle);
}

void tdstls_find_register(int proto)
{
    proto_tdstls = proto;
    watch_handle = create_dissector_handle(dissect_watched, proto);
}

void tdstls_find_handoff(dissector_handle_t tdstls)
{
    tdstls_handle = tdstls;
    tcp_port_table = find_dissector_table("tcp.port");
    /* Listed in Analyze > Enabled Protocols; off with
     * tshark --disable-heuristic tdstls_tcp (the watch too) */
    heur_dissector_add("tcp", dissect_heuristic, "SQL Server connections on any TCP port (PRELOGIN, TLS with "
                       "ALPN tds/8.0)", HEURISTIC_NAME, proto_tdstls, HEURISTIC_ENABLE);
    heuristic = find_heur_dissector_by_unique_short_name(HEURISTIC_NAME);
}
