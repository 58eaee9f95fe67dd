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

#include "tdstls-dissect.h"
#include "tdstls-conv.h"
#include "tdstls-expert.h"
#include "tdstls-find.h"
#include "tdstls-handoff.h"
#include "tdstls-names.h"
#include "core/tds_prelogin.h"
#include "tdstls-generated.h"
#include "tdstls-time.h"

static int proto_tdstls = -1, proto_tds = -1;
static const struct tdstls_prefs *preferences;
static dissector_handle_t tdstls_handle, tds_handle, tls_handle, decrypted_handle;

static int hf_carrier = -1, hf_tls_bytes = -1;
static int hf_cipher_suite = -1, hf_dhe = -1, hf_dhe_offered = -1, hf_offers_tds8 = -1;
static int hf_tls_version = -1, hf_key_share_group = -1;
static int hf_dh_p_len = -1, hf_dh_g_len = -1, hf_dh_ys_len = -1, hf_dh_yc_len = -1;
static int hf_dh_ys_leading_zero = -1, hf_dh_yc_leading_zero = -1;
static int hf_finished = -1, hf_alert_desc = -1;
static int hf_sni = -1, hf_offered_max_version = -1;
static int hf_cert_subject = -1, hf_cert_issuer = -1, hf_cert_names = -1, hf_cert_self_signed = -1;
static int hf_cert_not_before = -1, hf_cert_not_after = -1, hf_cert_key = -1, hf_cert_signature = -1;
/* stock TDS header fields, so tds.* filters keep matching TLS-carrying packets */
static int hf_tds_type = -1, hf_tds_status = -1, hf_tds_length = -1, hf_tds_channel = -1,
           hf_tds_packet_number = -1, hf_tds_window = -1;
static int ett_tdstls = -1, ett_dh = -1, ett_cert = -1, ett_tds_header = -1, ett_tds_status = -1;
/* stock's tds.prelogin item and tds.status bits, those this Wireshark has
 * (the bits NULL-terminated, for proto_tree_add_bitmask) */
static int hf_tds_prelogin = -1;
static int hf_tds_status_bits[5] = {-1, -1, -1, -1, -1};
static int *tds_status_bits[G_N_ELEMENTS(hf_tds_status_bits) + 1];

#define TDSTLS_DEFAULT_PORTS "1433"
#define TDS_SMP 0x53
#define SMP_HEADER_LEN 16
/* enough to tell a TLS record (5) or a TDS packet (4) and its length */
#define PDU_MIN_LEN TLS_RECORD_HEADER_LEN

/* What one PDU showed on the first pass, kept (file scope) only where
 * there is something to show again: TLS bytes, findings, or a reason it was
 * not decoded. */
struct pdu_record {
    struct tls_findings findings;
    const uint8_t *tls;        /* whole records completed by this PRELOGIN packet, */
    uint32_t tls_len;          /* copied when they span packets, */
    bool tls_in_place;         /* or NULL: exactly this packet's payload */
    uint8_t tls_withheld;      /* enum tls_withheld (tdstls-handoff.h) */
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

/* First pass: the phase of the PDU whose header this is, for the frame
 * that holds only its start (dissect_tdstls); cleared when a PDU of that
 * side is dissected whole (dissect_pdu). */
static void note_pdu_start(packet_info *pinfo, tvbuff_t *tvb, int offset, struct sql_connection *conn)
{
    uint8_t head[TDS_HEADER_LEN + 1];        /* and the first token: an SSPI leg goes on with the login */
    unsigned n = tvb_captured_length_remaining(tvb, offset);
    n = n < sizeof head ? n : sizeof head;
    tvb_memcpy(tvb, head, offset, n);
    enum tdstls_side side = tdstls_side_of(conn, pinfo);
    struct pdu_start *open = &conn->open_pdu[side];
    open->phase = (uint8_t)tdstls_conn_pdu_phase(&conn->analysis, side, head, n, &open->inferred);
}

static unsigned get_pdu_len(packet_info *pinfo, tvbuff_t *tvb, int offset, void *data)
{
    if (data && !PINFO_FD_VISITED(pinfo))
        note_pdu_start(pinfo, tvb, offset, (struct sql_connection *)data);
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

/* Per-PDU key: the PDU's place among the PDUs of this frame's dissection
 * (a packet-scope count, so every dissection of the frame, each pass and
 * each GUI click, starts afresh). Not the TCP sequence number: relative
 * sequence numbers can change between passes (port reuse), and the second
 * pass must hand TLS exactly the records of the first. */
static uint32_t next_pdu_key(packet_info *pinfo)
{
    uint32_t *count = (uint32_t *)p_get_proto_data(pinfo->pool, pinfo, proto_tdstls, PACKET_KEY_PDUS);
    if (!count) {
        count = wmem_new0(pinfo->pool, uint32_t);
        p_add_proto_data(pinfo->pool, pinfo, proto_tdstls, PACKET_KEY_PDUS, count);
    }
    return ++*count;
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
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
        if (*fields[i].hf < 0)
            continue;
        /* the status with its bits, as stock shows it: filters on tds.status.eom keep working */
        if (fields[i].hf == &hf_tds_status && tds_status_bits[0])
            proto_tree_add_bitmask(t, tvb, fields[i].offset, hf_tds_status, ett_tds_status, tds_status_bits,
                                   ENC_BIG_ENDIAN);
        else
            proto_tree_add_item(t, *fields[i].hf, tvb, fields[i].offset, fields[i].length, ENC_BIG_ENDIAN);
    }
    /* stock marks a PRELOGIN packet's payload (tds.prelogin), TLS-carrying ones included */
    if (hf_tds_prelogin >= 0 && tvb_get_uint8(tvb, 0) == TDS_TYPE_PRELOGIN)
        proto_tree_add_item(t, hf_tds_prelogin, tvb, TDS_HEADER_LEN, tvb_reported_length_remaining(tvb, TDS_HEADER_LEN),
                            ENC_NA);
}

/* A leading-zero flag: an analysis flag, present only when set (as
 * tcp.analysis.*), so -Y tdstls.dh.ys_leading_zero finds just these frames. */
static proto_item *leading_zero_flag(tvbuff_t *tvb, proto_tree *dh, int hf, uint8_t leading_zero)
{
    if (leading_zero == DH_NO_LEADING_ZERO)
        return NULL;
    return tdstls_generated(proto_tree_add_boolean(dh, hf, tvb, 0, 0, true));
}

static proto_item *add_utc(proto_tree *t, int hf, tvbuff_t *tvb, int64_t seconds)
{
    nstime_t when = {(time_t)seconds, 0};
    return tdstls_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &when));
}

