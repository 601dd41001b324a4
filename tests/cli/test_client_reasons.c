/*
 * test_client_reasons.c — a contract's reason through a real node: a
 * committed receipt read back from the node's blocks (the binary receipt
 * encoding) keeps error.reason, and the client commands print it — in the
 * message, or after the error when the message cannot show it whole.
 *
 * Skips when this build has no client (libcurl) or no node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/clitest.h"
#include "support/node_proc.h"

#define GENESIS "examples/cooperative/genesis.json"

static node_proc node;
static char dir[64], data[96], alice[128], tx[128], why[128], hex[2 * 150 + 3];
static const char *url;

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void expect(proc_result r, int status, const char *in_out)
{
    if (r.status != status || (in_out && !strstr(r.out, in_out)))
        fail_msg("exit %d (expected %d)\nstdout (expected \"%s\"):\n%s\nstderr:\n%s", r.status, status,
                 in_out ? in_out : "", r.out, r.err);
    proc_result_free(&r);
}

/* Why: `member` fails with a UTF-8 reason, `bin` with 150 bytes that are
 * not UTF-8 (hex[] is their "0x" form). */
static void write_contract(void)
{
    char src[2048] = ".contract Why\n"
                     ".method member\n  PushBytes \"not a member of housing\"\n  Abort\n"
                     ".method bin readonly\n  PushBytes \"";
    snprintf(hex, sizeof hex, "0x");
    for (int i = 0; i < 150; i++) {
        snprintf(src + strlen(src), sizeof src - strlen(src), "\\x%02x", (unsigned)(0x80 + i % 100));
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x", (unsigned)(0x80 + i % 100));
    }
    snprintf(src + strlen(src), sizeof src - strlen(src), "\"\n  Abort\n");
    write_file(why, src, strlen(src));
}

static int setup(void **state)
{
    (void)state;
    proc_result r = coopvm("block", "--node", "http://127.0.0.1:1", NULL);
    bool no_client = strstr(r.err, "built without libcurl") != NULL;
    proc_result_free(&r);
    r = coopvm("node", "--help", NULL);
    bool no_node = r.status != 0;
    proc_result_free(&r);
    if (no_client || no_node)
        return 0; /* every test skips */
    snprintf(dir, sizeof dir, "/tmp/coopvm-reasons-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(alice, sizeof alice, "%s/alice.json", dir);
    snprintf(tx, sizeof tx, "%s/tx.json", dir);
    snprintf(why, sizeof why, "%s/why.asm", dir);
    r = coopvm("keygen", "--name", "alice", "--json", NULL);
    assert_int_equal(r.status, 0);
    write_file(alice, r.out, r.out_len);
    proc_result_free(&r);
    write_contract();
    const char *extra[] = {"--genesis", GENESIS, "--chain", "7", "--block-interval", "50ms", NULL};
    if (node_start(&node, data, extra) != 0)
        return -1;
    url = node.url;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!url)
        return 0;
    int st = node_stop(&node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", dir);
    return st == 0 ? 0 : -1;
}

static void test_reasons_through_a_node(void **state)
{
    (void)state;
    if (!url)
        skip();
    expect(coopvm("deploy", "--node", url, "--key", alice, why, "--wait", NULL), 0, "SUCCESS");

    /* a committed failure: its receipt comes back from the node's block */
    proc_result b = coopvm("tx", "build", "--node", url, "--key", alice, "--service", "Why", "--method", "member", "-o",
                           tx, NULL);
    assert_int_equal(b.status, 0);
    proc_result_free(&b);
    proc_result r = coopvm("send", "--node", url, tx, "--wait", "--json", NULL);
    assert_int_equal(r.status, 1);
    json_t *j = parse_json(r.out);
    json_t *e = json_object_get(json_object_get(j, "receipt"), "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "ABORTED");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), "not a member of housing");
    assert_string_equal(json_string_value(json_object_get(e, "message")), "not a member of housing");
    const char *hash = json_string_value(json_object_get(j, "tx_hash"));
    assert_non_null(hash);
    /* the text: the reason is the message, nothing after it */
    proc_result t = coopvm("receipt", "--node", url, hash, NULL);
    assert_int_equal(t.status, 0); /* the receipt was found */
    assert_non_null(strstr(t.out, "Why.member(): ERROR_SMART_CONTRACT ABORTED: not a member of housing (method "
                                  "member, pc 1, line 4), gas "));
    assert_null(strstr(t.out, " reason "));
    proc_result_free(&t);
    json_decref(j);
    proc_result_free(&r);

    /* a local call whose reason is too long for the message's hex */
    r = coopvm("call", "--node", url, "Why", "bin", "--json", NULL);
    assert_int_equal(r.status, 1);
    j = parse_json(r.out);
    e = json_object_get(json_object_get(j, "receipt"), "error");
    assert_string_equal(json_string_value(json_object_get(e, "reason")), hex);
    json_decref(j);
    proc_result_free(&r);
    char want[400];
    snprintf(want, sizeof want, "(method bin, pc 3, line 7) reason %s", hex);
    expect(coopvm("call", "--node", url, "Why", "bin", NULL), 1, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons_through_a_node),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
