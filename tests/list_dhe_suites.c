/* SPDX-License-Identifier: GPL-2.0-or-later
 * Prints the core's DHE suite table, one decimal id a line, for dhe_suites.sh. */
#include <stdio.h>

#include "dhe_suites.h"

int main(void)
{
    for (size_t i = 0; i < tdstls_dhe_suite_count(); i++)
        printf("%u\n", tdstls_dhe_suite_at(i));
    return 0;
}
