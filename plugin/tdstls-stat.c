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

#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "tdstls-conv.h"
#include "tdstls-row.h"
#include "tdstls-ssrp.h"

/* --- the DHE count -------------------------------------------------------- */

struct dhe_counts {
    unsigned dhe, kb4557473, leading_zero;
};

/* What one connection adds to the DHE count. */
static struct dhe_counts dhe_counts_of(const struct sql_connection *c)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
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

static stat_tap_table_item conn_fields[TDSTLS_ROW_MAX_COLUMNS];
static unsigned n_table_columns;   /* the row's titled columns */

enum dhe_column { DCOL_DHE, DCOL_KB, DCOL_LEADING_ZERO, DCOL_READING, N_DHE_COLUMNS };
static stat_tap_table_item dhe_fields[N_DHE_COLUMNS] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "DHE handshakes", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "KB 4557473 aborts", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "DH value (Ys or Yc) starting 0x00", "%u"},
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
    stat_tap_table_item_type items[TDSTLS_ROW_MAX_COLUMNS];
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

static void write_row(stat_tap_table *table, const struct sql_connection *conn)
{
    unsigned row = row_for(table, conn->stream);
    for (unsigned col = 1; col < n_table_columns; col++) {   /* column 0 is the stream */
        GString *text = g_string_new("");
        tdstls_row_columns[col].cell(conn, text);
        set_string(table, row, col, g_string_free(text, false));
    }
}

static tap_packet_status conn_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct sql_connection *conn = (const struct sql_connection *)data;
    if (!tdstls_conv_listed(conn))
        return TAP_PACKET_DONT_REDRAW;
    stat_tap_table *table = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);
    write_row(table, conn);
    /* the connection that routed its client here learns where it went */
    if (conn->route_in && conn->route_in->from)
        write_row(table, conn->route_in->from);
    return TAP_PACKET_REDRAW;
}

/* The running total, updated by what changed: constant work per packet. */
static tap_packet_status dhe_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct sql_connection *conn = (const struct sql_connection *)data;
    if (!tdstls_conv_listed(conn))
        return TAP_PACKET_DONT_REDRAW;
    stat_tap_table *dhe = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);

    struct dhe_counts *was = (struct dhe_counts *)g_hash_table_lookup(dhe_by_stream, GUINT_TO_POINTER(conn->stream));
    if (!was) {
        was = g_new0(struct dhe_counts, 1);
        g_hash_table_insert(dhe_by_stream, GUINT_TO_POINTER(conn->stream), was);
    }
    struct dhe_counts now = dhe_counts_of(conn);
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
    tdstls_conn_list_add((struct tdstls_conn_list *)tapdata, (const struct sql_connection *)data);
    return TAP_PACKET_DONT_REDRAW;
}

static void json_reset(void *tapdata)
{
    tdstls_conn_list_clear((struct tdstls_conn_list *)tapdata);
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
    const struct tdstls_conn_list *ex = (const struct tdstls_conn_list *)tapdata;
    GString *out = g_string_new("{\"connections\": [");
    GString *cell = g_string_new("");
    struct dhe_counts total = {0, 0, 0};
    for (unsigned i = 0; i < ex->conns->len; i++) {
        const struct sql_connection *c = (const struct sql_connection *)g_ptr_array_index(ex->conns, i);
        g_string_append(out, i ? ",\n  {" : "\n  {");
        g_string_append_printf(out, "\"stream\": %u", c->stream);
        for (unsigned col = 1; col < tdstls_row_n_columns; col++) {
            const struct conn_column *column = &tdstls_row_columns[col];
            g_string_append_printf(out, ", \"%s\": ", column->key);
            g_string_truncate(cell, 0);
            (column->export_cell ? column->export_cell : column->cell)(c, cell);
            json_string(out, cell->str);
        }
        g_string_append(out, ", \"check_names\": [");
        check_set set = tdstls_row_checks(c);
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
    struct tdstls_conn_list *ex = (struct tdstls_conn_list *)tapdata;
    tdstls_conn_list_free(ex);
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
    struct tdstls_conn_list *ex = g_new0(struct tdstls_conn_list, 1);
    tdstls_conn_list_init(ex);
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
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS connections", "tdstls", "tdstls,conn_table", conn_init, conn_packet,
        stat_reset, tdstls_stat_free_item, NULL, 0, conn_fields, G_N_ELEMENTS(params), params, NULL, 0,
    };
    static stat_tap_table_ui dhe_ui = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS DHE handshakes", "tdstls", "tdstls,dhe", dhe_init, dhe_packet,
        stat_reset, tdstls_stat_free_item, NULL, N_DHE_COLUMNS, dhe_fields, G_N_ELEMENTS(params), params, NULL, 0,
    };
    static stat_tap_ui json_ui = {REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS connections (JSON)", "tdstls,json",
                                  json_init, G_N_ELEMENTS(params), params};
    tdstls_row_set_prefs(p);
    n_table_columns = tdstls_row_n_titled();
    conn_ui.nfields = n_table_columns;
    for (unsigned i = 0; i < n_table_columns; i++)
        conn_fields[i] = (stat_tap_table_item){i == 0 ? TABLE_ITEM_UINT : TABLE_ITEM_STRING,
                                               i == 0 ? TAP_ALIGN_RIGHT : TAP_ALIGN_LEFT, tdstls_row_columns[i].title,
                                               i == 0 ? "%u" : "%s"};
    register_stat_tap_table_ui(&conn_ui);
    register_stat_tap_table_ui(&dhe_ui);
    register_stat_tap_ui(&json_ui, NULL);
}
