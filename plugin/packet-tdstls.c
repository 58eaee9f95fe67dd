/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tdstls: the TLS handshake SQL Server clients tunnel inside TDS PRELOGIN,
 * decoded by Wireshark's own TLS dissector, with expert info for TLS_DHE
 * suites, leading-zero DH public values (KB 4557473) and abnormal closes,
 * and the connection phase on every frame.
 *
 * This file is the plugin: it registers the protocol and its preferences,
 * then each part registers its own fields:
 *   tdstls-dissect.c  TDS packets and the TLS they carry (TCP payload)
 *   tdstls-post.c     every frame's phase and the close (a post-dissector)
 *   tdstls-find.c     SQL Server connections on any other port (a heuristic)
 *   tdstls-ssrp.c     SQL Server Browser (UDP 1434) and the ports it announces
 *   tdstls-login.c    a connection's instance, routing and login answer
 *   tdstls-row.c      one connection as a row: the columns every table shows
 *   tdstls-stat.c     the GUI's connection and DHE tables, and their JSON
 *   tdstls-conn-text.c  the terminal's table of connections (-z tdstls,conn)
 *   tdstls-ladder.c   each connection phase by phase (-z tdstls,ladder)
 *   tdstls-expert.c   the checks table as expert info
 *   tdstls-conv.c     per-connection state;  tdstls-names.c  value names
 *   core/             the epan-free parsing, state machine and checks
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>

#include "tdstls-conv.h"
#include "tdstls-dissect.h"
#include "tdstls-expert.h"
#include "tdstls-find.h"
#include "tdstls-handoff.h"
#include "tdstls-login.h"
#include "tdstls-post.h"
#include "tdstls-prefs.h"
#include "tdstls-ssrp.h"
#include "tdstls-stat.h"
#include "tdstls-ladder.h"
#include "tdstls-conn-text.h"

#ifndef VERSION
#define VERSION "0.1.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);

/* Newer releases ask what kind of plugin this is (the answer shows in
 * About > Plugins); 4.0 has no such question and does not even install
 * wsutil/plugins.h, so look for the header rather than at the version. */
#if defined(__has_include)
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif
#endif
#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

static int proto_tdstls = -1;

static struct tdstls_prefs preferences = {
    /* SQL Server allows the login exchange about a second by default. */
    .login_budget_ms = 1000,
    /* Off, tdstls still diagnoses everything from its own parse, and batch
     * runs skip decoding certificates that stock Wireshark never saw. */
    .decode_tls = true,
    /* .check: from the switches table, at registration */
};

/* Each check switch's description ends with the experts it switches. */
static const char *switch_description(enum check_switch s)
{
    GString *text = g_string_new(tdstls_check_switches[s].description);
    const char *sep = " (";
    for (int i = 0; i < N_CHECKS; i++)
        if (tdstls_checks[i].switched_by == s) {
            g_string_append_printf(text, "%stdstls.expert.%s", sep, tdstls_checks[i].name);
            sep = ", ";
        }
    g_string_append(text, ")");
    return g_string_free(text, false);
}

static void register_prefs(void)
{
    /* The port range preference (tdstls.tcp.port) comes with the dissector's handoff. */
    module_t *module = prefs_register_protocol(proto_tdstls, NULL);
    prefs_register_uint_preference(module, "login_budget_ms", "Login time budget (ms)",
                                   "Warn when pre-login to login response takes longer than this "
                                   "(SQL Server allows about 1000 ms by default); 0 turns the check off",
                                   10, &preferences.login_budget_ms);
    prefs_register_bool_preference(module, "decode_tls", "Decode the TLS inside PRELOGIN",
                                   "Hand the TLS handshake carried in PRELOGIN packets to Wireshark's TLS dissector "
                                   "(tls.* fields, keylog decryption). Off, tdstls still diagnoses DHE, leading zeros "
                                   "and closes from its own parse, and batch runs are cheaper.",
                                   &preferences.decode_tls);
    for (int s = 0; s < N_CHECK_SWITCHES; s++) {
        preferences.check[s] = tdstls_check_switches[s].on_by_default;
        prefs_register_bool_preference(module, tdstls_check_switches[s].name, tdstls_check_switches[s].title,
                                       switch_description((enum check_switch)s), &preferences.check[s]);
    }
}

static void proto_register_tdstls(void)
{
    proto_tdstls = proto_register_protocol("TDS TLS handshake analysis", "TDSTLS", "tdstls");
    register_prefs();
    tdstls_conv_register(proto_tdstls);
    tdstls_find_register(proto_tdstls);
    tdstls_handoff_register(proto_tdstls);
    tdstls_expert_register(proto_tdstls, &preferences);
    tdstls_dissect_register(proto_tdstls, &preferences);
    tdstls_post_register(proto_tdstls, &preferences);
    tdstls_login_register(proto_tdstls);
    tdstls_stat_register(&preferences);
    tdstls_ladder_register();
    tdstls_conn_text_register();
    tdstls_ssrp_register(proto_tdstls, &preferences);
}

static void proto_reg_handoff_tdstls(void)
{
    tdstls_dissect_handoff();
    tdstls_post_handoff();
    tdstls_ssrp_handoff();
}

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_tdstls;
    plug.register_handoff = proto_reg_handoff_tdstls;
    proto_register_plugin(&plug);
}
