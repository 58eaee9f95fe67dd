/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The ladder: `tshark -q -z tdstls,ladder[,filter]` prints each SQL Server
 * connection the way a trace of the connection process is read in class:
 * the phases as headings, under each its frames with the time since the
 * connection's first frame, an arrow between client and server, and what
 * the frame is (its Info column; for a frame without payload, its TCP
 * flags), and the diagnosis under the frame that shows it.
 *
 * In the GUI (Statistics → TDS TLS ladder) the same is a table, one row per
 * frame (tshark: -z tdstls,ladder_table): the GUI fills it when it reads the
 * capture again, after the first pass has labelled every frame.
 *
 * Frames are collected as the tap sees them and their phase is looked up
 * at the end, when the first pass has labelled every frame. Run with -2 so
 * that a connection found on another port shows its SYN too (in one pass
 * tdstls learns it is SQL Server's only at its PRELOGIN).
 */
#include "tdstls-ladder.h"

#include <epan/address.h>
#include <epan/column-utils.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdstls-conv.h"
#include "tdstls-ssrp.h"
#include "tdstls-stat.h"
#include "tdstls-time.h"

struct ladder_frame {
    const struct sql_connection *conn;
    uint32_t frame;
    int64_t ns;                         /* the frame's absolute time */
    bool from_server;
    char *what;                         /* g_malloc'd */
};

struct ladder {
    GArray *frames;                     /* struct ladder_frame, in frame order */
    GHashTable *seen;                   /* frame numbers collected (a frame is tapped once per pass) */
};

/* "55118 → 1433 [SYN, ACK] Seq=0 Ack=1 ... Len=0" (TCP's own Info) is told
 * by its flags, and by how many bytes it carries when it carries some (a
 * piece of a PDU other frames complete); anything else by its Info column
 * as it is. */
static char *frame_content(const char *info)
{
    const char *open = info ? strstr(info, " [") : NULL;
    const char *arrow = info ? strstr(info, "\xe2\x86\x92") : NULL;   /* → */
    if (open && arrow && arrow < open && info[0] >= '0' && info[0] <= '9') {
        const char *close = strchr(open, ']');
        const char *len = strstr(open, " Len=");
        unsigned long bytes = len ? strtoul(len + 5, NULL, 10) : 0;
        if (close && bytes)
            return g_strdup_printf("%.*s, %lu bytes of data", (int)(close - open - 2), open + 2, bytes);
        if (close)
            return g_strndup(open + 2, (size_t)(close - open - 2));
    }
    return g_strdup(info && *info ? info : "(no description)");
}

static tap_packet_status ladder_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                       tap_flags_t flags _U_)
{
    struct ladder *l = (struct ladder *)tapdata;
    if (g_hash_table_contains(l->seen, GUINT_TO_POINTER(pinfo->num)))
        return TAP_PACKET_DONT_REDRAW;
    g_hash_table_add(l->seen, GUINT_TO_POINTER(pinfo->num));
    const struct sql_connection *conn = (const struct sql_connection *)data;
    struct ladder_frame f = {
        conn, pinfo->num, tdstls_ns_of(&pinfo->abs_ts),
        tdstls_side_of(conn, pinfo) == SIDE_SERVER,
        frame_content(pinfo->cinfo ? col_get_text(pinfo->cinfo, COL_INFO) : NULL),
    };
    g_array_append_val(l->frames, f);
    return TAP_PACKET_DONT_REDRAW;
}

static void print_connection(const struct ladder *l, const struct sql_connection *c)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    char *client = address_to_str(NULL, &c->client_addr), *server = address_to_str(NULL, &c->server_addr);
    printf("\n=== tcp.stream %u: client %s:%u, server %s:%u", c->stream, client, c->client_port, server,
           c->server_port);
    if (c->instance)
        printf(", instance %s", c->instance->dac ? "DAC" : c->instance->instance);
    printf("\n");
    wmem_free(NULL, client);
    wmem_free(NULL, server);
    int heading = -1;
    for (unsigned i = 0; i < l->frames->len; i++) {
        const struct ladder_frame *f = &g_array_index(l->frames, struct ladder_frame, i);
        if (f->conn != c)
            continue;
        struct frame_label label;
        if (!tdstls_conn_label(r, f->frame, &label))
            continue;
        if (label.phase != heading) {
            heading = label.phase;
            printf("  (%u) %s%s\n", label.phase, tdstls_phase_name((enum tdstls_phase)label.phase),
                   label.inferred ? " (inferred from order and direction)" : "");
        }
        int64_t since = f->ns - r->start_ns;
        printf("    %6u  %4" PRId64 ".%06" PRId64 "  client %s server  %s\n", f->frame, since / 1000000000,
               (since % 1000000000) / 1000, f->from_server ? "<--" : "-->", f->what);
        if (label.diagnosis && r->frame_diagnosis == f->frame)
            printf("            !! %s: %s (%s gave up)\n", tdstls_diagnoses[r->diagnosis].name,
                   tdstls_diagnoses[r->diagnosis].short_text,
                   r->diagnosis_side == SIDE_SERVER ? "the server" : "the client");
    }
}

