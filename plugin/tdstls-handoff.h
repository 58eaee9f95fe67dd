/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What Wireshark's TLS dissector may be handed, and how. tdstls reads every
 * record itself (core/tls_reader.c); this decides which records that
 * dissector sees so that it never trips its own assertions, and lays copied
 * records out so that it files each under a number of its own.
 */
#ifndef TDSTLS_HANDOFF_H
#define TDSTLS_HANDOFF_H

#include "wireshark-compat.h"
#include <epan/packet.h>

#include "core/tls_reader.h"
#include "tdstls-conv.h"

/* Why a PDU's TLS records stay away from Wireshark's TLS dissector. */
enum tls_withheld {
    TLS_HANDED = 0,
    TLS_BEFORE_CLIENT_HELLO,
    TLS_SERVER_CLIENT_HELLO,
    TLS_RECORD_IDS_TAKEN,
    TLS_NOT_ON_FIRST_PASS,
};

/* First pass: whether these whole records may go to Wireshark's TLS
 * dissector (enum tls_withheld; the caller keeps the answer for later
 * passes). raw_offset: where the records start in their tvb's real data. */
uint8_t tdstls_tls_verdict(struct sql_connection *conn, enum tdstls_side side, packet_info *pinfo,
                           const uint8_t *records, uint32_t len, uint32_t raw_offset, const struct tls_findings *f,
                           const struct tls_traits *t);

/* Why records were withheld, for tdstls.expert.tls_not_decoded; NULL when
 * they were handed. */
const char *tdstls_withheld_reason(uint8_t withheld);

/* Records copied out of PRELOGIN packets (they spanned packets), as a tvb
 * for Wireshark's TLS dissector. Call for every such PDU on every pass, in
 * the same order, so that each pass gives the records the same numbers. */
tvbuff_t *tdstls_tls_copy_tvb(tvbuff_t *pdu, packet_info *pinfo, const uint8_t *records, uint32_t len);

void tdstls_handoff_register(int proto);

#endif
