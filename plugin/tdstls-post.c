/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A post-dissector, as transum is, since pure FIN/RST frames carry no
 * payload and never reach a TCP subdissector. On the first pass it feeds
 * each frame's TCP flags to the core, which labels the frame; every pass
 * shows the label, and builds the tree only when someone reads it.
 */
#define WS_BUILD_DLL
#include "tdstls-post.h"

#include <stdio.h>

#include <epan/packet.h>
#include <epan/tap.h>

#include "core/tcp_header.h"
#include "core/tds_prelogin.h"
#include "tdstls-conv.h"
#include "tdstls-expert.h"
#include "tdstls-find.h"
#include "tdstls-login.h"
#include "tdstls-names.h"
#include "tdstls-generated.h"
#include "tdstls-time.h"

#define DIAGNOSIS_MAX 1536

static int proto_tdstls = -1, tap_tdstls = -1;
static const struct tdstls_prefs *preferences;
static int hf_tcp_flags = -1;

static int hf_phase = -1, hf_phase_name = -1, hf_phase_inferred = -1;
static int hf_since_syn = -1, hf_since_previous = -1, hf_phase_previous = -1, hf_login_time = -1;
static int hf_close_initiator = -1, hf_close_kind = -1, hf_close_abnormal = -1, hf_close_phase = -1;
static int hf_close_phase_name = -1;
static int hf_diagnosis = -1, hf_diagnosis_kind = -1, hf_diagnosis_by = -1, hf_evidence_frame = -1;
static int ett_tdstls = -1, ett_close = -1, ett_diagnosis = -1;

/* The tcp.flags field, where the tree has it (read through the field's
 * bytes, the same on Wireshark 4.0 and 4.4, whose field_info differ). */
static bool tcp_flags_in_tree(proto_tree *tree, uint16_t *flags)
{
    if (!tree || hf_tcp_flags < 0)
        return false;
    GPtrArray *found = proto_get_finfo_ptr_array(tree, hf_tcp_flags);
    if (!found || found->len == 0)
        return false;
    field_info *fi = (field_info *)g_ptr_array_index(found, 0);
    if (!fi->ds_tvb || fi->length != 2 || tvb_captured_length_remaining(fi->ds_tvb, fi->start) < 2)
        return false;
    *flags = tvb_get_ntohs(fi->ds_tvb, fi->start) & 0x0FFF;
    return true;
}

/* The TCP flags of this frame, without asking for a protocol tree: those
 * TCP handed the dissector with a payload (its payload went through
 * tdstls: payload_len 0, nothing left to tell), else the TCP header in the
 * frame's bytes (flags and payload length), else the tcp.flags field where
 * a tree has it anyway. */
static bool tcp_segment(tvbuff_t *frame, packet_info *pinfo, proto_tree *tree, struct tcp_segment *seg,
                        bool *handed)
{
    const struct tdstls_frame *seen = tdstls_frame_of(pinfo, false);
    *handed = seen && seen->have_tcp_flags;
    seg->payload_len = 0;
    struct tcp_endpoints ep = {0, pinfo->src.data, pinfo->dst.data, (uint16_t)pinfo->srcport,
                               (uint16_t)pinfo->destport};
    if (pinfo->src.type == AT_IPv4 && pinfo->src.len == 4 && pinfo->dst.type == AT_IPv4 && pinfo->dst.len == 4)
        ep.ip_version = 4;
    else if (pinfo->src.type == AT_IPv6 && pinfo->src.len == 16 && pinfo->dst.type == AT_IPv6 && pinfo->dst.len == 16)
        ep.ip_version = 6;
    unsigned len = tvb_captured_length(frame);
    if (ep.ip_version && tcp_segment_in_frame(tvb_get_ptr(frame, 0, len), len, &ep, seg))
        return true;
    seg->payload_len = 0;
    if (*handed) {
        seg->flags = seen->tcp_flags;
        return true;
    }
    return tcp_flags_in_tree(tree, &seg->flags);
}

/* The first bytes of the frame's TCP payload, for a PDU TCP handed to no
 * dissector (tdstls_conv_carry_pdu_head). */
