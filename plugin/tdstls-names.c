/* SPDX-License-Identifier: GPL-2.0-or-later */
#define WS_BUILD_DLL
#include "tdstls-names.h"

#include <epan/proto.h>

#include "core/connection.h"
#include "core/tls_reader.h"

const char *tdstls_suite_name(uint16_t suite)
{
    static header_field_info *hfi;
    if (!hfi)
        hfi = proto_registrar_get_byname("tls.handshake.ciphersuite");
    if (hfi && hfi->strings && (hfi->display & BASE_EXT_STRING))
        return val_to_str_ext_const(suite, (value_string_ext *)hfi->strings, "unknown cipher suite");
    return "unknown cipher suite";
}

const value_string *tdstls_phase_vals(void)
{
    static value_string vals[N_PHASES + 1];
    if (!vals[0].strptr)
        for (int p = 0; p < N_PHASES; p++)
            vals[p] = (value_string){(uint32_t)p, tdstls_phase_name((enum tdstls_phase)p)};
    return vals;
}

const value_string *tdstls_tls_version_vals(void)
{
    static value_string vals[TLS_1_3 - SSL_3_0 + 2];
    if (!vals[0].strptr)
        for (unsigned v = SSL_3_0; v <= TLS_1_3; v++)
            vals[v - SSL_3_0] = (value_string){v, tls_version_name((uint16_t)v)};
    return vals;
}
