/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer harness over the epan-free core: the input is a script of events
 * for one connection, fed as the glue would feed them.
 *   control byte: bit 0 side (server), bits 1-2 kind, bits 3-5 flags
 *   kind 0: TLS bytes (bit 3: inside PRELOGIN), 2-byte length, then bytes
 *   kind 1: a clear TDS packet type (next byte)
 *   kind 2: TCP flags (bit 3 SYN, bit 4 FIN, bit 5 RST)
 *   kind 3: other data, or (bit 3) a decrypted TDS packet type (next byte)
 * After every event the core's invariants must hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connection.h"

static void *fuzz_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void fuzz_release(void *ctx, void *p) { (void)ctx; free(p); }
static const struct tls_allocator alloc = {fuzz_alloc, fuzz_release, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tdstls_conn c;
    tdstls_conn_init(&c);
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
            memset(&f, 0, sizeof f);
            tdstls_conn_tls(&c, frame, side, (ctl >> 3) & 1, &alloc, chunk, n, &f);
            bool bad;
            if (tls_whole_records_len(chunk, (uint32_t)n, &bad) > n)   /* the glue's record cutter */
                abort();
            free(chunk);
            i += n;
            if (f.malformed && !f.problem)
                abort();
            break;
        }
        case 1:
            if (i >= size)
                goto out;
            tdstls_conn_clear_tds(&c, frame, side, data[i++]);
            break;
        case 2: {
            bool inferred;
            unsigned flags;
            enum tdstls_phase p = tdstls_conn_tcp(&c, frame, side, (ctl >> 3) & 1, (ctl >> 4) & 1, (ctl >> 5) & 1,
                                                  &inferred, &flags);
            if ((unsigned)p > PHASE_CLOSE || ((flags & CLOSE_KB4557473) && !(flags & CLOSE_BY_SERVER)))
                abort();
            break;
        }
        default:
            if (ctl & 8) {
                if (i >= size)
                    goto out;
                tdstls_conn_decrypted_tds(&c, frame, side, data[i++]);
            } else {
                tdstls_conn_other_data(&c, frame, side);
            }
            break;
        }
        if ((unsigned)c.phase > PHASE_CLOSE || (c.kb4557473 && !c.tls.dhe))
            abort();
    }
out:
    {
        char diag[768];
        tdstls_conn_diagnosis(&c, (size & 1) ? "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" : NULL, diag, sizeof diag);
        if (strlen(diag) >= sizeof diag)
            abort();
    }
    /* a message left half-gathered owns a buffer: release it as wmem would at file close */
    for (int s = 0; s < 2; s++)
        free(c.reader[s].body);
    return 0;
}
