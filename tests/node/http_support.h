/*
 * http_support.h — what the node's HTTP tests share (header-only, so only
 * the tests in tests/node/ link libcurl): a manual node (blocks cut by
 * cvm_node_produce) in a temporary directory with a Counter contract whose
 * add emits two events, an HTTP server on 127.0.0.1 with an ephemeral port,
 * signed transactions, and requests made with libcurl.
 */
#ifndef CVM_TESTS_NODE_HTTP_SUPPORT_H
#define CVM_TESTS_NODE_HTTP_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "coopvm.h"
#include "node/http.h"
#include "node/node.h"

#define CHAIN 42

static const char counter_src[] = ".contract Counter\n"
                                  ".method add params 1\n"
                                  "    Load \"count\"\n"
                                  "    Add\n"
                                  "    Dup\n"
                                  "    Store \"count\"\n"
                                  "    Dup\n"
                                  "    Emit \"Counted\"\n"
                                  "    Dup\n"
                                  "    Emit \"Again\"\n"
                                  "    Halt\n"
                                  ".method get readonly\n"
                                  "    Load \"count\"\n";

typedef struct fixture {
    char dir[64];
    uint8_t *code; /* owned: the counter's module bytes */
    size_t len;
    cvm_genesis_account acc[1];
    cvm_node_contract contract;
    cvm_node_options o;
    cvm_http_options ho;
    cvm_node *n;   /* owned */
    cvm_http *h;   /* owned */
    char url[96];
} fixture;

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A fixture with the node's and server's options set (not yet open). */
static inline fixture *fixture_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/coopvm-test-http-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, counter_src, strlen(counter_src), "counter.asm", NULL, NULL, &m, NULL), CVM_OK);
    assert_int_equal(cvm_module_encode(m, &f->code, &f->len), CVM_OK);
    cvm_module_free(m);
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    cvm_dev_keypair("alice", pk, sk);
    cvm_address_of_key(pk, f->acc[0].address);
    f->acc[0].reputation = 50;
    f->acc[0].admin = 1;
    f->contract = (cvm_node_contract){"Counter", f->code, f->len};
    f->o.data_dir = f->dir;
    f->o.chain_id = CHAIN;
    f->o.manual = true;
    f->o.threads = 1;
    f->o.genesis_accounts = f->acc;
    f->o.ngenesis_accounts = 1;
    f->o.genesis_contracts = &f->contract;
    f->o.ngenesis_contracts = 1;
    f->ho.listen = "127.0.0.1:0";
    f->ho.timeout_s = 2;
    f->ho.keepalive_ms = 300;
    f->ho.drain_ms = 3000;
    return f;
}

static inline void fixture_start(fixture *f)
{
    char err[512] = "";
    if (cvm_node_open(&f->o, &f->n, err, sizeof err) != CVM_OK)
        fail_msg("cvm_node_open: %s", err);
    if (cvm_http_start(f->n, &f->ho, &f->h, err, sizeof err) != CVM_OK)
        fail_msg("cvm_http_start: %s", err);
    assert_true(cvm_http_port(f->h) != 0);
    snprintf(f->url, sizeof f->url, "%s", cvm_http_url(f->h));
}

static inline void fixture_free(fixture *f)
{
    cvm_http_stop(f->h);
    cvm_node_close(f->n);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", f->dir);
    cvm_free(NULL, f->code);
    free(f);
}

/* A signed Counter.add(v) by alice at the node's clock on chain. *bin, when
 * not NULL, gets its canonical signed bytes (free()). Returns the JSON text
 * (cvm_free(NULL, ...)). */
static inline char *signed_add(int64_t v, uint32_t chain, uint8_t hash[CVM_HASH_BYTES], uint8_t **bin, size_t *binlen)
{
    cvm_arg a = cvm_arg_int64(v);
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = CVM_PROTOCOL_VERSION;
    tx.virtual_chain_id = chain;
    tx.timestamp = now_ns();
    tx.signer_scheme = CVM_SCHEME_ED25519;
    tx.service = "Counter";
    tx.method = "add";
    tx.args = &a;
    tx.nargs = 1;
    uint8_t sk[CVM_SECRETKEY_BYTES], sig[CVM_SIGNATURE_BYTES];
    cvm_dev_keypair("alice", tx.signer_key, sk);
    assert_int_equal(cvm_tx_sign(NULL, &tx, sk, sig, NULL), CVM_OK);
    tx.signature = sig;
    if (hash)
        assert_int_equal(cvm_tx_hash(NULL, &tx, hash, NULL), CVM_OK);
    if (bin)
        assert_int_equal(cvm_tx_to_bytes(NULL, &tx, 1, bin, binlen, NULL), CVM_OK);
    char *text = NULL;
    assert_int_equal(cvm_tx_to_json_text(NULL, &tx, &text, NULL), CVM_OK);
    return text;
}

