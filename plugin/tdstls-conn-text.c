/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The terminal's table of connections (see tdstls-conn-text.h). Wireshark's
 * own printer of a GUI table writes every column between pipes, which no
 * one reads at a glance; this one pads the columns to their widest cell.
 */
#define WS_BUILD_DLL
#include "tdstls-conn-text.h"

#include <stdio.h>
#include <string.h>

#include <epan/packet.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>

#include "core/diagnoses.h"
#include "tdstls-row.h"
#include "tdstls-stat.h"

#define CLI_NAME "tdstls,conn"

struct conn_text {
    struct tdstls_conn_list list;
    bool wide;
    char *filter;
};

/* The narrow table's diagnosis: its short text and the frame that shows it. */
static void cell_diagnosis_at(const struct sql_connection *c, GString *out)
{
    const struct conn_results *r = tdstls_conn_results(&c->analysis);
    if (r->frame_diagnosis)
        g_string_append_printf(out, "%s (frame %u)", tdstls_diagnoses[r->diagnosis].short_text, r->frame_diagnosis);
}

struct text_column {
    const char *title;
    void (*cell)(const struct sql_connection *c, GString *out);
    bool always;                /* shown even when empty in every row */
};

/* The narrow table: who, how far it got, who closed, and why. */
static const char *const narrow_keys[] = {"stream", "client", "server", "instance", "last_phase", "closed_by", "login"};

static unsigned columns_of(const struct conn_text *t, struct text_column *cols)
{
    unsigned n = 0;
    if (t->wide) {
        for (unsigned i = 0; i < tdstls_row_n_titled(); i++)
            cols[n++] = (struct text_column){tdstls_row_columns[i].title, tdstls_row_columns[i].cell, true};
        return n;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(narrow_keys); i++) {
        const struct conn_column *c = tdstls_row_column(narrow_keys[i]);
        cols[n++] = (struct text_column){c->title, c->cell, i < 3};
    }
    cols[n++] = (struct text_column){"Diagnosis", cell_diagnosis_at, true};
    return n;
}

static unsigned width_of(const char *s)
{
    return (unsigned)g_utf8_strlen(s, -1);
}

static void pad(GString *out, const char *s, unsigned width, bool last)
{
    g_string_append(out, s);
    if (!last)
        for (unsigned w = width_of(s); w < width + 2; w++)
            g_string_append_c(out, ' ');
}

static void conn_text_draw(void *tapdata)
{
    const struct conn_text *t = (const struct conn_text *)tapdata;
    const GPtrArray *conns = t->list.conns;
    struct text_column cols[TDSTLS_ROW_MAX_COLUMNS];
    unsigned ncols = columns_of(t, cols);
    /* every cell's text, row by row; "-" for an empty one */
    char **cells = g_new0(char *, (size_t)conns->len * ncols);
    unsigned widths[TDSTLS_ROW_MAX_COLUMNS];
    bool shown[TDSTLS_ROW_MAX_COLUMNS];
    unsigned diagnosed = 0;
    for (unsigned k = 0; k < ncols; k++) {
        widths[k] = width_of(cols[k].title);
        shown[k] = cols[k].always;
    }
    for (unsigned i = 0; i < conns->len; i++) {
        const struct sql_connection *c = (const struct sql_connection *)g_ptr_array_index(conns, i);
        /* a failure is a diagnosis with words (a client's RST is a kind, no failure) */
        diagnosed += tdstls_diagnoses[tdstls_conn_results(&c->analysis)->diagnosis].describe != NULL;
        for (unsigned k = 0; k < ncols; k++) {
            GString *text = g_string_new("");
            cols[k].cell(c, text);
            shown[k] |= text->len > 0;
            if (text->len == 0)
                g_string_append_c(text, '-');
            cells[i * ncols + k] = g_string_free(text, false);
            widths[k] = MAX(widths[k], width_of(cells[i * ncols + k]));
        }
    }
    unsigned last = 0;
    for (unsigned k = 0; k < ncols; k++)
        if (shown[k])
            last = k;

    GString *out = g_string_new("");
    g_string_append(out, "TDS TLS connections");
    if (t->filter)
        g_string_append_printf(out, " matching \"%s\"", t->filter);
    if (conns->len == 0)
        g_string_append(out, ": none (no SQL Server connection in the capture)\n");
    else
        g_string_append_printf(out, ": %u, %u of them failed\n\n", conns->len, diagnosed);
    for (unsigned i = 0; conns->len && i <= conns->len; i++) {   /* the headings, then each row */
        for (unsigned k = 0; k < ncols; k++)
            if (shown[k])
                pad(out, i == 0 ? cols[k].title : cells[(i - 1) * ncols + k], widths[k], k == last);
        g_string_append_c(out, '\n');
    }
    if (conns->len)
        g_string_append_c(out, '\n');
    if (diagnosed)
        g_string_append(out, "The evidence and the remedy of each diagnosis: the frame's Diagnosis line in Wireshark, or\n"
                             "  tshark -r CAPTURE -Y tdstls.diagnosis -T fields -e frame.number -e tdstls.diagnosis\n");
    if (conns->len && !t->wide)
        g_string_append(out, "Every column: -z " CLI_NAME ",wide (or -z tdstls,json for programs)\n");
    fputs(out->str, stdout);
    g_string_free(out, true);
    for (size_t j = 0; j < (size_t)conns->len * ncols; j++)
        g_free(cells[j]);
    g_free(cells);
}

static tap_packet_status conn_text_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                          const void *data, tap_flags_t flags _U_)
{
    tdstls_conn_list_add(&((struct conn_text *)tapdata)->list, (const struct sql_connection *)data);
    return TAP_PACKET_DONT_REDRAW;
}

static void conn_text_reset(void *tapdata)
{
    tdstls_conn_list_clear(&((struct conn_text *)tapdata)->list);
}

static void conn_text_finish(void *tapdata)
{
    struct conn_text *t = (struct conn_text *)tapdata;
    tdstls_conn_list_free(&t->list);
    g_free(t->filter);
    g_free(t);
}

/* tdstls,conn  tdstls,conn,wide  tdstls,conn,FILTER  tdstls,conn,wide,FILTER */
static tdstls_tap_init_result conn_text_init(const char *opt_arg, void *userdata _U_)
{
    struct conn_text *t = g_new0(struct conn_text, 1);
    const char *rest = tdstls_stat_filter_of(opt_arg, CLI_NAME);
    if (rest && strncmp(rest, "wide", 4) == 0 && (rest[4] == '\0' || rest[4] == ',')) {
        t->wide = true;
        rest = rest[4] ? rest + 5 : NULL;
    }
    t->filter = rest && *rest ? g_strdup(rest) : NULL;
    tdstls_conn_list_init(&t->list);
    GString *error = register_tap_listener("tdstls", t, t->filter, 0, conn_text_reset, conn_text_packet,
                                           conn_text_draw, conn_text_finish);
    if (error) {
        fprintf(stderr, "tshark: Couldn't register " CLI_NAME " tap: %s\n", error->str);
        g_string_free(error, true);
        conn_text_finish(t);
        TDSTLS_TAP_INIT_DONE(false);
    }
    TDSTLS_TAP_INIT_DONE(true);
}

void tdstls_conn_text_register(void)
{
    static tap_param params[] = {{PARAM_FILTER, "filter", "Filter", NULL, true}};
    static stat_tap_ui ui = {REGISTER_PACKET_STAT_GROUP_UNSORTED, "TDS TLS connections (text)", CLI_NAME,
                             conn_text_init, G_N_ELEMENTS(params), params};
    register_stat_tap_ui(&ui, NULL);
}
