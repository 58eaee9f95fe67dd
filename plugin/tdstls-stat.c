/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One row per connection (who, TDS and TLS, DHE and leading zeros, how far
 * it got, who closed, phase durations, checks raised, diagnosis), and a
 * capture-level count of DHE handshakes that ended with the KB 4557473
 * signature. The "tdstls" tap hands each frame's connection; rows are
 * rewritten from the connection's results, so they hold the latest.
 */
#define WS_BUILD_DLL
#include "tdstls-stat.h"

#include <stdio.h>

#include <epan/address.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "core/tds_prelogin.h"
#include "tdstls-conv.h"
#include "tdstls-names.h"
#include "tdstls-ssrp.h"

static const struct tdstls_prefs *preferences;

/* --- the connection row: one column list for the table and the export --- */

static void cell_stream(const struct tdstls_conv *c, GString *out)
{
    g_string_append_printf(out, "%u", c->stream);
}

static void endpoint(const address *addr, uint32_t port, GString *out)
{
    char *text = address_to_str(NULL, addr);
    g_string_append_printf(out, "%s:%u", text, port);
    wmem_free(NULL, text);
}

static void cell_client(const struct tdstls_conv *c, GString *out)
{
    endpoint(&c->client_addr, c->client_port, out);
}

static void cell_server(const struct tdstls_conv *c, GString *out)
{
    endpoint(&c->server_addr, c->server_port, out);
}

/* The instance a SQL Server Browser answer gave this port for */
static void cell_instance(const struct tdstls_conv *c, GString *out)
{
    if (c->instance)
        g_string_append(out, c->instance->dac ? "DAC" : c->instance->instance);
}

static void cell_instance_frame(const struct tdstls_conv *c, GString *out)
{
    if (c->instance)
        g_string_append_printf(out, "%u", c->instance->response_frame);
}

/* Routing: where the login answer sent the client, or where it came from */
static void cell_redirect(const struct tdstls_conv *c, GString *out)
{
    if (c->route_out) {
        g_string_append_printf(out, "to %s:%u", c->route_out->server, c->route_out->port);
        if (c->route_out->linked)
            g_string_append_printf(out, " (stream %u)", c->route_out->to_stream);
    }
    if (c->route_in)
        g_string_append_printf(out, "%sfrom stream %u", c->route_out ? ", " : "", c->route_in->from_stream);
}

static void cell_tds(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    g_string_append(out, r->tls_first ? "8.0" : r->tls_in_prelogin || r->prelogin_response_seen ? "7.x" : "?");
}

static void cell_encryption(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    g_string_append(out, r->tls_first ? "strict" : tds_encryption_name(r->encryption));
}

static void cell_tls(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    const char *name = tls_version_name(r->tls_version);
    if (r->frame_server_hello)
        g_string_append(out, name ? name : "?");
}

static void cell_suite(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    if (r->suite_known)
        g_string_append(out, tdstls_suite_name(r->suite));
}

static void yes_no(bool known, bool value, GString *out)
{
    if (known)
        g_string_append(out, value ? "yes" : "no");
}

static void cell_dhe(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    yes_no(r->suite_known, r->dhe, out);
}

static void cell_ys_zero(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    yes_no(r->frame_server_key_exchange != 0, r->ys_leading_zero, out);
}

static void cell_yc_zero(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    yes_no(r->dhe && r->frame_client_key_exchange != 0, r->yc_leading_zero, out);
}

static void cell_last_phase(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    g_string_append_printf(out, "%d %s", r->last_phase_before_close, tdstls_phase_name(r->last_phase_before_close));
}

static void cell_closed_by(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    if (r->frame_first_close)
        g_string_append_printf(out, "%s %s", r->close_side == SIDE_SERVER ? "server" : "client",
                               r->close_reset ? "RST" : "FIN");
}

/* The login's outcome where the answer was readable (login-only
 * encryption, or a keylog): LOGINACK, or the server's error. */
