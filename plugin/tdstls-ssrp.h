/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * SQL Server Browser (the SQL Server Resolution Protocol, [MC-SQLR], on UDP
 * 1434): a dissector for its requests and responses, the check that a
 * request was answered, and the TCP ports its answers announce, which
 * become tdstls's for that server: a connection to a named instance is
 * analysed even when the capture starts after its PRELOGIN.
 */
#ifndef TDSTLS_SSRP_H
#define TDSTLS_SSRP_H

#include "wireshark-compat.h"
#include <epan/packet.h>

#include "core/ssrp.h"
#include "tdstls-prefs.h"

/* A TCP port a Browser answer announced (file scope). */
struct tdstls_instance {
    const char *instance;              /* the instance's name ("" for a DAC port) */
    const char *server_name;           /* the Browser's ServerName */
    uint32_t response_frame;           /* the answer that announced it */
    bool dac;                          /* the dedicated admin connection's port */
};

void tdstls_ssrp_register(int proto_tdstls, const struct tdstls_prefs *prefs);
void tdstls_ssrp_handoff(void);

/* What a Browser answer announced for this server address and TCP port, or
 * NULL. */
const struct tdstls_instance *tdstls_ssrp_instance_at(const address *server, uint32_t port);

/* Every Browser request of the capture so far, with what became of it, for
 * the tables and their JSON (one pass reads them all by the end). */
struct tdstls_browser_request {
    uint32_t frame;
    nstime_t time;
    address client, server;            /* the server: where it was sent (maybe broadcast) */
    uint32_t client_port;
    uint8_t type;
    char instance[SSRP_TEXT_MAX];
    uint32_t answers, first_answer;    /* responses to it, and the first one's frame */
    uint32_t announced_port;           /* the first TCP port its answers gave for the instance asked */
    bool lacks_instance;               /* an answer did not list the instance asked for */
    uint32_t repeats;                  /* an earlier request of the client's, the same, unanswered: its frame */
    uint32_t unreachable_frame;        /* an ICMP port unreachable quoting it */
};
/* Calls each(request, user) for every request in frame order. */
void tdstls_ssrp_foreach_request(void (*each)(const struct tdstls_browser_request *r, void *user), void *user);

#endif