static void ladder_draw(void *tapdata)
{
    struct ladder *l = (struct ladder *)tapdata;
    GPtrArray *order = g_ptr_array_new();            /* connections, by their first frame here */
    GHashTable *listed = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (unsigned i = 0; i < l->frames->len; i++) {
        const struct ladder_frame *f = &g_array_index(l->frames, struct ladder_frame, i);
        if (tdstls_conv_listed(f->conn) && !g_hash_table_contains(listed, f->conn)) {
            g_hash_table_add(listed, (void *)f->conn);
            g_ptr_array_add(order, (void *)f->conn);
        }
    }
    printf("\n===================================================================\n");
    printf("TDS TLS ladder: %u SQL Server connection%s, each by phase\n", order->len, order->len == 1 ? "" : "s");
    printf("frame, time since the connection's first frame, direction, what the frame is\n");
    for (unsigned i = 0; i < order->len; i++)
        print_connection(l, (const struct sql_connection *)g_ptr_array_index(order, i));
    printf("===================================================================\n");
    g_hash_table_destroy(listed);
    g_ptr_array_free(order, true);
}

static void ladder_reset(void *tapdata)
{
    struct ladder *l = (struct ladder *)tapdata;
    for (unsigned i = 0; i < l->frames->len; i++)
        g_free(g_array_index(l->frames, struct ladder_frame, i).what);
    g_array_set_size(l->frames, 0);
    g_hash_table_remove_all(l->seen);
}

static void ladder_finish(void *tapdata)
{
    struct ladder *l = (struct ladder *)tapdata;
    ladder_reset(l);
    g_array_free(l->frames, true);
    g_hash_table_destroy(l->seen);
    g_free(l);
}

static tdstls_tap_init_result ladder_init(const char *opt_arg, void *userdata _U_)
{
    const char *filter = tdstls_stat_filter_of(opt_arg, "tdstls,ladder");
    struct ladder *l = g_new0(struct ladder, 1);
    l->frames = g_array_new(false, false, sizeof(struct ladder_frame));
    l->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    /* the Info column tells what each frame is */
    GString *error = register_tap_listener("tdstls", l, filter, TL_REQUIRES_COLUMNS, ladder_reset, ladder_packet,
                                           ladder_draw, ladder_finish);
    if (error) {
        fprintf(stderr, "tshark: Couldn't register tdstls,ladder tap: %s\n", error->str);
        g_string_free(error, true);
        ladder_finish(l);
        TDSTLS_TAP_INIT_DONE(false);
    }
    TDSTLS_TAP_INIT_DONE(true);
}

/* --- the GUI's table: one row per frame ------------------------------------ */

enum ladder_column { LCOL_STREAM, LCOL_PHASE, LCOL_FRAME, LCOL_TIME, LCOL_DIRECTION, LCOL_WHAT, LCOL_DIAGNOSIS,
                     N_LADDER_COLUMNS };
static stat_tap_table_item ladder_fields[N_LADDER_COLUMNS] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Phase", "%s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Frame", "%u"},
    {TABLE_ITEM_FLOAT, TAP_ALIGN_RIGHT, "Time (s)", "%.6f"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Direction", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Frame content", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Diagnosis", "%s"},
};
#define LADDER_TABLE "TDS TLS ladder"
static GHashTable *table_frames;        /* frame numbers with a row */

/* A table's tap is registered without flags (stat_tap_table_ui has none
 * before 4.6): a listener of our own asks for the columns, whose Info text
 * says what each frame is. Registered once, kept for the process. */
