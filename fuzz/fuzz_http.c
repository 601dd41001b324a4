/*
 * fuzz_http.c — fuzzes what the node's HTTP server decodes from a request
 * before and while a handler acts, without a server. The input is read as
 *
 *   METHOD SP TARGET LF CONTENT-TYPE LF BODY
 *
 * (missing parts are empty). The target goes through cvm_http_target_parse
 * and the route table, each parameter through the integer and hash readers,
 * the Content-Type through cvm_http_media_type, and the body through the
 * checks of its route: for POST /v1/transactions the UTF-8 check and the
 * node's transaction decoders (cvm_tx_from_json_text, or cvm_tx_from_bytes
 * for application/octet-stream), for POST /v1/query the UTF-8 check and the
 * readers a query's parts go through in the node (jansson with the node's
 * flags, cvm_tx_from_json for "signer", cvm_args_from_json for "args").
 *
 * Beyond not crashing or leaking: a refusal has a message; a routed path
 * has its argument inside the path; parameters stay within the limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/arena.h"
#include "codec/json.h"
#include "codec/tx_json.h"
#include "node/request.h"
#include "node/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "property broken: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* A NUL-terminated copy of p[0..n). */
static char *cut(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static void check_refusal(cvm_status st, const char *err, const char *what)
{
    if (st == CVM_EINPUT && !err[0])
        fail("a refusal has a message", what);
}

static void fuzz_query_body(const uint8_t *body, size_t len)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return;
    char err[400] = "";
    const json_t *signer = json_object_get(root, "signer");
    if (signer) {
        cvm_tx_decoded d;
        cvm_status st = cvm_tx_from_json(NULL, signer, &d, err, sizeof err);
        check_refusal(st, err, "query signer");
        if (st == CVM_OK)
            cvm_tx_decoded_free(&d);
    }
    const json_t *args = json_object_get(root, "args");
    if (!args || json_is_array(args)) {
        cvm_arena arena;
        cvm_arena_init(&arena, NULL);
        cvm_arg *a = NULL;
        size_t na = 0;
        err[0] = '\0';
        check_refusal(cvm_args_from_json(args, &arena, &a, &na, err, sizeof err), err, "query args");
        cvm_arena_free(&arena);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *end = data + size;
    const uint8_t *nl1 = memchr(data, '\n', size);
    const uint8_t *line_end = nl1 ? nl1 : end;
    const uint8_t *sp = memchr(data, ' ', (size_t)(line_end - data));
    const uint8_t *ct_start = nl1 ? nl1 + 1 : end;
    const uint8_t *nl2 = memchr(ct_start, '\n', (size_t)(end - ct_start));
    const uint8_t *ct_end = nl2 ? nl2 : end;
    const uint8_t *body = nl2 ? nl2 + 1 : end;
    size_t body_len = (size_t)(end - body);

    char *method = cut(data, sp ? (size_t)(sp - data) : 0);
    char *raw = cut(sp ? sp + 1 : data, sp ? (size_t)(line_end - sp - 1) : (size_t)(line_end - data));
    char *ct = cut(ct_start, (size_t)(ct_end - ct_start));
    if (!method || !raw || !ct)
        goto out;

    char err[512] = "";
    cvm_http_target t;
    cvm_status st = cvm_http_target_parse(raw, &t, err, sizeof err);
    check_refusal(st, err, "target");
    if (st != CVM_OK)
        goto out;
    if (t.nparams > CVM_HTTP_MAX_PARAMS || t.path[0] != '/')
        fail("a parsed target is a path and at most the parameters allowed", raw);
    cvm_route_match m;
    cvm_http_route(method, t.path, &m);
    if (m.status != 0 && m.status != 404 && m.status != 405)
        fail("routing ends in a route, 404 or 405", t.path);
    if (m.status == 405 && !m.allow)
        fail("a 405 says what is allowed", t.path);
    if (m.arg && (m.arg < t.path || m.arg + m.arglen != t.path + strlen(t.path)))
        fail("a route's argument is the end of the path", t.path);
    for (size_t i = 0; i < t.nparams; i++) {
        uint64_t v;
        uint8_t hash[CVM_HASH_BYTES];
        err[0] = '\0';
        check_refusal(cvm_http_parse_uint(t.params[i].value, "p", 0, UINT64_MAX, &v, err, sizeof err), err, "uint");
        err[0] = '\0';
        check_refusal(cvm_http_parse_hash(t.params[i].value, hash, err, sizeof err), err, "hash");
    }
    err[0] = '\0';
    check_refusal(cvm_http_params_only(&t, (const char *const[]){"from", "limit", NULL}, err, sizeof err), err,
                  "params");
    cvm_http_media media = cvm_http_media_type(ct[0] ? ct : NULL);
    if (m.status == 0 && m.route == CVM_ROUTE_TX_SUBMIT) {
        cvm_tx_owned *tx = NULL;
        cvm_errmsg why;
        err[0] = '\0';
        if (media == CVM_MEDIA_BINARY) {
            st = cvm_tx_from_bytes(NULL, body, body_len, 1, &tx, &why);
            check_refusal(st, why.text, "binary transaction");
        } else if (cvm_http_text_body(body, body_len, "transactions", err, sizeof err) == CVM_OK) {
            st = cvm_tx_from_json_text(NULL, (const char *)body, body_len, &tx, &why);
            check_refusal(st, why.text, "JSON transaction");
        }
        cvm_tx_owned_free(tx);
    } else if (m.status == 0 && m.route == CVM_ROUTE_QUERY) {
        if (cvm_http_text_body(body, body_len, "query", err, sizeof err) == CVM_OK)
            fuzz_query_body(body, body_len);
    }
    cvm_http_target_free(&t);
out:
    free(method);
    free(raw);
    free(ct);
    return 0;
}
