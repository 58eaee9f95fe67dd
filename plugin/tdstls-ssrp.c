/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each request is matched with the answers sent back to its client's
 * address and port (a broadcast draws one from each server); a request
 * still unanswered once the whole capture is read is the classic
 * named-instance failure, flagged on later passes (tshark -2, the GUI) and
 * listed by -z tdstls,json in any pass. The TCP port an answer gives for an
 * instance becomes a conversation template for that server address and
 * port, with tdstls as its dissector: TCP uses it for every connection to
 * the port, from its first frame.
 */
#define WS_BUILD_DLL
#include "tdstls-ssrp.h"

#include <stdio.h>

#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/to_str.h>

#include "tdstls-expert.h"
#include "tdstls-generated.h"

static int proto_ssrp = -1;
static const struct tdstls_prefs *preferences;
static dissector_handle_t ssrp_handle;

static int hf_type = -1, hf_instance = -1, hf_dac_version = -1, hf_resp_size = -1, hf_instance_count = -1;
static int hf_server_name = -1, hf_instance_name = -1, hf_is_clustered = -1, hf_version = -1, hf_tcp_port = -1;
static int hf_np = -1, hf_dac_port = -1, hf_response_in = -1, hf_response_to = -1, hf_time = -1;
static int ett_ssrp = -1, ett_instance = -1;

/* file scope, made on first use, forgotten when the file closes */
static wmem_map_t *latest_request;     /* "client address:port" -> its latest request */
static wmem_map_t *latest_ask;         /* "client, server, type, instance" -> the latest such request */
static wmem_map_t *announced;          /* "server address:port" -> struct tdstls_instance */
static wmem_list_t *requests;          /* every request, in frame order */

static void forget_file_state(void)
{
    latest_request = announced = latest_ask = NULL;
    requests = NULL;
}

static char *endpoint_key(const address *addr, uint32_t port)
{
    char *text = address_to_str(NULL, addr);
    char *key = wmem_strdup_printf(wmem_file_scope(), "%s:%u", text, port);
    wmem_free(NULL, text);
    return key;
}

const struct tdstls_instance *tdstls_ssrp_instance_at(const address *server, uint32_t port)
{
    if (!announced)
        return NULL;
    char *text = address_to_str(NULL, server);
    char key[128];
    snprintf(key, sizeof key, "%s:%u", text, port);
    wmem_free(NULL, text);
    return (const struct tdstls_instance *)wmem_map_lookup(announced, key);
}

void tdstls_ssrp_foreach_request(void (*each)(const struct tdstls_browser_request *r, void *user), void *user)
{
    if (!requests)
        return;
    for (wmem_list_frame_t *f = wmem_list_head(requests); f; f = wmem_list_frame_next(f))
        each((const struct tdstls_browser_request *)wmem_list_frame_data(f), user);
}

/* The answer gives a TCP port for an instance on this server: connections
 * to it are SQL Server's, whatever port it is. */
static void announce(packet_info *pinfo, uint32_t port, const char *instance, const char *server_name, bool dac)
{
    if (!port)
        return;
    if (!announced)
        announced = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    char *key = endpoint_key(&pinfo->src, port);
    if (wmem_map_contains(announced, key))
        return;
    struct tdstls_instance *in = wmem_new0(wmem_file_scope(), struct tdstls_instance);
    in->instance = wmem_strdup(wmem_file_scope(), instance);
    in->server_name = wmem_strdup(wmem_file_scope(), server_name);
    in->response_frame = pinfo->num;
    in->dac = dac;
    wmem_map_insert(announced, key, in);
    /* any client address and port: a template TCP copies for each connection */
    conversation_t *conv = conversation_new(pinfo->num, &pinfo->src, &pinfo->dst, CONVERSATION_TCP, port, 0,
                                            NO_ADDR2 | NO_PORT2 | CONVERSATION_TEMPLATE);
    conversation_set_dissector(conv, find_dissector("tdstls"));
}