/* The server's certificate, as a DBA needs it to see why a client refuses it. */
static void show_certificate(tvbuff_t *tvb, proto_tree *t, const struct tls_findings *f,
                             struct expert_anchors *anchors)
{
    const struct cert_facts *c = &f->cert;
    proto_tree *ct = proto_tree_add_subtree_format(t, tvb, 0, 0, ett_cert, NULL, "Server certificate: CN=%s",
                                                   c->subject_cn);
    proto_item *subject = tdstls_generated(proto_tree_add_string(ct, hf_cert_subject, tvb, 0, 0, c->subject_cn));
    tdstls_generated(proto_tree_add_string(ct, hf_cert_issuer, tvb, 0, 0, c->issuer_cn));
    proto_item *names = tdstls_generated(proto_tree_add_string(ct, hf_cert_names, tvb, 0, 0, c->names));
    anchors->at[CHECK_CERT_SELF_SIGNED] = tdstls_generated(proto_tree_add_boolean(ct, hf_cert_self_signed, tvb, 0, 0,
                                                                           c->self_signed));
    add_utc(ct, hf_cert_not_before, tvb, c->not_before);
    anchors->at[CHECK_CERT_OUTSIDE_VALIDITY] = add_utc(ct, hf_cert_not_after, tvb, c->not_after);
    char key[32];
    if (c->key_bits)
        snprintf(key, sizeof key, "%s %u", x509_key_name(c->key), c->key_bits);
    else
        snprintf(key, sizeof key, "%s", x509_key_name(c->key));
    tdstls_generated(proto_tree_add_string(ct, hf_cert_key, tvb, 0, 0, key));
    tdstls_generated(proto_tree_add_string(ct, hf_cert_signature, tvb, 0, 0, c->signature));
    anchors->at[CHECK_CERT_NAME_MISMATCH] = c->names[0] ? names : subject;
}

/* The findings of a PDU as fields and expert info, on the first pass and
 * every later one alike. */
static void show_findings(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, struct sql_connection *conn,
                          const struct pdu_record *rec)
{
    const struct tls_findings *f = &rec->findings;
    struct expert_anchors anchors = {0};
    proto_item *ti = proto_tree_add_item(tree, proto_tdstls, tvb, 0, 0, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_tdstls);
    anchors.fallback = ti;
    tdstls_generated(proto_tree_add_uint(t, hf_carrier, tvb, 0, 0, rec->carrier));
    if (rec->carrier)
        tdstls_generated(proto_tree_add_uint(t, hf_tls_bytes, tvb, 0, 0, rec->tls_len));

    if (f->client_hello) {
        anchors.at[CHECK_DHE_OFFERED] = tdstls_generated(proto_tree_add_boolean(t, hf_dhe_offered, tvb, 0, 0, f->offers_dhe));
        tdstls_generated(proto_tree_add_boolean(t, hf_offers_tds8, tvb, 0, 0, f->offers_tds8_alpn));
        anchors.at[CHECK_OLD_TLS_ONLY_OFFERED] =
            tdstls_generated(proto_tree_add_uint(t, hf_offered_max_version, tvb, 0, 0, f->offered_max_version));
        if (f->sni[0])
            tdstls_generated(proto_tree_add_string(t, hf_sni, tvb, 0, 0, f->sni));
    }
    if (f->server_hello) {
        tdstls_generated(proto_tree_add_uint_format_value(t, hf_cipher_suite, tvb, 0, 0, f->suite, "%s (0x%04x)",
                                                   tdstls_suite_name(f->suite), f->suite));
        tdstls_generated(proto_tree_add_uint(t, hf_tls_version, tvb, 0, 0, f->version));
        if (f->key_share_group)
            tdstls_generated(proto_tree_add_uint(t, hf_key_share_group, tvb, 0, 0, f->key_share_group));
        anchors.at[CHECK_DHE_NEGOTIATED] = tdstls_generated(proto_tree_add_boolean(t, hf_dhe, tvb, 0, 0, f->suite_dhe));
    }
    if (f->certificate && f->cert.parsed)
        show_certificate(tvb, t, f, &anchors);
    if (f->server_key_exchange_dh || f->client_key_exchange_dh) {
        proto_tree *dh = proto_tree_add_subtree(t, tvb, 0, 0, ett_dh, NULL, "Diffie-Hellman public value");
        if (f->server_key_exchange_dh) {
            tdstls_generated(proto_tree_add_uint(dh, hf_dh_p_len, tvb, 0, 0, f->p_len));
            tdstls_generated(proto_tree_add_uint(dh, hf_dh_g_len, tvb, 0, 0, f->g_len));
            tdstls_generated(proto_tree_add_uint(dh, hf_dh_ys_len, tvb, 0, 0, f->ys_len));
            anchors.at[CHECK_YS_LEADING_ZERO] = leading_zero_flag(tvb, dh, hf_dh_ys_leading_zero, f->ys_leading_zero);
        }
        if (f->client_key_exchange_dh) {
            tdstls_generated(proto_tree_add_uint(dh, hf_dh_yc_len, tvb, 0, 0, f->yc_len));
            anchors.at[CHECK_YC_LEADING_ZERO] = leading_zero_flag(tvb, dh, hf_dh_yc_leading_zero, f->yc_leading_zero);
        }
    }
    if (f->finished)
        tdstls_generated(proto_tree_add_boolean(t, hf_finished, tvb, 0, 0, true));
    check_set checks = tdstls_checks_of_findings(f);
    if (checks & CHECK_BIT(CHECK_TLS_ALERT))
        anchors.at[CHECK_TLS_ALERT] = tdstls_generated(proto_tree_add_uint(t, hf_alert_desc, tvb, 0, 0, f->alert_description));
    const char *why = tdstls_withheld_reason(rec->tls_withheld);
    if (why)
        checks |= CHECK_BIT(CHECK_TLS_NOT_DECODED);
    struct check_context ctx = {tdstls_conn_results(&conn->analysis), f, tdstls_suite_name, preferences->login_budget_ms,
                                why, NULL};
    if (!PINFO_FD_VISITED(pinfo))
        conn->raised |= checks;
    tdstls_expert_add(pinfo, tree, &anchors, checks, &ctx);
}

