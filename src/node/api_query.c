/*
 * api_query.c — POST /v1/query: RunLocalMethod on the latest committed state
 * (node.h reads the query and runs it; a contract failure is a 200 with the
 * failed receipt, a malformed query a 400 naming the field).
 */
#include "node/http_internal.h"

enum MHD_Result cvm_api_query(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[512];
    if (cvm_http_params_only(&r->target, (const char *const[]){NULL}, err, sizeof err) != CVM_OK ||
        cvm_http_text_body(r->body.data, r->body.len, "query", err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "%s", err);
    char *json = NULL;
    err[0] = '\0';
    cvm_status st = cvm_node_query_json(h->node, r->body.data, r->body.len, &json, err, sizeof err);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, err);
    return cvm_http_reply_json(h, c, 200, json);
}