static void cell_login(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    if (!r->frame_login_answer)
        return;
    if (r->login.loginack)
        g_string_append(out, "ok");
    else if (r->login.error)
        g_string_append_printf(out, "error %u, state %u", r->login.error_number, r->login.error_state);
}

/* How the client logs in, where readable */
static void cell_auth(const struct tdstls_conv *c, GString *out)
{
    g_string_append(out, login_auth_name((enum login_auth)tdstls_conn_results(&c->core)->auth));
}

/* Windows authentication over NTLM, where readable: DOMAIN\\user */
static void cell_windows_user(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    char who[NTLM_ACCOUNT_MAX];
    if (r->frame_ntlm_authenticate) {
        ntlm_account(&r->ntlm, who);
        g_string_append(out, who);
    }
}

static void cell_durations(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    for (int p = PHASE_UNKNOWN; p < PHASE_CLOSE; p++) {
        int64_t ns;
        if (tdstls_phase_duration(r, (enum tdstls_phase)p, &ns))
            g_string_append_printf(out, "%s%d=%.1f", out->len ? " " : "", p, (double)ns / 1e6);
    }
}

/* The checks raised on the connection that the preferences let speak. */
static check_set checks_of(const struct tdstls_conv *c)
{
    check_set allowed = 0;
    for (int i = 0; i < N_CHECKS; i++)
        if ((c->raised & CHECK_BIT(i)) && tdstls_prefs_allow(preferences, (enum tdstls_check)i))
            allowed |= CHECK_BIT(i);
    return allowed;
}

static void cell_checks(const struct tdstls_conv *c, GString *out)
{
    char list[512];
    tdstls_check_list(checks_of(c), list, sizeof list);
    g_string_append(out, list);
}

static void cell_certificate(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    char text[400];
    if (r->frame_certificate) {
        tdstls_describe_certificate(&r->cert, text, sizeof text);
        g_string_append(out, text);
    }
}

static void cell_diagnosis(const struct tdstls_conv *c, GString *out)
{
    g_string_append(out, tdstls_diagnoses[tdstls_conn_results(&c->core)->diagnosis].short_text);
}

static void cell_diagnosis_kind(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    if (r->frame_diagnosis)
        g_string_append(out, tdstls_diagnoses[r->diagnosis].name);
}

static void cell_diagnosis_by(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    if (r->frame_diagnosis)
        g_string_append(out, r->diagnosis_side == SIDE_SERVER ? "server" : "client");
}

static void cell_diagnosis_frame(const struct tdstls_conv *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    if (r->frame_diagnosis)
        g_string_append_printf(out, "%u", r->frame_diagnosis);
}

struct conn_column {
    const char *title;          /* the table's heading; NULL: in the JSON only */
    const char *key;            /* the export's name */
    void (*cell)(const struct tdstls_conv *c, GString *out);
};

static const struct conn_column conn_columns[] = {
    {"Stream", "stream", cell_stream},
    {"Client", "client", cell_client},
    {"Server", "server", cell_server},
    {"Instance", "instance", cell_instance},
    {"Redirect", "redirect", cell_redirect},
    {"TDS", "tds", cell_tds},
    {"Encryption", "encryption", cell_encryption},
    {"TLS", "tls", cell_tls},
    {"Cipher suite", "cipher_suite", cell_suite},
    {"DHE", "dhe", cell_dhe},
    {"Ys zero", "ys_zero", cell_ys_zero},
    {"Yc zero", "yc_zero", cell_yc_zero},
    {"Last phase", "last_phase", cell_last_phase},
    {"Login", "login", cell_login},
    {"Auth", "auth", cell_auth},
    {"Windows user", "windows_user", cell_windows_user},
    {"Closed by", "closed_by", cell_closed_by},
    {"Phase durations (ms)", "phase_durations_ms", cell_durations},
    {"Checks", "checks", cell_checks},
    {"Diagnosis", "diagnosis", cell_diagnosis},
    {"Certificate", "certificate", cell_certificate},
    {NULL, "diagnosis_kind", cell_diagnosis_kind},
    {NULL, "diagnosis_by", cell_diagnosis_by},
    {NULL, "diagnosis_frame", cell_diagnosis_frame},
    {NULL, "instance_frame", cell_instance_frame},
};
#define N_ALL_COLUMNS G_N_ELEMENTS(conn_columns)
/* the table shows the columns with a title, which come first */
static unsigned n_table_columns;

