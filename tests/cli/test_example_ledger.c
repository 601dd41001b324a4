/*
 * test_example_ledger.c — examples/ledger/ as a reader plays it: `coopvm
 * process examples/ledger/scenario.json` (JSON and text), `coopvm events`
 * on the chain it leaves, and `coopvm inspect` of the contract. Checks each
 * receipt — status, the contract's reason, the Transfer events with from,
 * to and amount, the result — and the final balances, not just exit codes;
 * examples/ledger/README.md tells the same story. The outputs the README's
 * "Writing a contract" shows are checked to be what the commands print.
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

#define SCENARIO "examples/ledger/scenario.json"
#define CONTRACT "examples/ledger/Ledger.asm"

/* The development keys' addresses (coopvm keygen --name NAME). */
#define ALICE "0xd21b6d72a95502cbc0128326b938aa55a2325cf1"
#define BOB "0x2e12ed3f1c22859b759c728166dc9999df100e2d"
#define CAROL "0x579991f2e2ce820cb96db88050db13f8a6cf81db"
#define ERIN "0x97142734c6122df1f7a87e5f84b160660b5f550c"

/* One transaction of the story: its result (when it succeeds) or its
 * reason (when the contract refuses it), and its Transfer event. */
typedef struct {
    const char *reason; /* NULL: SUCCESS */
    long long result;   /* when SUCCESS and typed int */
    const char *from;   /* the Transfer event; NULL: none */
    const char *to;
    long long amount;
} step;

/* Heights 4..6 (height 3 founds "shares" and lets bob and carol join). */
static const step height4[] = {
    {NULL, 100, "0x", BOB, 100}, /* alice mints 100 for bob: from nobody */
    {NULL, 40, "0x", CAROL, 40},
    {"only the creator of cooperative shares may mint", 0, NULL, NULL, 0},
};
static const step height5[] = {
    {NULL, 40, BOB, CAROL, 60}, /* the result: bob's new balance */
    {"insufficient balance: has 40, needs 300", 0, NULL, NULL, 0},
    {NULL, 90, CAROL, ERIN, 10}, /* shares may go to anyone... */
};
static const step height6[] = {
    /* ...but only members move them */
    {"only members of cooperative shares may transfer; " ERIN " is not one", 0, NULL, NULL, 0},
};

static const json_t *block_at(const json_t *doc, long long height)
{
    const json_t *blocks = json_object_get(doc, "blocks");
    for (size_t i = 0; i < json_array_size(blocks); i++) {
        const json_t *b = json_array_get(blocks, i);
        if (json_integer_value(json_object_get(b, "height")) == height)
            return b;
    }
    fail_msg("no block at height %lld", height);
    return NULL;
}

static const char *str_at(const json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    if (!s)
        fail_msg("no string \"%s\" in %s", key, json_dumps(j, JSON_COMPACT));
    return s;
}

static void check_steps(const json_t *doc, long long height, const step *want, size_t n)
{
    const json_t *rs = json_object_get(block_at(doc, height), "receipts");
    assert_int_equal(json_array_size(rs), n);
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(rs, i);
        const json_t *events = json_object_get(r, "events");
        assert_string_equal(str_at(r, "preorder"), "VALID");
        if (want[i].reason) {
            assert_string_equal(str_at(r, "status"), "ERROR_SMART_CONTRACT");
            const json_t *e = json_object_get(r, "error");
            assert_string_equal(str_at(e, "code"), "ABORTED");
            assert_string_equal(str_at(e, "reason"), want[i].reason);
            assert_string_equal(str_at(e, "message"), want[i].reason);
            assert_null(json_object_get(r, "result"));
        } else {
            assert_string_equal(str_at(r, "status"), "SUCCESS");
            assert_int_equal(json_integer_value(json_object_get(r, "result")), want[i].result);
        }
        if (!want[i].from) {
            assert_int_equal(json_array_size(events), 0); /* a failure leaves none */
            continue;
        }
        assert_int_equal(json_array_size(events), 1);
        const json_t *ev = json_array_get(events, 0);
        assert_string_equal(str_at(ev, "service"), "Ledger");
        assert_string_equal(str_at(ev, "name"), "Transfer");
        const json_t *f = json_object_get(ev, "fields");
        assert_int_equal(json_object_size(f), 3);
        assert_string_equal(str_at(f, "from"), want[i].from);
        assert_string_equal(str_at(f, "to"), want[i].to);
        assert_int_equal(json_integer_value(json_object_get(f, "amount")), want[i].amount);
    }
}

