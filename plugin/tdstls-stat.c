/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Statistics → TDS TLS connections, and `tshark -q -z tdstls,conn`: one row
 * per connection (who, TDS and TLS, DHE and leading zeros, how far it got,
 * who closed, phase durations, diagnosis), and a capture-level table of
 * DHE handshakes that ended with the KB 4557473 signature.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/address.h>
#include <epan/address_types.h>
#include <epan/to_str.h>
#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "packet-tdstls.h"
#include "core/tds_prelogin.h"

enum conn_column {
    COL_STREAM, COL_CLIENT, COL_SERVER, COL_TDS, COL_ENCRYPTION, COL_TLS, COL_SUITE, COL_DHE, COL_YS_ZERO,
    COL_YC_ZERO, COL_LAST_PHASE, COL_CLOSED_BY, COL_DURATIONS, COL_DIAGNOSIS, N_CONN_COLUMNS
};

static stat_tap_table_item conn_fields[N_CONN_COLUMNS] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Client", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Server", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "TDS", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Encryption", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "TLS", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Cipher suite", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "DHE", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Ys zero", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Yc zero", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Last phase", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Closed by", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Phase durations (ms)", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Diagnosis", "%s"},
};

enum dhe_column { DCOL_DHE, DCOL_KB, DCOL_LEADING_ZERO, DCOL_READING, N_DHE_COLUMNS };
static stat_tap_table_item dhe_fields[N_DHE_COLUMNS] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "DHE handshakes", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "KB 4557473 aborts", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Leading-zero Ys/Yc", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Reading", "%s"},
};

#define CONN_TABLE "TDS TLS connections"
#define DHE_TABLE "TDS TLS DHE handshakes"

/* stream number -> row; rows and their strings belong to the table */
static GHashTable *rows_by_stream;
static void reset_map(GHashTable **map);
/* per stream, what the DHE table counts: bit 0 DHE, bit 1 KB, bit 2 leading zero */
static GHashTable *dhe_by_stream;
static struct {
    unsigned dhe, kb4557473, leading_zero;
} dhe_totals;