/* --- the DHE count -------------------------------------------------------- */

struct dhe_counts {
    unsigned dhe, kb4557473, leading_zero;
};

/* What one connection adds to the DHE count. */
static struct dhe_counts dhe_counts_of(const struct tdstls_conv *c)
{
    const struct conn_results *r = tdstls_conn_results(&c->core);
    struct dhe_counts n = {0, 0, 0};
    if (r->dhe) {
        n.dhe = 1;
        n.kb4557473 = r->diagnosis == DIAG_KB4557473;
        n.leading_zero = r->ys_leading_zero || r->yc_leading_zero;
    }
    return n;
}

/* Between a patched and an unpatched peer about 1 DHE handshake in 256
 * fails (KB 4557473). */
/* total += now - was (was NULL: nothing counted before); a connection's
 * counts are read again at each of its frames, so a change may be a
 * decrease (unsigned wrap-around adds it right). */
static void dhe_counts_add(struct dhe_counts *total, const struct dhe_counts *now, const struct dhe_counts *was)
{
    static const struct dhe_counts none = {0, 0, 0};
    was = was ? was : &none;
    total->dhe += now->dhe - was->dhe;
    total->kb4557473 += now->kb4557473 - was->kb4557473;
    total->leading_zero += now->leading_zero - was->leading_zero;
}

static char *dhe_reading(const struct dhe_counts *n)
{
    return n->kb4557473 == 0
               ? g_strdup_printf("%u of %u DHE handshakes aborted after the client's Finished", n->kb4557473, n->dhe)
               : g_strdup_printf("%u of %u DHE handshakes aborted after the client's Finished; consistent with a "
                                 "leading-zero mismatch between patched and unpatched peers (KB 4557473 fails "
                                 "about 1 DHE handshake in 256)",
                                 n->kb4557473, n->dhe);
}

/* --- the tables (GUI and -z) ------------------------------------------- */

#define CONN_TABLE "TDS TLS connections"
#define DHE_TABLE "TDS TLS DHE handshakes"

static stat_tap_table_item conn_fields[N_ALL_COLUMNS];

enum dhe_column { DCOL_DHE, DCOL_KB, DCOL_LEADING_ZERO, DCOL_READING, N_DHE_COLUMNS };
static stat_tap_table_item dhe_fields[N_DHE_COLUMNS] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "DHE handshakes", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "KB 4557473 aborts", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Leading-zero Ys/Yc", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Reading", "%s"},
};

/* stream number -> row; rows and their strings belong to the table */
static GHashTable *rows_by_stream;
/* stream number -> what the connection added to the DHE count, and the total */
static GHashTable *dhe_by_stream;
static struct dhe_counts dhe_total;

static void reset_map(GHashTable **map, GDestroyNotify free_value)
{
    if (*map)
        g_hash_table_remove_all(*map);
    else
        *map = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_value);
}

static void set_string(stat_tap_table *table, unsigned row, unsigned col, char *text)
{
    stat_tap_table_item_type *item = stat_tap_get_field_data(table, row, col);
    g_free((char *)item->value.string_value);
    item->type = TABLE_ITEM_STRING;
    item->value.string_value = text;
    stat_tap_set_field_data(table, row, col, item);
}

static void new_table(stat_tap_table_ui *ui, const char *name, unsigned nfields)
{
    stat_tap_table *table = stat_tap_find_table(ui, name);
    if (table) {
        if (ui->stat_tap_reset_table_cb)
            ui->stat_tap_reset_table_cb(table);
        return;
    }
    stat_tap_add_table(ui, stat_tap_init_table(name, nfields, 0, NULL));
}

