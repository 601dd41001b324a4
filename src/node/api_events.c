/*
 * api_events.c — GET /v1/events?service=&name=&from=&to=&limit=&cursor=: one
 * page of the committed event history, filtered; next_cursor continues it.
 * (The live stream is sse.c.)
 */
#include "node/http_internal.h"

enum MHD_Result cvm_api_events(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    static const char *const params[] = {"service", "name", "from", "to", "limit", "cursor", NULL};
    cvm_event_query q = {0};
    uint64_t limit = 100;
    if (cvm_http_params_only(&r->target, params, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "from", 0, 0, UINT64_MAX, &q.from, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "to", 0, 0, UINT64_MAX, &q.to, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "limit", 100, 1, 1000, &limit, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "events: %s", err);
    /* an empty filter ("service=") is no filter */
    q.service = cvm_http_param_get(&r->target, "service");
    q.name = cvm_http_param_get(&r->target, "name");
    if (q.service && !q.service[0])
        q.service = NULL;
    if (q.name && !q.name[0])
        q.name = NULL;
    const char *cursor = cvm_http_param_get(&r->target, "cursor");
    char *json = NULL;
    err[0] = '\0';
    cvm_status st = cvm_node_events_json(h->node, &q, cursor, (size_t)limit, &json, err, sizeof err);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, err);
    return cvm_http_reply_json(h, c, 200, json);
}
