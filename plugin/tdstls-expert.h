/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The checks table (core/checks.h) as Wireshark expert info: one expert
 * field per row, tdstls.expert.<name>, and the items of a frame's checks.
 */
#ifndef TDSTLS_EXPERT_H
#define TDSTLS_EXPERT_H

#include "wireshark-compat.h"
#include <epan/packet.h>

#include "core/checks.h"
#include "tdstls-prefs.h"

void tdstls_expert_register(int proto, const struct tdstls_prefs *prefs);

/* Where a frame's expert items hang: at[id] for check id, or the fallback
 * (the tdstls item) where none is set. NULL where no tree is built: the
 * items still reach the expert tap (tshark -z expert, the GUI's dialog). */
struct expert_anchors {
    proto_item *fallback;
    proto_item *at[N_CHECKS];
};

/* Adds an expert item for each check in set that the preferences allow, in
 * the table's order, with the words core/checks.c gives it (none when no
 * tree is built and no expert tap listens). */
void tdstls_expert_add(packet_info *pinfo, proto_tree *tree, const struct expert_anchors *anchors, check_set set,
                       const struct check_context *ctx);

#endif
