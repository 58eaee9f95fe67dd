/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Everything tdstls reports as expert info, one row per item
 * (tdstls.expert.<name>): its group, severity, the preference that switches
 * it off, a short text for the tables, the words it says on the frame that
 * shows it, and its rule: on a PDU's TLS findings (tls_reader.c reads them),
 * on the connection (facts from several PDUs, such as a ClientHello and the
 * ServerHello that answers it), on a labelled frame (connection.c labels
 * frames and decides why the connection ended; diagnoses.c words it, and a
 * row here announces each diagnosis), or on a SQL Server Browser message
 * (ssrp.c reads them).
 * Only tls_not_decoded is raised by the glue (what Wireshark's
 * TLS dissector may see). The glue registers an expert field per row and
 * adds items by iterating the table; the statistics and the report take
 * their texts from here. Adding a check: a row here, its rule, a test.
 * No epan dependency.
 */
#ifndef TDSTLS_CHECKS_H
#define TDSTLS_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connection.h"
#include "diagnoses.h"
#include "ssrp.h"
#include "tls_reader.h"

enum tdstls_check {
    CHECK_DHE_OFFERED,
    CHECK_OLD_TLS_ONLY_OFFERED,
    CHECK_DHE_NEGOTIATED,
    CHECK_OLD_TLS_NEGOTIATED,
    CHECK_SERVER_CHOSE_OLDER_TLS,
    CHECK_YS_LEADING_ZERO,
    CHECK_YC_LEADING_ZERO,
    CHECK_TLS_ALERT,
    CHECK_MALFORMED,
    CHECK_CAPTURE_CUT,
    CHECK_TLS_NOT_DECODED,
    CHECK_CERT_SELF_SIGNED,
    CHECK_CERT_OUTSIDE_VALIDITY,
    CHECK_CERT_NAME_MISMATCH,
    CHECK_LOGIN_SLOW,
    CHECK_SERVER_CLOSED_FIRST,
    CHECK_KB4557473,
    CHECK_KEY_EXCHANGE_REJECTED,
    CHECK_CERT_REJECTED,
    CHECK_TLS_VERSION_REFUSED,
    CHECK_CLOSED_AFTER_HANDSHAKE,
    CHECK_TLS_VERSION_MISMATCH,
    CHECK_NO_COMMON_SUITE,
    CHECK_NO_COMMON_TLS,
    CHECK_CLIENT_QUIT_HANDSHAKE,
    CHECK_SERVER_RESET,
    CHECK_CLIENT_RESET,
    CHECK_BROWSER_NO_ANSWER,
    CHECK_BROWSER_NO_INSTANCE,
    CHECK_BROWSER_MALFORMED,
    CHECK_LOGIN_FAILED,
    CHECK_AUTH_FLAG_CONTRADICTED,
    CHECK_TDS_LEGACY,
    CHECK_CONNECTION_REFUSED,
    N_CHECKS,
    CHECK_NONE = N_CHECKS,
};

/* A set of checks: bit (1 << id). */
typedef uint64_t check_set;
_Static_assert(N_CHECKS <= 64, "a check_set holds one bit per check");
#define CHECK_BIT(id) ((check_set)1 << (id))

/* Expert groups and severities, as Wireshark's expert info has them
 * (the glue maps them to PI_*). */
enum check_group { GROUP_SECURITY, GROUP_SEQUENCE, GROUP_RESPONSE_CODE, GROUP_MALFORMED, GROUP_UNDECODED, GROUP_PROTOCOL };
enum check_severity { SEVERITY_NOTE, SEVERITY_WARN, SEVERITY_ERROR };

