/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * TCP payload on a TDS port: TDS packets and raw TLS records.
 *
 * Stock TDS hands PRELOGIN to TLS only when a whole record starts the
 * payload and TDS reassembly (keyed on the packet number) works. tdstls
 * instead follows each direction's TLS byte stream across PRELOGIN (or
 * type 0x04) packets, whatever their numbering and end-of-message bits,
 * and hands whole records to Wireshark's TLS dissector. Every other TDS
 * packet goes to the stock tds dissector unchanged.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

#include "packet-tdstls.h"
#include "core/dhe_suites.h"

#define TDS_HEADER_LEN 8
#define TDS_SMP 0x53
#define SMP_HEADER_LEN 16
/* enough to tell a TLS record (5) or a TDS packet (4) and its length */
#define PDU_MIN_LEN TLS_RECORD_HEADER_LEN

/* Why a PDU's TLS records stay away from Wireshark's TLS dissector (see
 * tls_verdict). */
enum tls_withheld {
    TLS_HANDED = 0,
    TLS_BEFORE_CLIENT_HELLO,
    TLS_SERVER_CLIENT_HELLO,
    TLS_RECORD_IDS_TAKEN,
    TLS_NOT_ON_FIRST_PASS,
};

/* What one PDU showed on the first pass, kept (file scope) only where
 * there is something to show again: TLS bytes or handshake findings. */
struct pdu_record {
    struct tls_findings findings;
    const uint8_t *tls;        /* whole records completed by this PRELOGIN packet, */
    uint32_t tls_len;          /* copied when they span packets, */
    bool tls_in_place;         /* or NULL: exactly this packet's payload */
    uint8_t tls_withheld;      /* enum tls_withheld */
    uint8_t carrier;           /* 0x12, 0x04, or 0 for raw TLS on TCP */
};

static bool looks_like_tls(tvbuff_t *tvb, int offset)
{
    uint8_t head[TLS_RECORD_HEADER_LEN];
    if (tvb_captured_length_remaining(tvb, offset) < TLS_RECORD_HEADER_LEN)
        return false;
    tvb_memcpy(tvb, head, offset, sizeof head);
    return tls_record_header_plausible(head, sizeof head);
}

static unsigned get_pdu_len(packet_info *pinfo _U_, tvbuff_t *tvb, int offset, void *data _U_)
{
    unsigned remaining = tvb_captured_length_remaining(tvb, offset);
    if (looks_like_tls(tvb, offset))
        return TLS_RECORD_HEADER_LEN + tvb_get_ntohs(tvb, offset + 3);
    if (tvb_get_uint8(tvb, offset) == TDS_SMP) {
        if (remaining < 8)
            return 0;                        /* SMP length is at offset 4: wait for more */
        uint32_t len = tvb_get_letohl(tvb, offset + 4);
        return len >= SMP_HEADER_LEN ? len : remaining;
    }
    unsigned len = tvb_get_ntohs(tvb, offset + 2);
    /* A TDS length below its own header is not TDS: take the rest as one
     * PDU and let tds show it, rather than looping. */
    return len >= TDS_HEADER_LEN ? len : remaining;
}

/* What one dissection of a frame keeps across its PDUs. Packet scope, so
 * every dissection of the frame (each pass, each GUI click) starts afresh. */
struct frame_pdus {
    uint32_t count;                  /* PDUs so far */
    /* records handed to TLS (first pass): the first batch as it is, a map
     * of record numbers once a second comes (most frames have one) */
    const uint8_t *first_records;
    uint32_t first_len, first_raw_offset;
    wmem_map_t *tls_record_ids;
    const uint8_t *copies;           /* the TLS copies of this frame, end to end */
    uint32_t copies_len, copies_count;
    struct tdstls_conv *conv;        /* found once here, kept for the post-dissector */
};

static struct frame_pdus *frame_pdus(packet_info *pinfo)
{
    struct frame_pdus *fp = (struct frame_pdus *)p_get_proto_data(pinfo->pool, pinfo, proto_tdstls, 0);
    if (!fp) {
        fp = wmem_new0(pinfo->pool, struct frame_pdus);
        p_add_proto_data(pinfo->pool, pinfo, proto_tdstls, 0, fp);
    }
    return fp;
}

/* The connection of this frame, for the post-dissector, which sees every
 * frame: the one the dissector found when the frame had TCP payload for
 * tdstls (saves a conversation lookup per frame and pass), else looked up. */
