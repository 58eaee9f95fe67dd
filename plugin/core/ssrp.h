/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The SQL Server Resolution Protocol ([MC-SQLR], "SSRP"): what a client asks
 * SQL Server Browser on UDP 1434 and what it answers, above all the TCP port
 * of a named instance. No epan dependency.
 */
#ifndef TDSTLS_CORE_SSRP_H
#define TDSTLS_CORE_SSRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSRP_UDP_PORT 1434

/* The first byte of each message ([MC-SQLR] 2.2.1 to 2.2.6). */
enum ssrp_type {
    SSRP_CLNT_BCAST_EX = 0x02,   /* every instance, broadcast or multicast */
    SSRP_CLNT_UCAST_EX = 0x03,   /* every instance of one server */
    SSRP_CLNT_UCAST_INST = 0x04, /* one named instance */
    SSRP_SVR_RESP = 0x05,        /* the Browser's answer */
    SSRP_CLNT_UCAST_DAC = 0x0F,  /* the dedicated admin connection's port */
};

/* A text in the message, where it is (to highlight) and what it says
 * (truncated to fit, NUL-terminated). */
#define SSRP_TEXT_MAX 96
struct ssrp_text {
    uint16_t at, len;
    char text[SSRP_TEXT_MAX];
};

/* One instance of a response: the RESP_DATA fields [MC-SQLR] 2.2.5 names. */
struct ssrp_instance {
    struct ssrp_text server_name, instance_name, is_clustered, version;
    struct ssrp_text tcp, np;          /* the TCP port (text), the named pipe */
    uint16_t tcp_port;                 /* 0: none, or not a port number */
};

/* Instances kept from one response; more are counted, not kept. */
#define SSRP_MAX_INSTANCES 16

struct ssrp_message {
    uint8_t type;                      /* enum ssrp_type, or what the byte was */
    bool request;                      /* a client's request (else a response) */
    const char *problem;               /* why it is malformed; NULL when it is not */
    /* CLNT_UCAST_INST, CLNT_UCAST_DAC: the instance asked for */
    struct ssrp_text instance;
    uint8_t dac_protocol_version;
    /* SVR_RESP */
    uint16_t resp_size;                /* RESP_SIZE as sent */
    bool dac;                          /* the DAC form: protocol version and port */
    uint16_t dac_port;
    size_t n_instances;                /* all instances in the response */
    struct ssrp_instance instances[SSRP_MAX_INSTANCES];
};

/* A Browser request and what became of it, or a response: what the checks
 * (checks.c) read. */
struct ssrp_lookup {
    bool response;                     /* a response (else a request) */
    uint8_t request_type;              /* the request's type (of the request answered) */
    char instance[SSRP_TEXT_MAX];      /* the instance asked for; "" when none is named */
    const char *problem;               /* this message is malformed: why */
    /* a request: */
    bool capture_read;                 /* the whole capture was read (a later pass) */
    uint32_t answers;                  /* responses to it in the capture */
    /* known when the frame is read, so in one pass too: */
    uint32_t repeats_frame;            /* the client asked the same before (this frame), no answer between */
    bool unreachable;                  /* this is the request quoted by an ICMP port unreachable */
    /* a response: */
    bool lacks_instance;               /* lists instances, not the one asked for */
    char listed[SSRP_TEXT_MAX];        /* the instances it lists, ", "-joined */
};

/* Reads one UDP payload. False when it is not SSRP at all (an unknown first
 * byte); true with m->problem set when it is SSRP but malformed. */
bool ssrp_parse(const uint8_t *data, size_t len, struct ssrp_message *m);

/* The response's instance of that name (instance names compare without
 * case, as SQL Server's do), or NULL. */
const struct ssrp_instance *ssrp_find_instance(const struct ssrp_message *m, const char *name);

/* A response to a request (its type, the instance it named: "" for none),
 * as the checks see it: does it lack the instance asked for. */
void ssrp_lookup_of_response(const struct ssrp_message *m, uint8_t request_type, const char *asked,
                             struct ssrp_lookup *l);

/* "CLNT_UCAST_INST" and the like; NULL for an unknown type. */
const char *ssrp_type_name(uint8_t type);

#endif