static void carry_pdu_head(tvbuff_t *frame, packet_info *pinfo, struct sql_connection *conn, enum tdstls_side side,
                           const struct tcp_segment *seg)
{
    uint8_t head[TDS_HEADER_LEN + 1];        /* and the first token: an SSPI leg goes on with the login */
    if (seg->payload_offset >= (uint32_t)tvb_captured_length(frame))
        return;                              /* the payload lies past the capture's cut */
    int avail = tvb_captured_length_remaining(frame, (int)seg->payload_offset);
    size_t n = (size_t)avail < sizeof head ? (size_t)avail : sizeof head;
    n = n < seg->payload_len ? n : seg->payload_len;
    tvb_memcpy(frame, head, (int)seg->payload_offset, n);
    tdstls_conv_carry_pdu_head(conn, pinfo->num, side, head, n);
}

static nstime_t nstime_of(int64_t ns)
{
    nstime_t t;
    t.secs = (time_t)(ns / 1000000000);
    t.nsecs = (int)(ns % 1000000000);
    return t;
}

static proto_item *add_time(proto_tree *t, int hf, tvbuff_t *tvb, int64_t ns)
{
    nstime_t delta = nstime_of(ns);
    return tdstls_generated(proto_tree_add_time(t, hf, tvb, 0, 0, &delta));
}

/* On the first frame of a phase: when it started, how long the one before
 * took, and at the login response how long the login exchange took. */
static void show_phase_timing(tvbuff_t *tvb, proto_tree *t, const struct conn_results *r, enum tdstls_phase phase,
                              struct expert_anchors *anchors)
{
    int64_t since = r->phase_first_ns[phase] - r->start_ns;
    proto_item *ti = add_time(t, hf_since_syn, tvb, since);
    if (!r->phase_first_frame[PHASE_TCP_HANDSHAKE])     /* a capture begun mid-connection: say what it counts from */
        proto_item_set_text(ti, "Phase starts after this connection's first frame in the capture (its SYN is not "
                                "in it): %.9f seconds", (double)since / 1e9);
    enum tdstls_phase before;
    if (tdstls_phase_before(r, phase, &before)) {
        add_time(t, hf_since_previous, tvb, r->phase_first_ns[phase] - r->phase_first_ns[before]);
        tdstls_generated(proto_tree_add_uint(t, hf_phase_previous, tvb, 0, 0, before));
    }
    uint32_t start;
    int64_t ns;
    if (phase == PHASE_LOGIN_RESPONSE && tdstls_login_time(r, &start, &ns))
        anchors->at[CHECK_LOGIN_SLOW] = add_time(t, hf_login_time, tvb, ns);
}

/* The connection's first FIN/RST: who, how, in which phase. */
static void show_close(tvbuff_t *tvb, proto_tree *t, const struct conn_results *r, struct expert_anchors *anchors)
{
    bool by_server = r->close_side == SIDE_SERVER;
    proto_tree *ct = proto_tree_add_subtree(t, tvb, 0, 0, ett_close, NULL, "Connection close");
    tdstls_generated(proto_tree_add_string(ct, hf_close_initiator, tvb, 0, 0, by_server ? "server" : "client"));
    tdstls_generated(proto_tree_add_uint(ct, hf_close_kind, tvb, 0, 0, r->close_reset ? 1 : 0));
    tdstls_generated(proto_tree_add_uint(ct, hf_close_phase, tvb, 0, 0, r->phase_at_close));
    /* the name too, for -T fields and filters (as tdstls.phase.name); hidden:
     * the line above shows it already */
    proto_item_set_hidden(tdstls_generated(proto_tree_add_string(ct, hf_close_phase_name, tvb, 0, 0,
                                                          tdstls_phase_name(r->phase_at_close))));
    if (by_server)   /* a flag, present only when set: -Y tdstls.close.abnormal */
        anchors->at[CHECK_SERVER_CLOSED_FIRST] =
            tdstls_generated(proto_tree_add_boolean(ct, hf_close_abnormal, tvb, 0, 0, true));
}

/* Why the connection ended, on the frame that shows it: the alert, or the
 * first FIN/RST. */
