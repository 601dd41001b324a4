/*
 * test_client_errors.c — the client commands (`send`, `receipt`, `call`,
 * `block`, `events --node`, `deploy`, `tx build --node`) where no node is
 * needed: --help, usage errors (exit 2), bad local input named before the
 * network (exit 1), and a node that is not there (exit 1, the URL and the
 * reason). tests/cli/test_client.c drives them against a real node.
 *
 * A coopvm built without libcurl (make cross's foreign builds) says so;
 * then the tests that need the network are skipped.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"

static char down_url[64]; /* a URL where nothing listens */

/* A port nothing listens on: bound, read back and closed (the kernel does
 * not hand it out again at once). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t n = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Whether this coopvm has the client commands (it was built with libcurl). */
static bool has_client(void)
{
    proc_result r = coopvm("block", "--node", down_url, NULL);
    bool yes = !strstr(r.err, "built without libcurl");
    proc_result_free(&r);
    return yes;
}

static void expect(proc_result r, int status, const char *in_err)
{
    if (r.status != status || !strstr(r.err, in_err))
        fail_msg("exit %d (expected %d), stderr does not say \"%s\":\n%s", r.status, status, in_err, r.err);
    proc_result_free(&r);
}

static char *temp_file(const char *text)
{
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/coopvm-client-XXXXXX.json");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_help(void **state)
{
    (void)state;
    static const char *const cmds[] = {"send", "receipt", "call", "block", "deploy", "events"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        proc_result r = coopvm(cmds[i], "--help", NULL);
        assert_int_equal(r.status, 0);
        char want[64];
        snprintf(want, sizeof want, "usage: coopvm %s", cmds[i]);
        assert_non_null(strstr(r.out, want));
        assert_non_null(strstr(r.out, "--node URL"));
        proc_result_free(&r);
        r = coopvm("help", cmds[i], NULL);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, want));
        proc_result_free(&r);
    }
    proc_result r = coopvm("--help", NULL);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        assert_non_null(strstr(r.out, cmds[i]));
    proc_result_free(&r);
    r = coopvm("tx", "--help", NULL);
    assert_non_null(strstr(r.out, "--node URL"));
    proc_result_free(&r);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    char *tx = temp_file("{}");
    const char *u = down_url;
    expect(coopvm("send", tx, NULL), 2, "--node URL is required");
    expect(coopvm("send", "--node", u, NULL), 2, "needs a transaction file");
    expect(coopvm("send", "--node", u, tx, tx, NULL), 2, "one transaction file at a time");
    expect(coopvm("send", "--node", u, tx, "--frob", NULL), 2, "unknown flag '--frob'");
    expect(coopvm("send", "--node", NULL), 2, "--node needs");
    expect(coopvm("send", "--node", u, "--json=1", tx, NULL), 2, "--json takes no value");
    expect(coopvm("receipt", "--node", u, NULL), 2, "needs a transaction hash");
    expect(coopvm("receipt", "--node", u, "abc", NULL), 2, "'abc' is not a transaction hash");
    expect(coopvm("receipt", "--node", u, "--wait", "soon", "00", NULL), 2, "--wait: 'soon'");
    expect(coopvm("receipt", "--node", u, "--wait", "-1", "00", NULL), 2, "--wait: '-1'");
    expect(coopvm("call", "--node", u, "Counter", NULL), 2, "needs a CONTRACT and a METHOD");
    expect(coopvm("call", "Counter", "get", NULL), 2, "--node URL is required");
    expect(coopvm("call", "--node", u, "Counter", "get", "housing", NULL), 2, "argument 'housing' is not JSON");
    expect(coopvm("call", "--node", u, "Counter", "get", "--key", NULL), 2, "--key needs a value");
    expect(coopvm("block", "--node", u, "0", NULL), 2, "'0' is not a height");
    expect(coopvm("block", "--node", u, "1", "2", NULL), 2, "one height at a time");
    expect(coopvm("block", NULL), 2, "--node URL is required");
    expect(coopvm("deploy", "--node", u, "examples/counter.asm", NULL), 2, "--key KEY.json is required");
    expect(coopvm("deploy", "--node", u, "--key", tx, NULL), 2, "needs a contract");
    expect(coopvm("events", "--node", u, "--data", "/tmp", NULL), 2, "--data and --node exclude each other");
    expect(coopvm("events", "--node", u, "--from", "5", "--to", "2", NULL), 2, "--from 5 is after --to 2");
    expect(coopvm("events", "--node", NULL), 2, "--node needs a value");
    expect(coopvm("events", NULL), 2, "--data DIR or --node URL is required");
    if (has_client()) {
        expect(coopvm("send", "--node", "ftp://x", tx, NULL), 2, "only http:// and https:// URLs");
        expect(coopvm("block", "--node", "", NULL), 2, "--node needs the node's URL");
    }
    unlink(tx);
    free(tx);
}

/* What is wrong locally is named before the node is asked: the same
 * message whether or not a node is there. */