static void test_the_story_as_json(void **state)
{
    (void)state;
    proc_result r = coopvm("process", SCENARIO, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *doc = parse_json(r.out);
    proc_result_free(&r);

    /* height 3: alice founds "shares" (she is its creator), bob and carol join */
    const json_t *rs = json_object_get(block_at(doc, 3), "receipts");
    assert_int_equal(json_array_size(rs), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(str_at(json_array_get(rs, i), "status"), "SUCCESS");
    const json_t *created = json_array_get(json_object_get(json_array_get(rs, 0), "events"), 0);
    assert_string_equal(str_at(created, "name"), "CooperativeCreated");
    assert_string_equal(str_at(json_object_get(created, "fields"), "creator"), ALICE);

    check_steps(doc, 4, height4, sizeof height4 / sizeof height4[0]);
    check_steps(doc, 5, height5, sizeof height5 / sizeof height5[0]);
    check_steps(doc, 6, height6, sizeof height6 / sizeof height6[0]);

    /* the refused transactions changed nothing: height 6's diff is empty */
    assert_int_equal(json_array_size(json_object_get(block_at(doc, 6), "state_diff")), 0);

    /* balanceOf(alice, bob, carol, erin), totalSupply, isMember(erin) */
    static const char *const want[] = {"0", "40", "90", "10", "140", "[false]"};
    const json_t *qs = json_object_get(doc, "queries");
    assert_int_equal(json_array_size(qs), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const json_t *q = json_array_get(qs, i);
        assert_string_equal(str_at(q, "status"), "SUCCESS");
        const json_t *out = json_object_get(q, "result");
        char *got = json_dumps(out ? out : json_object_get(q, "outputs"), JSON_COMPACT | JSON_ENCODE_ANY);
        if (strcmp(got, want[i]) != 0)
            fail_msg("query %zu: %s, expected %s", i, got, want[i]);
        free(got);
    }
    json_decref(doc);
}

/* The text a reader sees: names for the accounts, the reasons in words. */
static void test_the_story_as_text(void **state)
{
    (void)state;
    proc_result r = coopvm("process", SCENARIO, NULL);
    assert_int_equal(r.status, 0);
    static const char *const want[] = {
        "alice -> Ledger.found(): SUCCESS",
        "alice -> Ledger.mint(bob, 100): SUCCESS result 100, gas ",
        "      event Ledger.Transfer from=0x to=bob amount=100\n",
        "bob -> Ledger.mint(bob, 1000): ERROR_SMART_CONTRACT ABORTED: only the creator of cooperative shares may "
        "mint (method mint, pc ",
        "bob -> Ledger.transfer(carol, 60): SUCCESS result 40, gas ",
        "      event Ledger.Transfer from=bob to=carol amount=60\n",
        "bob -> Ledger.transfer(carol, 300): ERROR_SMART_CONTRACT ABORTED: insufficient balance: has 40, needs 300 "
        "(method transfer, pc ",
        "      event Ledger.Transfer from=carol to=erin amount=10\n",
        "erin -> Ledger.transfer(bob, 5): ERROR_SMART_CONTRACT ABORTED: only members of cooperative shares may "
        "transfer; " ERIN " is not one (method transfer, pc ",
        "(unsigned) -> Ledger.balanceOf(carol): SUCCESS result 90\n",
        "(unsigned) -> Ledger.totalSupply(): SUCCESS result 140\n",
        "played 6 blocks (heights 1..6): 11 transactions (8 succeeded, 3 failed, 0 rejected by pre-order), 6 "
        "queries",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.out, want[i]))
            fail_msg("missing \"%s\" in:\n%s", want[i], r.out);
    proc_result_free(&r);
}

/* The Transfer events are in the chain's history, with their fields. */
static void test_the_history(void **state)
{
    (void)state;
    char dir[] = "/tmp/coopvm-ledger-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char data[64];
    snprintf(data, sizeof data, "%s/data", dir);
    proc_result r = coopvm("process", SCENARIO, "--data", data, "--quiet", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);

    r = coopvm("events", "--data", data, "--service", "Ledger", "--scenario", SCENARIO, NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "height 4 tx 0 Ledger.Transfer from=0x to=bob amount=100\n"
                               "height 4 tx 1 Ledger.Transfer from=0x to=carol amount=40\n"
                               "height 5 tx 0 Ledger.Transfer from=bob to=carol amount=60\n"
                               "height 5 tx 2 Ledger.Transfer from=carol to=erin amount=10\n");
    proc_result_free(&r);

    r = coopvm("events", "--data", data, "--name", "Transfer", "--from", "5", "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *ev = parse_json(r.out);
    assert_int_equal(json_array_size(ev), 2);
    const json_t *f = json_object_get(json_array_get(ev, 0), "fields");
    assert_string_equal(str_at(f, "from"), BOB);
    assert_string_equal(str_at(f, "to"), CAROL);
    assert_int_equal(json_integer_value(json_object_get(f, "amount")), 60);
    json_decref(ev);
    proc_result_free(&r);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* coopvm inspect shows the ledger's interface: typed methods, the event,
 * the imports it calls _Cooperatives through. */
static void test_inspect_shows_the_interface(void **state)
{
    (void)state;
    proc_result r = coopvm("inspect", CONTRACT, NULL);
    assert_int_equal(r.status, 0);
    static const char *const want[] = {
        "contract Ledger\n  format version 2, ",
        "  cooperative shares: purpose \"Member shares\", federation \"\", cpu 0, memory 0, network 0, storage 5, "
        "bandwidth 0\n",
        "methods (6):\n"
        "  found()\n"
        "  join()\n"
        "  mint(to: bytes, amount: int) -> int\n"
        "  transfer(to: bytes, amount: int) -> int\n"
        "  balanceOf(who: bytes) -> int  readonly\n"
        "  totalSupply() -> int  readonly\n"
        "events (1):\n"
        "  Transfer(from: bytes, to: bytes, amount: int)\n"
        "imports (2):\n"
        "  _Cooperatives.getInfo(string) -> bytes, string, int, int, int, int, int, string, int, int\n"
        "  _Cooperatives.isMember(string, bytes) -> int\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(r.out, want[i]))
            fail_msg("missing \"%s\" in:\n%s", want[i], r.out);
    proc_result_free(&r);

    r = coopvm("inspect", CONTRACT, "--json", NULL);
    assert_int_equal(r.status, 0);
    json_t *j = parse_json(r.out);
    assert_string_equal(str_at(j, "contract"), "Ledger");
    assert_int_equal(json_integer_value(json_object_get(j, "format_version")), 2);
    const json_t *m = json_array_get(json_object_get(j, "methods"), 4);
    assert_string_equal(str_at(m, "name"), "balanceOf");
    assert_true(json_is_true(json_object_get(m, "readonly")));
    const json_t *p = json_array_get(json_object_get(m, "params"), 0);
    assert_string_equal(str_at(p, "name"), "who");
    assert_string_equal(str_at(p, "type"), "bytes");
    const json_t *fields = json_object_get(json_array_get(json_object_get(j, "events"), 0), "fields");
    assert_int_equal(json_array_size(fields), 3);
    assert_string_equal(str_at(json_array_get(fields, 2), "name"), "amount");
    assert_string_equal(str_at(json_array_get(json_object_get(j, "imports"), 1), "target"),
                        "_Cooperatives.isMember");
    json_decref(j);
    proc_result_free(&r);
}

/* Every line of `process` or `inspect` output that README.md shows (a
 * receipt or event of the ledger or the ballot, the ledger's interface) is a
 * line the command prints. */
static void test_the_readme_shows_true_output(void **state)
{
    (void)state;
    proc_result ledger = coopvm("process", SCENARIO, NULL);
    proc_result vote = coopvm("process", "examples/vote-deadline/scenario.json", NULL);
    proc_result inspect = coopvm("inspect", CONTRACT, NULL);
    assert_int_equal(ledger.status | vote.status | inspect.status, 0);
    FILE *f = fopen("README.md", "r");
    assert_non_null(f);
    static const char *const shown[] = {"  alice -> Ledger.", "  bob -> Ledger.", "  erin -> Ledger.",
                                        "      event Ledger.", "  bob -> Ballot.", "  mint(", "  transfer(",
                                        "  balanceOf(", "  Transfer(", "  _Cooperatives.getInfo("};
    char line[1024];
    size_t checked = 0;
    while (fgets(line, sizeof line, f)) {
        bool wanted = false;
        for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
            wanted |= strncmp(line, shown[i], strlen(shown[i])) == 0;
        if (!wanted)
            continue;
        checked++;
        const char *out = strncmp(line, "  bob -> Ballot.", 16) == 0 ? vote.out
                          : line[2] == ' ' || strstr(line, " -> Ledger.") ? ledger.out
                                                                          : inspect.out;
        /* the whole line, from the start of a line of the output */
        bool found = false;
        for (const char *p = out; !found && (p = strstr(p, line)); p++)
            found = p == out || p[-1] == '\n';
        if (!found)
            fail_msg("README.md shows \"%s\", which the command does not print", line);
    }
    fclose(f);
    assert_true(checked >= 12);
    proc_result_free(&ledger);
    proc_result_free(&vote);
    proc_result_free(&inspect);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_story_as_json),
        cmocka_unit_test(test_the_story_as_text),
        cmocka_unit_test(test_the_history),
        cmocka_unit_test(test_inspect_shows_the_interface),
        cmocka_unit_test(test_the_readme_shows_true_output),
    };
    return cmocka_run_group_tests_name("example ledger", tests, NULL, NULL);
}