/* Worth keeping for later passes: what they show again. */
static bool worth_keeping(const struct pdu_record *rec)
{
    return rec->tls_len || rec->tls_withheld || tls_findings_any(&rec->findings);
}

/* Finds the whole TLS records a PRELOGIN payload completes. Usually the
 * payload is exactly whole records with nothing pending before it: then the
 * record points at the payload itself (later passes cut it out of the packet
 * again) and nothing is copied. Otherwise the payload joins the direction's
 * pending bytes and the whole records are copied out. Bounded: a pending
 * record never exceeds the TLS maximum, or the bytes are not TLS and are
 * dropped as malformed. Returns the completed records (rec->tls_len bytes)
 * for this pass to read. */
static const uint8_t *gather_prelogin_tls(struct sql_connection *conn, enum tdstls_side side, tvbuff_t *payload,
                                          struct pdu_record *rec)
{
    uint32_t add = tvb_captured_length(payload);
    bool bad;
    if (conn->pending_len[side] == 0 && add > 0) {
        const uint8_t *bytes = tvb_get_ptr(payload, 0, add);
        if (tls_whole_records_len(bytes, add, &bad) == add && !bad) {
            rec->tls_in_place = true;
            rec->tls_len = add;
            return bytes;
        }
    }

    uint32_t have = conn->pending_len[side];
    uint8_t *buf = wmem_realloc(wmem_file_scope(), conn->pending[side], have + add + 1);
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
    conn->pending_len[side] = have - off;
    conn->pending[side] = buf;
    if (conn->pending_len[side] == 0) {
        wmem_free(wmem_file_scope(), buf);
        conn->pending[side] = NULL;
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
static int show_not_on_first_pass(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, struct sql_connection *conn,
                                  uint8_t carrier)
{
    struct pdu_record unseen;
    memset(&unseen, 0, sizeof unseen);
    unseen.carrier = carrier;
    unseen.tls_withheld = TLS_NOT_ON_FIRST_PASS;
    if (carrier)
        add_tds_header(tvb, tree);
    show_findings(tvb, pinfo, tree, conn, &unseen);
    col_append_sep_str(pinfo->cinfo, COL_INFO, NULL, "TLS not decoded");
    call_data_dissector(tvb_new_subset_remaining(tvb, carrier ? TDS_HEADER_LEN : 0), pinfo, tree);
    return (int)tvb_captured_length(tvb);
}

/* Whether a TDS packet carries TLS: a PRELOGIN (or, from the server during
 * the handshake, a type 0x04 packet) whose payload starts a TLS record or
 * continues one. */
static bool carries_tls(const struct sql_connection *conn, enum tdstls_side side, tvbuff_t *tvb, uint8_t type)
{
    if (!tdstls_conn_expects_prelogin_tls(&conn->analysis, side, type))
        return false;
    return conn->pending_len[side] > 0 || conn->prelogin_tls_lost[side] || looks_like_tls(tvb, TDS_HEADER_LEN);
}

/* A PDU a snapshot length cut: the capture holds only its start, and the
 * rest will not come (tcpdump -s, netsh packettruncatebytes). */
static bool cut_by_capture(tvbuff_t *tvb)
{
    return tvb_captured_length(tvb) < tvb_reported_length(tvb);
}

/* A PRELOGIN's TLS records cut by the capture: what is whole is analysed,
 * nothing is handed to Wireshark's TLS dissector (it would wait for the
 * rest of the records), and TLS bytes gathered for this side before are
 * dropped: what would complete them is lost. */
static void cut_prelogin_tls(struct sql_connection *conn, enum tdstls_side side, packet_info *pinfo, tvbuff_t *payload,
                             struct pdu_record *rec, struct tls_traits *traits)
{
    if (conn->pending[side])
        wmem_free(wmem_file_scope(), conn->pending[side]);
    conn->pending[side] = NULL;
    conn->pending_len[side] = 0;
    conn->prelogin_tls_lost[side] = true;
    unsigned n = tvb_captured_length(payload);
    tdstls_conn_cut_tls(&conn->analysis, pinfo->num, tdstls_ns_of(&pinfo->abs_ts), side, true, n ? tvb_get_ptr(payload, 0, n) : NULL,
                        n, &rec->findings, traits);
}

/* A raw TLS record: TDS 8 strict, or TDS 7.x after the handshake. */
static int dissect_raw_tls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, struct sql_connection *conn,
                           enum tdstls_side side, uint32_t key)
{
    unsigned len = tvb_captured_length(tvb);
    struct pdu_record *rec = (struct pdu_record *)p_get_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key);
    if (!PINFO_FD_VISITED(pinfo)) {
        struct pdu_record fresh;
        struct tls_traits traits = {0};
        memset(&fresh, 0, sizeof fresh);
        const uint8_t *bytes = tvb_get_ptr(tvb, 0, len);   /* read only: no copy */
        if (cut_by_capture(tvb)) {
            /* TDS 7.x mid-handshake: the body of a PRELOGIN whose header
             * came alone (jTDS), which TCP could not join to a cut frame */
            bool in_prelogin = bytes[0] == TLS_CT_HANDSHAKE &&
                               tdstls_conn_results(&conn->analysis)->prelogin_response_seen &&
                               tdstls_conn_expects_prelogin_tls(&conn->analysis, side, TDS_PRELOGIN);
            tdstls_conn_cut_tls(&conn->analysis, pinfo->num, tdstls_ns_of(&pinfo->abs_ts), side, in_prelogin, bytes, len,
                                &fresh.findings, &traits);
        } else {
            tdstls_conn_tls(&conn->analysis, pinfo->num, tdstls_ns_of(&pinfo->abs_ts), side, false, bytes, len, &fresh.findings,
                            &traits);
        }
        fresh.tls_withheld =
            tdstls_tls_verdict(conn, side, pinfo, bytes, len, tvb_raw_offset(tvb), &fresh.findings, &traits);
        /* handshake records are kept whatever they showed, so a later pass
         * can tell a record TCP gave it only then */
        if (worth_keeping(&fresh) || bytes[0] == TLS_CT_HANDSHAKE) {
            rec = wmem_new(wmem_file_scope(), struct pdu_record);
            *rec = fresh;
            p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key, rec);
        }
    } else if (!rec && tvb_get_uint8(tvb, 0) == TLS_CT_HANDSHAKE) {
        return show_not_on_first_pass(tvb, pinfo, tree, conn, 0);
    }
    if (rec)
        show_findings(tvb, pinfo, tree, conn, rec);
    if (rec && rec->tls_withheld) {
        col_append_sep_str(pinfo->cinfo, COL_INFO, NULL, "TLS record (not decoded)");
        call_data_dissector(tvb, pinfo, tree);
    } else {
        call_dissector(tls_handle, tvb, pinfo, tree);
    }
    return len;
}

