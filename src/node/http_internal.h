/*
 * http_internal.h — what the server (http.c) shares with the handlers of
 * each resource (api_*.c, sse.c, static.c): the server's state, one request
 * in progress, and the one way every answer is sent (reply.c), so that every
 * error has the same shape and every status is counted.
 */
#ifndef CVM_NODE_HTTP_INTERNAL_H
#define CVM_NODE_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "base/buf.h"
#include "node/http.h"
#include "node/request.h"
#include "node/router.h"

/* The statuses counted for /metrics (coopvm_http_responses_total); any other
 * is counted as "other". */
#define CVM_HTTP_COUNTED {200, 202, 400, 404, 405, 409, 413, 415, 422, 429, 500, 503}
#define CVM_HTTP_NCOUNTED 12

/* A waiting request (long-poll, SSE) sleeps in slices of this many ms and
 * looks at the stopping flags between them, so cvm_http_stop wakes it soon. */
#define CVM_HTTP_WAIT_SLICE_MS 200u

struct cvm_http {
    cvm_node *node;            /* borrowed: outlives the server */
    struct MHD_Daemon *daemon; /* owned */
    cvm_http_options opts;     /* defaults filled in; listen borrowed only during start */
    uint16_t port;
    char url[80];
    atomic_bool stopping;      /* set by cvm_http_stop: waits end, new requests get 503 */
    pthread_mutex_t mu;        /* guards inflight and lastlog */
    pthread_cond_t idle;       /* signalled when inflight drops to 0 */
    unsigned inflight;         /* requests whose handler has started and whose answer is not done */
    char lastlog[256];         /* libmicrohttpd's last message (for a failed start) */
    atomic_uint_fast64_t responses[CVM_HTTP_NCOUNTED + 1];
};

/* One request, from its first line to its completion (libmicrohttpd's
 * per-request pointer). */
typedef struct http_request {
    cvm_http *h;              /* borrowed */
    char *raw_target;         /* owned: the target as received, for our own parsing */
    bool started;             /* the handler has seen the headers (counted in inflight) */
    bool done;                /* an answer was queued before the body ended (413) */
    cvm_http_target target;   /* owned buffer */
    cvm_route_match route;
    cvm_http_media media;
    size_t limit;             /* the body limit of the route */
    cvm_buf body;             /* owned */
} http_request;

/* A handler: answers r (whose body, if any, is complete) on c. */
typedef enum MHD_Result (*cvm_http_handler)(cvm_http *h, struct MHD_Connection *c, http_request *r);

/* ---- answers (reply.c); each returns what MHD_queue_response returned */

/* status with a JSON body; json is owned (free()d by the response). */
enum MHD_Result cvm_http_reply_json(cvm_http *h, struct MHD_Connection *c, unsigned status, char *json);
/* {"error": {"code", "message"}} with status; message printf-style. */
enum MHD_Result cvm_http_reply_error(cvm_http *h, struct MHD_Connection *c, unsigned status, const char *code,
                                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A library status and its message as an error answer: CVM_EINPUT is 400,
 * anything else 500 INTERNAL. */
enum MHD_Result cvm_http_reply_failure(cvm_http *h, struct MHD_Connection *c, cvm_status st, const char *err);
/* 405 with the Allow header. */
enum MHD_Result cvm_http_reply_405(cvm_http *h, struct MHD_Connection *c, const char *method, const char *path,
                                   const char *allow);
/* Queues resp (with headers already set) with status and counts it; resp is
 * released here. */
enum MHD_Result cvm_http_send(cvm_http *h, struct MHD_Connection *c, unsigned status, struct MHD_Response *resp);
/* The responses counted so far, as Prometheus text appended to b. */
void cvm_http_metrics_append(cvm_http *h, cvm_buf *b);

/* Whether a waiting request should give up now (the server or node stops). */
bool cvm_http_should_stop(cvm_http *h);

/* ---- handlers, one file per resource */
enum MHD_Result cvm_api_tx_submit(cvm_http *h, struct MHD_Connection *c, http_request *r);   /* api_tx.c */
enum MHD_Result cvm_api_tx_get(cvm_http *h, struct MHD_Connection *c, http_request *r);      /* api_tx.c */
enum MHD_Result cvm_api_query(cvm_http *h, struct MHD_Connection *c, http_request *r);       /* api_query.c */
enum MHD_Result cvm_api_blocks(cvm_http *h, struct MHD_Connection *c, http_request *r);      /* api_blocks.c */
enum MHD_Result cvm_api_block(cvm_http *h, struct MHD_Connection *c, http_request *r);       /* api_blocks.c */
enum MHD_Result cvm_api_events(cvm_http *h, struct MHD_Connection *c, http_request *r);      /* api_events.c */
enum MHD_Result cvm_api_events_stream(cvm_http *h, struct MHD_Connection *c, http_request *r); /* sse.c */
enum MHD_Result cvm_api_status(cvm_http *h, struct MHD_Connection *c, http_request *r);      /* api_status.c */
enum MHD_Result cvm_api_metrics(cvm_http *h, struct MHD_Connection *c, http_request *r);     /* api_status.c */
enum MHD_Result cvm_api_static(cvm_http *h, struct MHD_Connection *c, http_request *r);      /* static.c */

/* forward.c: POST /v1/transactions answered by the producer at leader
 * ("http://HOST:PORT"). */
enum MHD_Result cvm_api_tx_forward(cvm_http *h, struct MHD_Connection *c, http_request *r, const char *leader);

#endif
