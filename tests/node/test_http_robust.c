/*
 * test_http_robust.c — the node's HTTP server under bad clients and at its
 * edges, on 127.0.0.1 with an ephemeral port: a client that sends half a
 * request and stalls (closed after the timeout, while others are served),
 * 100 connections at once, the per-address limit, headers over the limit,
 * a full mempool (429), a stopping node (503), listen addresses that do not
 * parse or bind, and a clean stop that wakes a long-poll and an SSE stream.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_support.h"

static int setup(void **state)
{
    *state = fixture_new();
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* A TCP connection to the server (the raw bytes are the test's). */
static int connect_raw(fixture *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(cvm_http_port(f->h))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Whether the server closes fd within ms (reads what it sends till then). */
static bool closed_within(int fd, int ms)
{
    uint64_t until = mono_ms() + (uint64_t)ms;
    char buf[512];
    while (mono_ms() < until) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                return true;
        }
    }
    return false;
}

static void test_slow_client(void **state)
{
    fixture *f = *state;
    f->ho.timeout_s = 4;
    fixture_start(f);
    int fd = connect_raw(f);
    const char half[] = "POST /v1/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: 100\r\n\r\n{\"contract\":";
    assert_int_equal(send(fd, half, sizeof half - 1, 0), (ssize_t)(sizeof half - 1));
    int fd2 = connect_raw(f);
    assert_int_equal(send(fd2, "GET /v1/sta", 11, 0), 11);
    /* a request line, and headers that never end */
    int fd3 = connect_raw(f);
    const char line[] = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    assert_int_equal(send(fd3, line, sizeof line - 1, 0), (ssize_t)(sizeof line - 1));
    /* the others are served meanwhile, long before the stalled ones time
     * out (4 s here) */
    uint64_t t0 = mono_ms();
    for (int i = 0; i < 5; i++)
        expect_reply(get(f, "/v1/status"), 200, "\"height\"");
    assert_true(mono_ms() - t0 < 3000);
    /* and the stalled ones are closed after the timeout */
    assert_true(closed_within(fd, 10000));
    assert_true(closed_within(fd2, 5000));
    assert_true(closed_within(fd3, 5000));
    close(fd);
    close(fd2);
    close(fd3);
    expect_reply(get(f, "/v1/status"), 200, NULL);
}

typedef struct par {
    fixture *f;
    long status;
} par;

static void *par_main(void *p)
{
    par *q = p;
    reply r = get(q->f, "/v1/status");
    q->status = r.status;
    reply_free(&r);
    return NULL;
}

