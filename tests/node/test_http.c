/*
 * test_http.c — the node's HTTP API (docs/node-api.md) against a real node
 * and server on 127.0.0.1 (an ephemeral port), with libcurl: every endpoint
 * and every status it answers, the one error shape, long-poll, Server-Sent
 * Events with Last-Event-ID resumption and keepalives, the explorer's files.
 * (Slow clients, many connections, limits per address and shutdown are in
 * test_http_robust.c.)
 */
#include <pthread.h>
#include <unistd.h>

#include "http_support.h"
#include "node/explorer_files.h"

static int setup(void **state)
{
    fixture *f = fixture_new();
    fixture_start(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* Admits Counter.add(v) over HTTP; hex gets its hash. */
static void submit(fixture *f, int64_t v, char hex[2 * CVM_HASH_BYTES + 1])
{
    uint8_t hash[CVM_HASH_BYTES];
    char *tx = signed_add(v, CHAIN, hash, NULL, NULL);
    hex_of(hash, CVM_HASH_BYTES, hex);
    char want[128];
    snprintf(want, sizeof want, "{\"tx_hash\":\"%s\",\"status\":\"PENDING\"}", hex);
    expect_reply(post_json(f, "/v1/transactions", tx), 202, want);
    cvm_free(NULL, tx);
}

static void test_status_metrics_explorer(void **state)
{
    fixture *f = *state;
    reply r = get(f, "/v1/status");
    expect_in(r.headers, "Content-Type: application/json");
    expect_reply(r, 200, "\"chain_id\":42");
    expect_reply(request(f, "HEAD", "/v1/status", NULL, NULL, 0, NULL, 0), 200, NULL);
    r = get(f, "/metrics");
    expect_in(r.headers, "Content-Type: text/plain; version=0.0.4");
    expect_in(r.body, "coopvm_blocks_total");
    expect_reply(r, 200, "coopvm_http_responses_total{code=\"200\"} ");
    /* every file of src/node/explorer/ at /explorer/NAME, byte for byte;
     * index.html also at / with the page's Content-Security-Policy */
    assert_true(cvm_explorer_nfiles > 0);
    bool index = false;
    for (size_t i = 0; i < cvm_explorer_nfiles; i++) {
        const cvm_explorer_file *e = &cvm_explorer_files[i];
        char path[160];
        snprintf(path, sizeof path, "/explorer/%s", e->name);
        bool is_index = strcmp(e->name, "index.html") == 0;
        for (int pass = 0; pass < (is_index ? 2 : 1); pass++) {
            r = get(f, pass ? "/" : path);
            assert_int_equal(r.status, 200);
            assert_int_equal(r.len, e->len);
            assert_memory_equal(r.body, e->data, e->len);
            expect_in(r.headers, "X-Content-Type-Options: nosniff");
            if (is_index) {
                expect_in(r.headers, "Content-Type: text/html; charset=utf-8");
                expect_in(r.headers, "Content-Security-Policy: default-src 'self'");
            }
            reply_free(&r);
        }
        index = index || is_index;
    }
    assert_true(index);
    expect_error(get(f, "/explorer/nothing.js"), 404, "NOT_FOUND", "explorer: no file nothing.js");
}

static void test_errors(void **state)
{
    fixture *f = *state;
    expect_error(get(f, "/v2/status"), 404, "NOT_FOUND", "no such path: /v2/status");
    expect_error(get(f, "/v1/status/"), 404, "NOT_FOUND", NULL);
    reply r = request(f, "DELETE", "/v1/status", NULL, NULL, 0, NULL, 0);
    expect_in(r.headers, "Allow: GET, HEAD");
    expect_error(r, 405, "METHOD_NOT_ALLOWED", "DELETE is not allowed on /v1/status");
    r = get(f, "/v1/transactions");
    expect_in(r.headers, "Allow: POST");
    expect_error(r, 405, "METHOD_NOT_ALLOWED", NULL);
    expect_error(request(f, "BREW", "/v1/query", NULL, NULL, 0, NULL, 0), 405, "METHOD_NOT_ALLOWED", NULL);
    expect_error(request(f, "BREW", "/coffee", NULL, NULL, 0, NULL, 0), 404, "NOT_FOUND", NULL);

    /* media types */
    expect_error(request(f, "POST", "/v1/transactions", "text/plain", "{}", 2, NULL, 0), 415,
                 "UNSUPPORTED_MEDIA_TYPE", "Content-Type 'text/plain'");
    expect_error(request(f, "POST", "/v1/query", "application/octet-stream", "{}", 2, NULL, 0), 415,
                 "UNSUPPORTED_MEDIA_TYPE", "expected application/json");
    expect_error(request(f, "POST", "/v1/query", "application/json; charset=latin1", "{}", 2, NULL, 0), 415,
                 "UNSUPPORTED_MEDIA_TYPE", NULL);

    /* bodies: empty, malformed, not UTF-8, oversize */
    expect_error(request(f, "POST", "/v1/transactions", "application/json", "", 0, NULL, 0), 400, "BAD_REQUEST",
                 "the body is empty");
    expect_error(post_json(f, "/v1/transactions", "{\"protocol_version\": 1,"), 400, "BAD_REQUEST", "transactions: ");
    expect_error(post_json(f, "/v1/transactions", "{\"service\": \"Counter\"}"), 400, "BAD_REQUEST", "transactions: ");
    expect_error(post_json(f, "/v1/transactions", "{\"service\": \"\xff\"}"), 400, "BAD_REQUEST",
                 "transactions: the body is not UTF-8 (byte 13)");
    expect_error(post_json(f, "/v1/query", "[1,"), 400, "BAD_REQUEST", "query: not JSON");
    expect_error(post_json(f, "/v1/query", "{\"contract\": \"\xc3\x28\"}"), 400, "BAD_REQUEST",
                 "query: the body is not UTF-8 (byte 14)");
    expect_error(post_json(f, "/v1/query", "{\"contract\": \"Counter\", \"method\": \"get\", \"args\": 5}"), 400,
                 "BAD_REQUEST", "args");
    size_t big = CVM_HTTP_TX_BODY_LIMIT + 1;
    char *body = malloc(big);
    assert_non_null(body);
    memset(body, ' ', big);
    expect_error(request(f, "POST", "/v1/transactions", "application/json", body, big, NULL, 0), 413, "TOO_LARGE",
                 "the body of 1048577 bytes is over the limit of 1048576");
    expect_error(request(f, "POST", "/v1/query", "application/json", body, CVM_HTTP_QUERY_BODY_LIMIT + 1, NULL, 0),
                 413, "TOO_LARGE", "over the limit of 65536");
    /* a chunked body (no Content-Length) over the limit: closed; within it, read */
    reply c = request(f, "POST", "/v1/query", "application/json", body, CVM_HTTP_QUERY_BODY_LIMIT + 1,
                      "Transfer-Encoding: chunked", 0);
    assert_int_equal(c.status, 0);
    reply_free(&c);
    const char *q = "{\"contract\": \"Counter\", \"method\": \"get\"}";
    expect_reply(request(f, "POST", "/v1/query", "application/json", q, strlen(q), "Transfer-Encoding: chunked", 0),
                 200, "\"receipt\"");
    free(body);

    /* targets and parameters */
    expect_error(get(f, "/v1/status?verbose=1"), 400, "BAD_REQUEST", "unknown parameter 'verbose'");
    expect_error(get(f, "/v1/events?limit=1&limit=2"), 400, "BAD_REQUEST", "given twice");
    expect_error(get(f, "/v1/events?limit=0"), 400, "BAD_REQUEST", "parameter 'limit': expected an integer from 1");
    expect_error(get(f, "/v1/events?limit=1001"), 400, "BAD_REQUEST", NULL);
    expect_error(get(f, "/v1/events?cursor=x"), 400, "BAD_REQUEST", "cursor");
    expect_error(get(f, "/v1/events?from=abc"), 400, "BAD_REQUEST", "parameter 'from'");
    expect_error(get(f, "/v1/blocks?limit=101"), 400, "BAD_REQUEST", "parameter 'limit'");
    expect_error(get(f, "/v1/blocks/abc"), 400, "BAD_REQUEST", "blocks: height");
    expect_error(get(f, "/v1/blocks/0"), 400, "BAD_REQUEST", NULL);
    expect_error(get(f, "/v1/blocks/999"), 404, "NOT_FOUND", "no block at height 999");
    expect_error(get(f, "/v1/transactions/abc"), 400, "BAD_REQUEST", "expected 64 hex digits");
    expect_error(get(f, "/v1/transactions/" "00000000000000000000000000000000000000000000000000000000000000zz"), 400,
                 "BAD_REQUEST", "not a hex digit");
    expect_error(get(f, "/v1/transactions/" "0000000000000000000000000000000000000000000000000000000000000000"), 404,
                 "NOT_FOUND", "no transaction");
    expect_error(get(f, "/v1/transactions/" "0000000000000000000000000000000000000000000000000000000000000000?wait=61"),
                 400, "BAD_REQUEST", "parameter 'wait'");
    expect_error(get(f, "/v1/status%00"), 400, "BAD_REQUEST", "NUL");
    expect_error(get(f, "/v1/%ff"), 400, "BAD_REQUEST", "not UTF-8");
    expect_error(request(f, "GET", "/v1/events/stream", NULL, NULL, 0, "Last-Event-ID: 1.2", 0), 400, "BAD_REQUEST",
                 "Last-Event-ID '1.2' is not HEIGHT.TX.INDEX");
}

typedef struct longpoll {
    fixture *f;
    char path[320];
    reply r;
    uint64_t took_ms;
} longpoll;

static void *longpoll_main(void *p)
{
    longpoll *l = p;
    uint64_t t0 = mono_ms();
    l->r = get(l->f, l->path);
    l->took_ms = mono_ms() - t0;
    return NULL;
}

static void test_transactions(void **state)
{
    fixture *f = *state;
    char hex[2 * CVM_HASH_BYTES + 1], path[200];
    uint8_t hash[CVM_HASH_BYTES];
    char *tx = signed_add(5, CHAIN, hash, NULL, NULL);
    hex_of(hash, CVM_HASH_BYTES, hex);
    expect_reply(post_json(f, "/v1/transactions", tx), 202, "\"status\":\"PENDING\"");
    /* the same again: 409, naming where it is and its hash */
    reply r = post_json(f, "/v1/transactions", tx);
    expect_in(r.body, hex);
    expect_error(r, 409, "DUPLICATE", "pending");
    cvm_free(NULL, tx);
    snprintf(path, sizeof path, "/v1/transactions/%s", hex);
    expect_reply(get(f, path), 200, "\"status\":\"PENDING\"");
    /* uppercase and 0x are read too */
    char upper[200];
    snprintf(upper, sizeof upper, "/v1/transactions/0x%s", hex);
    for (char *p = upper + 19; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    expect_reply(get(f, upper), 200, "PENDING");

    /* a long-poll ends as soon as the block commits */
    longpoll l = {.f = f};
    snprintf(l.path, sizeof l.path, "%s?wait=20", path);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, longpoll_main, &l), 0);
    usleep(400 * 1000);
    uint64_t height = produce(f);
    assert_true(height > 0);
    pthread_join(t, NULL);
    if (l.took_ms > 5000)
        fail_msg("the long-poll took %llu ms after the commit", (unsigned long long)l.took_ms);
    expect_in(l.r.body, "\"status\":\"COMMITTED\"");
    expect_reply(l.r, 200, "\"receipt\"");

    /* committed: a duplicate names the height */
    tx = signed_add(6, CHAIN, hash, NULL, NULL);
    expect_reply(post_json(f, "/v1/transactions", tx), 202, NULL);
    produce(f);
    expect_error(post_json(f, "/v1/transactions", tx), 409, "DUPLICATE", "committed");
    cvm_free(NULL, tx);

    /* a long-poll on a pending transaction answers PENDING when its time is up */
    submit(f, 7, hex);
    snprintf(path, sizeof path, "/v1/transactions/%s?wait=1", hex);
    uint64_t t0 = mono_ms();
    expect_reply(get(f, path), 200, "\"status\":\"PENDING\"");
    assert_true(mono_ms() - t0 >= 900);
    produce(f);

    /* pre-order refuses a transaction for another chain: 422 with its status */
    tx = signed_add(8, CHAIN + 1, hash, NULL, NULL);
    r = post_json(f, "/v1/transactions", tx);
    cvm_free(NULL, tx);
    if (r.status != 422)
        fail_msg("expected 422, got %ld: %s", r.status, r.body);
    expect_in(r.body, "{\"error\":{\"code\":\"");
    expect_in(r.body, "\"tx_hash\":\"");
    reply_free(&r);

    /* the binary form */
    uint8_t *bin = NULL;
    size_t binlen = 0;
    tx = signed_add(9, CHAIN, hash, &bin, &binlen);
    cvm_free(NULL, tx);
    expect_reply(request(f, "POST", "/v1/transactions", "application/octet-stream", bin, binlen, NULL, 0), 202,
                 "PENDING");
    expect_error(request(f, "POST", "/v1/transactions", "application/octet-stream", bin, binlen - 1, NULL, 0), 400,
                 "BAD_REQUEST", "transactions: ");
    cvm_free(NULL, bin);
    produce(f);
}

static void test_blocks_query_events(void **state)
{
    fixture *f = *state;
    char hex[2 * CVM_HASH_BYTES + 1];
    submit(f, 2, hex);
    submit(f, 3, hex);
    uint64_t height = produce(f);
    char path[128], want[64];
    snprintf(want, sizeof want, "\"height\":%llu", (unsigned long long)height);
    reply r = get(f, "/v1/blocks/latest");
    expect_in(r.body, "\"prev_hash\"");
    expect_in(r.body, "\"receipts\"");
    expect_reply(r, 200, want);
    snprintf(path, sizeof path, "/v1/blocks/%llu", (unsigned long long)height);
    expect_reply(get(f, path), 200, hex);
    expect_reply(get(f, "/v1/blocks?limit=2"), 200, "\"blocks\"");
    expect_reply(get(f, "/v1/blocks?from=1&limit=1"), 200, "\"height\":1");

    r = post_json(f, "/v1/query", "{\"contract\": \"Counter\", \"method\": \"get\"}");
    expect_in(r.body, want);
    expect_reply(r, 200, "\"result\":5");
    /* a contract failure is a 200 with the failed receipt */
    expect_reply(post_json(f, "/v1/query", "{\"contract\": \"Counter\", \"method\": \"nothing\"}"), 200,
                 "\"status\":\"");

    /* events: two per add, paged with the cursor */
    r = get(f, "/v1/events?service=Counter&limit=3");
    expect_in(r.body, "\"name\":\"Counted\"");
    expect_in(r.body, "\"next_cursor\":\"");
    char cursor[64] = "";
    const char *c = strstr(r.body, "\"next_cursor\":\"");
    sscanf(c + 15, "%63[0-9.]", cursor);
    reply_free(&r);
    snprintf(path, sizeof path, "/v1/events?service=Counter&limit=3&cursor=%s", cursor);
    r = get(f, path);
    expect_reply(r, 200, "\"name\":\"Again\"");
    expect_reply(get(f, "/v1/events?service=Nobody"), 200, "{\"events\":[]}");
    expect_reply(get(f, "/v1/events?service=&name=Again&limit=1"), 200, "\"Again\"");
}

/* The ids of the events in an SSE text, in order, into ids (at most max). */
static size_t sse_ids(const char *text, char ids[][32], size_t max)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "id: ")) && n < max; p += 4)
        sscanf(p + 4, "%31[0-9.]", ids[n++]);
    return n;
}

