/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssrp.h"

#include <stdio.h>
#include <string.h>

#define SSRP_RESP_HEADER_LEN 3        /* SVR_RESP, RESP_SIZE (little-endian) */
#define SSRP_DAC_RESP_LEN 6           /* SVR_RESP, RESP_SIZE 6, version 1, port */
#define SSRP_INSTANCE_NAME_MAX 32     /* bytes with the NUL, [MC-SQLR] 2.2.3 */

const char *ssrp_type_name(uint8_t type)
{
    switch (type) {
    case SSRP_CLNT_BCAST_EX:
        return "CLNT_BCAST_EX";
    case SSRP_CLNT_UCAST_EX:
        return "CLNT_UCAST_EX";
    case SSRP_CLNT_UCAST_INST:
        return "CLNT_UCAST_INST";
    case SSRP_SVR_RESP:
        return "SVR_RESP";
    case SSRP_CLNT_UCAST_DAC:
        return "CLNT_UCAST_DAC";
    default:
        return NULL;
    }
}

/* The bytes [at, at + len) as text: MBCS in the server's code page, shown
 * byte for byte, anything unprintable as '?'. */
static void take_text(struct ssrp_text *t, const uint8_t *data, size_t at, size_t len)
{
    size_t n = len < SSRP_TEXT_MAX - 1 ? len : SSRP_TEXT_MAX - 1;
    t->at = (uint16_t)at;
    t->len = (uint16_t)len;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = data[at + i];
        t->text[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    t->text[n] = '\0';
}

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool token_is(const uint8_t *data, size_t at, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return false;
    char text[16];
    if (n >= sizeof text)
        return false;
    memcpy(text, data + at, n);
    text[n] = '\0';
    return same_name(text, word);
}

/* A decimal port number, or 0. */
static uint16_t port_of(const uint8_t *data, size_t at, size_t len)
{
    unsigned port = 0;
    if (len == 0 || len > 5)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (data[at + i] < '0' || data[at + i] > '9')
            return 0;
        port = port * 10 + (unsigned)(data[at + i] - '0');
    }
    return port <= 0xFFFF ? (uint16_t)port : 0;
}

/* A request's instance name: up to its NUL (or the datagram's end). */
static void read_instance_name(struct ssrp_message *m, const uint8_t *data, size_t at, size_t len)
{
    size_t end = at;
    while (end < len && data[end] != 0)
        end++;
    take_text(&m->instance, data, at, end - at);
    if (end - at + 1 > SSRP_INSTANCE_NAME_MAX)
        m->problem = "instance name longer than 32 bytes ([MC-SQLR] 2.2.3)";
    else if (end == at)
        m->problem = "empty instance name";
}

/* The next ';'-ended token from *at: where it is, and whether a ';' ended
 * it (else the data did). Each call takes at least one byte. */
static bool next_token(const uint8_t *data, size_t *at, size_t end, size_t *start, size_t *len)
{
    *start = *at;
    while (*at < end && data[*at] != ';')
        (*at)++;
    *len = *at - *start;
    if (*at >= end)
        return false;
    (*at)++;                                   /* past the ';' */
    return true;
}

/* RESP_DATA: "ServerName;S;InstanceName;I;IsClustered;No;Version;V;tcp;P;np;N;;"
 * per instance ([MC-SQLR] 2.2.5). An empty key ends the instance; "bv"
 * (Banyan VINES) has three values, every other key one. Every token takes
 * at least a byte, so the loop ends within the data's length. */