/* A TDS packet that carries TLS of the handshake (PRELOGIN, or a server's
 * type 0x04): its records to Wireshark's TLS dissector, whole. first_look:
 * the first pass's traits of its records, NULL on a later pass. */
static int dissect_tls_carrier(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, struct sql_connection *conn,
                               enum tdstls_side side, uint32_t key, struct pdu_record *rec,
                               const struct tls_traits *first_look)
{
    uint8_t type = rec->carrier;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "TDS");
    const char *info = col_get_text(pinfo->cinfo, COL_INFO);
    if (!info || !*info) {               /* once per frame, however many packets */
        col_set_str(pinfo->cinfo, COL_INFO, type == TDS_PRELOGIN ? "TDS7 pre-login message (TLS)" : "Response (TLS)");
        col_set_fence(pinfo->cinfo, COL_INFO);
    }
    tvbuff_t *tls_tvb = !rec->tls_len         ? NULL
                        : rec->findings.cut   ? tvb_new_subset_remaining(tvb, TDS_HEADER_LEN) /* cut: as captured */
                        : rec->tls_in_place   ? tvb_new_subset_length(tvb, TDS_HEADER_LEN, rec->tls_len)
                                              : tdstls_tls_copy_tvb(tvb, pinfo, rec->tls, rec->tls_len);
    if (tls_tvb && first_look)
        rec->tls_withheld = tdstls_tls_verdict(conn, side, pinfo, tvb_get_ptr(tls_tvb, 0, rec->tls_len), rec->tls_len,
                                        (uint32_t)tvb_raw_offset(tls_tvb), &rec->findings, first_look);
    add_tds_header(tvb, tree);
    show_findings(tvb, pinfo, tree, conn, rec);
    if (tls_tvb && preferences->decode_tls && !rec->tls_withheld)
        call_dissector(tls_handle, tls_tvb, pinfo, tree);
    else if (!rec->tls_len && rec->findings.cut)
        col_append_str(pinfo->cinfo, COL_INFO, ", TLS cut by the capture's snapshot length");
    else if (!rec->tls_len && key == 1)  /* say it once, on the frame's first packet */
        col_append_str(pinfo->cinfo, COL_INFO, ", TLS record continues in a later packet");
    return (int)tvb_captured_length(tvb);
}