static void test_hundred_connections(void **state)
{
    fixture *f = *state;
    fixture_start(f);
    enum { N = 100 };
    static par ps[N];
    pthread_t ts[N];
    for (int i = 0; i < N; i++) {
        ps[i] = (par){f, 0};
        assert_int_equal(pthread_create(&ts[i], NULL, par_main, &ps[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(ts[i], NULL);
        ok += ps[i].status == 200;
    }
    assert_int_equal(ok, N);
    expect_reply(get(f, "/metrics"), 200, "coopvm_http_responses_total{code=\"200\"} 10");
}

static void test_per_address_limit_and_headers(void **state)
{
    fixture *f = *state;
    f->ho.max_per_ip = 3;
    fixture_start(f);
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = connect_raw(f);
    usleep(200 * 1000);
    /* a fourth connection from the same address is closed at once */
    reply r = get(f, "/v1/status");
    assert_int_equal(r.status, 0);
    reply_free(&r);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    /* once the server has seen them close (soon; a loaded machine may take
     * a while), the address is served again */
    long status = 0;
    for (uint64_t until = mono_ms() + 5000; status != 200 && mono_ms() < until;) {
        usleep(100 * 1000);
        r = get(f, "/v1/status");
        status = r.status;
        reply_free(&r);
    }
    assert_int_equal(status, 200);
    /* headers over 32 KiB: 431 from libmicrohttpd, and the node serves on */
    size_t n = 40000;
    char *hdr = malloc(n + 16);
    assert_non_null(hdr);
    memcpy(hdr, "X-Big: ", 7);
    memset(hdr + 7, 'a', n);
    hdr[7 + n] = '\0';
    r = request(f, "GET", "/v1/status", NULL, NULL, 0, hdr, 0);
    assert_true(r.status == 431 || r.status == 0);
    reply_free(&r);
    free(hdr);
    expect_reply(get(f, "/v1/status"), 200, NULL);
}

static void test_full_and_stopping(void **state)
{
    fixture *f = *state;
    f->o.mempool_limit = 1;
    fixture_start(f);
    char *a = signed_add(1, CHAIN, NULL, NULL, NULL), *b = signed_add(2, CHAIN, NULL, NULL, NULL);
    expect_reply(post_json(f, "/v1/transactions", a), 202, NULL);
    reply r = post_json(f, "/v1/transactions", b);
    expect_in(r.headers, "Retry-After: 1");
    expect_error(r, 429, "MEMPOOL_FULL", NULL);
    cvm_node_stop(f->n);
    r = post_json(f, "/v1/transactions", b);
    expect_in(r.headers, "Retry-After: 1");
    expect_error(r, 503, "UNAVAILABLE", "stopping");
    cvm_free(NULL, a);
    cvm_free(NULL, b);
}

static void test_listen_addresses(void **state)
{
    fixture *f = *state;
    fixture_start(f);
    cvm_http *h = NULL;
    char err[256] = "";
    cvm_http_options o = {.listen = "nonsense"};
    assert_int_equal(cvm_http_start(f->n, &o, &h, err, sizeof err), CVM_EINPUT);
    expect_in(err, "listen address 'nonsense': expected HOST:PORT");
    o.listen = "example.org:80";
    assert_int_equal(cvm_http_start(f->n, &o, &h, err, sizeof err), CVM_EINPUT);
    expect_in(err, "is not an IPv4 or IPv6 address");
    o.listen = "127.0.0.1:70000";
    assert_int_equal(cvm_http_start(f->n, &o, &h, err, sizeof err), CVM_EINPUT);
    expect_in(err, "port: expected an integer from 0 to 65535");
    char taken[64];
    snprintf(taken, sizeof taken, "127.0.0.1:%u", (unsigned)cvm_http_port(f->h));
    o.listen = taken;
    assert_int_equal(cvm_http_start(f->n, &o, &h, err, sizeof err), CVM_EIO);
    expect_in(err, "Address already in use");
    assert_null(h);
    /* localhost and IPv6 loopback (when the machine has it) bind */
    o.listen = "localhost:0";
    assert_int_equal(cvm_http_start(f->n, &o, &h, err, sizeof err), CVM_OK);
    expect_in(cvm_http_url(h), "http://127.0.0.1:");
    cvm_http_stop(h);
    h = NULL;
    o.listen = "[::1]:0";
    if (cvm_http_start(f->n, &o, &h, err, sizeof err) == CVM_OK) {
        expect_in(cvm_http_url(h), "http://[::1]:");
        cvm_http_stop(h);
    }
}

typedef struct waiter {
    fixture *f;
    char path[200];
    reply r;
} waiter;

static void *waiter_main(void *p)
{
    waiter *w = p;
    w->r = request(w->f, "GET", w->path, NULL, NULL, 0, NULL, 30000);
    return NULL;
}

static void test_clean_stop(void **state)
{
    fixture *f = *state;
    f->ho.keepalive_ms = 20000; /* the stream is quiet: only the stop ends it */
    fixture_start(f);
    uint8_t hash[CVM_HASH_BYTES];
    char hex[2 * CVM_HASH_BYTES + 1];
    char *tx = signed_add(1, CHAIN, hash, NULL, NULL);
    hex_of(hash, CVM_HASH_BYTES, hex);
    expect_reply(post_json(f, "/v1/transactions", tx), 202, NULL);
    cvm_free(NULL, tx);
    waiter poll_w = {.f = f}, sse_w = {.f = f};
    snprintf(poll_w.path, sizeof poll_w.path, "/v1/transactions/%s?wait=30", hex);
    snprintf(sse_w.path, sizeof sse_w.path, "/v1/events/stream");
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, waiter_main, &poll_w), 0);
    assert_int_equal(pthread_create(&t2, NULL, waiter_main, &sse_w), 0);
    usleep(500 * 1000);
    uint64_t t0 = mono_ms();
    cvm_http_stop(f->h);
    f->h = NULL;
    uint64_t took = mono_ms() - t0;
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    if (took > 2000)
        fail_msg("stopping took %llu ms", (unsigned long long)took);
    /* the long-poll answered its current status; the stream ended cleanly */
    expect_reply(poll_w.r, 200, "\"status\":\"PENDING\"");
    assert_int_equal(sse_w.r.status, 200);
    assert_int_equal(sse_w.r.code, CURLE_OK);
    reply_free(&sse_w.r);
    /* nothing listens any more */
    reply r = get(f, "/v1/status");
    assert_int_equal(r.status, 0);
    reply_free(&r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_slow_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hundred_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_address_limit_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_and_stopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean_stop, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