static void conn_init(stat_tap_table_ui *ui)
{
    new_table(ui, CONN_TABLE, n_table_columns);
    reset_map(&rows_by_stream, NULL);
}

static void dhe_init(stat_tap_table_ui *ui)
{
    new_table(ui, DHE_TABLE, N_DHE_COLUMNS);
    reset_map(&dhe_by_stream, g_free);
    memset(&dhe_total, 0, sizeof dhe_total);
}

static unsigned row_for(stat_tap_table *table, uint32_t stream)
{
    void *found;
    if (g_hash_table_lookup_extended(rows_by_stream, GUINT_TO_POINTER(stream), NULL, &found))
        return GPOINTER_TO_UINT(found);
    stat_tap_table_item_type items[N_ALL_COLUMNS];
    memset(items, 0, sizeof items);
    for (unsigned i = 0; i < n_table_columns; i++) {
        items[i].type = TABLE_ITEM_STRING;
        items[i].value.string_value = g_strdup("");
    }
    g_free((char *)items[0].value.string_value);
    items[0].type = TABLE_ITEM_UINT;
    items[0].value.uint_value = stream;
    unsigned row = table->num_elements;
    stat_tap_init_table_row(table, row, n_table_columns, items);
    g_hash_table_insert(rows_by_stream, GUINT_TO_POINTER(stream), GUINT_TO_POINTER(row));
    return row;
}

static void write_row(stat_tap_table *table, const struct tdstls_conv *conv)
{
    unsigned row = row_for(table, conv->stream);
    for (unsigned col = 1; col < n_table_columns; col++) {   /* column 0 is the stream */
        GString *text = g_string_new("");
        conn_columns[col].cell(conv, text);
        set_string(table, row, col, g_string_free(text, false));
    }
}

static tap_packet_status conn_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct tdstls_conv *conv = (const struct tdstls_conv *)data;
    if (!conv->confirmed)
        return TAP_PACKET_DONT_REDRAW;
    stat_tap_table *table = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);
    write_row(table, conv);
    /* the connection that routed its client here learns where it went */
    if (conv->route_in && conv->route_in->from)
        write_row(table, conv->route_in->from);
    return TAP_PACKET_REDRAW;
}

/* The running total, updated by what changed: constant work per packet. */
static tap_packet_status dhe_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct tdstls_conv *conv = (const struct tdstls_conv *)data;
    if (!conv->confirmed)
        return TAP_PACKET_DONT_REDRAW;
    stat_tap_table *dhe = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);

    struct dhe_counts *was = (struct dhe_counts *)g_hash_table_lookup(dhe_by_stream, GUINT_TO_POINTER(conv->stream));
    if (!was) {
        was = g_new0(struct dhe_counts, 1);
        g_hash_table_insert(dhe_by_stream, GUINT_TO_POINTER(conv->stream), was);
    }
    struct dhe_counts now = dhe_counts_of(conv);
    dhe_counts_add(&dhe_total, &now, was);
    *was = now;

    stat_tap_table_item_type items[N_DHE_COLUMNS];
    memset(items, 0, sizeof items);
    if (dhe->num_elements == 0) {
        items[DCOL_READING].type = TABLE_ITEM_STRING;
        items[DCOL_READING].value.string_value = g_strdup("");
        stat_tap_init_table_row(dhe, 0, N_DHE_COLUMNS, items);
    }
    const unsigned counts[] = {dhe_total.dhe, dhe_total.kb4557473, dhe_total.leading_zero};
    for (unsigned col = DCOL_DHE; col <= DCOL_LEADING_ZERO; col++) {
        stat_tap_table_item_type *item = stat_tap_get_field_data(dhe, 0, col);
        item->type = TABLE_ITEM_UINT;
        item->value.uint_value = counts[col];
        stat_tap_set_field_data(dhe, 0, col, item);
    }
    set_string(dhe, 0, DCOL_READING, dhe_reading(&dhe_total));
    return TAP_PACKET_REDRAW;
}

