/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TDSTLS_DHE_SUITES_H
#define TDSTLS_DHE_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the suite uses ephemeral finite-field DH (TLS_DHE_*, DH_anon, PSK_DHE). */
bool tdstls_suite_is_dhe(uint16_t suite);

/* True for the DHE_PSK suites, whose key exchange messages start with a PSK identity. */
bool tdstls_suite_is_dhe_psk(uint16_t suite);

/* The table itself, for the test that compares it with Wireshark's names. */
size_t tdstls_dhe_suite_count(void);
uint16_t tdstls_dhe_suite_at(size_t i);

#endif