static tap_packet_status want_columns(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data _U_, tap_flags_t flags _U_)
{
    return TAP_PACKET_DONT_REDRAW;
}

static void table_init(stat_tap_table_ui *ui)
{
    static int columns_listener;
    if (!columns_listener) {
        GString *error = register_tap_listener("tdstls", &columns_listener, NULL, TL_REQUIRES_COLUMNS, NULL,
                                               want_columns, NULL, NULL);
        if (error)
            g_string_free(error, true);
        else
            columns_listener = 1;
    }
    stat_tap_table *table = stat_tap_find_table(ui, LADDER_TABLE);
    if (table && ui->stat_tap_reset_table_cb)
        ui->stat_tap_reset_table_cb(table);
    else if (!table)
        stat_tap_add_table(ui, stat_tap_init_table(LADDER_TABLE, N_LADDER_COLUMNS, 0, NULL));
    if (table_frames)
        g_hash_table_remove_all(table_frames);
    else
        table_frames = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static tap_packet_status table_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                      tap_flags_t flags _U_)
{
    stat_data_t *stat = (stat_data_t *)tapdata;
    const struct sql_connection *c = (const struct sql_connection *)data;
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    struct frame_label label;
    if (!tdstls_conv_listed(c) || g_hash_table_contains(table_frames, GUINT_TO_POINTER(pinfo->num)) ||
        !tdstls_conn_label(r, pinfo->num, &label))
        return TAP_PACKET_DONT_REDRAW;
    g_hash_table_add(table_frames, GUINT_TO_POINTER(pinfo->num));
    stat_tap_table *table = g_array_index(stat->stat_tap_data->tables, stat_tap_table *, 0);
    bool from_server = tdstls_side_of(c, pinfo) == SIDE_SERVER;
    int64_t since = tdstls_ns_of(&pinfo->abs_ts) - r->start_ns;
    stat_tap_table_item_type items[N_LADDER_COLUMNS];
    memset(items, 0, sizeof items);
    items[LCOL_STREAM].type = TABLE_ITEM_UINT;
    items[LCOL_STREAM].value.uint_value = c->stream;
    items[LCOL_PHASE].type = TABLE_ITEM_STRING;
    items[LCOL_PHASE].value.string_value =
        g_strdup_printf("%u %s", label.phase, tdstls_phase_name((enum tdstls_phase)label.phase));
    items[LCOL_FRAME].type = TABLE_ITEM_UINT;
    items[LCOL_FRAME].value.uint_value = pinfo->num;
    items[LCOL_TIME].type = TABLE_ITEM_FLOAT;
    items[LCOL_TIME].value.float_value = (double)since / 1e9;
    items[LCOL_DIRECTION].type = TABLE_ITEM_STRING;
    items[LCOL_DIRECTION].value.string_value = g_strdup(from_server ? "client <-- server" : "client --> server");
    items[LCOL_WHAT].type = TABLE_ITEM_STRING;
    items[LCOL_WHAT].value.string_value = frame_content(pinfo->cinfo ? col_get_text(pinfo->cinfo, COL_INFO) : NULL);
    items[LCOL_DIAGNOSIS].type = TABLE_ITEM_STRING;
    items[LCOL_DIAGNOSIS].value.string_value =
        g_strdup(label.diagnosis && r->frame_diagnosis == pinfo->num ? tdstls_diagnoses[r->diagnosis].short_text : "");
    stat_tap_init_table_row(table, table->num_elements, N_LADDER_COLUMNS, items);
    return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *table)
{
    tdstls_stat_table_clear(table);
    if (table_frames)
        g_hash_table_remove_all(table_frames);
}

void tdstls_ladder_register(void)
{
    static tap_param params[] = {{PARAM_FILTER, "filter", "Filter", NULL, true}};
    static stat_tap_ui ladder_ui = {REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS ladder", "tdstls,ladder",
                                    ladder_init, G_N_ELEMENTS(params), params};
    static stat_tap_table_ui table_ui = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, LADDER_TABLE, "tdstls", "tdstls,ladder_table", table_init,
        table_packet, table_reset, tdstls_stat_free_item, NULL, N_LADDER_COLUMNS, ladder_fields,
        G_N_ELEMENTS(params), params, NULL, 0,
    };
    register_stat_tap_ui(&ladder_ui, NULL);
    register_stat_tap_table_ui(&table_ui);
}
