/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * `tshark -q -z tdstls,conn[,wide][,filter]`: the connections as a table a
 * person reads in a terminal, aligned, one line per connection. Without
 * `wide` it shows the columns that answer "which connections failed, and
 * why"; with it, every column of the GUI's table.
 */
#ifndef TDSTLS_CONN_TEXT_H
#define TDSTLS_CONN_TEXT_H

void tdstls_conn_text_register(void);

#endif
