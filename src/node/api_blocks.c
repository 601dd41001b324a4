/*
 * api_blocks.c — GET /v1/blocks/latest, GET /v1/blocks/{height} (a header
 * with its transactions and receipts; ?raw=1: what a peer re-executes) and GET /v1/blocks?from&limit (headers,
 * newest first). The node builds the JSON (node.h).
 */
#include <stdlib.h>
#include <string.h>

#include "node/http_internal.h"

enum MHD_Result cvm_api_block(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    uint64_t height = 0, raw = 0; /* height 0: the latest */
    if (cvm_http_params_only(&r->target, (const char *const[]){"raw", NULL}, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "raw", 0, 0, 1, &raw, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "blocks: %s", err);
    if (r->route.route == CVM_ROUTE_BLOCK &&
        cvm_http_parse_uint(r->route.arg, "blocks: height", 1, UINT64_MAX, &height, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "%s (or 'latest')", err);
    char *json = NULL;
    bool found = false;
    err[0] = '\0';
    cvm_status st = raw ? cvm_node_block_raw_json(h->node, height, &json, &found, err, sizeof err)
                                  : cvm_node_block_json(h->node, height, &json, &found, err, sizeof err);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, err);
    if (!found) {
        free(json);
        unsigned long long latest = (unsigned long long)cvm_node_height(h->node);
        if (height == 0)
            return cvm_http_reply_error(h, c, 404, "NOT_FOUND", "blocks: no block committed yet");
        return cvm_http_reply_error(h, c, 404, "NOT_FOUND", "blocks: no block at height %llu (the latest is %llu)",
                                    (unsigned long long)height, latest);
    }
    return cvm_http_reply_json(h, c, 200, json);
}

enum MHD_Result cvm_api_blocks(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    uint64_t from = 0, limit = 20;
    if (cvm_http_params_only(&r->target, (const char *const[]){"from", "limit", NULL}, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "from", 0, 1, UINT64_MAX, &from, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "limit", 20, 1, 100, &limit, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "blocks: %s", err);
    char *json = NULL;
    err[0] = '\0';
    cvm_status st = cvm_node_blocks_json(h->node, from, (size_t)limit, &json, err, sizeof err);
    if (st != CVM_OK)
        return cvm_http_reply_failure(h, c, st, err);
    return cvm_http_reply_json(h, c, 200, json);
}
