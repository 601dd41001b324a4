/*
 * test_http_request.c — what the node's HTTP server decodes before a handler
 * acts, without a server: request targets (path, parameters,
 * percent-decoding, limits), parameter values, hashes, media types, body
 * text (request.h), and the route table with its 404 and 405 (router.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/request.h"
#include "node/router.h"

static void test_target_split(void **state)
{
    (void)state;
    cvm_http_target t;
    char err[256];
    assert_int_equal(cvm_http_target_parse("/v1/events?service=_Governance&name=Voted&limit=5", &t, err, sizeof err),
                     CVM_OK);
    assert_string_equal(t.path, "/v1/events");
    assert_int_equal(t.nparams, 3);
    assert_string_equal(cvm_http_param_get(&t, "service"), "_Governance");
    assert_string_equal(cvm_http_param_get(&t, "name"), "Voted");
    assert_string_equal(cvm_http_param_get(&t, "limit"), "5");
    assert_null(cvm_http_param_get(&t, "from"));
    cvm_http_target_free(&t);

    /* percent-decoding in path and parameters; '+' is a space in parameters
     * only; empty items are skipped; "?a" is a with the value "" */
    assert_int_equal(cvm_http_target_parse("/v1/a%2Bb+c?x=%41+%42&&y&", &t, err, sizeof err), CVM_OK);
    assert_string_equal(t.path, "/v1/a+b+c");
    assert_string_equal(cvm_http_param_get(&t, "x"), "A B");
    assert_string_equal(cvm_http_param_get(&t, "y"), "");
    assert_int_equal(t.nparams, 2);
    cvm_http_target_free(&t);

    assert_int_equal(cvm_http_target_parse("/", &t, err, sizeof err), CVM_OK);
    assert_string_equal(t.path, "/");
    assert_int_equal(t.nparams, 0);
    cvm_http_target_free(&t);
}

