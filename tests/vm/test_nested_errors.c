/*
 * test_nested_errors.c — an error that crosses nested CallService /
 * CallLibrary calls reaches the outermost receipt with its innermost code,
 * message and reason intact, whatever the depth (cvm_error_wrap): the path
 * of calls in front of the message gives way, the root cause never.
 */
#include <stdlib.h>

#include "support/store_dir.h"
#include "vm/sdk.h"
#include "vm/vmtest.h"

/* Deploys Level1..Level<n>: method <m> of each calls the next's (Level<n>'s
 * runs last_body), by CallService, or by CallLibrary for the levels in
 * library_from.. . */
static void deploy_levels(chain *c, int n, const char *m, const char *last_body, int library_from)
{
    for (int i = 1; i <= n; i++) {
        char src[1024], name[32];
        snprintf(name, sizeof name, "Level%d", i);
        if (i < n)
            snprintf(src, sizeof src, ".contract %s\n.method %s\n  Push 1\n  Pop\n  %s \"Level%d.%s\"\n", name, m,
                     library_from && i >= library_from ? "CallLibrary" : "CallService", i + 1, m);
        else
            snprintf(src, sizeof src, ".contract %s\n.method %s\n%s", name, m, last_body);
        deploy(c, name, src);
    }
}

static void setup(chain *c)
{
    chain_open(c);
    int64_t reps[] = {100};
    genesis(c, reps, 1);
}

/* The one receipt of a transaction of account 1 to Level1.<m>. */
static void run_level1(chain *c, const char *m, cvm_receipt *out, cvm_block_result **keep)
{
    cvm_transaction t = tx_of(1, "Level1", m, NULL, 0);
    *keep = run_block(c, &t, 1);
    *out = (*keep)->receipts[0];
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && memcmp(s + n - k, tail, k) == 0;
}

/* Eight levels whose path fits: every level is named, as the prefixes
 * always read, and the innermost Abort is the code. */