static int dissect_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    struct sql_connection *conn = (struct sql_connection *)data;
    enum tdstls_side side = tdstls_side_of(conn, pinfo);
    uint32_t key = next_pdu_key(pinfo);
    unsigned len = tvb_captured_length(tvb);
    bool visited = PINFO_FD_VISITED(pinfo);
    if (!visited && cut_by_capture(tvb)) {
        /* the capture holds only its start: the frames TCP hands over
         * until its end continue it, and keep its phase (open_pdu) */
        conn->cut_pdu_end[side] = conn->frame_seq + (uint32_t)(tvb_raw_offset(tvb) - conn->frame_raw_offset) +
                                  tvb_reported_length(tvb);
        conn->cut_pdu_open[side] = true;
    } else if (!visited) {               /* a whole PDU: none of this side is open now */
        conn->open_pdu[side].phase = PHASE_UNKNOWN;
    }

    if (looks_like_tls(tvb, 0))
        return dissect_raw_tls(tvb, pinfo, tree, conn, side, key);

    struct pdu_record *rec = (struct pdu_record *)p_get_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key);
    uint8_t type = len >= TDS_HEADER_LEN ? tvb_get_uint8(tvb, 0) : 0;
    if (!visited && len >= TDS_HEADER_LEN && carries_tls(conn, side, tvb, type)) {
        struct tls_traits traits = {0};
        rec = wmem_new0(wmem_file_scope(), struct pdu_record);
        rec->carrier = type;
        tvbuff_t *payload = tvb_new_subset_remaining(tvb, TDS_HEADER_LEN);
        if (cut_by_capture(tvb)) {
            cut_prelogin_tls(conn, side, pinfo, payload, rec, &traits);
            /* Wireshark's TLS dissector shows what it can of them, as stock
             * tds has it do (dissect_tls_carrier hands the bytes as captured) */
            rec->tls_len = tvb_captured_length(payload);
        } else if (conn->prelogin_tls_lost[side] && !looks_like_tls(tvb, TDS_HEADER_LEN)) {
            /* the rest of a record whose start the capture cut: still the handshake, nothing to read */
            tdstls_conn_tls(&conn->analysis, pinfo->num, tdstls_ns_of(&pinfo->abs_ts), side, true, NULL, 0, &rec->findings,
                            &traits);
        } else {
            conn->prelogin_tls_lost[side] = false;
            const uint8_t *tls = gather_prelogin_tls(conn, side, payload, rec);
            tdstls_conn_tls(&conn->analysis, pinfo->num, tdstls_ns_of(&pinfo->abs_ts), side, true, tls, rec->tls_len,
                            &rec->findings, &traits);
        }
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key, rec);
        return dissect_tls_carrier(tvb, pinfo, tree, conn, side, key, rec, &traits);
    }
    if (!visited && len >= TDS_HEADER_LEN && stock_tds_hands_to_tls(tvb, type))
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, key, (void *)&went_to_stock_tds);
    else if (visited && !rec && len >= TDS_HEADER_LEN && stock_tds_hands_to_tls(tvb, type))
        return show_not_on_first_pass(tvb, pinfo, tree, conn, type);
    if (rec && rec->carrier)
        return dissect_tls_carrier(tvb, pinfo, tree, conn, side, key, rec, NULL);

    /* Any other TDS packet: the stock dissector, and its type for the phase. */
    if (!visited) {
        if (len >= TDS_HEADER_LEN && type != TDS_SMP) {
            tdstls_conn_clear_tds(&conn->analysis, pinfo->num, side, type,
                                  tvb_get_ptr(tvb, TDS_HEADER_LEN, len - TDS_HEADER_LEN), len - TDS_HEADER_LEN);
            tdstls_conv_note_route(conn, pinfo->num);
        } else
            tdstls_conn_other_data(&conn->analysis, pinfo->num, side);
    }
    return call_dissector(tds_handle, tvb, pinfo, tree);
}

/* Decrypted TLS application data (a keylog): TDS. Its packet type tells the
 * phase for certain; then the stock tds dissector shows it. */
static int dissect_tdstls_decrypted(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!PINFO_FD_VISITED(pinfo) && tvb_captured_length(tvb) >= TDS_HEADER_LEN) {
        struct sql_connection *conn = tdstls_conv_get(pinfo, false, -1);
        uint8_t type = tvb_get_uint8(tvb, 0);
        uint16_t len = tvb_get_ntohs(tvb, 2);
        /* a record may start inside a TDS packet: only a plausible header counts */
        unsigned have = tvb_captured_length(tvb);
        if (conn && len >= TDS_HEADER_LEN && tvb_get_uint8(tvb, 1) <= 0x1F) {
            tdstls_conn_decrypted_tds(&conn->analysis, pinfo->num, tdstls_side_of(conn, pinfo), type,
                                      tvb_get_ptr(tvb, TDS_HEADER_LEN, have - TDS_HEADER_LEN), have - TDS_HEADER_LEN);
            tdstls_conv_note_route(conn, pinfo->num);
        }
    }
    return call_dissector_with_data(tds_handle, tvb, pinfo, tree, data);
}

/* The first payload of a connection on a TDS port: a TDS packet or a TLS
 * record (a capture may start anywhere in a connection), or not ours. A
 * ClientHello whose ALPN offers other protocols and not tds/8.0 is HTTPS
 * or the like; one without ALPN may still be TDS 8 from a client that
 * cannot send ALPN. */