static void show_diagnosis(tvbuff_t *tvb, proto_tree *t, const struct conn_results *r,
                           struct expert_anchors *anchors)
{
    char text[DIAGNOSIS_MAX];
    struct diagnosis_context ctx = {r, tdstls_suite_name};
    tdstls_diagnosis_text(&ctx, text, sizeof text);
    if (!text[0])
        return;
    const struct diagnosis_info *d = &tdstls_diagnoses[r->diagnosis];
    proto_tree *dt = proto_tree_add_subtree_format(t, tvb, 0, 0, ett_diagnosis, NULL, "Diagnosis: %s", d->short_text);
    proto_item *di = tdstls_generated(proto_tree_add_string(dt, hf_diagnosis, tvb, 0, 0, text));
    enum tdstls_check announced = tdstls_check_announcing(r->diagnosis);
    if (announced != CHECK_NONE)
        anchors->at[announced] = di;
    tdstls_generated(proto_tree_add_string(dt, hf_diagnosis_kind, tvb, 0, 0, d->name));
    tdstls_generated(proto_tree_add_string(dt, hf_diagnosis_by, tvb, 0, 0,
                                    r->diagnosis_side == SIDE_SERVER ? "server" : "client"));
    uint32_t frames[MAX_EVIDENCE];
    size_t n = tdstls_diagnosis_evidence(r, frames);
    for (size_t i = 0; i < n; i++)
        tdstls_generated(proto_tree_add_uint(dt, hf_evidence_frame, tvb, 0, 0, frames[i]));
}

/* "TDS TLS handshake analysis, phase 3: TLS handshake (inferred)": made once
 * per phase, as setting a finished text costs less than appending to one. */
static const char *item_text(enum tdstls_phase phase, bool inferred)
{
    static char texts[N_PHASES][2][80];
    if (phase >= N_PHASES)
        phase = PHASE_UNKNOWN;
    char *text = texts[phase][inferred];
    if (!text[0])
        snprintf(text, sizeof texts[0][0], "TDS TLS handshake analysis, phase %u: %s%s", phase,
                 tdstls_phase_name(phase), inferred ? " (inferred)" : "");
    return text;
}

/* The frame's label, with its fields when someone reads them. */
static void show_label(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, struct sql_connection *conn,
                       const struct frame_label *label)
{
    const struct conn_results *r = tdstls_conn_results(&conn->analysis);
    enum tdstls_phase phase = (enum tdstls_phase)label->phase;
    bool phase_starts = r->phase_first_frame[phase] == pinfo->num;
    check_set checks = tdstls_checks_of_frame(r, pinfo->num, label, preferences->login_budget_ms);
    struct check_context ctx = {r, NULL, tdstls_suite_name, preferences->login_budget_ms, NULL, NULL};
    struct expert_anchors anchors = {0};

    /* Most frames: nobody asked for tdstls's fields (no tree, filter or
     * column of ours), and there is nothing to warn of. Where there is, the
     * item is made anyway: the expert info hangs under it (Wireshark 4.6
     * shows none for -e _ws.expert.message without an item to hang on). */
    if (tree && (checks || proto_field_is_referenced(tree, proto_tdstls))) {
        proto_item *ti = proto_tree_add_item(tree, proto_tdstls, tvb, 0, 0, ENC_NA);
        if (PTREE_DATA(tree)->visible)   /* text only for a tree someone sees */
            proto_item_set_text(ti, "%s", item_text(phase, label->inferred));
        proto_tree *t = proto_item_add_subtree(ti, ett_tdstls);
        anchors.fallback = ti;
        tdstls_generated(proto_tree_add_uint(t, hf_phase, tvb, 0, 0, phase));
        tdstls_generated(proto_tree_add_string(t, hf_phase_name, tvb, 0, 0, tdstls_phase_name(phase)));
        if (label->inferred)     /* its blurb says how: order and direction, no keylog */
            tdstls_generated(proto_tree_add_boolean(t, hf_phase_inferred, tvb, 0, 0, true));
        if (phase_starts)
            show_phase_timing(tvb, t, r, phase, &anchors);
        if (label->first_close)
            show_close(tvb, t, r, &anchors);
        if (label->diagnosis)
            show_diagnosis(tvb, t, r, &anchors);
        tdstls_login_show(tvb, t, conn, pinfo->num, phase_starts);
    }
    if (!PINFO_FD_VISITED(pinfo))
        conn->raised |= checks;
    if (checks)
        tdstls_expert_add(pinfo, tree, &anchors, checks, &ctx);
}

