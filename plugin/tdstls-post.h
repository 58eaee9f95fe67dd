/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The post-dissector: every frame of a TDS connection, SYN, bare ACK, FIN
 * and RST included, gets its phase, and the first FIN/RST who closed, how,
 * and why. Feeds the "tdstls" tap.
 */
#ifndef TDSTLS_POST_H
#define TDSTLS_POST_H

#include "tdstls-prefs.h"

/* Fields, subtrees, the tap and the post-dissector. */
void tdstls_post_register(int proto, const struct tdstls_prefs *prefs);
/* The TCP fields it reads. */
void tdstls_post_handoff(void);

#endif
