/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The dissector on a TDS port: TDS packets and the TLS they carry.
 */
#ifndef TDSTLS_DISSECT_H
#define TDSTLS_DISSECT_H

#include "tdstls-prefs.h"

/* Fields, subtrees, and the "tdstls" and "tdstls.decrypted" dissectors. */
void tdstls_dissect_register(int proto, const struct tdstls_prefs *prefs);
/* The handles it calls, and its ports (preference tdstls.tcp.port). */
void tdstls_dissect_handoff(void);

#endif