static int dissect_tdstls_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (pinfo->ptype != PT_TCP)
        return 0;
    struct sql_connection *conn = NULL;
    struct frame_label label;
    if (!PINFO_FD_VISITED(pinfo)) {
        struct tcp_segment seg;
        bool handed;                         /* TCP handed its payload to tdstls */
        if (!tcp_segment(tvb, pinfo, tree, &seg, &handed))
            return 0;
        uint16_t flags = seg.flags;
        bool syn_only = (flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_ACK);
        /* A capture without SQL Server so far: only a SYN or a frame on a
         * TDS port can change that; no lookup for the others. */
        if (!tdstls_conv_any() && !syn_only && !tdstls_port_is_ours(pinfo->srcport) &&
            !tdstls_port_is_ours(pinfo->destport))
            return 0;
        conn = tdstls_conv_of_frame(pinfo);
        if (!conn) {
            /* A connection begins: on a TDS port, a port a Browser answer
             * gave, or any other port, where it may yet show it is SQL
             * Server's. Other frames of connections not (yet) ours: nothing. */
            if (!(syn_only ? tdstls_conversation_is_ours(pinfo)
                           : tdstls_port_is_ours(pinfo->srcport) || tdstls_port_is_ours(pinfo->destport))) {
                if (syn_only)
                    tdstls_find_watch(pinfo);
                return 0;
            }
            conn = tdstls_conv_get(pinfo, true, syn_only ? 1 : -1);
            if (!conn)
                return 0;
        }
        enum tdstls_side side = tdstls_side_of(conn, pinfo);
        if (seg.payload_len && !handed) {
            /* TCP handed the payload to no dissector. A copy of a segment
             * labelled before (a retransmission, a capture holding every
             * frame twice) takes its phase; a middle piece of a PDU cut
             * into many segments carries the PDU its side began last; with
             * none open, a reordered PDU names itself in its first bytes */
            if (!tdstls_conv_carry_repeated(conn, pinfo->num, side, seg.seq) &&
                !tdstls_conv_carry_open_pdu(conn, pinfo->num, side))
                carry_pdu_head(tvb, pinfo, conn, side, &seg);
        }
        label = tdstls_conn_tcp(&conn->analysis, pinfo->num, tdstls_ns_of(&pinfo->abs_ts), side,
                                (flags & TCP_FLAG_SYN) != 0, (flags & TCP_FLAG_FIN) != 0,
                                (flags & TCP_FLAG_RST) != 0);
        if (seg.payload_len)
            tdstls_conv_remember_segment(conn, side, seg.seq, &label);
    } else if (!tdstls_conv_any() || !(conn = tdstls_conv_of_frame(pinfo)) ||
               !tdstls_conn_label(tdstls_conn_results(&conn->analysis), pinfo->num, &label)) {
        return 0;                            /* not a TDS frame */
    }
    show_label(tvb, pinfo, tree, conn, &label);
    /* every labelled frame, also those before the connection is confirmed
     * (its SYN, where a Browser answer gave the port): the tables take
     * confirmed connections only, the ladder shows their SYN too */
    if (have_tap_listener(tap_tdstls))
        tap_queue_packet(tap_tdstls, pinfo, conn);
    return 0;
}

static const value_string close_kind_vals[] = {{0, "FIN"}, {1, "RST"}, {0, NULL}};

