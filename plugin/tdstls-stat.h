/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Statistics → TDS TLS connections / DHE handshakes (`tshark -z
 * tdstls,conn`, `-z tdstls,dhe`), and the same rows for programs
 * (`tshark -q -z tdstls,json`), all from one list of columns.
 */
#ifndef TDSTLS_STAT_H
#define TDSTLS_STAT_H

#include "tdstls-prefs.h"

#include <epan/stat_tap_ui.h>

void tdstls_stat_register(const struct tdstls_prefs *prefs);

/* For any table of ours whose string cells were g_malloc'd: free one cell
 * (a stat_tap_table_ui's free callback), empty the whole table. */
void tdstls_stat_free_item(stat_tap_table *table, unsigned row, unsigned column, stat_tap_table_item_type *field);
void tdstls_stat_table_clear(stat_tap_table *table);

/* The display filter of a `-z NAME,FILTER` argument, or NULL for none. */
const char *tdstls_stat_filter_of(const char *opt_arg, const char *name);

#endif
