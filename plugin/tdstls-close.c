/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every frame of a TDS connection, SYN, bare ACK, FIN and RST included:
 * its phase, and on the first FIN/RST who closed, how, and why. A
 * post-dissector, as transum does, since pure FIN/RST frames carry no
 * payload and never reach a TCP subdissector.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/tap.h>

#include "packet-tdstls.h"

#define TCP_FLAG_FIN 0x001
#define TCP_FLAG_SYN 0x002
#define TCP_FLAG_RST 0x004
#define TCP_FLAG_ACK 0x010
#define DIAGNOSIS_MAX 768

static int hf_tcp_flags = -1;

void tdstls_close_init_fields(dissector_handle_t post_handle)
{
    header_field_info *hfi = proto_registrar_get_byname("tcp.flags");
    hf_tcp_flags = hfi ? hfi->id : -1;
    if (hf_tcp_flags < 0)
        return;
    GArray *wanted = g_array_new(false, false, (unsigned)sizeof(int));
    g_array_append_val(wanted, hf_tcp_flags);
    set_postdissector_wanted_hfids(post_handle, wanted);
}

/* The TCP flags of this frame, read through the field's bytes (works the
 * same on Wireshark 4.0 and 4.4, whose field_info differ). */
static bool tcp_flags(proto_tree *tree, uint16_t *flags)
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

static void show_close(tvbuff_t *tvb, packet_info *pinfo, proto_tree *t, const struct tdstls_conv *conv,
                       unsigned close_flags)
{
    const struct tdstls_conn *c = &conv->core;
    if (close_flags & CLOSE_FIRST) {
        bool by_server = (close_flags & CLOSE_BY_SERVER) != 0;
        bool reset = (close_flags & CLOSE_RESET) != 0;
        proto_tree *ct = proto_tree_add_subtree(t, tvb, 0, 0, ett_tdstls_close, NULL, "Connection close");
        proto_item_set_generated(
            proto_tree_add_string(ct, hf_tdstls_close_initiator, tvb, 0, 0, by_server ? "server" : "client"));
        proto_item_set_generated(proto_tree_add_uint(ct, hf_tdstls_close_kind, tvb, 0, 0, reset ? 1 : 0));
        proto_item_set_generated(proto_tree_add_uint(ct, hf_tdstls_close_phase, tvb, 0, 0, c->phase_at_close));
        if (!by_server)
            goto resets;
        /* a flag, present only when set: -Y tdstls.close.abnormal */
        proto_item *ab = proto_tree_add_boolean(ct, hf_tdstls_close_abnormal, tvb, 0, 0, true);
        proto_item_set_generated(ab);
        char diagnosis[DIAGNOSIS_MAX];
        tdstls_conn_diagnosis(c, c->tls.suite_known ? tdstls_suite_name(c->tls.suite) : NULL, diagnosis,
                              sizeof diagnosis);
        proto_item *di = proto_tree_add_string(ct, hf_tdstls_diagnosis, tvb, 0, 0, diagnosis);
        proto_item_set_generated(di);
        if (tdstls_check_close)
            expert_add_info_format(pinfo, ab, &ei_tdstls_server_closed_first,
                                   "Server %s the connection first, %s (%s phase)", reset ? "reset" : "closed",
                                   tdstls_close_story(c), tdstls_phase_name(c->phase_at_close));
        if (close_flags & CLOSE_KB4557473) {
            uint32_t evidence[] = {c->frame_server_hello, c->frame_client_key_exchange, c->frame_client_finished};
            for (size_t i = 0; i < G_N_ELEMENTS(evidence); i++)
                if (evidence[i])
                    proto_item_set_generated(
                        proto_tree_add_uint(ct, hf_tdstls_evidence_frame, tvb, 0, 0, evidence[i]));
            /* Expert summaries stop at 240 characters: the short form here,
             * the whole story in tdstls.diagnosis. */
            if (tdstls_check_close)
                expert_add_info_format(pinfo, di, &ei_tdstls_kb4557473,
                                       "KB 4557473: DHE leading-zero mismatch: server quit after the client's "
                                       "Finished (frame %u) with %s; patch both ends or disable TLS_DHE suites",
                                       c->frame_client_finished, tdstls_suite_name(c->tls.suite));
        }
    }
resets:
    if (!tdstls_check_close)
        return;
    if (close_flags & CLOSE_SERVER_RESET)
        expert_add_info(pinfo, proto_tree_get_parent(t), &ei_tdstls_server_reset);
    if (close_flags & CLOSE_CLIENT_RESET)
        expert_add_info(pinfo, proto_tree_get_parent(t), &ei_tdstls_client_reset);
}

