/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TDSTLS_SUITE_KINDS_H
#define TDSTLS_SUITE_KINDS_H

#include <stdint.h>

/* How a suite agrees on keys. */
enum suite_kx { KX_OTHER, KX_RSA, KX_DHE, KX_ECDHE, KX_TLS13, N_SUITE_KX };

enum suite_kx tdstls_suite_kx(uint16_t suite);
/* "RSA key exchange", "DHE", "ECDHE", "TLS 1.3", "other" */
const char *tdstls_suite_kx_name(enum suite_kx kx);

#endif
