/* SPDX-License-Identifier: GPL-2.0-or-later */
#define WS_BUILD_DLL
#include "tdstls-handoff.h"

#include <epan/proto_data.h>

static int proto_tdstls = -1;

void tdstls_handoff_register(int proto)
{
    proto_tdstls = proto;
}

/* What one dissection of a frame hands TLS across its PDUs. Packet scope,
 * so every dissection of the frame (each pass, each GUI click) starts
 * afresh. */
struct handoff_frame {
    /* records handed to TLS (first pass): the first batch as it is, a map
     * of record numbers once a second comes (most frames have one) */
    const uint8_t *first_records;
    uint32_t first_len, first_raw_offset;
    wmem_map_t *tls_record_ids;
    const uint8_t *copies;           /* the TLS copies of this frame, end to end */
    uint32_t copies_len, copies_count;
};

static struct handoff_frame *handoff_frame(packet_info *pinfo)
{
    struct handoff_frame *fp =
        (struct handoff_frame *)p_get_proto_data(pinfo->pool, pinfo, proto_tdstls, PACKET_KEY_HANDOFF);
    if (!fp) {
        fp = wmem_new0(pinfo->pool, struct handoff_frame);
        p_add_proto_data(pinfo->pool, pinfo, proto_tdstls, PACKET_KEY_HANDOFF, fp);
    }
    return fp;
}

/* Where the record after the one at off starts in these bytes (len once
 * none is left): a raw record may be cut short by the capture. */
static uint32_t next_record(const uint8_t *records, uint32_t len, uint32_t off)
{
    if (len - off < TLS_RECORD_HEADER_LEN)
        return len;
    uint32_t total = (uint32_t)tls_record_total_length(records + off);   /* >= 5 */
    return total > len - off ? len : off + total;
}

static void add_record_ids(wmem_map_t *ids, const uint8_t *records, uint32_t len, uint32_t raw_offset)
{
    /* + 1: a key of 0 would be NULL */
    for (uint32_t off = 0; off < len; off = next_record(records, len, off))
        wmem_map_insert(ids, GUINT_TO_POINTER(raw_offset + off + 1), GUINT_TO_POINTER(1));
}

/* Wireshark's TLS dissector files what it keeps of a record (handshake
 * fragments, decrypted data) under the record's offset from the start of
 * its tvb's real data, per frame. Records copied here start at 0, as does a
 * PDU TCP reassembled: two such in one frame would share numbers, and its
 * second pass would find the wrong record's fragments. Claims the numbers
 * of these records, or returns false if one is taken. */
static bool claim_record_ids(packet_info *pinfo, const uint8_t *records, uint32_t len, uint32_t raw_offset)
{
    struct handoff_frame *fp = handoff_frame(pinfo);
    if (!fp->first_records) {                /* the frame's first: nothing to clash with */
        fp->first_records = records;
        fp->first_len = len;
        fp->first_raw_offset = raw_offset;
        return true;
    }
    if (!fp->tls_record_ids) {
        fp->tls_record_ids = wmem_map_new(pinfo->pool, g_direct_hash, g_direct_equal);
        add_record_ids(fp->tls_record_ids, fp->first_records, fp->first_len, fp->first_raw_offset);
    }
    for (uint32_t off = 0; off < len; off = next_record(records, len, off))
        if (wmem_map_contains(fp->tls_record_ids, GUINT_TO_POINTER(raw_offset + off + 1)))
            return false;
    add_record_ids(fp->tls_record_ids, records, len, raw_offset);
    return true;
}

static bool has_handshake_record(const uint8_t *records, uint32_t len)
{
    for (uint32_t off = 0; off < len; off = next_record(records, len, off))
        if (records[off] == TLS_CT_HANDSHAKE)
            return true;
    return false;
}

/* Whether Wireshark's TLS dissector may see these whole records (first
 * pass; the answer is kept). That dissector takes the sender of a
 * ClientHello for the client, for good, and keys its handshake reassembly
 * on the direction: server handshake records it reads before the client's
 * ClientHello, or a ClientHello it could read in the server's records,
 * swap the sides and trip its own assertions. So the server's handshake
 * records wait for the client's ClientHello, and stop for good after
 * anything it could take for one from the server. */
uint8_t tdstls_tls_verdict(struct sql_connection *conn, enum tdstls_side side, packet_info *pinfo,
                           const uint8_t *records, uint32_t len, uint32_t raw_offset, const struct tls_findings *f,
                           const struct tls_traits *t)
{
    if (side == SIDE_SERVER && has_handshake_record(records, len)) {
        if (t->client_hello_from_server || t->client_hello_lookalike)
            conn->server_tls_withheld = true;
        if (conn->server_tls_withheld)
            return TLS_SERVER_CLIENT_HELLO;
        if (!conn->client_hello_handed)
            return TLS_BEFORE_CLIENT_HELLO;
    }
    if (!claim_record_ids(pinfo, records, len, raw_offset))
        return TLS_RECORD_IDS_TAKEN;
    /* a ClientHello a snapshot length cut is one to Wireshark's TLS dissector too */
    bool cut_client_hello = f->cut && len > TLS_RECORD_HEADER_LEN && records[0] == TLS_CT_HANDSHAKE &&
                            records[TLS_RECORD_HEADER_LEN] == TLS_HS_CLIENT_HELLO;
    if (side == SIDE_CLIENT && (f->client_hello || cut_client_hello))
        conn->client_hello_handed = true;
    return TLS_HANDED;
}

static const char *const not_decoded[] = {
    [TLS_BEFORE_CLIENT_HELLO] = "the server's handshake records before the client's ClientHello: Wireshark's TLS "
                                "dissector would take the server for the client",
    [TLS_SERVER_CLIENT_HELLO] = "the server sent what Wireshark's TLS dissector could read as a ClientHello: it "
                                "would take the server for the client from then on",
    [TLS_RECORD_IDS_TAKEN] = "Wireshark's TLS dissector would file these records under the numbers of others in "
                             "this frame",
    [TLS_NOT_ON_FIRST_PASS] = "TCP did not deliver these bytes in this frame on the first pass (reassembled "
                              "differently), so Wireshark's TLS dissector has no state for them",
};

const char *tdstls_withheld_reason(uint8_t withheld)
{
    return withheld && withheld < G_N_ELEMENTS(not_decoded) ? not_decoded[withheld] : NULL;
}

/* Copies chained in one frame before the next starts afresh at 0: bounds
 * what a frame of many tiny PDUs costs (the claim check still guards). */
#define MAX_CHAINED_COPIES 32

/* TLS numbers a record by its offset from the start of its real data, so
 * the copies of one frame are laid end to end, each after the ones before
 * (each data source holds the frame's copies so far): its records keep
 * distinct numbers. */
tvbuff_t *tdstls_tls_copy_tvb(tvbuff_t *pdu, packet_info *pinfo, const uint8_t *records, uint32_t len)
{
    struct handoff_frame *fp = handoff_frame(pinfo);
    uint32_t base = fp->copies_count < MAX_CHAINED_COPIES ? fp->copies_len : 0;
    uint8_t *all = (uint8_t *)wmem_alloc(pinfo->pool, base + len);
    if (base)
        memcpy(all, fp->copies, base);
    memcpy(all + base, records, len);
    fp->copies = all;
    fp->copies_len = base + len;
    fp->copies_count++;
    tvbuff_t *all_tvb = tvb_new_child_real_data(pdu, all, fp->copies_len, fp->copies_len);
    add_new_data_source(pinfo, all_tvb, "TLS from TDS PRELOGIN");
    return tvb_new_subset_length(all_tvb, base, len);
}

