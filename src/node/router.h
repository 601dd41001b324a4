/*
 * router.h — which handler answers a method and a path: the API's one route
 * table (docs/node-api.md), with 404 for a path no route has and 405 (and the
 * methods it takes, for the Allow header) for a known path asked with another
 * method. Pure: no server, so tests and fuzz/fuzz_http.c call it directly.
 */
#ifndef CVM_NODE_ROUTER_H
#define CVM_NODE_ROUTER_H

#include <stddef.h>

typedef enum cvm_route {
    CVM_ROUTE_NONE,          /* no route: see cvm_route_match.status */
    CVM_ROUTE_TX_SUBMIT,     /* POST /v1/transactions */
    CVM_ROUTE_TX_GET,        /* GET /v1/transactions/{hash} */
    CVM_ROUTE_QUERY,         /* POST /v1/query */
    CVM_ROUTE_BLOCKS,        /* GET /v1/blocks */
    CVM_ROUTE_BLOCK_LATEST,  /* GET /v1/blocks/latest */
    CVM_ROUTE_BLOCK,         /* GET /v1/blocks/{height} */
    CVM_ROUTE_EVENTS,        /* GET /v1/events */
    CVM_ROUTE_EVENTS_STREAM, /* GET /v1/events/stream */
    CVM_ROUTE_STATUS,        /* GET /v1/status */
    CVM_ROUTE_METRICS,       /* GET /metrics */
    CVM_ROUTE_INDEX,         /* GET / (the explorer's index.html) */
    CVM_ROUTE_STATIC         /* GET /explorer/{file} */
} cvm_route;

typedef struct cvm_route_match {
    cvm_route route;
    int status;        /* 0 when routed; else 404 or 405 */
    const char *allow; /* static: the methods the path takes ("GET, HEAD"), for 405 */
    const char *arg;   /* borrowed from path: the {hash}, {height} or {file} segment */
    size_t arglen;
    int has_body;      /* the route reads a request body (POST) */
} cvm_route_match;

/* Routes method (as sent, case-sensitive as HTTP methods are) and path (the
 * percent-decoded path, without the query). GET routes also take HEAD. */
void cvm_http_route(const char *method, const char *path, cvm_route_match *out);

/* The route's name for messages and metrics ("transactions", "blocks", ...). */
const char *cvm_route_name(cvm_route r);

#endif