static void read_instances(struct ssrp_message *m, const uint8_t *data, size_t start, size_t end)
{
    size_t at = start, key, key_len, value = start, value_len = 0;
    struct ssrp_instance scratch, *cur = NULL;
    while (at < end) {
        bool ended = next_token(data, &at, end, &key, &key_len);
        if (key_len == 0) {                    /* ";;": this instance ends */
            cur = NULL;
            continue;
        }
        if (!cur) {
            cur = m->n_instances < SSRP_MAX_INSTANCES ? &m->instances[m->n_instances] : &scratch;
            memset(cur, 0, sizeof *cur);
            m->n_instances++;
        }
        int values = token_is(data, key, key_len, "bv") ? 3 : 1;
        for (int v = 0; v < values && ended; v++)
            ended = next_token(data, &at, end, &value, &value_len);
        if (!ended) {
            if (!m->problem)                   /* the first problem is the one to tell */
                m->problem = "RESP_DATA ends inside a key;value pair";
            return;
        }
        struct ssrp_text *field = token_is(data, key, key_len, "ServerName")     ? &cur->server_name
                                  : token_is(data, key, key_len, "InstanceName") ? &cur->instance_name
                                  : token_is(data, key, key_len, "IsClustered")  ? &cur->is_clustered
                                  : token_is(data, key, key_len, "Version")      ? &cur->version
                                  : token_is(data, key, key_len, "tcp")          ? &cur->tcp
                                  : token_is(data, key, key_len, "np")           ? &cur->np
                                                                                 : NULL;
        if (field)
            take_text(field, data, value, value_len);
        if (field == &cur->tcp)
            cur->tcp_port = port_of(data, value, value_len);
    }
}

static void read_response(struct ssrp_message *m, const uint8_t *data, size_t len)
{
    if (len < SSRP_RESP_HEADER_LEN) {
        m->problem = "SVR_RESP shorter than its 3-byte header";
        return;
    }
    m->resp_size = (uint16_t)(data[1] | data[2] << 8);
    /* [MC-SQLR] 2.2.6: the DAC answer counts its whole 6 bytes */
    if (len == SSRP_DAC_RESP_LEN && m->resp_size == SSRP_DAC_RESP_LEN && data[3] == 0x01) {
        m->dac = true;
        m->dac_protocol_version = data[3];
        m->dac_port = (uint16_t)(data[4] | data[5] << 8);
        return;
    }
    size_t end = SSRP_RESP_HEADER_LEN + m->resp_size;
    if (end > len) {
        m->problem = "RESP_SIZE is longer than the datagram";
        end = len;
    }
    read_instances(m, data, SSRP_RESP_HEADER_LEN, end);
}

bool ssrp_parse(const uint8_t *data, size_t len, struct ssrp_message *m)
{
    memset(m, 0, sizeof *m);
    if (len == 0 || !ssrp_type_name(data[0]))
        return false;
    m->type = data[0];
    m->request = m->type != SSRP_SVR_RESP;
    switch (m->type) {
    case SSRP_CLNT_UCAST_INST:
        read_instance_name(m, data, 1, len);
        break;
    case SSRP_CLNT_UCAST_DAC:
        if (len < 2) {
            m->problem = "CLNT_UCAST_DAC without its protocol version";
            break;
        }
        m->dac_protocol_version = data[1];
        read_instance_name(m, data, 2, len);
        break;
    case SSRP_SVR_RESP:
        read_response(m, data, len);
        break;
    default:                                   /* the EX requests: one byte */
        break;
    }
    return true;
}

const struct ssrp_instance *ssrp_find_instance(const struct ssrp_message *m, const char *name)
{
    size_t n = m->n_instances < SSRP_MAX_INSTANCES ? m->n_instances : SSRP_MAX_INSTANCES;
    for (size_t i = 0; i < n; i++)
        if (same_name(m->instances[i].instance_name.text, name))
            return &m->instances[i];
    return NULL;
}

void ssrp_lookup_of_response(const struct ssrp_message *m, uint8_t request_type, const char *asked,
                             struct ssrp_lookup *l)
{
    memset(l, 0, sizeof *l);
    l->response = true;
    l->request_type = request_type;
    l->problem = m->problem;
    snprintf(l->instance, sizeof l->instance, "%s", asked ? asked : "");
    size_t kept = m->n_instances < SSRP_MAX_INSTANCES ? m->n_instances : SSRP_MAX_INSTANCES;
    size_t used = 0;
    for (size_t i = 0; i < kept && used < sizeof l->listed; i++) {
        int n = snprintf(l->listed + used, sizeof l->listed - used, "%s%s", i ? ", " : "",
                         m->instances[i].instance_name.text);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    /* the DAC answer names no instance: nothing to miss; a malformed
     * answer is that first */
    l->lacks_instance = l->instance[0] && !m->dac && !m->problem && !ssrp_find_instance(m, l->instance);
}
