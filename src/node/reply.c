/*
 * reply.c — every answer the node's HTTP server sends goes through here: the
 * one error shape {"error": {"code", "message"}}, the JSON content type, the
 * headers every answer carries, and the count of statuses for /metrics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "node/http_internal.h"

static const unsigned COUNTED[CVM_HTTP_NCOUNTED] = CVM_HTTP_COUNTED;

enum MHD_Result cvm_http_send(cvm_http *h, struct MHD_Connection *c, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO; /* out of memory: closing the connection is the answer left */
    size_t slot = CVM_HTTP_NCOUNTED;
    for (size_t i = 0; i < CVM_HTTP_NCOUNTED; i++)
        if (COUNTED[i] == status)
            slot = i;
    atomic_fetch_add(&h->responses[slot], 1);
    /* a stopping server closes each connection after its answer, so the
     * drain in cvm_http_stop ends */
    if (atomic_load(&h->stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

enum MHD_Result cvm_http_reply_json(cvm_http *h, struct MHD_Connection *c, unsigned status, char *json)
{
    if (!json)
        return cvm_http_reply_error(h, c, 500, "INTERNAL", "out of memory");
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(json), json, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(json);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    return cvm_http_send(h, c, status, resp);
}

/* {"error": {"code", "message"}} as text (jansson escapes the message, which
 * may quote what the client sent); NULL when memory ran out. */
static char *error_body(const char *code, const char *message)
{
    json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text;
}

enum MHD_Result cvm_http_reply_error(cvm_http *h, struct MHD_Connection *c, unsigned status, const char *code,
                                     const char *fmt, ...)
{
    char message[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* a message quoting invalid UTF-8 would make jansson refuse it */
    char *text = error_body(code, message);
    if (!text)
        text = error_body(code, "(the message is not UTF-8)");
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == 429 || status == 503)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    return cvm_http_send(h, c, status, resp);
}

enum MHD_Result cvm_http_reply_failure(cvm_http *h, struct MHD_Connection *c, cvm_status st, const char *err)
{
    if (st == CVM_EINPUT)
        return cvm_http_reply_error(h, c, 400, "BAD_REQUEST", "%s", err);
    return cvm_http_reply_error(h, c, 500, "INTERNAL", "%s: %s", cvm_status_name(st), err && err[0] ? err : "failed");
}

enum MHD_Result cvm_http_reply_405(cvm_http *h, struct MHD_Connection *c, const char *method, const char *path,
                                   const char *allow)
{
    char *text = NULL;
    char message[256];
    snprintf(message, sizeof message, "%.32s is not allowed on %.160s (allowed: %s)", method, path, allow);
    text = error_body("METHOD_NOT_ALLOWED", message);
    if (!text)
        text = error_body("METHOD_NOT_ALLOWED", "method not allowed");
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    return cvm_http_send(h, c, 405, resp);
}

void cvm_http_metrics_append(cvm_http *h, cvm_buf *b)
{
    cvm_buf_str(b, "# HELP coopvm_http_responses_total HTTP answers sent, by status.\n"
                   "# TYPE coopvm_http_responses_total counter\n");
    for (size_t i = 0; i <= CVM_HTTP_NCOUNTED; i++) {
        unsigned long long n = (unsigned long long)atomic_load(&h->responses[i]);
        if (i < CVM_HTTP_NCOUNTED)
            cvm_buf_printf(b, "coopvm_http_responses_total{code=\"%u\"} %llu\n", COUNTED[i], n);
        else
            cvm_buf_printf(b, "coopvm_http_responses_total{code=\"other\"} %llu\n", n);
    }
}