static bool starts_like_tds(tvbuff_t *tvb)
{
    uint8_t head[TDS_HEADER_LEN];
    unsigned n = MIN(tvb_captured_length(tvb), sizeof head);
    tvb_memcpy(tvb, head, 0, n);
    if (tls_record_header_plausible(head, n)) {
        unsigned len = tvb_captured_length(tvb);
        return head[0] != TLS_CT_HANDSHAKE || tls_first_record_alpn(tvb_get_ptr(tvb, 0, len), len) != TLS_ALPN_OTHER;
    }
    return tds_header_plausible(head, n) || (n > 0 && head[0] == TDS_SMP);
}

/* The frames where a TDS 4.2/5.0 login showed (their note, every pass). */
static wmem_map_t *legacy_logins;

/* A connection that begins with a TDS 4.2/5.0 login. */
static bool starts_legacy_tds(tvbuff_t *tvb)
{
    uint8_t head[TDS_HEADER_LEN];
    unsigned n = tvb_captured_length(tvb) < sizeof head ? tvb_captured_length(tvb) : sizeof head;
    tvb_memcpy(tvb, head, 0, n);
    return n == sizeof head && head[0] == TDS_TYPE_LEGACY_LOGIN && tds_header_plausible(head, n);
}

/* One note on the login's frame: what it is, and that stock shows it. */
static void note_legacy_tds(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    proto_item *ti = proto_tree_add_item(tree, proto_tdstls, tvb, 0, 0, ENC_NA);
    proto_item_append_text(ti, ": TDS 4.2/5.0, not analysed");
    struct expert_anchors anchors = {ti, {NULL}};
    struct check_context ctx = {NULL, NULL, tdstls_suite_name, 0, NULL, NULL};
    tdstls_expert_add(pinfo, tree, &anchors, CHECK_BIT(CHECK_TDS_LEGACY), &ctx);
}

/* A connection on a TDS port that is not TDS goes to stock tds, as it
 * would without tdstls: with the desegmenting TCP allowed us (each call
 * lowers it; see packet-socks.c), and without tdstls among the frame's
 * protocols (frame.protocols), as packet.c's remove_last_layer() would
 * leave it had tdstls declined. */
static int hand_back_to_tds(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    wmem_list_frame_t *last = pinfo->layers ? wmem_list_tail(pinfo->layers) : NULL;
    if (last && GPOINTER_TO_INT(wmem_list_frame_data(last)) == proto_tdstls) {
        wmem_list_remove_frame(pinfo->layers, last);
        pinfo->curr_layer_num--;
        int *count = pinfo->proto_layers ? (int *)wmem_map_lookup(pinfo->proto_layers, GINT_TO_POINTER(proto_tdstls))
                                         : NULL;
        if (count && *count > 0)
            (*count)--;
        last = wmem_list_tail(pinfo->layers);
        int *below = last && pinfo->proto_layers ? (int *)wmem_map_lookup(pinfo->proto_layers, wmem_list_frame_data(last))
                                                 : NULL;
        if (below)
            pinfo->curr_proto_layer_num = *below;
    }
    pinfo->can_desegment = pinfo->saved_can_desegment;
    return call_dissector_only(tds_handle, tvb, pinfo, tree, data);
}

/* File-scope proto data key of a frame that continues a PDU a snapshot
 * length cut (PDU records take keys from 1): how many of its bytes do. */
#define FILE_KEY_CUT_CONTINUATION 0

/* Sequence numbers wrap: a before b. */
static bool seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* How many bytes at the start of this frame continue a PDU a snapshot
 * length cut in an earlier frame of its side (0: none). TCP cannot join
 * them and hands them over as if they began PDUs, but they are the middle
 * of that one: the frame keeps its phase, the bytes show as data, and PDUs
 * begin again after them. */
static unsigned continues_cut_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, struct sql_connection *conn,
                                  const struct tcpinfo *ti)
{
    enum tdstls_side side = tdstls_side_of(conn, pinfo);
    unsigned n, captured = tvb_captured_length(tvb);
    if (!PINFO_FD_VISITED(pinfo)) {
        if (!ti || !conn->cut_pdu_open[side])
            return 0;
        conn->cut_pdu_open[side] = false;
        if (!seq_before(ti->seq, conn->cut_pdu_end[side]))
            return 0;                        /* past its end: PDUs begin again */
        uint32_t rest = conn->cut_pdu_end[side] - ti->seq;
        n = rest < tvb_reported_length(tvb) ? rest : tvb_reported_length(tvb);
        if (n == tvb_reported_length(tvb))
            conn->cut_pdu_open[side] = true; /* it goes on in the next frame */
        p_add_proto_data(wmem_file_scope(), pinfo, proto_tdstls, FILE_KEY_CUT_CONTINUATION, GUINT_TO_POINTER(n));
        tdstls_conv_carry_open_pdu(conn, pinfo->num, side);
    } else {
        n = GPOINTER_TO_UINT(p_get_proto_data(wmem_file_scope(), pinfo, proto_tdstls, FILE_KEY_CUT_CONTINUATION));
        if (!n)
            return 0;
    }
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "TDS");
    col_set_str(pinfo->cinfo, COL_INFO, "Continuation of a PDU cut by the capture's snapshot length");
    call_data_dissector(tvb_new_subset_length(tvb, 0, n < captured ? (int)n : (int)captured), pinfo, tree);
    return n;
}

/* TCP payload of a SQL Server connection: on one of our ports, or of a
 * connection the heuristic claimed. data: TCP's struct tcpinfo. */