static void count_dhe_bits(unsigned bits, bool add)
{
    if (!(bits & 1))
        return;
    unsigned step = add ? 1u : (unsigned)-1;  /* unsigned wrap: subtracting one */
    dhe_totals.dhe += step;
    dhe_totals.kb4557473 += (bits & 2) ? step : 0;
    dhe_totals.leading_zero += (bits & 4) ? step : 0;
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

static void reset_map(GHashTable **map)
{
    if (*map)
        g_hash_table_remove_all(*map);
    else
        *map = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void conn_init(stat_tap_table_ui *ui)
{
    new_table(ui, CONN_TABLE, N_CONN_COLUMNS);
    reset_map(&rows_by_stream);
}

static void dhe_init(stat_tap_table_ui *ui)
{
    new_table(ui, DHE_TABLE, N_DHE_COLUMNS);
    reset_map(&dhe_by_stream);
    memset(&dhe_totals, 0, sizeof dhe_totals);
}

static unsigned row_for(stat_tap_table *table, uint32_t stream)
{
    void *found;
    if (g_hash_table_lookup_extended(rows_by_stream, GUINT_TO_POINTER(stream), NULL, &found))
        return GPOINTER_TO_UINT(found);
    stat_tap_table_item_type items[N_CONN_COLUMNS];
    memset(items, 0, sizeof items);
    for (int i = 0; i < N_CONN_COLUMNS; i++) {
        items[i].type = TABLE_ITEM_STRING;
        items[i].value.string_value = g_strdup("");
    }
    items[COL_STREAM].type = TABLE_ITEM_UINT;
    items[COL_STREAM].value.uint_value = stream;
    unsigned row = table->num_elements;
    stat_tap_init_table_row(table, row, N_CONN_COLUMNS, items);
    g_hash_table_insert(rows_by_stream, GUINT_TO_POINTER(stream), GUINT_TO_POINTER(row));
    return row;
}

static char *durations(const struct tdstls_conv *conv)
{
    /* each phase lasts until the next one (by time) begins */
    GString *s = g_string_new("");
    for (int p = PHASE_UNKNOWN; p < PHASE_CLOSE; p++) {
        if (!conv->phase_first_frame[p])
            continue;
        const nstime_t *next = NULL;
        for (int q = PHASE_UNKNOWN; q <= PHASE_CLOSE; q++)
            if (q != p && conv->phase_first_frame[q] > conv->phase_first_frame[p] &&
                (!next || nstime_cmp(&conv->phase_first_time[q], next) < 0))
                next = &conv->phase_first_time[q];
        if (!next)
            continue;
        nstime_t d;
        nstime_delta(&d, next, &conv->phase_first_time[p]);
        g_string_append_printf(s, "%s%d=%.1f", s->len ? " " : "", p, nstime_to_msec(&d));
    }
    return g_string_free(s, false);
}

static const char *short_diagnosis(const struct tdstls_conn *c)
{
    if (!c->frame_first_close)
        return "";
    if (c->close_side != SIDE_SERVER)
        return c->close_reset ? "client reset" : "";
    if (c->kb4557473)
        return "KB 4557473: DHE leading-zero mismatch";
    if (c->alert_seen && c->alert_from_server && c->alert_level == 2)
        return "server fatal TLS alert";
    if (c->phase_at_close == PHASE_TLS_HANDSHAKE && c->frame_client_hello && !c->frame_server_hello)
        return "no common TLS version or suite";
    if (c->phase_at_close <= PHASE_PRELOGIN && !c->prelogin_response_seen)
        return "server closed before PRELOGIN response";
    return "server closed first";
}

static tap_packet_status conn_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct tdstls_conv *conv = (const struct tdstls_conv *)data;
    const struct tdstls_conn *c = &conv->core;
    stat_tap_table *table = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);
    unsigned row = row_for(table, conv->index);

    bool from_server = tdstls_side_of(conv, pinfo) == SIDE_SERVER;
    const address *client = from_server ? &pinfo->dst : &pinfo->src;
    uint32_t client_port = from_server ? pinfo->destport : pinfo->srcport;
    char *addr = address_to_str(NULL, client);
    set_string(table, row, COL_CLIENT, g_strdup_printf("%s:%u", addr, client_port));
    wmem_free(NULL, addr);
    addr = address_to_str(NULL, &conv->server_addr);
    set_string(table, row, COL_SERVER, g_strdup_printf("%s:%u", addr, conv->server_port));
    wmem_free(NULL, addr);
    set_string(table, row, COL_TDS, g_strdup(c->tls_first ? "8.0" : c->tls_in_prelogin || c->prelogin_response_seen
                                                                   ? "7.x" : "?"));
    set_string(table, row, COL_ENCRYPTION,
               g_strdup(c->tls_first ? "strict" : tds_encryption_name(c->encryption_answered)));
    static const char *const tls_names[] = {"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"};
    unsigned minor = c->tls_version - 0x0300u;
    set_string(table, row, COL_TLS, g_strdup(!c->frame_server_hello ? ""
                                             : minor < G_N_ELEMENTS(tls_names) ? tls_names[minor] : "?"));
    set_string(table, row, COL_SUITE, g_strdup(c->tls.suite_known ? tdstls_suite_name(c->tls.suite) : ""));
    set_string(table, row, COL_DHE, g_strdup(!c->tls.suite_known ? "" : c->tls.dhe ? "yes" : "no"));
    set_string(table, row, COL_YS_ZERO, g_strdup(!c->frame_server_key_exchange ? "" : c->ys_leading_zero ? "yes" : "no"));
    set_string(table, row, COL_YC_ZERO, g_strdup(!c->frame_client_key_exchange ? "" : c->yc_leading_zero ? "yes" : "no"));
    set_string(table, row, COL_LAST_PHASE, g_strdup_printf("%d %s", conv->last_phase_before_close,
                                                           tdstls_phase_name(conv->last_phase_before_close)));
    set_string(table, row, COL_CLOSED_BY,
               !c->frame_first_close ? g_strdup("")
                                     : g_strdup_printf("%s %s", c->close_side == SIDE_SERVER ? "server" : "client",
                                                       c->close_reset ? "RST" : "FIN"));
    set_string(table, row, COL_DURATIONS, durations(conv));
    set_string(table, row, COL_DIAGNOSIS, g_strdup(short_diagnosis(c)));
    return TAP_PACKET_REDRAW;
}