struct tdstls_conv *tdstls_conv_of_frame(packet_info *pinfo)
{
    struct frame_pdus *fp = (struct frame_pdus *)p_get_proto_data(pinfo->pool, pinfo, proto_tdstls, 0);
    return fp && fp->conv ? fp->conv : tdstls_conv_get(pinfo, false, -1);
}

/* Per-PDU key: the PDU's place among the PDUs of this frame's dissection.
 * Not the TCP sequence number: relative sequence numbers can change between
 * passes (port reuse), and the second pass must hand TLS exactly the records
 * of the first. */
static uint32_t next_pdu_key(packet_info *pinfo)
{
    return 1u + frame_pdus(pinfo)->count++;
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
    struct frame_pdus *fp = frame_pdus(pinfo);
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
static uint8_t tls_verdict(struct tdstls_conv *conv, enum tdstls_side side, packet_info *pinfo,
                           const uint8_t *records, uint32_t len, uint32_t raw_offset, const struct tls_findings *f)
{
    if (side == SIDE_SERVER && has_handshake_record(records, len)) {
        if (f->client_hello_from_server || f->client_hello_lookalike)
            conv->server_tls_withheld = true;
        if (conv->server_tls_withheld)
            return TLS_SERVER_CLIENT_HELLO;
        if (!conv->client_hello_handed)
            return TLS_BEFORE_CLIENT_HELLO;
    }
    if (!claim_record_ids(pinfo, records, len, raw_offset))
        return TLS_RECORD_IDS_TAKEN;
    if (side == SIDE_CLIENT && f->client_hello)
        conv->client_hello_handed = true;
    return TLS_HANDED;
}

static void add_tds_header(tvbuff_t *tvb, proto_tree *tree)
{
    /* the stock tds.* header fields, looked up at handoff (-1 if absent) */
    const struct {
        int *hf;
        int offset, length;
    } fields[] = {
        {&hf_tds_type, 0, 1},    {&hf_tds_status, 1, 1},        {&hf_tds_length, 2, 2},
        {&hf_tds_channel, 4, 2}, {&hf_tds_packet_number, 6, 1}, {&hf_tds_window, 7, 1},
    };
    if (proto_tds < 0)
        return;
    proto_item *ti = proto_tree_add_item(tree, proto_tds, tvb, 0, TDS_HEADER_LEN, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_tds_header);
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
        if (*fields[i].hf >= 0)
            proto_tree_add_item(t, *fields[i].hf, tvb, fields[i].offset, fields[i].length, ENC_BIG_ENDIAN);
}

/* A leading-zero flag: an analysis flag, present only when set (as
 * tcp.analysis.*), so -Y tdstls.dh.ys_leading_zero finds just these frames. */
static void leading_zero_flag(tvbuff_t *tvb, packet_info *pinfo, proto_tree *dh, const char *which, int hf,
                              expert_field *ei, bool zero_byte, bool shorter_than_p)
{
    if (!zero_byte && !shorter_than_p)
        return;
    proto_item *it = proto_tree_add_boolean(dh, hf, tvb, 0, 0, true);
    proto_item_set_generated(it);
    if (tdstls_check_leading_zero)
        expert_add_info_format(pinfo, it, ei,
                               "dh_%s has a leading zero (%s): a peer without the KB 4557473 fix derives a different "
                               "key and the handshake fails",
                               which, zero_byte ? "first byte 0x00, padded to len(p)" : "shorter than p, zero stripped");
}

/* The findings of a PDU as fields and expert info, on the first pass and
 * every later one alike. */
static void show_findings(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct pdu_record *rec)
{
    const struct tls_findings *f = &rec->findings;
    proto_item *ti = proto_tree_add_item(tree, proto_tdstls, tvb, 0, 0, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_tdstls);
    proto_item_set_generated(proto_tree_add_uint(t, hf_tdstls_carrier, tvb, 0, 0, rec->carrier));
    if (rec->carrier)
        proto_item_set_generated(proto_tree_add_uint(t, hf_tdstls_tls_bytes, tvb, 0, 0, rec->tls_len));

    if (f->client_hello) {
        proto_item *it = proto_tree_add_boolean(t, hf_tdstls_dhe_offered, tvb, 0, 0, f->offers_dhe);
        proto_item_set_generated(it);
        proto_item_set_generated(proto_tree_add_boolean(t, hf_tdstls_offers_tds8, tvb, 0, 0, f->offers_tds8_alpn));
        if (f->offers_dhe && tdstls_check_dhe)
            expert_add_info_format(pinfo, it, &ei_tdstls_dhe_offered,
                                   "ClientHello offers TLS_DHE suites: if the server picks one and the two Windows "
                                   "builds differ in the KB 4557473 fix, about 1 handshake in 256 fails");
    }
    if (f->server_hello) {
        bool tls13 = f->version == 0x0304;
        bool dhe = !tls13 && tdstls_suite_is_dhe(f->suite);
        const char *name = tdstls_suite_name(f->suite);
        proto_item_set_generated(proto_tree_add_uint_format_value(t, hf_tdstls_cipher_suite, tvb, 0, 0, f->suite,
                                                                  "%s (0x%04x)", name, f->suite));
        proto_item_set_generated(proto_tree_add_uint(t, hf_tdstls_tls_version, tvb, 0, 0, f->version));
        if (f->key_share_group)
            proto_item_set_generated(proto_tree_add_uint(t, hf_tdstls_key_share_group, tvb, 0, 0,
                                                         f->key_share_group));
        proto_item *it = proto_tree_add_boolean(t, hf_tdstls_dhe, tvb, 0, 0, dhe);
        proto_item_set_generated(it);
        if (dhe && tdstls_check_dhe)
            expert_add_info_format(pinfo, it, &ei_tdstls_dhe_negotiated,
                                   "%s negotiated: ephemeral finite-field Diffie-Hellman; between Windows builds with "
                                   "and without the KB 4557473 fix, a leading zero in dh_Ys or dh_Yc (1 in 256) "
                                   "breaks the handshake",
                                   name);
    }
    if (f->server_key_exchange_dh || f->client_key_exchange_dh) {
        proto_tree *dh = proto_tree_add_subtree(t, tvb, 0, 0, ett_tdstls_dh, NULL, "Diffie-Hellman public value");
        if (f->server_key_exchange_dh) {
            proto_item_set_generated(proto_tree_add_uint(dh, hf_tdstls_dh_p_len, tvb, 0, 0, f->p_len));
            proto_item_set_generated(proto_tree_add_uint(dh, hf_tdstls_dh_g_len, tvb, 0, 0, f->g_len));
            proto_item_set_generated(proto_tree_add_uint(dh, hf_tdstls_dh_ys_len, tvb, 0, 0, f->ys_len));
            leading_zero_flag(tvb, pinfo, dh, "Ys", hf_tdstls_dh_ys_leading_zero, &ei_tdstls_ys_leading_zero,
                              f->ys_zero_byte, f->ys_len < f->p_len);
        }
        if (f->client_key_exchange_dh) {
            proto_item_set_generated(proto_tree_add_uint(dh, hf_tdstls_dh_yc_len, tvb, 0, 0, f->yc_len));
            leading_zero_flag(tvb, pinfo, dh, "Yc", hf_tdstls_dh_yc_leading_zero, &ei_tdstls_yc_leading_zero,
                              f->yc_zero_byte, f->yc_short);
        }
    }
    if (f->finished)
        proto_item_set_generated(proto_tree_add_boolean(t, hf_tdstls_finished, tvb, 0, 0, true));
    if (f->alert && f->alert_level == 2) {
        proto_item *it = proto_tree_add_uint(t, hf_tdstls_alert_desc, tvb, 0, 0, f->alert_description);
        proto_item_set_generated(it);
        expert_add_info_format(pinfo, it, &ei_tdstls_tls_alert,
                               "Fatal TLS alert %u during the handshake: the peers could not agree on TLS",
                               f->alert_description);
    }
    if (f->malformed)
        expert_add_info_format(pinfo, ti, &ei_tdstls_malformed, "Malformed TLS inside TDS: %s",
                               f->problem ? f->problem : "unreadable");
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
    if (rec->tls_withheld && rec->tls_withheld < G_N_ELEMENTS(not_decoded) && tdstls_decode_tls)
        expert_add_info_format(pinfo, ti, &ei_tdstls_tls_not_decoded, "TLS not decoded here: %s",
                               not_decoded[rec->tls_withheld]);
}

static bool worth_keeping(const struct pdu_record *rec)
{
    const struct tls_findings *f = &rec->findings;
    return rec->tls_len || rec->tls_withheld || f->client_hello || f->server_hello || f->server_key_exchange_dh ||
           f->client_key_exchange_dh || f->finished || f->alert || f->malformed || f->change_cipher_spec;
}

/* Finds the whole TLS records a PRELOGIN payload completes. Usually the
 * payload is exactly whole records with nothing pending before it: then the
 * record points at the payload itself (later passes cut it out of the packet
 * again) and nothing is copied. Otherwise the payload joins the direction's
 * pending bytes and the whole records are copied out. Bounded: a pending
 * record never exceeds the TLS maximum, or the bytes are not TLS and are
 * dropped as malformed. Returns the completed records (rec->tls_len bytes)
 * for this pass to read. */
static const uint8_t *gather_prelogin_tls(struct tdstls_conv *conv, enum tdstls_side side, tvbuff_t *payload,
                                          struct pdu_record *rec)
{
    uint32_t add = tvb_captured_length(payload);
    bool bad;
    if (conv->pending_len[side] == 0 && add > 0) {
        const uint8_t *bytes = tvb_get_ptr(payload, 0, add);
        if (tls_whole_records_len(bytes, add, &bad) == add && !bad) {
            rec->tls_in_place = true;
            rec->tls_len = add;
            return bytes;
        }
    }

    uint32_t have = conv->pending_len[side];
    uint8_t *buf = wmem_realloc(wmem_file_scope(), conv->pending[side], have + add + 1);
    tvb_memcpy(payload, buf + have, 0, add);
    have += add;
    uint32_t off = tls_whole_records_len(buf, have, &bad);
    if (bad) {
        rec->findings.malformed = true;
        rec->findings.problem = "PRELOGIN payload is not a TLS record where one should start";
        have = off;                          /* drop what cannot be TLS */
    }
    rec->tls = off ? (const uint8_t *)wmem_memdup(wmem_file_scope(), buf, off) : NULL;
    rec->tls_len = off;
    memmove(buf, buf + off, have - off);
    conv->pending_len[side] = have - off;
    conv->pending[side] = buf;
    if (conv->pending_len[side] == 0) {
        wmem_free(wmem_file_scope(), buf);
        conv->pending[side] = NULL;
    }
    return rec->tls;
}

/* Stock tds hands a PRELOGIN packet (or its response) to TLS itself when the
 * payload starts with a TLS record. */
static bool stock_tds_hands_to_tls(tvbuff_t *tvb, uint8_t type)
{
    return (type == TDS_PRELOGIN || type == TDS_RESPONSE) && looks_like_tls(tvb, TDS_HEADER_LEN);
}

/* On the first pass such a packet went to stock tds as it is. */
static const struct pdu_record went_to_stock_tds;

/* A PDU a later pass sees but the first did not (TCP reassembled the
 * stream differently): Wireshark's TLS dissector would look for state its
 * first pass never made and trip its assertions, so its bytes show as data. */
static int show_not_on_first_pass(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, uint8_t carrier)
{
    struct pdu_record unseen;
    memset(&unseen, 0, sizeof unseen);
    unseen.carrier = carrier;
    unseen.tls_withheld = TLS_NOT_ON_FIRST_PASS;
    if (carrier)
        add_tds_header(tvb, tree);
    show_findings(tvb, pinfo, tree, &unseen);
    col_append_sep_str(pinfo->cinfo, COL_INFO, NULL, "TLS not decoded");
    call_data_dissector(tvb_new_subset_remaining(tvb, carrier ? TDS_HEADER_LEN : 0), pinfo, tree);
    return (int)tvb_captured_length(tvb);
}

/* Whether a TDS packet carries TLS: a PRELOGIN (or, from the server during
 * the handshake, a type 0x04 packet) whose payload starts a TLS record or
 * continues one. */
static bool carries_tls(const struct tdstls_conv *conv, enum tdstls_side side, tvbuff_t *tvb, uint8_t type)
{
    bool in_handshake = !conv->core.handshake_done && !conv->core.tls_first;
    if (!(type == TDS_PRELOGIN || (type == TDS_RESPONSE && side == SIDE_SERVER && conv->core.tls_in_prelogin)))
        return false;
    if (!in_handshake)
        return false;
    return conv->pending_len[side] > 0 || looks_like_tls(tvb, TDS_HEADER_LEN);
}

/* Copies chained in one frame before the next starts afresh at 0: bounds
 * what a frame of many tiny PDUs costs (the claim check still guards). */
#define MAX_CHAINED_COPIES 32

/* The records a PRELOGIN packet completed, as a tvb for Wireshark's TLS
 * dissector: cut out of the packet, or the copy kept from the first pass.
 * TLS numbers a record by its offset from the start of its real data, so
 * the copies of one frame are laid end to end, each after the ones before
 * (each data source holds the frame's copies so far): its records keep distinct
 * numbers. Called for every such PDU on every pass, in the same order, so
 * each pass gives the same numbers. */
static tvbuff_t *tls_tvb_of(tvbuff_t *pdu, packet_info *pinfo, const struct pdu_record *rec)
{
    if (rec->tls_in_place)
        return tvb_new_subset_length(pdu, TDS_HEADER_LEN, rec->tls_len);
    struct frame_pdus *fp = frame_pdus(pinfo);
    uint32_t base = fp->copies_count < MAX_CHAINED_COPIES ? fp->copies_len : 0;
    uint8_t *all = (uint8_t *)wmem_alloc(pinfo->pool, base + rec->tls_len);
    if (base)
        memcpy(all, fp->copies, base);
    memcpy(all + base, rec->tls, rec->tls_len);
    fp->copies = all;
    fp->copies_len = base + rec->tls_len;
    fp->copies_count++;
    tvbuff_t *all_tvb = tvb_new_child_real_data(pdu, all, fp->copies_len, fp->copies_len);
    add_new_data_source(pinfo, all_tvb, "TLS from TDS PRELOGIN");
    return tvb_new_subset_length(all_tvb, base, rec->tls_len);
}

static int dissect_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    struct tdstls_conv *conv = (struct tdstls_conv *)data;
    enum tdstls_side side = tdstls_side_of(conv, pinfo);
    uint32_t key = next_pdu_key(pinfo);
    unsigned len = tvb_captured_length(tvb);
    bool visited = PINFO_FD_VISITED(pinfo);
    struct pdu_record *rec = (struct pdu_record *)p_get_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key);

    if (looks_like_tls(tvb, 0)) {
        /* a raw TLS record: TDS 8 strict, or TDS 7.x after the handshake */
        if (!visited) {
            struct pdu_record fresh;
            memset(&fresh, 0, sizeof fresh);
            const uint8_t *bytes = tvb_get_ptr(tvb, 0, len);   /* read only: no copy */
            tdstls_conn_tls(&conv->core, pinfo->num, side, false, &tdstls_wmem_allocator, bytes, len,
                            &fresh.findings);
            fresh.tls_withheld = tls_verdict(conv, side, pinfo, bytes, len, tvb_raw_offset(tvb), &fresh.findings);
            /* handshake records are kept whatever they showed, so a later pass
             * can tell a record TCP gave it only then */
            if (worth_keeping(&fresh) || bytes[0] == TLS_CT_HANDSHAKE) {
                rec = wmem_new(wmem_file_scope(), struct pdu_record);
                *rec = fresh;
                p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key, rec);
            }
        }
        if (visited && !rec && tvb_get_uint8(tvb, 0) == TLS_CT_HANDSHAKE)
            return show_not_on_first_pass(tvb, pinfo, tree, 0);
        if (rec)
            show_findings(tvb, pinfo, tree, rec);
        if (rec && rec->tls_withheld) {
            col_append_sep_str(pinfo->cinfo, COL_INFO, NULL, "TLS record (not decoded)");
            call_data_dissector(tvb, pinfo, tree);
        } else {
            call_dissector(tls_handle, tvb, pinfo, tree);
        }
        return len;
    }

    uint8_t type = len >= TDS_HEADER_LEN ? tvb_get_uint8(tvb, 0) : 0;
    bool first_look = false;
    if (!visited && len >= TDS_HEADER_LEN && carries_tls(conv, side, tvb, type)) {
        first_look = true;
        rec = wmem_new0(wmem_file_scope(), struct pdu_record);
        rec->carrier = type;
        tvbuff_t *payload = tvb_new_subset_remaining(tvb, TDS_HEADER_LEN);
        const uint8_t *tls = gather_prelogin_tls(conv, side, payload, rec);
        tdstls_conn_tls(&conv->core, pinfo->num, side, true, &tdstls_wmem_allocator, tls, rec->tls_len,
                        &rec->findings);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key, rec);
    } else if (!visited && len >= TDS_HEADER_LEN && stock_tds_hands_to_tls(tvb, type)) {
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key, (void *)&went_to_stock_tds);
    } else if (visited && !rec && len >= TDS_HEADER_LEN && stock_tds_hands_to_tls(tvb, type)) {
        return show_not_on_first_pass(tvb, pinfo, tree, type);
    }
    if (rec && rec->carrier) {
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "TDS");
        const char *info = col_get_text(pinfo->cinfo, COL_INFO);
        if (!info || !*info) {               /* once per frame, however many packets */
            col_set_str(pinfo->cinfo, COL_INFO,
                        type == TDS_PRELOGIN ? "TDS7 pre-login message (TLS)" : "Response (TLS)");
            col_set_fence(pinfo->cinfo, COL_INFO);
        }
        tvbuff_t *tls_tvb = rec->tls_len ? tls_tvb_of(tvb, pinfo, rec) : NULL;
        if (tls_tvb && first_look)
            rec->tls_withheld = tls_verdict(conv, side, pinfo, tvb_get_ptr(tls_tvb, 0, rec->tls_len), rec->tls_len,
                                            (uint32_t)tvb_raw_offset(tls_tvb), &rec->findings);
        add_tds_header(tvb, tree);
        show_findings(tvb, pinfo, tree, rec);
        if (tls_tvb && tdstls_decode_tls && !rec->tls_withheld)
            call_dissector(tls_handle, tls_tvb, pinfo, tree);
        else if (!rec->tls_len && key == 1)  /* say it once, on the frame's first packet */
            col_append_str(pinfo->cinfo, COL_INFO, ", TLS record continues in a later packet");
        return len;
    }

    /* Any other TDS packet: the stock dissector, and its type for the phase. */
    if (!visited && len > TDS_HEADER_LEN && conv->core.phase <= PHASE_PRELOGIN &&
        ((side == SIDE_CLIENT && type == TDS_PRELOGIN) || (side == SIDE_SERVER && type == TDS_RESPONSE))) {
        const uint8_t *payload = tvb_get_ptr(tvb, TDS_HEADER_LEN, len - TDS_HEADER_LEN);
        tdstls_conn_prelogin(&conv->core, side, payload, len - TDS_HEADER_LEN);
    }
    if (!visited) {
        if (len >= TDS_HEADER_LEN && type != TDS_SMP)
            tdstls_conn_clear_tds(&conv->core, pinfo->num, side, type);
        else
            tdstls_conn_other_data(&conv->core, pinfo->num, side);
    }
    return call_dissector(tds_handle, tvb, pinfo, tree);
}