static void test_local_input_exit_1(void **state)
{
    (void)state;
    const char *u = down_url;
    char *bad_key = temp_file("{\"secret_key\": \"00\"}");
    expect(coopvm("send", "--node", u, "/nonexistent/tx.json", NULL), 1, "/nonexistent/tx.json");
    expect(coopvm("deploy", "--node", u, "--key", bad_key, "examples/counter.asm", NULL), 1,
           "\"secret_key\" must be 64 hex digits");
    expect(coopvm("deploy", "--node", u, "--key", "/nonexistent/k.json", "examples/counter.asm", NULL), 1,
           "/nonexistent/k.json");
    expect(coopvm("call", "--node", u, "Counter", "get", "{\"float\": 1}", NULL), 1, "args[0]");
    unlink(bad_key);
    free(bad_key);
    /* a contract that does not assemble: FILE:LINE:COL, before the node */
    char *asm_file = temp_file(".contract X\n.method m params 0\n    Frob\n");
    char key[] = "/tmp/coopvm-client-key-XXXXXX";
    int fd = mkstemp(key);
    assert_true(fd >= 0);
    proc_result r = coopvm("keygen", "--name", "alice", "--json", NULL);
    assert_int_equal(write(fd, r.out, r.out_len), (ssize_t)r.out_len);
    close(fd);
    proc_result_free(&r);
    expect(coopvm("deploy", "--node", u, "--key", key, asm_file, NULL), 1, ":3:5: error:");
    unlink(asm_file);
    unlink(key);
    free(asm_file);
}

/* No node at the URL: exit 1, the URL asked and the reason, and a hint. */
static void test_node_down_exit_1(void **state)
{
    (void)state;
    if (!has_client())
        skip();
    const char *u = down_url;
    char *tx = temp_file("{}");
    char key[] = "/tmp/coopvm-client-key-XXXXXX";
    int fd = mkstemp(key);
    assert_true(fd >= 0);
    proc_result r = coopvm("keygen", "--name", "alice", "--json", NULL);
    assert_int_equal(write(fd, r.out, r.out_len), (ssize_t)r.out_len);
    close(fd);
    proc_result_free(&r);
    static const char hash[] = "9c1e000000000000000000000000000000000000000000000000000000000000";
    struct {
        proc_result r;
        const char *path;
    } cases[] = {
        {coopvm("send", "--node", u, tx, NULL), "/v1/transactions"},
        {coopvm("send", "--node", u, tx, "--wait", NULL), "/v1/transactions"},
        {coopvm("receipt", "--node", u, hash, NULL), "/v1/transactions/9c1e"},
        {coopvm("receipt", "--node", u, "--wait", "5", hash, NULL), "/v1/transactions/9c1e"},
        {coopvm("call", "--node", u, "_Cooperatives", "getInfo", "\"housing\"", NULL), "/v1/query"},
        {coopvm("call", "--node", u, "Housing", "booked", "--key", key, NULL), "/v1/status"},
        {coopvm("block", "--node", u, NULL), "/v1/blocks/latest"},
        {coopvm("block", "--node", u, "7", NULL), "/v1/blocks/7"},
        {coopvm("events", "--node", u, "--service", "_Governance", NULL), "/v1/events?limit=1000&service=_Governance"},
        {coopvm("events", "--node", u, "--to", "0", NULL), "/v1/status"},
        {coopvm("deploy", "--node", u, "--key", key, "examples/counter.asm", NULL), "/v1/status"},
        {coopvm("tx", "build", "--node", u, "--service", "S", "--method", "m", NULL), "/v1/status"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[160];
        snprintf(want, sizeof want, "%s%s", u, cases[i].path);
        if (cases[i].r.status != 1 || !strstr(cases[i].r.err, want) ||
            !strstr(cases[i].r.err, "is a node running there?") || cases[i].r.out_len != 0)
            fail_msg("case %zu: exit %d, stdout \"%s\", stderr:\n%s(expected exit 1 and \"%s\")", i,
                     cases[i].r.status, cases[i].r.out, cases[i].r.err, want);
        proc_result_free(&cases[i].r);
    }
    /* --flag=value, as every command takes it */
    char joined[96];
    snprintf(joined, sizeof joined, "--node=%s", u);
    char want_joined[96];
    snprintf(want_joined, sizeof want_joined, "%s/v1/blocks/7: ", u);
    expect(coopvm("block", joined, "7", NULL), 1, want_joined);
    expect(coopvm("receipt", joined, "--wait=1", hash, NULL), 1, "/v1/transactions/9c1e");
    /* a URL without a scheme is http; a trailing '/' is dropped */
    char bare[64];
    snprintf(bare, sizeof bare, "%s/", u + strlen("http://"));
    char want[96];
    snprintf(want, sizeof want, "%s/v1/blocks/latest: ", u);
    expect(coopvm("block", "--node", bare, NULL), 1, want);
    unlink(key);
    unlink(tx);
    free(tx);
}

int main(void)
{
    snprintf(down_url, sizeof down_url, "http://127.0.0.1:%d", closed_port());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_local_input_exit_1),
        cmocka_unit_test(test_node_down_exit_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
