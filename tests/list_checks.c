/* SPDX-License-Identifier: GPL-2.0-or-later
 * Prints the core's checks table, one "name<TAB>summary" a line, so the
 * tshark tests can hold Wireshark's registered expert fields against it;
 * with the argument "diagnoses", every diagnosis kind tdstls can give, one
 * a line, so a test can hold the documentation against it. */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "diagnoses.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "diagnoses") == 0) {
        for (int d = 0; d < N_DIAGNOSES; d++)
            if (d != DIAG_NONE)
                printf("%s\n", tdstls_diagnoses[d].name);
        return 0;
    }
    for (int i = 0; i < N_CHECKS; i++)
        printf("%s\t%s\n", tdstls_checks[i].name, tdstls_checks[i].summary);
    return 0;
}