/* On the first frame of a phase: when it started, how long the one before
 * took, and at the login response whether login kept within the budget. */
static void show_phase_timing(tvbuff_t *tvb, packet_info *pinfo, proto_tree *t, const struct tdstls_conv *conv,
                              enum tdstls_phase phase)
{
    nstime_t delta;
    nstime_delta(&delta, &pinfo->abs_ts, &conv->first_time);
    proto_item_set_generated(proto_tree_add_time(t, hf_tdstls_phase_since_syn, tvb, 0, 0, &delta));
    /* the phase begun most recently before this one (TDS 8 runs 3 before 2) */
    uint32_t prev_frame = 0;
    enum tdstls_phase prev = PHASE_UNKNOWN;
    for (int p = PHASE_UNKNOWN; p <= PHASE_CLOSE; p++) {
        uint32_t f = conv->phase_first_frame[p];
        if (p != (int)phase && f && f < pinfo->num && f > prev_frame) {
            prev_frame = f;
            prev = (enum tdstls_phase)p;
        }
    }
    if (prev_frame) {
        nstime_delta(&delta, &pinfo->abs_ts, &conv->phase_first_time[prev]);
        proto_item *it = proto_tree_add_time(t, hf_tdstls_phase_since_previous, tvb, 0, 0, &delta);
        proto_item_set_generated(it);
        proto_item_append_text(it, " (%s)", tdstls_phase_name(prev));
    }
    if (phase != PHASE_LOGIN_RESPONSE)
        return;
    /* login exchange: from pre-login (or, in TDS 8, the TLS handshake before it) */
    const nstime_t *start = NULL;
    uint32_t start_frame = 0;
    for (int p = PHASE_PRELOGIN; p <= PHASE_TLS_HANDSHAKE; p++)
        if (conv->phase_first_frame[p] && (!start_frame || conv->phase_first_frame[p] < start_frame)) {
            start_frame = conv->phase_first_frame[p];
            start = &conv->phase_first_time[p];
        }
    if (!start)
        return;
    nstime_delta(&delta, &pinfo->abs_ts, start);
    proto_item *it = proto_tree_add_time(t, hf_tdstls_login_time, tvb, 0, 0, &delta);
    proto_item_set_generated(it);
    double ms = nstime_to_msec(&delta);
    if (tdstls_login_budget_ms && ms > tdstls_login_budget_ms)
        expert_add_info_format(pinfo, it, &ei_tdstls_login_slow,
                               "Login exchange took %.0f ms (frames %u to %u), over the %u ms budget "
                               "(preference tdstls.login_budget_ms): expect login timeouts",
                               ms, start_frame, pinfo->num, tdstls_login_budget_ms);
}

/* Frame labels as runs per connection: (first frame, label) appended on
 * the first pass, in frame order, whenever the label differs from the
 * previous frame's. A frame's label is that of the last run starting at or
 * before it. Costs a few entries per connection instead of an allocation
 * per frame. */
struct label_run {
    uint32_t first_frame;
    uint32_t label;
};

