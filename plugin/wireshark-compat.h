/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The few places where the Wireshark releases tdstls builds against
 * (4.0 to 4.4 and later) differ. The code uses the newer names; this maps
 * them back for older releases. Included by the glue files.
 */
#ifndef WIRESHARK_COMPAT_H
#define WIRESHARK_COMPAT_H

#include <wireshark.h>
#include <ws_version.h>

#define TDSTLS_WIRESHARK_BEFORE(major, minor) \
    (WIRESHARK_VERSION_MAJOR < (major) || (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR < (minor)))

/* The C99-named tvb accessors came with 4.4 (the g-named ones are deprecated
 * there); 4.0 and 4.2 have only the g-named ones. */
#if TDSTLS_WIRESHARK_BEFORE(4, 4)
#define tvb_get_uint8 tvb_get_guint8
#endif

/* prefs_register_bool_preference() takes a gboolean * (int) in older
 * releases and a bool * in newer ones. Passing the wrong one would write
 * 4 bytes into 1, so CMake compiles a probe against the Wireshark it builds
 * with and defines TDSTLS_PREFS_BOOL_IS_C99 when bool * is the one. */
#ifdef TDSTLS_PREFS_BOOL_IS_C99
typedef bool tdstls_pref_bool;
#else
typedef gboolean tdstls_pref_bool;
#endif

/* A heuristic dissector returns gboolean before 4.4, bool after; probed
 * by CMake as above (a bool read as an int would be garbage). */
#ifdef TDSTLS_HEUR_IS_C99
typedef bool tdstls_heur_result;
#else
typedef gboolean tdstls_heur_result;
#endif

/* A -z tap's init callback (stat_tap_init_cb) returns whether it could
 * register since 4.6; before, it returns nothing and a failure ends tshark
 * (as Wireshark's own taps do). Probed by CMake. */
#ifdef TDSTLS_TAP_INIT_RETURNS_BOOL
typedef bool tdstls_tap_init_result;
#define TDSTLS_TAP_INIT_DONE(ok) return (ok)
#else
typedef void tdstls_tap_init_result;
#define TDSTLS_TAP_INIT_DONE(ok) \
    do {                         \
        if (!(ok))               \
            exit(1);             \
        return;                  \
    } while (0)
#endif

/* Declared in epan/dissectors/packet-tls-utils.h, the same in 4.0 to 4.6;
 * that header includes gcrypt.h, which libwireshark-dev does not pull in
 * on newer Debian releases: this one declaration spares the build that
 * dependency. */
#include <epan/packet.h>
WS_DLL_PUBLIC void tls_set_appdata_dissector(dissector_handle_t tls_handle, packet_info *pinfo,
                                             dissector_handle_t app_handle);

#endif