static void test_eight_levels_whole_path(void **state)
{
    (void)state;
    chain c;
    setup(&c);
    deploy_levels(&c, 8, "forward", "  Push 1\n  Pop\n  Push 7\n  Abort\n", 0);
    cvm_receipt r;
    cvm_block_result *b;
    run_level1(&c, "forward", &r, &b);
    expect(&r, CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    assert_string_equal(r.error.message, "Level2.forward: Level3.forward: Level4.forward: Level5.forward: "
                                         "Level6.forward: Level7.forward: Level8.forward: aborted with code 7");
    /* where: Level1's call (the outermost method that trapped) */
    assert_string_equal(r.error.method, "forward");
    assert_int_equal(r.error.pc, 2);
    assert_int_equal(r.error.line, 5);
    assert_false(r.error.has_reason);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* Eight levels with long names, half of them libraries: the path is cut in
 * its middle and the innermost message stays whole (it used to end
 * "Level8.forward…: abor"). */
static void test_eight_levels_long_names(void **state)
{
    (void)state;
    chain c;
    setup(&c);
    const char *m = "forwardEverythingToTheNextLevelOfTheCooperative";
    deploy_levels(&c, 8, m, "  Push -9223372036854775807\n  Push 1\n  Sub\n  Abort\n", 5);
    cvm_receipt r;
    cvm_block_result *b;
    run_level1(&c, m, &r, &b);
    expect(&r, CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    char want[240];
    snprintf(want, sizeof want, "Level2.%s: \xe2\x80\xa6: Level7.%s: Level8.%s: aborted with code -9223372036854775808",
             m, m, m);
    assert_string_equal(r.error.message, want);
    assert_string_equal(r.error.method, m);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* Past the service depth limit: the code is SERVICE_CALL_DEPTH, not a
 * generic one, and its message is whole. */
static void test_depth_limit_is_the_root_cause(void **state)
{
    (void)state;
    chain c;
    setup(&c);
    const char *m = "recurseIntoTheSameCooperativeServiceAgain";
    char src[256];
    snprintf(src, sizeof src, ".contract Level1\n.method %s\n  CallService \"Level1.%s\"\n", m, m);
    deploy(&c, "Level1", src);
    cvm_receipt r;
    cvm_block_result *b;
    run_level1(&c, m, &r, &b);
    expect(&r, CVM_ERROR_SMART_CONTRACT, CVM_CODE_SERVICE_CALL_DEPTH);
    char tail[160];
    snprintf(tail, sizeof tail, "Level1.%s: Level1.%s: service calls nested deeper than 16", m, m);
    assert_true(ends_with(r.error.message, tail));
    assert_null(strstr(r.error.message, "calling")); /* the call not made is named once, in the path */
    assert_true(strncmp(r.error.message, "Level1.", 7) == 0);
    assert_non_null(strstr(r.error.message, ": \xe2\x80\xa6: "));
    cvm_block_result_free(b);
    chain_close(&c);
}

/* The depth limit met by a native service's own call (_Governance's
 * updateQuorum calling _Cooperatives.setQuorum as the 17th frame): the path
 * names each call once, the one not made last. */
static void test_depth_limit_inside_a_native_call(void **state)
{
    (void)state;
    chain c;
    setup(&c);
    deploy_levels(&c, 14, "m", "  CallService \"Q.m\"\n", 0); /* frames 1..14 */
    deploy(&c, "Q",
           ".contract Q\n.cooperative garden purpose=\"p\"\n"
           ".method found\n  CreateCooperative\n.method m\n  Push 60\n  UpdateQuorum\n"); /* 15, _Governance 16 */
    run1(&c, tx_of(1, "Q", "found", NULL, 0), CVM_SUCCESS, CVM_CODE_NONE, NULL); /* account 1 is its creator */
    cvm_receipt r;
    cvm_block_result *b;
    run_level1(&c, "m", &r, &b);
    expect(&r, CVM_ERROR_SMART_CONTRACT, CVM_CODE_SERVICE_CALL_DEPTH);
    assert_true(ends_with(r.error.message,
                          "Q.m: _Governance.updateQuorum: _Cooperatives.setQuorum: service calls nested deeper than 16"));
    cvm_block_result_free(b);
    chain_close(&c);
}

/* Whatever fails eight calls down, its own code is the outermost
 * receipt's, not a generic one: running out of gas, a native callee's
 * code, a stack too short for a call. */
static void test_innermost_code_kept(void **state)
{
    (void)state;
    static const struct {
        const char *body; /* Level8's */
        cvm_code code;
        const char *root; /* the innermost message, after "Level8.forward: " */
    } cases[] = {
        {"loop:\n  Jump loop\n", CVM_CODE_OUT_OF_GAS, "Jump costs 2 gas, 0 left"},
        {"  Push 99\n  Push 1\n  CallService \"_Governance.castVote\"\n", CVM_CODE_PROPOSAL_NOT_FOUND,
         "_Governance.castVote: proposal 99 does not exist"},
        {"  Push 1\n  CallService \"_Governance.castVote\"\n", CVM_CODE_STACK_UNDERFLOW,
         "CallService _Governance.castVote needs 2 arguments, the stack holds 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chain c;
        setup(&c);
        deploy_levels(&c, 8, "forward", cases[i].body, 0);
        cvm_receipt r;
        cvm_block_result *b;
        run_level1(&c, "forward", &r, &b);
        expect(&r, CVM_ERROR_SMART_CONTRACT, cases[i].code);
        char tail[200];
        snprintf(tail, sizeof tail, ": Level7.forward: Level8.forward: %s", cases[i].root);
        assert_true(ends_with(r.error.message, tail));
        assert_true(strncmp(r.error.message, "Level2.forward: ", 16) == 0);
        assert_false(r.error.has_reason);
        cvm_block_result_free(b);
        chain_close(&c);
    }
}

/* The receipt of (height, index) as the store gives it back: decoded from
 * the committed block's bytes. */
static void stored_receipt(chain *c, uint64_t height, cvm_tx_receipt **out)
{
    cvm_status st = cvm_store_receipt_get(c->store, height, 0, out);
    if (st != CVM_OK)
        fail_msg("%s", cvm_store_errmsg(c->store));
    assert_non_null(*out);
}

/* Eight levels (the last three libraries), the innermost failing with a
 * reason: the outermost receipt carries code, message and reason whole, and
 * so does the committed block read back. */
static void test_eight_levels_reason(void **state)
{
    (void)state;
    static const struct {
        const char *body;      /* Level8's */
        const char *reason;    /* its bytes */
        size_t len;
        const char *root;      /* the innermost message */
    } cases[] = {
        {"  PushBytes \"insufficient balance: has 40, needs 300\"\n  Abort\n", "insufficient balance: has 40, needs 300", 39,
         "insufficient balance: has 40, needs 300"},
        {"  Push 0\n  Assert \"not a member of the cooperative\"\n", "not a member of the cooperative", 31,
         "not a member of the cooperative"},
        {"  PushBytes \"\\xff\\x00\\x01\"\n  Abort\n", "\xff\x00\x01", 3, "0xff0001"},
        {"  PushBytes \"\"\n  Abort\n", "", 0, "(empty reason)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[] = "/tmp/cvm-reasons-XXXXXX"; /* an LMDB store: it keeps the blocks */
        assert_non_null(mkdtemp(dir));
        cvm_errmsg why;
        cvm_store *s;
        assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &why), CVM_OK);
        chain c;
        chain_open_store(&c, s);
        int64_t reps[] = {100};
        genesis(&c, reps, 1);
        deploy_levels(&c, 8, "forward", cases[i].body, 6);
        cvm_receipt r;
        cvm_block_result *b;
        run_level1(&c, "forward", &r, &b);
        expect(&r, CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
        char want[240];
        snprintf(want, sizeof want,
                 "Level2.forward: Level3.forward: Level4.forward: Level5.forward: Level6.forward: Level7.forward: "
                 "Level8.forward: %s",
                 cases[i].root);
        assert_string_equal(r.error.message, want);
        assert_true(r.error.has_reason);
        assert_int_equal(r.error.reason_len, cases[i].len);
        assert_memory_equal(r.error.reason, cases[i].reason, cases[i].len);
        uint64_t height = b->height;
        commit_block(&c, b);
        cvm_tx_receipt *got;
        stored_receipt(&c, height, &got);
        assert_string_equal(got->receipt.error.message, want);
        assert_true(got->receipt.error.has_reason);
        assert_int_equal(got->receipt.error.reason_len, cases[i].len);
        assert_memory_equal(got->receipt.error.reason, cases[i].reason, cases[i].len);
        cvm_tx_receipt_free(got);
        chain_close(&c);
        store_dir_remove(dir);
    }
}

/* A reason longer than the message can hold with the path: the reason is
 * kept (cut to CVM_REASON_MAX), the message's root whole, the path gone. */
static void test_long_reason_drops_the_path(void **state)
{
    (void)state;
    chain c;
    setup(&c);
    char body[512] = "  PushBytes \"", reason[300];
    for (size_t i = 0; i < sizeof reason; i++)
        reason[i] = (char)('a' + i % 26);
    size_t n = strlen(body);
    memcpy(body + n, reason, sizeof reason);
    snprintf(body + n + sizeof reason, sizeof body - n - sizeof reason, "\"\n  Abort\n");
    deploy_levels(&c, 8, "forward", body, 0);
    cvm_receipt r;
    cvm_block_result *b;
    run_level1(&c, "forward", &r, &b);
    expect(&r, CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    assert_true(r.error.has_reason);
    assert_int_equal(r.error.reason_len, CVM_REASON_MAX);
    assert_memory_equal(r.error.reason, reason, CVM_REASON_MAX);
    /* the message: as much of the reason as the interpreter showed, no path */
    assert_int_equal(r.error.path_len, 0);
    assert_memory_equal(r.error.message, reason, strlen(r.error.message));
    assert_true(strlen(r.error.message) >= CVM_REASON_MAX);
    cvm_block_result_free(b);
    chain_close(&c);
}

/* ------------------------------------------------ cvm_error_wrap itself */

static cvm_error error_of(cvm_code code, const char *message)
{
    cvm_error e;
    memset(&e, 0, sizeof e);
    e.code = code;
    e.pc = 4;
    snprintf(e.message, sizeof e.message, "%s", message);
    return e;
}

static void test_wrap_keeps_code_and_reason(void **state)
{
    (void)state;
    cvm_error e = error_of(CVM_CODE_ABORTED, "insufficient balance: has 40, needs 300");
    const uint8_t reason[] = {0xff, 0x00, 'x'}; /* any bytes */
    memcpy(e.reason, reason, sizeof reason);
    e.reason_len = sizeof reason;
    e.has_reason = 1;
    cvm_error_wrap(&e, "Token", "transfer");
    assert_string_equal(e.message, "Token.transfer: insufficient balance: has 40, needs 300");
    assert_int_equal(e.path_len, strlen("Token.transfer"));
    cvm_error_wrap(&e, "Shop", "buy");
    assert_string_equal(e.message, "Shop.buy: Token.transfer: insufficient balance: has 40, needs 300");
    assert_int_equal(e.path_len, strlen("Shop.buy: Token.transfer"));
    assert_int_equal(e.code, CVM_CODE_ABORTED);
    assert_int_equal(e.pc, 4);
    assert_true(e.has_reason);
    assert_int_equal(e.reason_len, sizeof reason);
    assert_memory_equal(e.reason, reason, sizeof reason);
}

/* Many levels: the message never grows past its field, always ends with
 * the innermost message, and keeps the first and last levels while they
 * fit. A message of ": " inside the innermost one is not taken for path. */
static void test_wrap_many_levels(void **state)
{
    (void)state;
    const char *root = "Add: needs two integers: got bytes (20) and integer";
    cvm_error e = error_of(CVM_CODE_TYPE_MISMATCH, root);
    char svc[32];
    for (int i = 40; i >= 1; i--) {
        snprintf(svc, sizeof svc, "Service%02d", i);
        cvm_error_wrap(&e, svc, "method");
        assert_true(strlen(e.message) < sizeof e.message);
        assert_true(ends_with(e.message, root));
        assert_int_equal(e.message[e.path_len], ':');
    }
    assert_true(strncmp(e.message, "Service01.method: \xe2\x80\xa6: ", 21) == 0);
    assert_true(ends_with(e.message, "Service40.method: Add: needs two integers: got bytes (20) and integer"));
    assert_int_equal(e.code, CVM_CODE_TYPE_MISMATCH);
}

/* An innermost message that leaves little room: the path shrinks (its
 * middle, then its front, then all of it); the message itself is never
 * cut, and path_len always says where the path ends. */
static void test_wrap_long_message(void **state)
{
    (void)state;
    static const struct {
        size_t room; /* bytes left in the field by the message */
        const char *path;
    } cases[] = {
        {0, ""},
        {4, ""},
        {5, "\xe2\x80\xa6: "},
        {20, "\xe2\x80\xa6: Inner.deepest: "},
        {29, "Outer.o: \xe2\x80\xa6: Inner.deepest: "},
        {33, "Outer.o: \xe2\x80\xa6: Inner.deepest: "},
        {34, "Outer.o: Middle.m: Inner.deepest: "},
        {200, "Outer.o: Middle.m: Inner.deepest: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char root[240];
        size_t len = 239 - cases[i].room;
        memset(root, 'r', len);
        root[len] = '\0';
        cvm_error e = error_of(CVM_CODE_ABORTED, root);
        cvm_error_wrap(&e, "Inner", "deepest");
        cvm_error_wrap(&e, "Middle", "m");
        cvm_error_wrap(&e, "Outer", "o");
        size_t plen = strlen(cases[i].path);
        assert_int_equal(strlen(e.message), plen + len);
        assert_memory_equal(e.message, cases[i].path, plen);
        assert_true(ends_with(e.message, root));
        assert_int_equal(e.path_len, plen ? plen - 2 : 0);
    }
}

/* Every form in between, for every room: the message ends with the
 * innermost one and the path ends at path_len. */
static void test_wrap_every_room(void **state)
{
    (void)state;
    for (size_t len = 0; len <= 239; len++) {
        char root[240];
        memset(root, 'r', len);
        root[len] = '\0';
        cvm_error e = error_of(CVM_CODE_ABORTED, root);
        for (int level = 0; level < 20; level++) {
            cvm_error_wrap(&e, level % 3 ? "Svc" : "AMuchLongerServiceName", "method");
            size_t n = strlen(e.message);
            assert_true(n < sizeof e.message && ends_with(e.message, root));
            if (e.path_len)
                assert_int_equal(n, e.path_len + 2 + len);
            else
                assert_int_equal(n, len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_levels_whole_path),
        cmocka_unit_test(test_eight_levels_long_names),
        cmocka_unit_test(test_depth_limit_is_the_root_cause),
        cmocka_unit_test(test_depth_limit_inside_a_native_call),
        cmocka_unit_test(test_innermost_code_kept),
        cmocka_unit_test(test_eight_levels_reason),
        cmocka_unit_test(test_long_reason_drops_the_path),
        cmocka_unit_test(test_wrap_keeps_code_and_reason),
        cmocka_unit_test(test_wrap_many_levels),
        cmocka_unit_test(test_wrap_long_message),
        cmocka_unit_test(test_wrap_every_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