static void remember_label(struct tdstls_conv *conv, uint32_t frame, uint32_t label)
{
    if (!conv->label_runs)
        conv->label_runs = wmem_array_sized_new(wmem_file_scope(), sizeof(struct label_run), 8);
    unsigned n = wmem_array_get_count(conv->label_runs);
    const struct label_run *last = n ? (const struct label_run *)wmem_array_index(conv->label_runs, n - 1) : NULL;
    if (last && last->label == label)
        return;
    struct label_run run = {frame, label};
    wmem_array_append_one(conv->label_runs, run);
}

static uint32_t label_of(const struct tdstls_conv *conv, uint32_t frame)
{
    if (!conv->label_runs)
        return 0;
    const struct label_run *runs = (const struct label_run *)wmem_array_get_raw(conv->label_runs);
    unsigned lo = 0, hi = wmem_array_get_count(conv->label_runs);   /* first run after frame: [lo, hi) */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (runs[mid].first_frame <= frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? runs[lo - 1].label : 0;
}

int dissect_tdstls_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (pinfo->ptype != PT_TCP)
        return 0;
    struct tdstls_conv *conv = tdstls_conv_of_frame(pinfo);
    uint32_t stored;
    if (!PINFO_FD_VISITED(pinfo)) {
        uint16_t flags;
        if (!tcp_flags(tree, &flags))
            return 0;
        bool syn_only = (flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_ACK);
        if (!conv) {
            if (!port_is_ours(pinfo->srcport) && !port_is_ours(pinfo->destport))
                return 0;                    /* not a TDS connection */
            conv = tdstls_conv_get(pinfo, true, syn_only ? 1 : -1);
            if (!conv)
                return 0;
        }
        bool inferred;
        unsigned close_flags;
        enum tdstls_phase phase = tdstls_conn_tcp(&conv->core, pinfo->num, tdstls_side_of(conv, pinfo),
                                                  (flags & TCP_FLAG_SYN) != 0, (flags & TCP_FLAG_FIN) != 0,
                                                  (flags & TCP_FLAG_RST) != 0, &inferred, &close_flags);
        stored = FRAME_PACK(phase, inferred, close_flags);
        remember_label(conv, pinfo->num, stored);
        if (!conv->phase_first_frame[phase]) {
            conv->phase_first_frame[phase] = pinfo->num;
            conv->phase_first_time[phase] = pinfo->abs_ts;
        }
        if (phase != PHASE_CLOSE && phase > conv->last_phase_before_close)
            conv->last_phase_before_close = phase;
    } else {
        stored = conv ? label_of(conv, pinfo->num) : 0;
        if (!stored)
            return 0;                        /* not a TDS frame */
    }

    enum tdstls_phase phase = FRAME_PHASE(stored);
    proto_item *ti = proto_tree_add_item(tree, proto_tdstls, tvb, 0, 0, ENC_NA);
    if (tree && PTREE_DATA(tree)->visible)   /* text only for a tree someone sees */
        proto_item_append_text(ti, ", phase %u: %s%s", phase, tdstls_phase_name(phase),
                               FRAME_INFERRED(stored) ? " (inferred)" : "");
    proto_tree *t = proto_item_add_subtree(ti, ett_tdstls);
    proto_item_set_generated(proto_tree_add_uint(t, hf_tdstls_phase, tvb, 0, 0, phase));
    proto_item_set_generated(proto_tree_add_string(t, hf_tdstls_phase_name, tvb, 0, 0, tdstls_phase_name(phase)));
    if (FRAME_INFERRED(stored)) {
        proto_item *it = proto_tree_add_boolean(t, hf_tdstls_phase_inferred, tvb, 0, 0, true);
        proto_item_set_generated(it);
        proto_item_append_text(it, " (from the order and direction of encrypted records; no keylog)");
    }
    if (conv->phase_first_frame[phase] == pinfo->num)
        show_phase_timing(tvb, pinfo, t, conv, phase);
    if (FRAME_CLOSE_FLAGS(stored))
        show_close(tvb, pinfo, t, conv, FRAME_CLOSE_FLAGS(stored));
    tap_queue_packet(tdstls_tap, pinfo, conv);
    return 0;
}
