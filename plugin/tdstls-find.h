/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * How tdstls finds SQL Server connections on ports that are not its own
 * (named instances, Azure redirects, listeners, custom ports): by how they
 * begin, the client's PRELOGIN or a TLS ClientHello with ALPN tds/8.0.
 */
#ifndef TDSTLS_FIND_H
#define TDSTLS_FIND_H

#include "wireshark-compat.h"
#include <epan/packet.h>

void tdstls_find_register(int proto);
/* Registers the TCP heuristic (tdstls_tcp); tdstls: the handle that
 * dissects a connection once found. */
void tdstls_find_handoff(dissector_handle_t tdstls);

/* A client's SYN on a port that is not tdstls's (first pass): the
 * connection's first payload is looked at before any port dissector
 * takes it, so a SQL Server on a port another protocol owns (1533 is
 * Sametime's) is found too. Does nothing when the heuristic is off. */
void tdstls_find_watch(packet_info *pinfo);

/* Whether the tdstls_tcp heuristic is enabled (Analyze > Enabled
 * Protocols, tshark --disable-heuristic tdstls_tcp). */
bool tdstls_find_enabled(void);

#endif