typedef struct later {
    fixture *f;
    int64_t v;
} later;

static void *submit_later(void *p)
{
    later *l = p;
    usleep(300 * 1000);
    char hex[2 * CVM_HASH_BYTES + 1];
    submit(l->f, l->v, hex);
    produce(l->f);
    return NULL;
}

static void test_event_stream(void **state)
{
    fixture *f = *state;
    char hex[2 * CVM_HASH_BYTES + 1];
    submit(f, 1, hex);
    submit(f, 2, hex);
    produce(f);
    submit(f, 3, hex);
    produce(f);
    /* the history (GET /v1/events): the genesis events, then six */
    reply page = get(f, "/v1/events?limit=1000");
    size_t events = 0;
    for (const char *p = page.body; (p = strstr(p, "\"tx_index\"")); p++)
        events++;
    reply_free(&page);
    assert_true(events >= 6);
    /* the stream from height 1 gives the same, then a keepalive (nothing new
     * for 300 ms), and nothing else */
    reply all = stream(f, "/v1/events/stream?from=1", NULL, events, true);
    assert_int_equal(all.status, 200);
    expect_in(all.headers, "Content-Type: text/event-stream");
    expect_in(all.body, "event: chain-event\ndata: {\"height\":");
    expect_in(all.body, ": keepalive\n\n");
    char ids[64][32];
    size_t n = sse_ids(all.body, ids, 64);
    assert_int_equal(n, events);
    /* the two events of one transaction: INDEX 0 then 1 */
    assert_true(strcmp(ids[n - 2] + strlen(ids[n - 2]) - 2, ".0") == 0);
    assert_true(strcmp(ids[n - 1] + strlen(ids[n - 1]) - 2, ".1") == 0);

    /* resume after each id in turn: exactly the rest, no gap, no repeat */
    for (size_t k = 0; k < n; k += 2) {
        char hdr[64];
        snprintf(hdr, sizeof hdr, "Last-Event-ID: %.31s", ids[k]);
        reply rest = stream(f, "/v1/events/stream", hdr, n - k - 1, true);
        char got[64][32];
        size_t m = sse_ids(rest.body, got, 64);
        if (m != n - k - 1)
            fail_msg("after %s: %zu events, expected %zu:\n%s", ids[k], m, n - k - 1, rest.body);
        for (size_t i = 0; i < m; i++)
            assert_string_equal(got[i], ids[k + 1 + i]);
        reply_free(&rest);
    }
    /* live: without from, only what commits after connecting */
    later l = {f, 10};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, submit_later, &l), 0);
    reply live = stream(f, "/v1/events/stream", NULL, 2, false);
    pthread_join(t, NULL);
    char got[8][32];
    size_t m = sse_ids(live.body, got, 8);
    if (m != 2)
        fail_msg("live: %zu events, expected 2:\n%s", m, live.body);
    expect_in(live.body, "\"fields\"");
    reply_free(&live);
    reply_free(&all);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_metrics_explorer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks_query_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_stream, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
