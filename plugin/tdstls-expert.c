/* SPDX-License-Identifier: GPL-2.0-or-later */
#define WS_BUILD_DLL
#include "tdstls-expert.h"

#include <epan/expert.h>
#include <epan/tap.h>

static expert_field ei[N_CHECKS];
static const struct tdstls_prefs *preferences;
static int expert_tap = -1;

static int group_of(enum check_group g)
{
    switch (g) {
    case GROUP_SECURITY:
        return PI_SECURITY;
    case GROUP_SEQUENCE:
        return PI_SEQUENCE;
    case GROUP_RESPONSE_CODE:
        return PI_RESPONSE_CODE;
    case GROUP_MALFORMED:
        return PI_MALFORMED;
    case GROUP_PROTOCOL:                     /* a field that violates the protocol's rules */
        return PI_PROTOCOL;
    default:
        return PI_UNDECODED;
    }
}

static int severity_of(enum check_severity s)
{
    return s == SEVERITY_ERROR ? PI_ERROR : s == SEVERITY_WARN ? PI_WARN : PI_NOTE;
}

void tdstls_expert_register(int proto, const struct tdstls_prefs *p)
{
    static ei_register_info info[N_CHECKS];
    preferences = p;
    for (int i = 0; i < N_CHECKS; i++) {
        const struct check_info *c = &tdstls_checks[i];
        ei[i] = (expert_field)EI_INIT;
        info[i] = (ei_register_info){&ei[i], {g_strdup_printf("tdstls.expert.%s", c->name), group_of(c->group),
                                               severity_of(c->severity), c->summary, EXPFILL}};
    }
    expert_register_field_array(expert_register_protocol(proto), info, N_CHECKS);
}

void tdstls_expert_add(packet_info *pinfo, proto_tree *tree, const struct expert_anchors *anchors, check_set set,
                       const struct check_context *ctx)
{
    char text[ITEM_LABEL_LENGTH];
    /* Without a tree and without the expert tap (tshark -z expert, the GUI's
     * Expert Information) nobody reads them: a first pass of tshark -2. */
    if (expert_tap < 0)
        expert_tap = find_tap_id("expert");
    if (!tree && !(expert_tap >= 0 && have_tap_listener(expert_tap)))
        return;
    for (int i = 0; i < N_CHECKS; i++) {
        if (!(set & CHECK_BIT(i)) || !tdstls_prefs_allow(preferences, (enum tdstls_check)i))
            continue;
        proto_item *at = anchors->at[i] ? anchors->at[i] : anchors->fallback;
        tdstls_check_message((enum tdstls_check)i, ctx, text, sizeof text);
        if (text[0])
            expert_add_info_format(pinfo, at, &ei[i], "%s", text);
        else
            expert_add_info(pinfo, at, &ei[i]);
    }
}
