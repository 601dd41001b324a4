/*
 * api_tx.c — transactions: POST /v1/transactions (admission) and
 * GET /v1/transactions/{hash}[?wait=S] (status, long-poll). The node decodes,
 * pre-orders and records the transaction (node.h); this file maps its answer
 * to the statuses of docs/node-api.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/hex.h"
#include "node/http_internal.h"
#include "node/producer.h"

/* An admission refused: the error shape, with the transaction's hash when
 * the body decoded far enough to have one (409 and 422 name it). */
static enum MHD_Result refusal(cvm_http *h, struct MHD_Connection *c, unsigned status, const char *code,
                               const cvm_admission *a)
{
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", a->reason[0] ? a->reason : code);
    if (e && a->has_hash) {
        char hex[2 * CVM_HASH_BYTES + 1];
        cvm_hex_write(hex, a->tx_hash, CVM_HASH_BYTES);
        json_object_set_new(e, "tx_hash", json_string(hex));
    }
    json_t *j = e ? json_pack("{s:o}", "error", e) : NULL;
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) /* a reason that is not UTF-8, or memory: the plain shape */
        return cvm_http_reply_error(h, c, status, code, "%s", code);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return cvm_http_send(h, c, status, resp);
}

enum MHD_Result cvm_api_tx_submit(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    bool binary = r->media == CVM_MEDIA_BINARY;
    if (cvm_http_params_only(&r->target, (const char *const[]){NULL}, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "transactions: %s", err);
    if (!binary && cvm_http_text_body(r->body.data, r->body.len, "transactions", err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "%s", err);
    if (binary && r->body.len == 0)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "transactions: the body is empty");
    /* a cluster's follower: the producer admits (forward.c) */
    const cvm_producer *prod = cvm_node_get_options(h->node)->producer;
    char leader[256] = "";
    int route = prod && prod->route ? prod->route(prod, leader, sizeof leader) : CVM_ROUTE_LOCAL;
    if (route == CVM_ROUTE_FORWARD)
        return cvm_api_tx_forward(h, c, r, leader);
    if (route == CVM_ROUTE_NONE)
        return cvm_http_reply_error(h, c, 503, "UNAVAILABLE", "transactions: no producer is elected now; retry");
    cvm_admission a;
    memset(&a, 0, sizeof a);
    cvm_status st = cvm_node_submit(h->node, r->body.data, r->body.len, binary, &a);
    if (st != CVM_OK && a.result == CVM_ADMIT_ACCEPTED)
        return cvm_http_reply_failure(h, c, st == CVM_EINPUT ? CVM_ESTATE : st, a.reason);
    switch (a.result) {
    case CVM_ADMIT_ACCEPTED: {
        char hex[2 * CVM_HASH_BYTES + 1];
        cvm_hex_write(hex, a.tx_hash, CVM_HASH_BYTES);
        char *body = malloc(128);
        if (body)
            snprintf(body, 128, "{\"tx_hash\":\"%s\",\"status\":\"PENDING\"}", hex);
        return cvm_http_reply_json(h, c, 202, body);
    }
    case CVM_ADMIT_MALFORMED:
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "transactions: %s", a.reason);
    case CVM_ADMIT_PREORDER:
        return refusal(h, c, 422, cvm_preorder_status_name(a.preorder), &a);
    case CVM_ADMIT_DUPLICATE:
        return refusal(h, c, 409, "DUPLICATE", &a);
    case CVM_ADMIT_FULL:
        return cvm_http_reply_error(h, c, 429, "MEMPOOL_FULL", "%s", a.reason[0] ? a.reason : "the mempool is full");
    case CVM_ADMIT_UNAVAILABLE:
        return cvm_http_reply_error(h, c, 503, "UNAVAILABLE", "%s", a.reason[0] ? a.reason : "the node is stopping");
    case CVM_ADMIT_FAILED:
        break;
    }
    return cvm_http_reply_error(h, c, 500, "INTERNAL", "transactions: %s", a.reason[0] ? a.reason : "admission failed");
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether the node's answer says PENDING (the only status a long-poll
 * waits on). */
static bool is_pending(const char *json)
{
    json_t *j = json_loads(json, 0, NULL);
    const char *s = j ? json_string_value(json_object_get(j, "status")) : NULL;
    bool pending = s && strcmp(s, "PENDING") == 0;
    json_decref(j);
    return pending;
}

enum MHD_Result cvm_api_tx_get(cvm_http *h, struct MHD_Connection *c, http_request *r)
{
    char err[256];
    uint8_t hash[CVM_HASH_BYTES];
    uint64_t wait_s = 0;
    if (cvm_http_params_only(&r->target, (const char *const[]){"wait", NULL}, err, sizeof err) != CVM_OK ||
        cvm_http_param_uint(&r->target, "wait", 0, 0, CVM_HTTP_MAX_WAIT_S, &wait_s, err, sizeof err) != CVM_OK ||
        cvm_http_parse_hash(r->route.arg, hash, err, sizeof err) != CVM_OK)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "transactions: %s", err);
    if (wait_s)
        /* the connection is busy, not idle, while it waits */
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)(h->opts.timeout_s + wait_s));
    uint64_t deadline = now_ms() + wait_s * 1000u;
    for (;;) {
        uint64_t now = now_ms();
        uint64_t left = deadline > now ? deadline - now : 0;
        uint64_t slice = left < CVM_HTTP_WAIT_SLICE_MS ? left : CVM_HTTP_WAIT_SLICE_MS;
        char *json = NULL;
        bool found = false;
        err[0] = '\0';
        cvm_status st = cvm_node_tx_json(h->node, hash, slice, &json, &found, err, sizeof err);
        if (st != CVM_OK)
            return cvm_http_reply_failure(h, c, st, err);
        if (!found) {
            free(json);
            return cvm_http_reply_error(h, c, 404, "NOT_FOUND", "transactions: no transaction %.64s", r->route.arg);
        }
        if (left == 0 || cvm_http_should_stop(h) || !is_pending(json))
            return cvm_http_reply_json(h, c, 200, json);
        free(json);
    }
}