/* First pass: remember a request, or match an answer to its request. */
static struct tdstls_browser_request *first_look(packet_info *pinfo, const struct ssrp_message *m)
{
    if (!latest_request)
        latest_request = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    if (m->request) {
        struct tdstls_browser_request *r = wmem_new0(wmem_file_scope(), struct tdstls_browser_request);
        r->frame = pinfo->num;
        r->time = pinfo->abs_ts;
        copy_address_wmem(wmem_file_scope(), &r->client, &pinfo->src);
        copy_address_wmem(wmem_file_scope(), &r->server, &pinfo->dst);
        r->client_port = pinfo->srcport;
        r->type = m->type;
        snprintf(r->instance, sizeof r->instance, "%s", m->instance.text);
        wmem_map_insert(latest_request, endpoint_key(&pinfo->src, pinfo->srcport), r);
        /* the same question again (from any port), nothing answered since: the
         * one before went unanswered, as the client's retry shows */
        if (!latest_ask)
            latest_ask = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
        char *client = address_to_str(NULL, &pinfo->src), *server = address_to_str(NULL, &pinfo->dst);
        char *ask = wmem_strdup_printf(wmem_file_scope(), "%s %s %u %s", client, server, m->type, r->instance);
        wmem_free(NULL, client);
        wmem_free(NULL, server);
        const struct tdstls_browser_request *before = (const struct tdstls_browser_request *)wmem_map_lookup(latest_ask, ask);
        if (before && before->answers == 0)
            r->repeats = before->frame;
        wmem_map_insert(latest_ask, ask, r);
        if (!requests)
            requests = wmem_list_new(wmem_file_scope());
        wmem_list_append(requests, r);
        return r;
    }
    char *key = endpoint_key(&pinfo->dst, pinfo->destport);
    struct tdstls_browser_request *r = (struct tdstls_browser_request *)wmem_map_lookup(latest_request, key);
    wmem_free(wmem_file_scope(), key);
    if (!r)
        return NULL;                         /* the capture holds no request for it */
    if (r->answers++ == 0)
        r->first_answer = pinfo->num;
    struct ssrp_lookup l;
    ssrp_lookup_of_response(m, r->type, r->instance, &l);
    r->lacks_instance |= l.lacks_instance;
    size_t kept = m->n_instances < SSRP_MAX_INSTANCES ? m->n_instances : SSRP_MAX_INSTANCES;
    for (size_t i = 0; i < kept; i++) {
        const struct ssrp_instance *in = &m->instances[i];
        announce(pinfo, in->tcp_port, in->instance_name.text, in->server_name.text, false);
        if (!r->announced_port && r->instance[0] && in->tcp_port && !l.lacks_instance &&
            ssrp_find_instance(m, r->instance) == in)
            r->announced_port = in->tcp_port;
    }
    if (m->dac) {
        announce(pinfo, m->dac_port, r->instance, "", true);
        r->announced_port = m->dac_port;
    }
    return r;
}

static void add_text(proto_tree *t, int hf, tvbuff_t *tvb, const struct ssrp_text *text)
{
    if (text->len)
        proto_tree_add_string(t, hf, tvb, text->at, text->len, text->text);
}

static void show_instance(proto_tree *tree, tvbuff_t *tvb, const struct ssrp_instance *in)
{
    proto_tree *t = proto_tree_add_subtree_format(tree, tvb, in->server_name.at, 0, ett_instance, NULL,
                                                  "Instance %s on %s", in->instance_name.text, in->server_name.text);
    add_text(t, hf_server_name, tvb, &in->server_name);
    add_text(t, hf_instance_name, tvb, &in->instance_name);
    add_text(t, hf_is_clustered, tvb, &in->is_clustered);
    add_text(t, hf_version, tvb, &in->version);
    if (in->tcp.len)
        proto_tree_add_uint(t, hf_tcp_port, tvb, in->tcp.at, in->tcp.len, in->tcp_port);
    add_text(t, hf_np, tvb, &in->np);
}

