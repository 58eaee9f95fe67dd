/* SPDX-License-Identifier: GPL-2.0-or-later */
#define WS_BUILD_DLL
#include "tdstls-login.h"

#include "tdstls-ssrp.h"
#include "tdstls-generated.h"

static int hf_instance = -1, hf_instance_frame = -1, hf_redirected_from = -1;
static int hf_login_ack = -1, hf_login_tds_version = -1, hf_login_program = -1;
static int hf_login_error = -1, hf_login_error_state = -1, hf_login_error_class = -1, hf_login_error_message = -1;
static int hf_route_server = -1, hf_route_port = -1, hf_route_stream = -1;
static int hf_windows_user = -1, hf_workstation = -1, hf_authenticate_frame = -1;
static int hf_auth = -1, hf_auth_frame = -1;
static int ett_login = -1;

static void show_answer(tvbuff_t *tvb, proto_tree *tree, const struct sql_connection *conn)
{
    const struct login_answer *a = &tdstls_conn_results(&conn->analysis)->login;
    proto_tree *t = proto_tree_add_subtree(tree, tvb, 0, 0, ett_login, NULL, "Login answer");
    tdstls_generated(proto_tree_add_boolean(t, hf_login_ack, tvb, 0, 0, a->loginack));
    if (a->loginack) {
        tdstls_generated(proto_tree_add_uint(t, hf_login_tds_version, tvb, 0, 0, a->tds_version));
        tdstls_generated(proto_tree_add_string(t, hf_login_program, tvb, 0, 0, a->program));
    }
    if (a->error) {
        tdstls_generated(proto_tree_add_uint(t, hf_login_error, tvb, 0, 0, a->error_number));
        tdstls_generated(proto_tree_add_uint(t, hf_login_error_state, tvb, 0, 0, a->error_state));
        tdstls_generated(proto_tree_add_uint(t, hf_login_error_class, tvb, 0, 0, a->error_class));
        tdstls_generated(proto_tree_add_string(t, hf_login_error_message, tvb, 0, 0, a->error_message));
    }
    if (a->routed) {
        tdstls_generated(proto_tree_add_string(t, hf_route_server, tvb, 0, 0, a->route_server));
        tdstls_generated(proto_tree_add_uint(t, hf_route_port, tvb, 0, 0, a->route_port));
        if (conn->route_out && conn->route_out->linked)
            tdstls_generated(proto_tree_add_uint(t, hf_route_stream, tvb, 0, 0, conn->route_out->to_stream));
    }
}

/* Who logged in with Windows authentication (NTLM), where readable: on the
 * client's AUTHENTICATE and on the login answer, so that a refused login
 * names its user. */
static void show_windows_user(tvbuff_t *tvb, proto_tree *tree, const struct conn_results *r, uint32_t frame)
{
    char who[NTLM_ACCOUNT_MAX];
    ntlm_account(&r->ntlm, who);
    tdstls_generated(proto_tree_add_string(tree, hf_windows_user, tvb, 0, 0, who));
    tdstls_generated(proto_tree_add_string(tree, hf_workstation, tvb, 0, 0, r->ntlm.workstation));
    if (frame != r->frame_ntlm_authenticate)
        tdstls_generated(proto_tree_add_uint(tree, hf_authenticate_frame, tvb, 0, 0, r->frame_ntlm_authenticate));
}

void tdstls_login_show(tvbuff_t *tvb, proto_tree *t, const struct sql_connection *conn, uint32_t frame,
                       bool phase_starts)
{
    const struct conn_results *r = tdstls_conn_results(&conn->analysis);
    /* how the client logs in: on the frame that told it, and on the answer */
    if (r->frame_auth && (r->frame_auth == frame || r->frame_login_answer == frame)) {
        tdstls_generated(proto_tree_add_string(t, hf_auth, tvb, 0, 0, login_auth_name((enum login_auth)r->auth)));
        if (frame != r->frame_auth)
            tdstls_generated(proto_tree_add_uint(t, hf_auth_frame, tvb, 0, 0, r->frame_auth));
    }
    if (r->frame_ntlm_authenticate && (r->frame_ntlm_authenticate == frame || r->frame_login_answer == frame))
        show_windows_user(tvb, t, r, frame);
    if (r->frame_login_answer == frame)
        show_answer(tvb, t, conn);
    if (!phase_starts)
        return;
    if (conn->instance) {
        tdstls_generated(proto_tree_add_string(t, hf_instance, tvb, 0, 0,
                                        conn->instance->dac ? "DAC" : conn->instance->instance));
        tdstls_generated(proto_tree_add_uint(t, hf_instance_frame, tvb, 0, 0, conn->instance->response_frame));
    }
    if (conn->route_in)
        tdstls_generated(proto_tree_add_uint(t, hf_redirected_from, tvb, 0, 0, conn->route_in->from_stream));
}

