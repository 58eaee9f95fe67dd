/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Where a connection came from and what its login came to: the instance a
 * SQL Server Browser answer named for its port, the connection whose
 * routing sent its client here, and on the login answer's frame what the
 * server said (LOGINACK, ERROR, routing). Shown inside the post-dissector's
 * tdstls item.
 */
#ifndef TDSTLS_LOGIN_H
#define TDSTLS_LOGIN_H

#include "wireshark-compat.h"
#include <epan/packet.h>

#include "tdstls-conv.h"

void tdstls_login_register(int proto);
/* Adds to tree t (the frame's tdstls subtree): the login answer on its
 * frame; the connection's origin on the first frame of each phase. */
void tdstls_login_show(tvbuff_t *tvb, proto_tree *t, const struct sql_connection *conn, uint32_t frame,
                       bool phase_starts);

#endif
