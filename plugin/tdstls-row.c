/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One SQL Server connection as a row (see tdstls-row.h): each cell is
 * rewritten from the connection's results, so it holds the latest.
 */
#define WS_BUILD_DLL
#include "tdstls-row.h"

#include <string.h>

#include <epan/address.h>
#include <epan/to_str.h>

#include "core/tds_prelogin.h"
#include "tdstls-names.h"
#include "tdstls-ssrp.h"

static const struct tdstls_prefs *preferences;

void tdstls_row_set_prefs(const struct tdstls_prefs *prefs)
{
    preferences = prefs;
}

check_set tdstls_row_checks(const struct sql_connection *c)
{
    check_set allowed = 0;
    for (int i = 0; i < N_CHECKS; i++)
        if ((c->raised & CHECK_BIT(i)) && tdstls_prefs_allow(preferences, (enum tdstls_check)i))
            allowed |= CHECK_BIT(i);
    return allowed;
}

/* --- the cells --------------------------------------------------------- */

static void cell_stream(const struct sql_connection *c, GString *out)
{
    g_string_append_printf(out, "%u", c->stream);
}

static void endpoint(const address *addr, uint32_t port, GString *out)
{
    char *text = address_to_str(NULL, addr);
    g_string_append_printf(out, "%s:%u", text, port);
    wmem_free(NULL, text);
}

static void cell_client(const struct sql_connection *c, GString *out)
{
    endpoint(&c->client_addr, c->client_port, out);
}

static void cell_server(const struct sql_connection *c, GString *out)
{
    endpoint(&c->server_addr, c->server_port, out);
}

/* The instance a SQL Server Browser answer gave this port for */
static void cell_instance(const struct sql_connection *c, GString *out)
{
    if (c->instance)
        g_string_append(out, c->instance->dac ? "DAC" : c->instance->instance);
}

static void cell_instance_frame(const struct sql_connection *c, GString *out)
{
    if (c->instance)
        g_string_append_printf(out, "%u", c->instance->response_frame);
}

/* Routing: where the login answer sent the client, or where it came from */
static void cell_redirect(const struct sql_connection *c, GString *out)
{
    if (c->route_out) {
        g_string_append_printf(out, "to %s:%u", c->route_out->server, c->route_out->port);
        if (c->route_out->linked)
            g_string_append_printf(out, " (stream %u)", c->route_out->to_stream);
    }
    if (c->route_in)
        g_string_append_printf(out, "%sfrom stream %u", c->route_out ? ", " : "", c->route_in->from_stream);
}

static void cell_tds(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    g_string_append(out, r->tls_first ? "8.0" : r->tls_in_prelogin || r->prelogin_response_seen ? "7.x" : "?");
}

static void cell_encryption(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    g_string_append(out, r->tls_first ? "strict" : tds_encryption_name(r->encryption));
}

static void cell_tls(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    const char *name = tls_version_name(r->tls_version);
    if (r->frame_server_hello)
        g_string_append(out, name ? name : "?");
}

static void cell_suite(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (r->suite_known)
        g_string_append(out, tdstls_suite_name(r->suite));
}

static void yes_no(bool known, bool value, GString *out)
{
    if (known)
        g_string_append(out, value ? "yes" : "no");
}

static void cell_dhe(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    yes_no(r->suite_known, r->dhe, out);
}

static void cell_ys_zero(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    yes_no(r->frame_server_key_exchange != 0, r->ys_leading_zero, out);
}

static void cell_yc_zero(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    yes_no(r->dhe && r->frame_client_key_exchange != 0, r->yc_leading_zero, out);
}

static void cell_last_phase(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    g_string_append_printf(out, "%d %s", r->last_phase_before_close, tdstls_phase_name(r->last_phase_before_close));
}

static void cell_closed_by(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (r->frame_first_close)
        g_string_append_printf(out, "%s %s", r->close_side == SIDE_SERVER ? "server" : "client",
                               r->close_reset ? "RST" : "FIN");
}

/* The login's outcome where the answer was readable (login-only
 * encryption, or a keylog): LOGINACK, or the server's error. */
static void cell_login(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (!r->frame_login_answer)
        return;
    if (r->login.loginack)
        g_string_append(out, "ok");
    else if (r->login.error)
        g_string_append_printf(out, "error %u, state %u", r->login.error_number, r->login.error_state);
}

/* How the client logs in, where readable */
static void cell_auth(const struct sql_connection *c, GString *out)
{
    g_string_append(out, login_auth_name((enum login_auth)tdstls_conn_results(&c->analysis)->auth));
}

/* Windows authentication over NTLM, where readable: DOMAIN\\user */
static void cell_windows_user(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    char who[NTLM_ACCOUNT_MAX];
    if (r->frame_ntlm_authenticate) {
        ntlm_account(&r->ntlm, who);
        g_string_append(out, who);
    }
}

/* For programs: "1=0.2 2=0.4 3=8.4", phase number = milliseconds */
static void cell_durations_export(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    for (int p = PHASE_UNKNOWN; p < PHASE_CLOSE; p++) {
        int64_t ns;
        if (tdstls_phase_duration(r, (enum tdstls_phase)p, &ns))
            g_string_append_printf(out, "%s%d=%.1f", out->len ? " " : "", p, (double)ns / 1e6);
    }
}