void tdstls_login_register(int proto)
{
    static hf_register_info hf[] = {
        {&hf_instance, {"Instance", "tdstls.instance", FT_STRING, BASE_NONE, NULL, 0,
                        "The instance a SQL Server Browser answer gave this port for", HFILL}},
        {&hf_instance_frame, {"Browser answer in", "tdstls.instance_frame", FT_FRAMENUM, BASE_NONE,
                              FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, NULL, HFILL}},
        {&hf_redirected_from, {"Redirected from stream", "tdstls.redirected_from", FT_UINT32, BASE_DEC, NULL, 0,
                               "The connection (tcp.stream) whose login answer routed the client here", HFILL}},
        {&hf_login_ack, {"Login acknowledged", "tdstls.login.ack", FT_BOOLEAN, BASE_NONE, NULL, 0,
                         "The server's answer to LOGIN7 holds LOGINACK: the login succeeded", HFILL}},
        {&hf_login_tds_version, {"TDS version", "tdstls.login.tds_version", FT_UINT32, BASE_HEX, NULL, 0,
                                 "LOGINACK's TDSVersion (0x74000004: TDS 7.4)", HFILL}},
        {&hf_login_program, {"Server program", "tdstls.login.program", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_login_error, {"Login error", "tdstls.login.error", FT_UINT32, BASE_DEC, NULL, 0,
                           "The ERROR token's number (18456: login failed)", HFILL}},
        {&hf_login_error_state, {"Error state", "tdstls.login.error_state", FT_UINT8, BASE_DEC, NULL, 0,
                                 "Sent to the client as 1 for 18456; the server's log has the real state", HFILL}},
        {&hf_login_error_class, {"Error class", "tdstls.login.error_class", FT_UINT8, BASE_DEC, NULL, 0, NULL,
                                 HFILL}},
        {&hf_login_error_message, {"Error message", "tdstls.login.error_message", FT_STRING, BASE_NONE, NULL, 0,
                                   NULL, HFILL}},
        {&hf_auth, {"Authentication", "tdstls.login.auth", FT_STRING, BASE_NONE, NULL, 0,
                    "How the client logs in: SQL Server, NTLM, Kerberos, Negotiate (SPNEGO), Windows (SSPI), "
                    "Microsoft Entra ID (federated); from LOGIN7, an SSPI leg or the server's SSPI token, where "
                    "readable", HFILL}},
        {&hf_auth_frame, {"Authentication told in", "tdstls.login.auth_frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
                          NULL, HFILL}},
        {&hf_windows_user, {"Windows user", "tdstls.login.windows_user", FT_STRING, BASE_NONE, NULL, 0,
                            "DOMAIN\\user of the client's NTLM AUTHENTICATE (Windows authentication), where readable: "
                            "login-only encryption, no encryption, or a keylog", HFILL}},
        {&hf_workstation, {"Workstation", "tdstls.login.workstation", FT_STRING, BASE_NONE, NULL, 0,
                           "The workstation the NTLM AUTHENTICATE names (may be empty)", HFILL}},
        {&hf_authenticate_frame, {"NTLM AUTHENTICATE in", "tdstls.login.authenticate_frame", FT_FRAMENUM, BASE_NONE,
                                  FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, NULL, HFILL}},
        {&hf_route_server, {"Routed to server", "tdstls.route.server", FT_STRING, BASE_NONE, NULL, 0,
                            "ENVCHANGE routing (type 20): the server the client must connect to instead", HFILL}},
        {&hf_route_port, {"Routed to port", "tdstls.route.port", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_route_stream, {"Redirected connection", "tdstls.route.stream", FT_UINT32, BASE_DEC, NULL, 0,
                            "The client's next connection to that port (tcp.stream), from the same address", HFILL}},
    };
    static int *ett[] = {&ett_login};
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}