void tdstls_post_register(int proto, const struct tdstls_prefs *p)
{
    static hf_register_info hf[] = {
        {&hf_phase, {"Phase", "tdstls.phase", FT_UINT8, BASE_DEC, NULL, 0,
                     "Phase of the SQL Server connection this frame belongs to", HFILL}},
        {&hf_phase_name, {"Phase name", "tdstls.phase.name", FT_STRING, BASE_NONE, NULL, 0,
                          "The phase as text, for columns and exports", HFILL}},
        {&hf_phase_inferred, {"Phase inferred", "tdstls.phase.inferred", FT_BOOLEAN, BASE_NONE, NULL, 0,
                              "Told from the order and direction of encrypted records (no keylog), not from TDS "
                              "types; present only when true", HFILL}},
        {&hf_since_syn, {"Phase starts after SYN", "tdstls.phase.since_syn", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
                         "On the first frame of a phase: time since the connection's first frame", HFILL}},
        {&hf_since_previous, {"Previous phase took", "tdstls.phase.since_previous", FT_RELATIVE_TIME, BASE_NONE,
                              NULL, 0, "On the first frame of a phase: time since the previous phase began", HFILL}},
        {&hf_phase_previous, {"Previous phase", "tdstls.phase.previous", FT_UINT8, BASE_DEC, NULL, 0,
                              "On the first frame of a phase: the phase begun most recently before it", HFILL}},
        {&hf_login_time, {"Login exchange took", "tdstls.login_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
                          "From the first pre-login or TLS frame to the first login response frame", HFILL}},
        {&hf_close_initiator, {"Closed first by", "tdstls.close.initiator", FT_STRING, BASE_NONE, NULL, 0,
                               "Who sent the connection's first FIN or RST: client or server", HFILL}},
        {&hf_close_kind, {"First close", "tdstls.close.kind", FT_UINT8, BASE_DEC, VALS(close_kind_vals), 0, NULL,
                          HFILL}},
        {&hf_close_abnormal, {"Abnormal close", "tdstls.close.abnormal", FT_BOOLEAN, BASE_NONE, NULL, 0,
                              "The server, not the client, ended the connection first", HFILL}},
        {&hf_close_phase, {"Closed during", "tdstls.close.phase", FT_UINT8, BASE_DEC, NULL, 0,
                           "Phase the connection was in when the first FIN or RST came", HFILL}},
        {&hf_close_phase_name, {"Closed during (name)", "tdstls.close.phase.name", FT_STRING, BASE_NONE, NULL, 0,
                                "Name of the phase the connection was in when the first FIN or RST came", HFILL}},
        {&hf_diagnosis, {"Diagnosis", "tdstls.diagnosis", FT_STRING, BASE_NONE, NULL, 0,
                         "Why the connection ended: what the capture shows, what is inferred, the remedy", HFILL}},
        {&hf_diagnosis_kind, {"Kind", "tdstls.diagnosis.kind", FT_STRING, BASE_NONE, NULL, 0,
                              "kb4557473, cert_rejected, tls_version_mismatch, no_common_suite, ...", HFILL}},
        {&hf_diagnosis_by, {"Given up by", "tdstls.diagnosis.by", FT_STRING, BASE_NONE, NULL, 0,
                            "The side that ended the connection: client or server", HFILL}},
        {&hf_evidence_frame, {"Evidence in frame", "tdstls.evidence_frame", FT_FRAMENUM, BASE_NONE, NULL, 0, NULL,
                              HFILL}},
    };
    static int *ett[] = {&ett_tdstls, &ett_close, &ett_diagnosis};
    proto_tdstls = proto;
    preferences = p;
    /* the phase names come from the core */
    for (size_t i = 0; i < G_N_ELEMENTS(hf); i++)
        if (hf[i].p_id == &hf_phase || hf[i].p_id == &hf_close_phase || hf[i].p_id == &hf_phase_previous)
            hf[i].hfinfo.strings = VALS(tdstls_phase_vals());
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    tap_tdstls = register_tap("tdstls");
    /* No wanted fields (set_postdissector_wanted_hfids): tshark would then
     * build a protocol tree for every frame of a first pass that needs none;
     * tcp_segment() finds what it needs without one. */
    register_postdissector(create_dissector_handle(dissect_tdstls_post, proto));
}

void tdstls_post_handoff(void)
{
    header_field_info *hfi = proto_registrar_get_byname("tcp.flags");
    hf_tcp_flags = hfi ? hfi->id : -1;
}