/* For people: "TCP 0.2, pre-login 0.4, TLS 8.4" (milliseconds) */
static void cell_durations(const struct sql_connection *c, GString *out)
{
    static const char *const short_names[PHASE_CLOSE] = {
        "unknown", "TCP", "pre-login", "TLS", "login", "login response", "commands",
    };
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    for (int p = PHASE_UNKNOWN; p < PHASE_CLOSE; p++) {
        int64_t ns;
        if (tdstls_phase_duration(r, (enum tdstls_phase)p, &ns))
            g_string_append_printf(out, "%s%s %.1f", out->len ? ", " : "", short_names[p], (double)ns / 1e6);
    }
}

static void cell_checks(const struct sql_connection *c, GString *out)
{
    char list[512];
    tdstls_check_list(tdstls_row_checks(c), list, sizeof list);
    g_string_append(out, list);
}

static void cell_certificate(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    char text[400];
    if (r->frame_certificate) {
        tdstls_describe_certificate(&r->cert, text, sizeof text);
        g_string_append(out, text);
    }
}

static void cell_diagnosis(const struct sql_connection *c, GString *out)
{
    g_string_append(out, tdstls_diagnoses[tdstls_conn_results(&c->analysis)->diagnosis].short_text);
}

static void cell_diagnosis_kind(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (r->frame_diagnosis)
        g_string_append(out, tdstls_diagnoses[r->diagnosis].name);
}

static void cell_diagnosis_by(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (r->frame_diagnosis)
        g_string_append(out, r->diagnosis_side == SIDE_SERVER ? "server" : "client");
}

static void cell_diagnosis_frame(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (r->frame_diagnosis)
        g_string_append_printf(out, "%u", r->frame_diagnosis);
}

/* The columns that answer "which connections failed, and why" come first
 * (the GUI's window shows them without scrolling), then how far the login
 * got, then the TLS details. */
const struct conn_column tdstls_row_columns[] = {
    {"Stream", "stream", cell_stream, NULL},
    {"Client", "client", cell_client, NULL},
    {"Server", "server", cell_server, NULL},
    {"Instance", "instance", cell_instance, NULL},
    {"Diagnosis", "diagnosis", cell_diagnosis, NULL},
    {"Last phase", "last_phase", cell_last_phase, NULL},
    {"Closed by", "closed_by", cell_closed_by, NULL},
    {"Login", "login", cell_login, NULL},
    {"Auth", "auth", cell_auth, NULL},
    {"Windows user", "windows_user", cell_windows_user, NULL},
    {"TDS", "tds", cell_tds, NULL},
    {"Encryption", "encryption", cell_encryption, NULL},
    {"TLS", "tls", cell_tls, NULL},
    {"Cipher suite", "cipher_suite", cell_suite, NULL},
    {"DHE negotiated", "dhe", cell_dhe, NULL},
    {"DH server value (Ys) starts 0x00", "ys_zero", cell_ys_zero, NULL},
    {"DH client value (Yc) starts 0x00", "yc_zero", cell_yc_zero, NULL},
    {"Phase times (ms)", "phase_durations_ms", cell_durations, cell_durations_export},
    {"Findings", "checks", cell_checks, NULL},
    {"Certificate", "certificate", cell_certificate, NULL},
    {"Redirect", "redirect", cell_redirect, NULL},
    {NULL, "diagnosis_kind", cell_diagnosis_kind, NULL},
    {NULL, "diagnosis_by", cell_diagnosis_by, NULL},
    {NULL, "diagnosis_frame", cell_diagnosis_frame, NULL},
    {NULL, "instance_frame", cell_instance_frame, NULL},
};
const unsigned tdstls_row_n_columns = G_N_ELEMENTS(tdstls_row_columns);
_Static_assert(G_N_ELEMENTS(tdstls_row_columns) <= TDSTLS_ROW_MAX_COLUMNS, "raise TDSTLS_ROW_MAX_COLUMNS");

unsigned tdstls_row_n_titled(void)
{
    unsigned n = 0;
    while (n < tdstls_row_n_columns && tdstls_row_columns[n].title)
        n++;
    return n;
}

const struct conn_column *tdstls_row_column(const char *key)
{
    for (unsigned i = 0; i < tdstls_row_n_columns; i++)
        if (strcmp(tdstls_row_columns[i].key, key) == 0)
            return &tdstls_row_columns[i];
    return NULL;
}

/* --- the connections of a capture -------------------------------------- */

void tdstls_conn_list_init(struct tdstls_conn_list *l)
{
    l->conns = g_ptr_array_new();
    l->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
}

void tdstls_conn_list_add(struct tdstls_conn_list *l, const struct sql_connection *c)
{
    if (tdstls_conv_listed(c) && !g_hash_table_contains(l->seen, c)) {
        g_hash_table_add(l->seen, (void *)c);
        g_ptr_array_add(l->conns, (void *)c);
    }
}

void tdstls_conn_list_clear(struct tdstls_conn_list *l)
{
    g_ptr_array_set_size(l->conns, 0);
    g_hash_table_remove_all(l->seen);
}

void tdstls_conn_list_free(struct tdstls_conn_list *l)
{
    g_ptr_array_free(l->conns, true);
    g_hash_table_destroy(l->seen);
}