static void set_info(packet_info *pinfo, const struct ssrp_message *m)
{
    const char *type = ssrp_type_name(m->type);
    if (m->request)
        col_add_fstr(pinfo->cinfo, COL_INFO, "%s%s%s", type, m->instance.len ? " " : "", m->instance.text);
    else if (m->dac)
        col_add_fstr(pinfo->cinfo, COL_INFO, "%s: DAC tcp %u", type, m->dac_port);
    else if (m->n_instances == 1 && m->instances[0].tcp_port)
        col_add_fstr(pinfo->cinfo, COL_INFO, "%s: %s tcp %u", type, m->instances[0].instance_name.text,
                     m->instances[0].tcp_port);
    else
        col_add_fstr(pinfo->cinfo, COL_INFO, "%s: %zu instance%s", type, m->n_instances,
                     m->n_instances == 1 ? "" : "s");
}

static int dissect_ssrp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    unsigned len = tvb_captured_length(tvb);
    struct ssrp_message *m = wmem_new(pinfo->pool, struct ssrp_message);
    if (!ssrp_parse(tvb_get_ptr(tvb, 0, len), len, m))
        return 0;                            /* not SSRP: a first byte it never sends */
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "SSRP");
    set_info(pinfo, m);

    struct tdstls_browser_request *r;
    /* a request quoted by an ICMP error (port unreachable): not a request of
     * its own, but the verdict on the one it quotes */
    bool quoted = pinfo->flags.in_error_pkt;
    if (quoted && !m->request)
        return (int)len;
    if (quoted && !PINFO_FD_VISITED(pinfo)) {
        char *key = latest_request ? endpoint_key(&pinfo->src, pinfo->srcport) : NULL;
        r = key ? (struct tdstls_browser_request *)wmem_map_lookup(latest_request, key) : NULL;
        if (key)
            wmem_free(wmem_file_scope(), key);
        if (r && !r->unreachable_frame)
            r->unreachable_frame = pinfo->num;
        if (r)
            p_add_proto_data(wmem_file_scope(), pinfo, proto_ssrp, 0, r);
    } else if (quoted) {
        r = (struct tdstls_browser_request *)p_get_proto_data(wmem_file_scope(), pinfo, proto_ssrp, 0);
    } else if (!PINFO_FD_VISITED(pinfo)) {
        r = first_look(pinfo, m);
        if (r)
            p_add_proto_data(wmem_file_scope(), pinfo, proto_ssrp, 0, r);
    } else {
        r = (struct tdstls_browser_request *)p_get_proto_data(wmem_file_scope(), pinfo, proto_ssrp, 0);
    }

    proto_item *ti = proto_tree_add_item(tree, proto_ssrp, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_ssrp);
    proto_tree_add_item(t, hf_type, tvb, 0, 1, ENC_NA);
    struct ssrp_lookup l;
    if (m->request) {
        memset(&l, 0, sizeof l);
        l.request_type = m->type;
        l.problem = m->problem;
        snprintf(l.instance, sizeof l.instance, "%s", m->instance.text);
        l.capture_read = PINFO_FD_VISITED(pinfo) && !quoted;
        l.answers = r ? r->answers : 0;
        l.repeats_frame = r && !quoted ? r->repeats : 0;
        l.unreachable = quoted;
        if (m->type == SSRP_CLNT_UCAST_DAC)
            proto_tree_add_item(t, hf_dac_version, tvb, 1, 1, ENC_NA);
        add_text(t, hf_instance, tvb, &m->instance);
        if (r && r->first_answer)
            tdstls_generated(proto_tree_add_uint(t, hf_response_in, tvb, 0, 0, r->first_answer));
    } else {
        ssrp_lookup_of_response(m, r ? r->type : 0, r ? r->instance : "", &l);
        if (len >= 3)
            proto_tree_add_item(t, hf_resp_size, tvb, 1, 2, ENC_LITTLE_ENDIAN);
        if (r) {
            tdstls_generated(proto_tree_add_uint(t, hf_response_to, tvb, 0, 0, r->frame));
            nstime_t took;
            nstime_delta(&took, &pinfo->abs_ts, &r->time);
            tdstls_generated(proto_tree_add_time(t, hf_time, tvb, 0, 0, &took));
        }
        if (m->dac) {
            proto_tree_add_item(t, hf_dac_version, tvb, 3, 1, ENC_NA);
            proto_tree_add_item(t, hf_dac_port, tvb, 4, 2, ENC_LITTLE_ENDIAN);
        } else {
            tdstls_generated(proto_tree_add_uint(t, hf_instance_count, tvb, 0, 0, (uint32_t)m->n_instances));
            size_t kept = m->n_instances < SSRP_MAX_INSTANCES ? m->n_instances : SSRP_MAX_INSTANCES;
            for (size_t i = 0; i < kept; i++)
                show_instance(t, tvb, &m->instances[i]);
        }
    }
    struct expert_anchors anchors = {0};
    anchors.fallback = ti;
    struct check_context ctx = {NULL, NULL, NULL, preferences->login_budget_ms, NULL, &l};
    check_set checks = tdstls_checks_of_browser(&l);
    if (checks)
        tdstls_expert_add(pinfo, tree, &anchors, checks, &ctx);
    return (int)len;
}

