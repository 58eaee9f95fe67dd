/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Statistics → TDS TLS connections / DHE handshakes (`tshark -z
 * tdstls,conn`, `-z tdstls,dhe`), and the same rows for programs
 * (`tshark -q -z tdstls,json`), all from one list of columns.
 */
#ifndef TDSTLS_STAT_H
#define TDSTLS_STAT_H

#include "tdstls-prefs.h"

void tdstls_stat_register(const struct tdstls_prefs *prefs);

#endif