/* Decrypted TLS application data (a keylog): TDS. Its packet type tells the
 * phase for certain; then the stock tds dissector shows it. */
int dissect_tdstls_decrypted(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!PINFO_FD_VISITED(pinfo) && tvb_captured_length(tvb) >= TDS_HEADER_LEN) {
        struct tdstls_conv *conv = tdstls_conv_get(pinfo, false, -1);
        uint8_t type = tvb_get_uint8(tvb, 0);
        uint16_t len = tvb_get_ntohs(tvb, 2);
        /* a record may start inside a TDS packet: only a plausible header counts */
        if (conv && len >= TDS_HEADER_LEN && tvb_get_uint8(tvb, 1) <= 0x1F)
            tdstls_conn_decrypted_tds(&conv->core, pinfo->num, tdstls_side_of(conv, pinfo), type);
    }
    return call_dissector_with_data(tds_handle, tvb, pinfo, tree, data);
}

int dissect_tdstls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    int dst_is_server = pinfo->match_uint == pinfo->destport ? 1 : (pinfo->match_uint == pinfo->srcport ? 0 : -1);
    struct tdstls_conv *conv = tdstls_conv_get(pinfo, true, dst_is_server);
    if (!conv)
        return 0;
    frame_pdus(pinfo)->conv = conv;
    /* Several PDUs may share a frame: each appends to Info behind a fence. */
    col_clear(pinfo->cinfo, COL_INFO);
    tcp_dissect_pdus(tvb, pinfo, tree, true, PDU_MIN_LEN, get_pdu_len, dissect_pdu, conv);
    return tvb_captured_length(tvb);
}
