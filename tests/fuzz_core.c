/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer harness over the epan-free core: the input is a script of events
 * for one connection, fed as the glue would feed them.
 *   control byte: bit 0 side (server), bits 1-2 kind, bits 3-5 flags
 *   kind 0: TLS bytes (bit 3: inside PRELOGIN), 2-byte length, then bytes
 *   kind 1: a clear TDS packet type (next byte); the bytes after it, up to
 *           64, as its payload (a PRELOGIN answer is parsed)
 *   kind 2: TCP flags (bit 3 SYN, bit 4 FIN, bit 5 RST)
 *   kind 3: other data, or (bit 3) a decrypted TDS packet type (next byte)
 *           and up to 64 bytes after it as its payload (a login answer is read)
 * After every event the core's invariants must hold. The whole input is
 * then read as a certificate, a frame, an SSRP datagram and a connection's
 * first payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "connection.h"
#include "login_auth.h"
#include "ntlm.h"
#include "ssrp.h"
#include "tcp_header.h"
#include "tds_prelogin.h"
#include "x509.h"

static void *fuzz_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void fuzz_release(void *ctx, void *p) { (void)ctx; free(p); }
static const struct tls_allocator alloc = {fuzz_alloc, fuzz_release, NULL};

#define ITEM_TEXT_MAX 240        /* Wireshark's ITEM_LABEL_LENGTH */

