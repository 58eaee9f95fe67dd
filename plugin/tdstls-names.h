/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Names for the values tdstls shows: cipher suites as Wireshark's TLS
 * dissector names them, phases and TLS versions as the core names them,
 * as value_strings for field registration.
 */
#ifndef TDSTLS_NAMES_H
#define TDSTLS_NAMES_H

#include "wireshark-compat.h"
#include <epan/proto.h>   /* value_string: epan/ before 4.6, wsutil/ since */

/* Wireshark's name of a suite, so it matches tls.* exactly. */
const char *tdstls_suite_name(uint16_t suite);

/* enum tdstls_phase, and the TLS versions, as value_strings. */
const value_string *tdstls_phase_vals(void);
const value_string *tdstls_tls_version_vals(void);

#endif