/* The preferences that switch checks off (the fields stay, for filters). */
enum check_switch {
    SWITCH_CHECK_DHE,          /* tdstls.check_dhe */
    SWITCH_CHECK_LEADING_ZERO, /* tdstls.check_leading_zero */
    SWITCH_CHECK_CLOSE,        /* tdstls.check_close */
    SWITCH_CHECK_TLS_VERSION,  /* tdstls.check_tls_version */
    SWITCH_CHECK_CERTIFICATE,  /* tdstls.check_certificate */
    SWITCH_CHECK_BROWSER,      /* tdstls.check_browser */
    SWITCH_CHECK_LOGIN,        /* tdstls.check_login */
    N_CHECK_SWITCHES,
    SWITCH_ALWAYS = N_CHECK_SWITCHES,
    SWITCH_DECODE_TLS,         /* tdstls.decode_tls: nothing is withheld when nothing is handed */
    SWITCH_LOGIN_BUDGET,       /* tdstls.login_budget_ms: 0 turns it off */
};

struct check_switch_info {
    const char *name;          /* preference name under tdstls. */
    const char *title;
    const char *description;   /* the glue appends the expert names it switches */
    bool on_by_default;
};
extern const struct check_switch_info tdstls_check_switches[N_CHECK_SWITCHES];

/* What a check's words may draw on. */
struct check_context {
    const struct conn_results *conn;   /* the connection (results so far) */
    const struct tls_findings *found;  /* the PDU's findings, for checks on them; else NULL */
    const char *(*suite_name)(uint16_t suite);
    unsigned login_budget_ms;
    const char *detail;                /* CHECK_TLS_NOT_DECODED: why */
    const struct ssrp_lookup *browser; /* the Browser checks' message; else NULL */
};

/* What an on_frame rule sees: the frame, its label, its connection. */
struct frame_facts {
    enum tdstls_check id;              /* the rule's own row */
    const struct conn_results *conn;
    uint32_t frame;
    const struct frame_label *label;
    unsigned login_budget_ms;          /* the preference tdstls.login_budget_ms */
};

struct check_info {
    enum tdstls_check id;
    const char *name;                  /* tdstls.expert.<name> */
    enum check_group group;
    enum check_severity severity;
    const char *summary;               /* the expert's registered summary */
    enum check_switch switched_by;
    const char *short_text;            /* in the tables' check list */
    /* the expert text on the frame; NULL: the summary */
    void (*message)(const struct check_context *ctx, char *buf, size_t size);
    /* the rule: on a PDU's TLS findings; */
    bool (*on_findings)(const struct tls_findings *f);
    /* or on the connection: the frame where what it needs became known (0:
     * not raised), asked on every labelled frame, so it shows in one pass
     * as in two; */
    uint32_t (*on_connection)(const struct conn_results *r);
    /* or on a notable labelled frame of the connection
     * (tdstls_frame_is_notable: a phase begins, the connection closes or
     * resets, its diagnosis shows); */
    bool (*on_frame)(const struct frame_facts *at);
    /* or on a SQL Server Browser message (UDP 1434) */
    bool (*on_browser)(const struct ssrp_lookup *l);
    /* the diagnosis this check announces, on the frame that shows it */
    enum tdstls_diagnosis announces;
};
extern const struct check_info tdstls_checks[N_CHECKS];

/* The checks a PDU's TLS findings raise. */
check_set tdstls_checks_of_findings(const struct tls_findings *f);
/* The checks a SQL Server Browser message raises. */
check_set tdstls_checks_of_browser(const struct ssrp_lookup *l);
/* The check that announces diagnosis d, or CHECK_NONE. */
enum tdstls_check tdstls_check_announcing(enum tdstls_diagnosis d);
/* The checks a labelled frame raises (login_budget_ms: the preference). */
check_set tdstls_checks_of_frame(const struct conn_results *r, uint32_t frame, const struct frame_label *l,
                                 unsigned login_budget_ms);

/* The words of check id on its frame; "" when it has none but its summary. */
void tdstls_check_message(enum tdstls_check id, const struct check_context *ctx, char *buf, size_t size);

/* The short texts of a set of checks, in table order, joined by ", ". */
void tdstls_check_list(check_set set, char *buf, size_t size);

#endif
