/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The core counts time in nanoseconds (int64_t, no epan types); a frame's
 * time as the core takes it.
 */
#ifndef TDSTLS_TIME_H
#define TDSTLS_TIME_H

#include <stdint.h>

#include <wsutil/nstime.h>

static inline int64_t tdstls_ns_of(const nstime_t *t)
{
    return (int64_t)t->secs * 1000000000 + t->nsecs;
}

#endif