static const char *no_name(uint16_t suite)
{
    (void)suite;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conn_analysis c;
    tdstls_conn_init(&c, &alloc, 0);
    uint32_t frame = 0;
    size_t i = 0;
    while (i < size) {
        uint8_t ctl = data[i++];
        enum tdstls_side side = (ctl & 1) ? SIDE_SERVER : SIDE_CLIENT;
        frame++;
        switch ((ctl >> 1) & 3) {
        case 0: {
            if (size - i < 2)
                goto out;
            size_t n = ((size_t)data[i] << 8) | data[i + 1];
            i += 2;
            if (n > size - i)
                n = size - i;
            /* a private copy, so ASan sees reads past the chunk */
            uint8_t *chunk = malloc(n ? n : 1);
            memcpy(chunk, data + i, n);
            struct tls_findings f;
            struct tls_traits t;
            memset(&f, 0, sizeof f);
            memset(&t, 0, sizeof t);
            /* bit 4: the frame was cut by a snapshot length */
            ((ctl >> 4) & 1 ? tdstls_conn_cut_tls : tdstls_conn_tls)(&c, frame, (int64_t)frame * 1000000000, side,
                                                                   (ctl >> 3) & 1, chunk, n, &f, &t);
            bool bad;
            if (tls_whole_records_len(chunk, (uint32_t)n, &bad) > n)   /* the glue's record cutter */
                abort();
            free(chunk);
            i += n;
            if (f.malformed && !f.problem)
                abort();
            /* the words of every check these findings raise fit their buffer */
            struct check_context ctx = {tdstls_conn_results(&c), &f, no_name, 1000, "x", NULL};
            char text[256];
            for (int k = 0; k < N_CHECKS; k++)
                if (tdstls_checks_of_findings(&f) & CHECK_BIT(k)) {
                    tdstls_check_message((enum tdstls_check)k, &ctx, text, sizeof text);
                    if (strlen(text) >= sizeof text)
                        abort();
                }
            break;
        }
        case 1: {
            if (i >= size)
                goto out;
            uint8_t type = data[i++];
            size_t n = size - i < 64 ? size - i : 64;   /* the rest, as a PRELOGIN payload */
            tdstls_conn_clear_tds(&c, frame, side, type, data + i, n);
            /* a frame with only part of the next PDU: its phase from the first bytes */
            bool inferred;
            enum tdstls_phase p = tdstls_conn_pdu_phase(&c, side, data + i, n, &inferred);
            if (p >= N_PHASES)
                __builtin_trap();
            tdstls_conn_frame_carries(&c, frame + 1, p, inferred);
            break;
        }
        case 2: {
            struct frame_label l = tdstls_conn_tcp(&c, frame, (int64_t)frame * 1000, side, (ctl >> 3) & 1,
                                                   (ctl >> 4) & 1, (ctl >> 5) & 1);
            struct frame_label again;
            if (l.phase >= N_PHASES || !tdstls_conn_label(&c.res, frame, &again) || again.phase != l.phase ||
                again.reset != l.reset)
                abort();
            check_set raised = tdstls_checks_of_frame(&c.res, frame, &l, 1000);
            if ((raised & CHECK_BIT(CHECK_KB4557473)) && c.res.close_side != SIDE_SERVER)
                abort();
            break;
        }
        default:
            if (ctl & 8) {
                if (i >= size)
                    goto out;
                size_t n = size - i - 1 < 64 ? size - i - 1 : 64;   /* the rest, as its payload */
                tdstls_conn_decrypted_tds(&c, frame, side, data[i], data + i + 1, n);
                i++;
            } else {
                tdstls_conn_other_data(&c, frame, side);
            }
            break;
        }
        if ((unsigned)c.track.phase >= N_PHASES || (c.res.diagnosis == DIAG_KB4557473 && !c.res.dhe) ||
            (unsigned)c.res.diagnosis >= N_DIAGNOSES)
            abort();
    }
out:
    {
        char diag[1536];
        struct diagnosis_context ctx = {tdstls_conn_results(&c), (size & 1) ? no_name : NULL};
        tdstls_diagnosis_text(&ctx, diag, sizeof diag);
        if (strlen(diag) >= sizeof diag)
            abort();
        uint32_t evidence[MAX_EVIDENCE];
        if (tdstls_diagnosis_evidence(&c.res, evidence) > MAX_EVIDENCE)
            abort();
        int64_t ns;
        for (int p = 0; p < N_PHASES; p++)
            tdstls_phase_duration(&c.res, (enum tdstls_phase)p, &ns);
    }
    /* the whole input as a certificate */
    {
        struct cert_facts facts;
        uint8_t *der = malloc(size ? size : 1);
        memcpy(der, data, size);
        if (x509_read(der, size, &facts) && !facts.parsed)
            abort();
        char text[400];
        tdstls_describe_certificate(&facts, text, sizeof text);
        if (strlen(text) >= sizeof text || x509_names_host(&facts, ""))
            abort();
        free(der);
    }
    /* the whole input as a frame to find a TCP header in */
    {
        static const uint8_t a[16] = {127, 0, 0, 1}, b[16] = {127, 0, 0, 1};
        struct tcp_segment seg;
        struct tcp_endpoints ep = {(size & 2) ? 6 : 4, a, b, 1433, (uint16_t)size};
        uint8_t *frame = malloc(size ? size : 1);
        memcpy(frame, data, size);
        if (tcp_segment_in_frame(frame, size, &ep, &seg) && (seg.flags > 0x0FFF || seg.payload_len > 0xFFFF))
            abort();
        free(frame);
    }
    /* the whole input as a client's SSPI packet: an NTLM AUTHENTICATE */
    {
        uint8_t *msg = malloc(size ? size : 1);
        memcpy(msg, data, size);
        struct ntlm_identity id;
        if (ntlm_authenticate_read(msg, size, &id) &&
            (strlen(id.domain) >= NTLM_NAME_MAX || strlen(id.user) >= NTLM_NAME_MAX ||
             strlen(id.workstation) >= NTLM_NAME_MAX))
            abort();
        free(msg);
    }
    /* the whole input as an SSPI blob and as a LOGIN7: which authentication */
    {
        uint8_t *blob = malloc(size ? size : 1);
        memcpy(blob, data, size);
        if (login_auth_of_sspi(blob, size) >= N_LOGIN_AUTHS || login_auth_of_login7(blob, size, NULL) >= N_LOGIN_AUTHS)
            abort();
        size_t token_len;
        const uint8_t *token = login_auth_mech_token(blob, size, &token_len);
        if (token < blob || token + token_len > blob + size)
            abort();
        free(blob);
    }
    /* the whole input as a UDP payload to SQL Server Browser, and as the
     * first payload of a TCP connection the heuristic looks at */
    {
        uint8_t *payload = malloc(size ? size : 1);
        memcpy(payload, data, size);
        struct ssrp_message m;
        if (ssrp_parse(payload, size, &m)) {
            size_t kept = m.n_instances < SSRP_MAX_INSTANCES ? m.n_instances : SSRP_MAX_INSTANCES;
            for (size_t k = 0; k < kept; k++) {
                const struct ssrp_instance *in = &m.instances[k];
                const struct ssrp_text *texts[] = {&in->server_name, &in->instance_name, &in->version, &in->tcp,
                                                   &in->np, &in->is_clustered};
                for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
                    if (strlen(texts[t]->text) >= SSRP_TEXT_MAX || (size_t)texts[t]->at + texts[t]->len > size)
                        abort();
            }
            if (m.instance.at + m.instance.len > size)
                abort();
            /* every Browser check's words fit, asked for an instance or not */
            struct ssrp_lookup l;
            ssrp_lookup_of_response(&m, m.type, (size & 1) ? m.instance.text : "SQLEXPRESS", &l);
            l.response = m.type == SSRP_SVR_RESP;
            l.capture_read = true;
            struct check_context ctx = {tdstls_conn_results(&c), NULL, no_name, 1000, NULL, &l};
            char text[1024];
            check_set raised = tdstls_checks_of_browser(&l);
            for (int k = 0; k < N_CHECKS; k++)
                if (raised & CHECK_BIT(k)) {
                    tdstls_check_message((enum tdstls_check)k, &ctx, text, sizeof text);
                    if (strlen(text) >= ITEM_TEXT_MAX)   /* Wireshark would cut it */
                        abort();
                }
        }
        if (size >= TDS_HEADER_LEN && tds_header_plausible(payload, size))
            tds_prelogin_plausible(payload + TDS_HEADER_LEN, size - TDS_HEADER_LEN);
        if ((unsigned)tls_first_record_alpn(payload, size) > TLS_ALPN_OTHER)
            abort();
        free(payload);
    }
    /* what the connection allocated (a message left half-gathered, the
     * label runs), as wmem would at file close */
    tdstls_conn_free(&c);
    return 0;
}
