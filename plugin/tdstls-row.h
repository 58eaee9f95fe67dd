/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * One SQL Server connection as a row: the list of columns that the GUI's
 * table (Statistics → TDS TLS connections), the terminal's table (`-z
 * tdstls,conn`) and the rows for programs (`-z tdstls,json`) all draw from,
 * and the list of connections a capture showed, in order.
 */
#ifndef TDSTLS_ROW_H
#define TDSTLS_ROW_H

#include <glib.h>

#include "core/checks.h"
#include "tdstls-conv.h"
#include "tdstls-prefs.h"

struct conn_column {
    const char *title;          /* the tables' heading; NULL: for programs only */
    const char *key;            /* the name for programs (-z tdstls,json, the report's CSV) */
    void (*cell)(const struct sql_connection *c, GString *out);
    /* the value for programs where it differs from the words of the tables */
    void (*export_cell)(const struct sql_connection *c, GString *out);
};

/* room enough for every column, for arrays sized at compile time */
#define TDSTLS_ROW_MAX_COLUMNS 32

/* Every column: those with a title first, in the order the tables show them. */
extern const struct conn_column tdstls_row_columns[];
extern const unsigned tdstls_row_n_columns;
/* How many columns have a title (the tables' columns). */
unsigned tdstls_row_n_titled(void);
/* The column named key, or NULL. */
const struct conn_column *tdstls_row_column(const char *key);

/* The preferences that say which checks speak. */
void tdstls_row_set_prefs(const struct tdstls_prefs *prefs);
/* The checks raised on the connection that the preferences let speak. */
check_set tdstls_row_checks(const struct sql_connection *c);

/* The SQL Server connections a tap saw, each once, in the order of their
 * first frame. */
struct tdstls_conn_list {
    GPtrArray *conns;           /* const struct sql_connection * */
    GHashTable *seen;
};
void tdstls_conn_list_init(struct tdstls_conn_list *l);
/* Adds a SQL Server connection the tables list (tdstls_conv_listed) not yet in the list. */
void tdstls_conn_list_add(struct tdstls_conn_list *l, const struct sql_connection *c);
void tdstls_conn_list_clear(struct tdstls_conn_list *l);
void tdstls_conn_list_free(struct tdstls_conn_list *l);

#endif