void tdstls_stat_table_clear(stat_tap_table *table)
{
    for (unsigned row = 0; row < table->num_elements; row++)
        for (unsigned col = 0; col < table->num_fields; col++)
            tdstls_stat_free_item(table, row, col, stat_tap_get_field_data(table, row, col));
    table->num_elements = 0;
}

static void stat_reset(stat_tap_table *table)
{
    tdstls_stat_table_clear(table);
    reset_map(&rows_by_stream, NULL);
    reset_map(&dhe_by_stream, g_free);
    memset(&dhe_total, 0, sizeof dhe_total);
}

void tdstls_stat_free_item(stat_tap_table *table _U_, unsigned row _U_, unsigned column _U_,
                           stat_tap_table_item_type *field)
{
    if (field->type == TABLE_ITEM_STRING) {
        g_free((char *)field->value.string_value);
        field->value.string_value = NULL;
    }
}

/* --- tshark -q -z tdstls,json[,filter]: the rows for programs ------------ */

struct json_export {
    GPtrArray *conns;           /* struct tdstls_conv *, in order of first frame */
    GHashTable *seen;
};

static void json_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(out, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(out, "\\u%04x", *p);
        else
            g_string_append_c(out, (char)*p);
    }
    g_string_append_c(out, '"');
}

static tap_packet_status json_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    struct json_export *ex = (struct json_export *)tapdata;
    if (!((const struct tdstls_conv *)data)->confirmed)
        return TAP_PACKET_DONT_REDRAW;
    if (!g_hash_table_contains(ex->seen, data)) {
        g_hash_table_add(ex->seen, (void *)data);
        g_ptr_array_add(ex->conns, (void *)data);
    }
    return TAP_PACKET_DONT_REDRAW;
}

static void json_reset(void *tapdata)
{
    struct json_export *ex = (struct json_export *)tapdata;
    g_ptr_array_set_size(ex->conns, 0);
    g_hash_table_remove_all(ex->seen);
}

/* One SQL Server Browser request of the capture and what became of it. */
struct browser_rows {
    GString *out;
    unsigned n;
};

static const char *browser_verdict(const struct tdstls_browser_request *r)
{
    return r->answers == 0 ? "no answer" : r->lacks_instance ? "instance unknown" : "answered";
}

static void json_browser_request(const struct tdstls_browser_request *r, void *user)
{
    struct browser_rows *rows = (struct browser_rows *)user;
    GString *out = rows->out;
    char *client = address_to_str(NULL, &r->client), *server = address_to_str(NULL, &r->server);
    const char *type = ssrp_type_name(r->type);
    g_string_append_printf(out, "%s\n  {\"frame\": %u, \"client\": \"%s:%u\", \"server\": \"%s\", \"request\": ",
                           rows->n++ ? "," : "", r->frame, client, r->client_port, server);
    json_string(out, type ? type : "?");
    g_string_append(out, ", \"instance\": ");
    json_string(out, r->instance);
    g_string_append_printf(out, ", \"answers\": %u, \"first_answer\": %u, \"tcp_port\": %u, \"verdict\": \"%s\"}",
                           r->answers, r->first_answer, r->announced_port, browser_verdict(r));
    wmem_free(NULL, client);
    wmem_free(NULL, server);
}