static inline void hex_of(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static inline uint64_t produce(fixture *f)
{
    char err[512] = "";
    uint64_t h = 0;
    if (cvm_node_produce(f->n, false, &h, err, sizeof err) != CVM_OK)
        fail_msg("produce: %s", err);
    return h;
}

/* ------------------------------------------------------------ requests */

typedef struct reply {
    long status;     /* 0 when the transfer failed */
    CURLcode code;
    char *body;      /* owned, NUL-terminated */
    size_t len;
    char headers[4096];
    size_t hlen;
    size_t stop_ids;     /* SSE: > 0: end the transfer once the body holds this many "id: " lines */
    bool stop_keepalive; /* SSE: ... and a keepalive comment after them */
} reply;

static inline size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = size * n;
    char *nb = realloc(r->body, r->len + k + 1);
    if (!nb)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    if (r->stop_ids || r->stop_keepalive) {
        size_t ids = 0;
        const char *last = r->body;
        for (const char *q = r->body; (q = strstr(q, "id: ")); q += 4, last = q)
            ids++;
        if (ids >= r->stop_ids && (!r->stop_keepalive || strstr(last, ": keepalive\n\n")))
            return 0; /* enough: the transfer ends here (CURLE_WRITE_ERROR) */
    }
    return k;
}

static inline size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = size * n;
    if (r->hlen + k < sizeof r->headers) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

/* A request: method, path (appended to the server's URL), Content-Type
 * (NULL: none; "" : curl's default removed), body (NULL: none), one extra
 * header line (may be NULL), a timeout in ms (0: 10 s). */
static inline reply request_until(fixture *f, const char *method, const char *path, const char *ctype,
                                  const void *body, size_t len, const char *extra, long timeout_ms, size_t stop_ids,
                                  bool stop_keepalive)
{
    reply r;
    memset(&r, 0, sizeof r);
    r.stop_ids = stop_ids;
    r.stop_keepalive = stop_keepalive;
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[4200];
    snprintf(url, sizeof url, "%s%s", f->url, path);
    struct curl_slist *hs = NULL;
    char ct[200];
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "");
    hs = curl_slist_append(hs, ct);
    hs = curl_slist_append(hs, "Expect:");
    if (extra)
        hs = curl_slist_append(hs, extra);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    r.code = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hs);
    if (!r.body) {
        r.body = calloc(1, 1);
        assert_non_null(r.body);
    }
    return r;
}

static inline reply request(fixture *f, const char *method, const char *path, const char *ctype, const void *body,
                            size_t len, const char *extra, long timeout_ms)
{
    return request_until(f, method, path, ctype, body, len, extra, timeout_ms, 0, false);
}

/* An SSE stream read until it has given n events (and then a keepalive,
 * when keepalive), or 10 s passed. */
static inline reply stream(fixture *f, const char *path, const char *extra, size_t n, bool keepalive)
{
    return request_until(f, "GET", path, NULL, NULL, 0, extra, 10000, n, keepalive);
}

static inline reply get(fixture *f, const char *path)
{
    return request(f, "GET", path, NULL, NULL, 0, NULL, 0);
}

static inline reply post_json(fixture *f, const char *path, const char *json)
{
    return request(f, "POST", path, "application/json", json, strlen(json), NULL, 0);
}

static inline void reply_free(reply *r)
{
    free(r->body);
    r->body = NULL;
}

static inline void expect_in(const char *text, const char *part)
{
    if (!text || !strstr(text, part))
        fail_msg("'%s' does not contain '%s'", text ? text : "(null)", part);
}

/* r has status and its body contains part (may be NULL); r is freed. */
static inline void expect_reply(reply r, long status, const char *part)
{
    if (r.status != status)
        fail_msg("expected %ld, got %ld (curl: %s): %s", status, r.status, curl_easy_strerror(r.code), r.body);
    if (part)
        expect_in(r.body, part);
    reply_free(&r);
}

/* An error reply: status, the shape {"error": {"code": code, "message": ...}}
 * and a message containing part. */
static inline void expect_error(reply r, long status, const char *code, const char *part)
{
    char want[128];
    snprintf(want, sizeof want, "{\"error\":{\"code\":\"%s\",\"message\":\"", code);
    if (r.status != status)
        fail_msg("expected %ld, got %ld: %s", status, r.status, r.body);
    expect_in(r.body, want);
    if (part)
        expect_in(r.body, part);
    expect_in(r.headers, "Content-Type: application/json");
    reply_free(&r);
}

#endif
