/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why a connection ended, in words: one row per enum tdstls_diagnosis
 * (connection.c decides which), with a short text for the tables and the
 * report, the long text of tdstls.diagnosis (what the capture shows, what is
 * inferred, and the remedy), who gave up, and the frames that hold the
 * evidence. The expert item that announces a diagnosis is a row of the
 * checks table (checks.c, .announces). No epan dependency.
 *
 * Claims about Windows and SQL Server name their source: Microsoft KB
 * 4557473 (TLS_DHE leading zero), KB 4528489 (Extended Master Secret
 * enforcement), KB 3135244 (TLS 1.2 for SQL Server), RFC 8996 (TLS 1.0/1.1
 * deprecated).
 */
#ifndef TDSTLS_DIAGNOSES_H
#define TDSTLS_DIAGNOSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connection.h"

/* Frames a diagnosis names as its evidence (tdstls.evidence_frame). */
enum evidence {
    EVIDENCE_NONE = 0,
    EVIDENCE_CLIENT_HELLO,
    EVIDENCE_SERVER_HELLO,
    EVIDENCE_CERTIFICATE,
    EVIDENCE_SERVER_KEY_EXCHANGE,
    EVIDENCE_CLIENT_KEY_EXCHANGE,
    EVIDENCE_CLIENT_FINISHED,
    EVIDENCE_SERVER_FINISHED,
    EVIDENCE_ALERT,
    EVIDENCE_CLOSE,
    EVIDENCE_NTLM_AUTHENTICATE,
    EVIDENCE_LOGIN_ANSWER,
};
#define MAX_EVIDENCE 5

struct diagnosis_context {
    const struct conn_results *conn;
    const char *(*suite_name)(uint16_t suite);   /* as Wireshark names suites; may be NULL */
};

struct diagnosis_info {
    enum tdstls_diagnosis kind;
    const char *name;               /* tdstls.diagnosis.kind and the JSON: "kb4557473", ... */
    const char *short_text;         /* -z tdstls,conn and the report; "" for none */
    /* tdstls.diagnosis; NULL: no field (a normal close, a client RST) */
    void (*describe)(const struct diagnosis_context *ctx, char *buf, size_t size);
    uint8_t evidence[MAX_EVIDENCE]; /* enum evidence, in order */
};
extern const struct diagnosis_info tdstls_diagnoses[N_DIAGNOSES];

/* The long text of the connection's diagnosis; "" when it has none. */
void tdstls_diagnosis_text(const struct diagnosis_context *ctx, char *buf, size_t size);
/* The evidence frames of the connection's diagnosis that the capture holds,
 * in the row's order, without repeats; returns how many. */
size_t tdstls_diagnosis_evidence(const struct conn_results *r, uint32_t frames[MAX_EVIDENCE]);

/* "TLS 1.0 to TLS 1.2, 17 suites: ECDHE, DHE, RSA key exchange" */
void tdstls_describe_offer(const struct conn_results *r, char *buf, size_t size);
/* "CN=db01, issued by CN=Corp CA, valid 2026-01-01 to 2027-01-01, RSA 2048, sha256WithRSAEncryption,
 * names: db01, db01.corp.example" */
void tdstls_describe_certificate(const struct cert_facts *c, char *buf, size_t size);
/* "2027-01-01 00:00:00 UTC" */
void tdstls_format_utc(int64_t seconds, char *buf, size_t size);

#endif