static void json_draw(void *tapdata)
{
    struct json_export *ex = (struct json_export *)tapdata;
    GString *out = g_string_new("{\"connections\": [");
    GString *cell = g_string_new("");
    struct dhe_counts total = {0, 0, 0};
    for (unsigned i = 0; i < ex->conns->len; i++) {
        const struct tdstls_conv *c = (const struct tdstls_conv *)g_ptr_array_index(ex->conns, i);
        g_string_append(out, i ? ",\n  {" : "\n  {");
        g_string_append_printf(out, "\"stream\": %u", c->stream);
        for (unsigned col = 1; col < N_ALL_COLUMNS; col++) {
            g_string_append_printf(out, ", \"%s\": ", conn_columns[col].key);
            g_string_truncate(cell, 0);
            conn_columns[col].cell(c, cell);
            json_string(out, cell->str);
        }
        g_string_append(out, ", \"check_names\": [");
        check_set set = checks_of(c);
        bool first = true;
        for (int k = 0; k < N_CHECKS; k++)
            if (set & CHECK_BIT(k)) {
                g_string_append(out, first ? "" : ", ");
                json_string(out, tdstls_checks[k].name);
                first = false;
            }
        g_string_append(out, "]}");
        struct dhe_counts n = dhe_counts_of(c);
        dhe_counts_add(&total, &n, NULL);
    }
    char *reading = dhe_reading(&total);
    g_string_append_printf(out, "\n],\n\"dhe\": {\"dhe_handshakes\": %u, \"kb4557473_aborts\": %u, "
                                "\"leading_zero\": %u, \"reading\": ",
                           total.dhe, total.kb4557473, total.leading_zero);
    json_string(out, reading);
    g_string_append(out, "},\n\"browser\": [");
    struct browser_rows rows = {out, 0};
    tdstls_ssrp_foreach_request(json_browser_request, &rows);
    g_string_append(out, rows.n ? "\n]}\n" : "]}\n");
    fputs(out->str, stdout);
    g_free(reading);
    g_string_free(cell, true);
    g_string_free(out, true);
}

static void json_finish(void *tapdata)
{
    struct json_export *ex = (struct json_export *)tapdata;
    g_ptr_array_free(ex->conns, true);
    g_hash_table_destroy(ex->seen);
    g_free(ex);
}

const char *tdstls_stat_filter_of(const char *opt_arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(opt_arg, name, n) == 0 && opt_arg[n] == ',' ? opt_arg + n + 1 : NULL;
}

static tdstls_tap_init_result json_init(const char *opt_arg, void *userdata _U_)
{
    const char *filter = tdstls_stat_filter_of(opt_arg, "tdstls,json");
    struct json_export *ex = g_new0(struct json_export, 1);
    ex->conns = g_ptr_array_new();
    ex->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    GString *error = register_tap_listener("tdstls", ex, filter, 0, json_reset, json_packet, json_draw, json_finish);
    if (error) {
        fprintf(stderr, "tshark: Couldn't register tdstls,json tap: %s\n", error->str);
        g_string_free(error, true);
        json_finish(ex);
        TDSTLS_TAP_INIT_DONE(false);
    }
    TDSTLS_TAP_INIT_DONE(true);
}

void tdstls_stat_register(const struct tdstls_prefs *p)
{
    static tap_param params[] = {{PARAM_FILTER, "filter", "Filter", NULL, true}};
    static stat_tap_table_ui conn_ui = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS connections", "tdstls", "tdstls,conn", conn_init, conn_packet,
        stat_reset, tdstls_stat_free_item, NULL, 0, conn_fields, G_N_ELEMENTS(params), params, NULL, 0,
    };
    static stat_tap_table_ui dhe_ui = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS DHE handshakes", "tdstls", "tdstls,dhe", dhe_init, dhe_packet,
        stat_reset, tdstls_stat_free_item, NULL, N_DHE_COLUMNS, dhe_fields, G_N_ELEMENTS(params), params, NULL, 0,
    };
    static stat_tap_ui json_ui = {REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS connections (JSON)", "tdstls,json",
                                  json_init, G_N_ELEMENTS(params), params};
    preferences = p;
    while (n_table_columns < N_ALL_COLUMNS && conn_columns[n_table_columns].title)
        n_table_columns++;
    conn_ui.nfields = n_table_columns;
    for (unsigned i = 0; i < n_table_columns; i++)
        conn_fields[i] = (stat_tap_table_item){i == 0 ? TABLE_ITEM_UINT : TABLE_ITEM_STRING,
                                               i == 0 ? TAP_ALIGN_RIGHT : TAP_ALIGN_LEFT, conn_columns[i].title,
                                               i == 0 ? "%u" : "%s"};
    register_stat_tap_table_ui(&conn_ui);
    register_stat_tap_table_ui(&dhe_ui);
    register_stat_tap_ui(&json_ui, NULL);
}