static tap_packet_status dhe_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct tdstls_conv *conv = (const struct tdstls_conv *)data;
    const struct tdstls_conn *c = &conv->core;
    stat_tap_table *dhe = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);

    /* Per-stream bits (bit 0 DHE, bit 1 KB 4557473, bit 2 leading zero)
     * and running totals, updated by the change: constant work per packet. */
    unsigned bits = (c->tls.dhe ? 1 : 0) | (c->kb4557473 ? 2 : 0) | (c->ys_leading_zero || c->yc_leading_zero ? 4 : 0);
    void *old;
    if (g_hash_table_lookup_extended(dhe_by_stream, GUINT_TO_POINTER(conv->index), NULL, &old))
        count_dhe_bits(GPOINTER_TO_UINT(old), false);
    count_dhe_bits(bits, true);
    g_hash_table_insert(dhe_by_stream, GUINT_TO_POINTER(conv->index), GUINT_TO_POINTER(bits));
    unsigned n_dhe = dhe_totals.dhe, n_kb = dhe_totals.kb4557473, n_zero = dhe_totals.leading_zero;
    stat_tap_table_item_type items[N_DHE_COLUMNS];
    memset(items, 0, sizeof items);
    if (dhe->num_elements == 0) {
        items[DCOL_READING].type = TABLE_ITEM_STRING;
        items[DCOL_READING].value.string_value = g_strdup("");
        stat_tap_init_table_row(dhe, 0, N_DHE_COLUMNS, items);
    }
    const unsigned counts[] = {n_dhe, n_kb, n_zero};
    for (unsigned col = DCOL_DHE; col <= DCOL_LEADING_ZERO; col++) {
        stat_tap_table_item_type *item = stat_tap_get_field_data(dhe, 0, col);
        item->type = TABLE_ITEM_UINT;
        item->value.uint_value = counts[col];
        stat_tap_set_field_data(dhe, 0, col, item);
    }
    /* Between a patched and an unpatched peer about 1 DHE handshake in 256
     * fails (a leading zero in a DH value). */
    set_string(dhe, 0, DCOL_READING,
               n_kb == 0 ? g_strdup_printf("%u of %u DHE handshakes aborted after the client's Finished", n_kb, n_dhe)
                         : g_strdup_printf("%u of %u DHE handshakes aborted after the client's Finished; consistent "
                                           "with a leading-zero mismatch between patched and unpatched peers "
                                           "(KB 4557473 fails about 1 DHE handshake in 256)",
                                           n_kb, n_dhe));
    return TAP_PACKET_REDRAW;
}

static void stat_reset(stat_tap_table *table)
{
    for (unsigned row = 0; row < table->num_elements; row++)
        for (unsigned col = 0; col < table->num_fields; col++) {
            stat_tap_table_item_type *item = stat_tap_get_field_data(table, row, col);
            if (item->type == TABLE_ITEM_STRING) {
                g_free((char *)item->value.string_value);
                item->value.string_value = NULL;
            }
        }
    table->num_elements = 0;
    reset_map(&rows_by_stream);
    reset_map(&dhe_by_stream);
    memset(&dhe_totals, 0, sizeof dhe_totals);
}

static void stat_free_item(stat_tap_table *table _U_, unsigned row _U_, unsigned column _U_,
                           stat_tap_table_item_type *field)
{
    if (field->type == TABLE_ITEM_STRING) {
        g_free((char *)field->value.string_value);
        field->value.string_value = NULL;
    }
}

void tdstls_register_stat(void)
{
    static tap_param params[] = {{PARAM_FILTER, "filter", "Filter", NULL, true}};
    static stat_tap_table_ui conn_ui = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS connections", "tdstls", "tdstls,conn", conn_init, conn_packet,
        stat_reset, stat_free_item, NULL, N_CONN_COLUMNS, conn_fields, G_N_ELEMENTS(params), params, NULL, 0,
    };
    static stat_tap_table_ui dhe_ui = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS DHE handshakes", "tdstls", "tdstls,dhe", dhe_init, dhe_packet,
        stat_reset, stat_free_item, NULL, N_DHE_COLUMNS, dhe_fields, G_N_ELEMENTS(params), params, NULL, 0,
    };
    register_stat_tap_table_ui(&conn_ui);
    register_stat_tap_table_ui(&dhe_ui);
}