static void test_target_refused(void **state)
{
    (void)state;
    cvm_http_target t;
    char err[256];
    static const struct {
        const char *target, *message;
    } BAD[] = {
        {"", "request target: empty"},
        {"v1/status", "request target: must start with '/' (origin form)"},
        {"http://x/v1/status", "request target: must start with '/' (origin form)"},
        {"/v1/%00", "path: %00 (a NUL byte) is not allowed"},
        {"/v1/%ff", "path: not UTF-8 once percent-decoded (byte 4)"},
        {"/v1/events?service=%c3%28", "query: parameter 'service': not UTF-8 once percent-decoded (byte 0)"},
        {"/v1/events?=1", "query: a parameter without a name"},
        {"/v1/events?a=1&a=2", "query: parameter 'a' given twice"},
        {"/v1/events?a&b&c&d&e&f&g&h&i", "query: more than 8 parameters"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        err[0] = '\0';
        assert_int_equal(cvm_http_target_parse(BAD[i].target, &t, err, sizeof err), CVM_EINPUT);
        assert_string_equal(err, BAD[i].message);
        assert_null(t.buf);
    }
    char longer[CVM_HTTP_MAX_TARGET + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[0] = '/';
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(cvm_http_target_parse(longer, &t, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "request target: longer than 4096 bytes");
    longer[CVM_HTTP_MAX_TARGET] = '\0'; /* exactly the limit */
    assert_int_equal(cvm_http_target_parse(longer, &t, err, sizeof err), CVM_OK);
    cvm_http_target_free(&t);
}

static void test_params(void **state)
{
    (void)state;
    cvm_http_target t;
    char err[256];
    uint64_t v = 0;
    assert_int_equal(cvm_http_target_parse("/v1/blocks?limit=100&from=7&colour=red", &t, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_http_params_only(&t, (const char *const[]){"from", "limit", NULL}, err, sizeof err),
                     CVM_EINPUT);
    assert_string_equal(err, "query: unknown parameter 'colour' (known: from, limit)");
    assert_int_equal(cvm_http_params_only(&t, (const char *const[]){NULL}, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "query: unknown parameter 'limit' (this path takes none)");
    assert_int_equal(cvm_http_param_uint(&t, "limit", 20, 1, 100, &v, err, sizeof err), CVM_OK);
    assert_int_equal(v, 100);
    assert_int_equal(cvm_http_param_uint(&t, "to", 20, 1, 100, &v, err, sizeof err), CVM_OK);
    assert_int_equal(v, 20); /* absent: the default */
    assert_int_equal(cvm_http_param_uint(&t, "limit", 20, 1, 99, &v, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "query: parameter 'limit': expected an integer from 1 to 99, got '100'");
    cvm_http_target_free(&t);

    static const char *const BAD[] = {"", "-1", "+1", " 1", "1 ", "0x10", "18446744073709551616", "1e3"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_int_equal(cvm_http_parse_uint(BAD[i], "n", 0, UINT64_MAX, &v, err, sizeof err), CVM_EINPUT);
    assert_int_equal(cvm_http_parse_uint("18446744073709551615", "n", 0, UINT64_MAX, &v, err, sizeof err), CVM_OK);
    assert_true(v == UINT64_MAX);
    assert_int_equal(cvm_http_parse_uint("007", "n", 0, 10, &v, err, sizeof err), CVM_OK);
    assert_int_equal(v, 7);
}

static void test_hash(void **state)
{
    (void)state;
    uint8_t h[CVM_HASH_BYTES];
    char err[256];
    const char *hex = "9c1e00000000000000000000000000000000000000000000000000000000ff01";
    assert_int_equal(cvm_http_parse_hash(hex, h, err, sizeof err), CVM_OK);
    assert_int_equal(h[0], 0x9c);
    assert_int_equal(h[31], 0x01);
    assert_int_equal(cvm_http_parse_hash("0x9C1E00000000000000000000000000000000000000000000000000000000FF01", h, err,
                                         sizeof err),
                     CVM_OK);
    assert_int_equal(h[30], 0xff);
    assert_int_equal(cvm_http_parse_hash("9c1e", h, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "transaction hash: expected 64 hex digits, got 4");
    assert_int_equal(cvm_http_parse_hash("9c1e0000000000000000000000000000000000000000000000000000000000zz", h, err,
                                         sizeof err),
                     CVM_EINPUT);
    assert_string_equal(err, "transaction hash: 'z' at 62 is not a hex digit");
}

static void test_media(void **state)
{
    (void)state;
    assert_int_equal(cvm_http_media_type(NULL), CVM_MEDIA_JSON);
    assert_int_equal(cvm_http_media_type("application/json"), CVM_MEDIA_JSON);
    assert_int_equal(cvm_http_media_type("Application/JSON; charset=UTF-8"), CVM_MEDIA_JSON);
    assert_int_equal(cvm_http_media_type("application/json;charset=\"utf-8\""), CVM_MEDIA_JSON);
    assert_int_equal(cvm_http_media_type("application/octet-stream"), CVM_MEDIA_BINARY);
    assert_int_equal(cvm_http_media_type("application/json; charset=latin1"), CVM_MEDIA_OTHER);
    assert_int_equal(cvm_http_media_type("application/x-www-form-urlencoded"), CVM_MEDIA_OTHER);
    assert_int_equal(cvm_http_media_type("text/plain"), CVM_MEDIA_OTHER);
    assert_int_equal(cvm_http_media_type("application/jsonx"), CVM_MEDIA_OTHER);
    assert_int_equal(cvm_http_media_type("application/json garbage"), CVM_MEDIA_OTHER);
    assert_int_equal(cvm_http_media_type("application/json; charset=\"utf-8"), CVM_MEDIA_OTHER);
    assert_int_equal(cvm_http_media_type(""), CVM_MEDIA_OTHER);
}

static void test_text_body(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(cvm_http_text_body((const uint8_t *)"{}", 2, "query", err, sizeof err), CVM_OK);
    assert_int_equal(cvm_http_text_body((const uint8_t *)"", 0, "query", err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "query: the body is empty (expected JSON)");
    assert_int_equal(cvm_http_text_body((const uint8_t *)"{\"a\":\"\xff\"}", 8, "transactions", err, sizeof err),
                     CVM_EINPUT);
    assert_string_equal(err, "transactions: the body is not UTF-8 (byte 6)");
}

static void test_routes(void **state)
{
    (void)state;
    cvm_route_match m;
    static const struct {
        const char *method, *path;
        cvm_route route;
        const char *arg;
    } OK[] = {
        {"POST", "/v1/transactions", CVM_ROUTE_TX_SUBMIT, NULL},
        {"GET", "/v1/transactions/abc", CVM_ROUTE_TX_GET, "abc"},
        {"HEAD", "/v1/transactions/abc", CVM_ROUTE_TX_GET, "abc"},
        {"POST", "/v1/query", CVM_ROUTE_QUERY, NULL},
        {"GET", "/v1/blocks", CVM_ROUTE_BLOCKS, NULL},
        {"GET", "/v1/blocks/latest", CVM_ROUTE_BLOCK_LATEST, NULL},
        {"GET", "/v1/blocks/12", CVM_ROUTE_BLOCK, "12"},
        {"GET", "/v1/events", CVM_ROUTE_EVENTS, NULL},
        {"GET", "/v1/events/stream", CVM_ROUTE_EVENTS_STREAM, NULL},
        {"GET", "/v1/status", CVM_ROUTE_STATUS, NULL},
        {"GET", "/metrics", CVM_ROUTE_METRICS, NULL},
        {"GET", "/", CVM_ROUTE_INDEX, NULL},
        {"GET", "/explorer/app.js", CVM_ROUTE_STATIC, "app.js"},
    };
    for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++) {
        cvm_http_route(OK[i].method, OK[i].path, &m);
        assert_int_equal(m.status, 0);
        assert_int_equal(m.route, OK[i].route);
        if (OK[i].arg)
            assert_string_equal(m.arg, OK[i].arg);
        else
            assert_null(m.arg);
        assert_int_equal(m.has_body, strcmp(OK[i].method, "POST") == 0);
    }
    static const char *const MISSING[] = {"/v1", "/v1/", "/v1/status/", "/v1/transactions/", "/v1/transactions/a/b",
                                          "/explorer/", "/explorer/a/b", "/V1/status", "/metricsx", ""};
    for (size_t i = 0; i < sizeof MISSING / sizeof MISSING[0]; i++) {
        cvm_http_route("GET", MISSING[i], &m);
        assert_int_equal(m.status, 404);
        assert_int_equal(m.route, CVM_ROUTE_NONE);
    }
    cvm_http_route("GET", "/v1/transactions", &m);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "POST");
    cvm_http_route("DELETE", "/v1/status", &m);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "GET, HEAD");
    cvm_http_route("get", "/v1/status", &m); /* methods are case-sensitive */
    assert_int_equal(m.status, 405);
    cvm_http_route("BREW", "/nowhere", &m);
    assert_int_equal(m.status, 404);
    assert_string_equal(cvm_route_name(CVM_ROUTE_QUERY), "query");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_split), cmocka_unit_test(test_target_refused), cmocka_unit_test(test_params),
        cmocka_unit_test(test_hash),         cmocka_unit_test(test_media),          cmocka_unit_test(test_text_body),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
