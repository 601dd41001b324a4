/*
 * http.h — the node's HTTP server (libmicrohttpd): the JSON API of
 * docs/node-api.md over a running node (node.h), the Server-Sent Events
 * stream, /metrics and the explorer's files. `coopvm node` starts it after
 * cvm_node_open and stops it before cvm_node_close.
 *
 * Threads: one per connection (libmicrohttpd's thread-per-connection mode),
 * at most max_connections of them (max_per_ip from one address). A request
 * that waits — a long-poll, an SSE stream, an admission waiting for its
 * group fsync — sleeps in its own thread and holds no lock, so it never
 * delays another connection; the bound on connections is the bound on
 * threads and memory (docs/node-api.md, "Limits").
 */
#ifndef CVM_NODE_HTTP_H
#define CVM_NODE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"
#include "node/node.h"

typedef struct cvm_http cvm_http;

/* The defaults of cvm_http_options' zero fields. */
#define CVM_HTTP_DEFAULT_LISTEN "127.0.0.1:7070"
#define CVM_HTTP_DEFAULT_MAX_CONNECTIONS 512u
#define CVM_HTTP_DEFAULT_MAX_PER_IP 256u
#define CVM_HTTP_DEFAULT_TIMEOUT_S 10u
#define CVM_HTTP_DEFAULT_KEEPALIVE_MS 15000u
#define CVM_HTTP_DEFAULT_DRAIN_MS 10000u
#define CVM_HTTP_TX_BODY_LIMIT (1u << 20)    /* POST /v1/transactions: 1 MiB */
#define CVM_HTTP_QUERY_BODY_LIMIT (64u << 10) /* POST /v1/query: 64 KiB */
#define CVM_HTTP_MAX_WAIT_S 60u              /* ?wait= on GET /v1/transactions/{hash} */

typedef struct cvm_http_options {
    const char *listen;        /* borrowed: "HOST:PORT", HOST an IPv4 address, [IPv6] or localhost;
                                * NULL = CVM_HTTP_DEFAULT_LISTEN; port 0 = any free port (cvm_http_port) */
    unsigned max_connections;  /* connections (threads) at once; beyond it new ones are closed */
    unsigned max_per_ip;       /* from one address at once; beyond it new ones are closed */
    unsigned timeout_s;        /* a connection idle this long (a slow or stalled client) is closed */
    uint64_t keepalive_ms;     /* SSE: a ": keepalive" comment after this long without an event */
    uint64_t drain_ms;         /* cvm_http_stop waits this long for requests in flight */
} cvm_http_options;

/* Binds opts->listen and serves node (borrowed: it must outlive the server)
 * until cvm_http_stop. opts may be NULL (every default). A listen address
 * that does not parse is CVM_EINPUT, one that cannot be bound CVM_EIO, both
 * with err naming the address and the reason. The caller owns *out. */
cvm_status cvm_http_start(cvm_node *node, const cvm_http_options *opts, cvm_http **out, char *err, size_t errcap);

/* The port bound (the one chosen when the address asked for port 0). */
uint16_t cvm_http_port(const cvm_http *h);

/* "http://HOST:PORT" of the bound address; borrowed from h. */
const char *cvm_http_url(const cvm_http *h);

/* Stops accepting connections, wakes every long-poll and SSE stream (they
 * answer or end at once), lets the requests in flight finish (at most
 * drain_ms), closes every connection and frees h. NULL allowed. */
void cvm_http_stop(cvm_http *h);

#endif
