/* SPDX-License-Identifier: GPL-2.0-or-later
 * Prints the core's checks table, one "name<TAB>summary" a line, so the
 * tshark tests can hold Wireshark's registered expert fields against it. */
#include <stdio.h>

#include "checks.h"

int main(void)
{
    for (int i = 0; i < N_CHECKS; i++)
        printf("%s\t%s\n", tdstls_checks[i].name, tdstls_checks[i].summary);
    return 0;
}
