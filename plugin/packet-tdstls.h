/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What the tdstls epan glue shares between its files: field and expert ids,
 * handles, and the per-connection state kept in wmem file scope.
 */
#ifndef PACKET_TDSTLS_H
#define PACKET_TDSTLS_H

#include "wireshark-compat.h"
#include <epan/packet.h>
#include <epan/expert.h>

#include "core/connection.h"

/* Per connection (TCP conversation), file scope. */
struct tdstls_conv {
    struct tdstls_conn core;
    address server_addr;
    uint32_t server_port;
    /* TLS bytes from PRELOGIN payloads that do not yet make a whole record,
     * one buffer per direction; freed once the handshake leaves PRELOGIN. */
    uint8_t *pending[2];
    uint32_t pending_len[2];
    /* Wireshark's TLS dissector takes the sender of a ClientHello for the
     * client: it gets the server's handshake records only after the
     * client's ClientHello, and none after the server sent what it could
     * read as one (tdstls-dissect.c, tls_verdict) */
    bool client_hello_handed;
    bool server_tls_withheld;
    nstime_t first_time;
    uint32_t index;                          /* TCP's stream number (tcp.stream) */
    /* where each phase started: bounded, 8 phases */
    uint32_t phase_first_frame[PHASE_CLOSE + 1];
    nstime_t phase_first_time[PHASE_CLOSE + 1];
    enum tdstls_phase last_phase_before_close;
    /* the labels of this connection's frames, one entry where the label
     * changes (about ten per connection): tdstls-close.c */
    wmem_array_t *label_runs;
};

/* A frame's label: phase, inferred and close flags packed in 32 bits
 * (bit 31 set, so a label is never 0). Kept per connection as runs, see
 * tdstls-close.c. */
#define FRAME_PACK(phase, inferred, close_flags) \
    (0x80000000u | (unsigned)(phase) | ((inferred) ? 0x10u : 0u) | ((unsigned)(close_flags) << 8))
#define FRAME_PHASE(v) ((enum tdstls_phase)((v) & 0x0Fu))
#define FRAME_INFERRED(v) (((v) & 0x10u) != 0)
#define FRAME_CLOSE_FLAGS(v) (((v) >> 8) & 0xFFu)

extern int proto_tdstls;
extern dissector_handle_t tdstls_handle, tds_handle, tls_handle;
extern dissector_table_t tcp_port_table;

extern int hf_tdstls_phase, hf_tdstls_phase_inferred, hf_tdstls_phase_name;
extern int hf_tdstls_carrier, hf_tdstls_tls_bytes;
extern int hf_tdstls_cipher_suite, hf_tdstls_dhe, hf_tdstls_dhe_offered, hf_tdstls_offers_tds8;
extern int hf_tdstls_tls_version, hf_tdstls_key_share_group;
extern int hf_tdstls_dh_p_len, hf_tdstls_dh_g_len, hf_tdstls_dh_ys_len, hf_tdstls_dh_yc_len;
extern int hf_tdstls_dh_ys_leading_zero, hf_tdstls_dh_yc_leading_zero;
extern int hf_tdstls_finished, hf_tdstls_alert_desc;
extern int hf_tdstls_close_initiator, hf_tdstls_close_kind, hf_tdstls_close_abnormal, hf_tdstls_close_phase;
extern int hf_tdstls_diagnosis, hf_tdstls_evidence_frame;
extern int hf_tdstls_phase_since_syn, hf_tdstls_phase_since_previous, hf_tdstls_login_time;
extern int tdstls_tap;
extern unsigned tdstls_login_budget_ms;
extern tdstls_pref_bool tdstls_decode_tls;
/* which expert checks run (fields are added either way, for filters) */
extern tdstls_pref_bool tdstls_check_dhe, tdstls_check_leading_zero, tdstls_check_close;
/* stock TDS header fields, so tds.* filters keep matching TLS-carrying packets */
extern int hf_tds_type, hf_tds_status, hf_tds_length, hf_tds_channel, hf_tds_packet_number, hf_tds_window;
extern int proto_tds;

extern int ett_tdstls, ett_tdstls_dh, ett_tdstls_close, ett_tds_header;

extern expert_field ei_tdstls_dhe_negotiated, ei_tdstls_dhe_offered, ei_tdstls_ys_leading_zero,
    ei_tdstls_yc_leading_zero, ei_tdstls_server_closed_first, ei_tdstls_server_reset, ei_tdstls_client_reset,
    ei_tdstls_tls_alert, ei_tdstls_kb4557473, ei_tdstls_malformed, ei_tdstls_login_slow,
    ei_tdstls_tls_not_decoded;

/* tdstls-conv.c */
/* dst_is_server_hint: 1 or 0 when the caller knows, -1 to go by our ports. */
struct tdstls_conv *tdstls_conv_get(packet_info *pinfo, bool create, int dst_is_server_hint);
bool port_is_ours(uint32_t port);
enum tdstls_side tdstls_side_of(const struct tdstls_conv *conv, const packet_info *pinfo);
const char *tdstls_suite_name(uint16_t suite);
extern const struct tls_allocator tdstls_wmem_allocator;

/* tdstls-dissect.c */
int dissect_tdstls(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
int dissect_tdstls_decrypted(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
/* this frame's connection (the dissector's, else looked up), or NULL */
struct tdstls_conv *tdstls_conv_of_frame(packet_info *pinfo);

/* tdstls-stat.c */
void tdstls_register_stat(void);

/* tdstls-close.c */
int dissect_tdstls_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
void tdstls_close_init_fields(dissector_handle_t post_handle);

#endif
