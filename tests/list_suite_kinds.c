/* SPDX-License-Identifier: GPL-2.0-or-later
 * Prints "id kind" for every suite id 0..0xFFFF the core classifies as other
 * than KX_OTHER, for suite_kinds.sh. */
#include <stdio.h>

#include "suite_kinds.h"

int main(void)
{
    for (unsigned id = 0; id <= 0xFFFF; id++) {
        enum suite_kx kx = tdstls_suite_kx((uint16_t)id);
        if (kx != KX_OTHER)
            printf("%u %d\n", id, (int)kx);
    }
    return 0;
}