static int dissect_tdstls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    bool rejected;
    struct sql_connection *conn = tdstls_conv_find(pinfo, &rejected);
    if (rejected) {                              /* as Wireshark would without tdstls */
        int taken = hand_back_to_tds(tvb, pinfo, tree, data);
        if (wmem_map_contains(legacy_logins, GUINT_TO_POINTER(pinfo->num)))
            note_legacy_tds(tvb, pinfo, tree);
        return taken;
    }
    if (!conn || !conn->confirmed) {
        bool legacy = starts_legacy_tds(tvb);
        if (legacy || !starts_like_tds(tvb)) {
            tdstls_conv_reject(pinfo);
            int taken = hand_back_to_tds(tvb, pinfo, tree, data);
            if (legacy) {
                wmem_map_insert(legacy_logins, GUINT_TO_POINTER(pinfo->num), GUINT_TO_POINTER(1));
                note_legacy_tds(tvb, pinfo, tree);
            }
            return taken;
        }
        int dst_is_server = pinfo->match_uint == pinfo->destport ? 1 : (pinfo->match_uint == pinfo->srcport ? 0 : -1);
        conn = conn ? conn : tdstls_conv_get(pinfo, true, dst_is_server);
        if (!conn)
            return 0;
        tdstls_conv_confirm(conn, pinfo);
        /* Decrypted records (a keylog) of this connection are TDS, on any
         * port. Per connection, not a tls.port entry: TLS to port 1433
         * that is not SQL Server's (HTTPS) stays as Wireshark shows it. */
        tls_set_appdata_dissector(tls_handle, pinfo, decrypted_handle);
    }
    struct tdstls_frame *frame = tdstls_frame_of(pinfo, true);
    frame->conn = conn;
    if (data && !frame->have_tcp_flags) {
        frame->tcp_flags = ((const struct tcpinfo *)data)->flags;
        frame->have_tcp_flags = true;
    }
    unsigned continued = continues_cut_pdu(tvb, pinfo, tree, conn, (const struct tcpinfo *)data);
    if (continued >= tvb_captured_length(tvb))
        return tvb_captured_length(tvb);
    if (continued) {                     /* a PDU begins after the cut one's end */
        col_set_fence(pinfo->cinfo, COL_INFO);
        tvb = tvb_new_subset_remaining(tvb, (int)continued);
    }
    if (data) {
        conn->frame_seq = ((const struct tcpinfo *)data)->seq + continued;
        conn->frame_raw_offset = tvb_raw_offset(tvb);
    }
    /* Several PDUs may share a frame: each appends to Info behind a fence. */
    if (!continued)
        col_clear(pinfo->cinfo, COL_INFO);
    tcp_dissect_pdus(tvb, pinfo, tree, true, PDU_MIN_LEN, get_pdu_len, dissect_pdu, conn);
    /* A frame that only begins a PDU (TCP completes it in a later frame)
     * takes that PDU's phase, told from its header (get_pdu_len read it),
     * not the phase of the PDU before it; a frame with data of its own
     * keeps the phase its data showed. */
    if (!PINFO_FD_VISITED(pinfo))
        tdstls_conv_carry_open_pdu(conn, pinfo->num, tdstls_side_of(conn, pinfo));
    return tvb_captured_length(tvb);
}

static const value_string carrier_vals[] = {
    {0x00, "TCP (raw TLS records)"},
    {0x04, "TDS type 0x04 (response) packet"},
    {0x12, "TDS PRELOGIN packet"},
    {0, NULL},
};

