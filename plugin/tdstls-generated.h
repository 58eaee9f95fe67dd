/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Tree items tdstls works out rather than reads from the frame's bytes
 * (phases, diagnoses, the frames they point to) are shown as generated, in
 * brackets, as Wireshark's own analysis items are.
 */
#ifndef TDSTLS_GENERATED_H
#define TDSTLS_GENERATED_H

#include <epan/proto.h>

static inline proto_item *tdstls_generated(proto_item *item)
{
    proto_item_set_generated(item);
    return item;
}

#endif