static const value_string type_vals[] = {
    {SSRP_CLNT_BCAST_EX, "CLNT_BCAST_EX (every instance, broadcast)"},
    {SSRP_CLNT_UCAST_EX, "CLNT_UCAST_EX (every instance of a server)"},
    {SSRP_CLNT_UCAST_INST, "CLNT_UCAST_INST (one instance)"},
    {SSRP_SVR_RESP, "SVR_RESP (answer)"},
    {SSRP_CLNT_UCAST_DAC, "CLNT_UCAST_DAC (dedicated admin connection)"},
    {0, NULL},
};

void tdstls_ssrp_register(int proto_tdstls _U_, const struct tdstls_prefs *prefs)
{
    static hf_register_info hf[] = {
        {&hf_type, {"Message type", "ssrp.type", FT_UINT8, BASE_HEX, VALS(type_vals), 0, NULL, HFILL}},
        {&hf_instance, {"Instance asked for", "ssrp.instance", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_dac_version, {"DAC protocol version", "ssrp.dac_version", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_resp_size, {"Response size", "ssrp.resp_size", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_instance_count, {"Instances", "ssrp.instance_count", FT_UINT32, BASE_DEC, NULL, 0,
                              "Instances the answer lists", HFILL}},
        {&hf_server_name, {"Server name", "ssrp.server_name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_instance_name, {"Instance name", "ssrp.instance_name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_is_clustered, {"Clustered", "ssrp.is_clustered", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_version, {"Version", "ssrp.version", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_tcp_port, {"TCP port", "ssrp.tcp_port", FT_UINT16, BASE_DEC, NULL, 0,
                        "The instance listens here: tdstls analyses connections to it", HFILL}},
        {&hf_np, {"Named pipe", "ssrp.np", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_dac_port, {"DAC TCP port", "ssrp.dac_port", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_response_in, {"Response in", "ssrp.response_in", FT_FRAMENUM, BASE_NONE,
                           FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, "The first answer to this request", HFILL}},
        {&hf_response_to, {"Request in", "ssrp.response_to", FT_FRAMENUM, BASE_NONE,
                           FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, "The request this answers", HFILL}},
        {&hf_time, {"Time", "ssrp.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
                    "Time between the request and this answer", HFILL}},
    };
    static int *ett[] = {&ett_ssrp, &ett_instance};
    preferences = prefs;
    /* a later Wireshark with an SSRP dissector of its own keeps it */
    if (proto_get_id_by_filter_name("ssrp") >= 0)
        return;
    proto_ssrp = proto_register_protocol("SQL Server Resolution Protocol (SQL Server Browser)", "SSRP", "ssrp");
    proto_register_field_array(proto_ssrp, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    ssrp_handle = register_dissector("ssrp", dissect_ssrp, proto_ssrp);
    register_cleanup_routine(forget_file_state);
}

void tdstls_ssrp_handoff(void)
{
    if (ssrp_handle)
        dissector_add_uint_with_preference("udp.port", SSRP_UDP_PORT, ssrp_handle);
}
