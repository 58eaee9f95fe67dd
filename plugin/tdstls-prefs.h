/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tdstls's preferences, in one struct (as transum's TSUM_PREFERENCES).
 * packet-tdstls.c registers them and hands each module a read-only pointer.
 */
#ifndef TDSTLS_PREFS_H
#define TDSTLS_PREFS_H

#include "wireshark-compat.h"

#include "core/checks.h"

struct tdstls_prefs {
    /* tdstls.login_budget_ms: warn when pre-login to login response takes
     * longer; 0 turns the check off */
    unsigned login_budget_ms;
    /* tdstls.decode_tls: hand the TLS inside PRELOGIN to Wireshark's TLS
     * dissector */
    tdstls_pref_bool decode_tls;
    /* tdstls.check_dhe, .check_leading_zero, .check_close: each switches
     * off a group of expert items; the fields stay, for filters */
    tdstls_pref_bool check[N_CHECK_SWITCHES];
};

/* Whether the preferences let check id speak. */
static inline bool tdstls_prefs_allow(const struct tdstls_prefs *p, enum tdstls_check id)
{
    if (id >= N_CHECKS)
        return false;
    enum check_switch s = tdstls_checks[id].switched_by;
    if (s < N_CHECK_SWITCHES)
        return p->check[s];
    if (s == SWITCH_DECODE_TLS)
        return p->decode_tls;
    if (s == SWITCH_LOGIN_BUDGET)
        return p->login_budget_ms != 0;
    return true;
}

#endif