void tdstls_dissect_register(int proto, const struct tdstls_prefs *p)
{
    static hf_register_info hf[] = {
        {&hf_carrier, {"TLS carried in", "tdstls.carrier", FT_UINT8, BASE_HEX, VALS(carrier_vals), 0, NULL, HFILL}},
        {&hf_tls_bytes, {"TLS bytes completed here", "tdstls.tls_bytes", FT_UINT32, BASE_DEC, NULL, 0,
                         "Bytes of whole TLS records handed to the TLS dissector from this packet", HFILL}},
        {&hf_cipher_suite, {"Cipher suite", "tdstls.cipher_suite", FT_UINT16, BASE_HEX, NULL, 0,
                            "Cipher suite the ServerHello selected", HFILL}},
        {&hf_dhe, {"DHE", "tdstls.dhe", FT_BOOLEAN, BASE_NONE, NULL, 0,
                   "The negotiated suite uses ephemeral finite-field Diffie-Hellman (TLS_DHE_*)", HFILL}},
        {&hf_dhe_offered, {"DHE offered", "tdstls.dhe_offered", FT_BOOLEAN, BASE_NONE, NULL, 0,
                           "The ClientHello offers at least one TLS_DHE_* suite", HFILL}},
        {&hf_offers_tds8, {"Offers ALPN tds/8.0", "tdstls.alpn_tds8", FT_BOOLEAN, BASE_NONE, NULL, 0,
                           "The ClientHello offers ALPN tds/8.0 (TDS 8 strict encryption)", HFILL}},
        {&hf_tls_version, {"Negotiated TLS version", "tdstls.tls_version", FT_UINT16, BASE_HEX, NULL, 0, NULL,
                           HFILL}},
        {&hf_key_share_group, {"TLS 1.3 key share group", "tdstls.key_share_group", FT_UINT16, BASE_HEX, NULL, 0,
                               "Not a TLS_DHE suite: RFC 8446 pads ffdhe values to len(p)", HFILL}},
        {&hf_dh_p_len, {"DH p length", "tdstls.dh.p_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dh_g_len, {"DH g length", "tdstls.dh.g_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dh_ys_len, {"DH Ys length", "tdstls.dh.ys_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dh_yc_len, {"DH Yc length", "tdstls.dh.yc_len", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_dh_ys_leading_zero, {"DH Ys has a leading zero", "tdstls.dh.ys_leading_zero", FT_BOOLEAN, BASE_NONE,
                                  NULL, 0, "dh_Ys starts with 0x00 (padded) or is shorter than p (stripped)", HFILL}},
        {&hf_dh_yc_leading_zero, {"DH Yc has a leading zero", "tdstls.dh.yc_leading_zero", FT_BOOLEAN, BASE_NONE,
                                  NULL, 0, "dh_Yc starts with 0x00 (padded) or is shorter than p (stripped)", HFILL}},
        {&hf_finished, {"Finished (encrypted)", "tdstls.finished", FT_BOOLEAN, BASE_NONE, NULL, 0,
                        "This direction's Finished message is in this packet", HFILL}},
        {&hf_alert_desc, {"Fatal alert", "tdstls.alert", FT_UINT8, BASE_DEC, NULL, 0,
                          "Alert description of a clear fatal alert during the handshake", HFILL}},
        {&hf_sni, {"Server name asked for", "tdstls.sni", FT_STRING, BASE_NONE, NULL, 0,
                   "The ClientHello's server_name: what the client checks the certificate against", HFILL}},
        {&hf_offered_max_version, {"Highest TLS version offered", "tdstls.offered_max_version", FT_UINT16, BASE_HEX,
                                   NULL, 0, "From supported_versions, else the ClientHello's legacy version", HFILL}},
        {&hf_cert_subject, {"Subject CN", "tdstls.cert.subject_cn", FT_STRING, BASE_NONE, NULL, 0,
                            "The server certificate's commonName", HFILL}},
        {&hf_cert_issuer, {"Issuer CN", "tdstls.cert.issuer_cn", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_cert_names, {"Names", "tdstls.cert.names", FT_STRING, BASE_NONE, NULL, 0,
                          "subjectAltName DNS names and IP addresses", HFILL}},
        {&hf_cert_self_signed, {"Self-signed", "tdstls.cert.self_signed", FT_BOOLEAN, BASE_NONE, NULL, 0,
                                "Issuer and subject are the same name", HFILL}},
        {&hf_cert_not_before, {"Valid from", "tdstls.cert.not_before", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0,
                               NULL, HFILL}},
        {&hf_cert_not_after, {"Valid until", "tdstls.cert.not_after", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0,
                              NULL, HFILL}},
        {&hf_cert_key, {"Key", "tdstls.cert.key", FT_STRING, BASE_NONE, NULL, 0, "Public key type and size", HFILL}},
        {&hf_cert_signature, {"Signature", "tdstls.cert.signature", FT_STRING, BASE_NONE, NULL, 0,
                              "The issuer's signature algorithm", HFILL}},
    };
    static int *ett[] = {&ett_tdstls, &ett_dh, &ett_cert, &ett_tds_header, &ett_tds_status};
    proto_tdstls = proto;
    preferences = p;
    /* the TLS version names come from the core */
    for (size_t i = 0; i < G_N_ELEMENTS(hf); i++)
        if (hf[i].p_id == &hf_tls_version || hf[i].p_id == &hf_offered_max_version)
            hf[i].hfinfo.strings = VALS(tdstls_tls_version_vals());
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    tdstls_handle = register_dissector("tdstls", dissect_tdstls, proto);
    register_dissector("tdstls.decrypted", dissect_tdstls_decrypted, proto);
}

static int field_id(const char *name)
{
    header_field_info *hfi = proto_registrar_get_byname(name);
    return hfi ? hfi->id : -1;
}

void tdstls_dissect_handoff(void)
{
    tds_handle = find_dissector_add_dependency("tds", proto_tdstls);
    legacy_logins = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    tls_handle = find_dissector_add_dependency("tls", proto_tdstls);
    proto_tds = proto_get_id_by_filter_name("tds");
    hf_tds_type = field_id("tds.type");
    hf_tds_status = field_id("tds.status");
    hf_tds_length = field_id("tds.length");
    hf_tds_channel = field_id("tds.channel");
    hf_tds_packet_number = field_id("tds.packet_number");
    hf_tds_window = field_id("tds.window");
    hf_tds_prelogin = field_id("tds.prelogin");
    static const char *const status_bit_names[G_N_ELEMENTS(hf_tds_status_bits)] = {
        "tds.status.eom", "tds.status.ignore", "tds.status.event_notif", "tds.status.reset_conn",
        "tds.status.reset_conn_skip_tran"};
    size_t n_bits = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(status_bit_names); i++)
        if ((hf_tds_status_bits[i] = field_id(status_bit_names[i])) >= 0)
            tds_status_bits[n_bits++] = &hf_tds_status_bits[i];
    tds_status_bits[n_bits] = NULL;

    /* Our handoff runs after the built-in ones, so this takes TCP 1433 over
     * from tds; tds still gets every TDS packet that carries no TLS. */
    dissector_add_uint_range_with_preference("tcp.port", TDSTLS_DEFAULT_PORTS, tdstls_handle);
    tdstls_conv_handoff(tdstls_handle);
    tdstls_find_handoff(tdstls_handle);
    /* Decrypted data (with a keylog) is TDS: of each connection tdstls takes
     * (tls_set_appdata_dissector, in dissect_tdstls), and by ALPN tds/8.0.
     * Our handle reads its packet type for the phase, then calls tds. */
    decrypted_handle = find_dissector("tdstls.decrypted");
    dissector_add_string("tls.alpn", "tds/8.0", decrypted_handle);
}
