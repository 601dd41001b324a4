/*
 * api_status.c — GET /v1/status (the node at a glance) and GET /metrics
 * (Prometheus text: the node's own metrics, then the HTTP server's answers
 * by status).
 */
#include <stdlib.h>

#include "node/http_internal.h"

enum MHD_Result cvm_api_status(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    if (cvm_http_params_only(&r->target, (const char *const[]){NULL}, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "status: %s", err);
    char *json = NULL;
    cvm_status st = cvm_node_status_json(h->node, &json);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, "status: the node could not say");
    return cvm_http_reply_json(h, c, 200, json);
}

enum MHD_Result cvm_api_metrics(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    if (cvm_http_params_only(&r->target, (const char *const[]){NULL}, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "metrics: %s", err);
    char *text = NULL;
    cvm_status st = cvm_node_metrics_text(h->node, &text);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, "metrics: the node could not say");
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_buf_str(&b, text);
    free(text);
    cvm_http_metrics_append(h, &b);
    size_t len = 0;
    char *body = (char *)cvm_buf_take(&b, &len);
    if (!body)
        return cvm_http_reply_error(h, c, 500, "INTERNAL", "metrics: out of memory");
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return cvm_http_send(h, c, 200, resp);
}
