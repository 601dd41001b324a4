/* test_verify.c — cvm_verify: a valid module passes; each rule rejects with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "modbuild.h"

static char err[256];

static void expect_ok(cvm_module *m)
{
    cvm_status st = cvm_verify(m, err, sizeof err);
    if (st != CVM_OK)
        print_error("unexpected verify error: %s\n", err);
    assert_int_equal(st, CVM_OK);
    assert_string_equal(err, "");
    cvm_module_free(m);
}

static void expect_fail(cvm_module *m, const char *msg)
{
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_EINPUT);
    if (!strstr(err, msg))
        print_error("message '%s' lacks '%s'\n", err, msg);
    assert_non_null(strstr(err, msg));
    cvm_module_free(m);
}

static void sample_is_valid(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_OK);
    /* verify built the method index */
    const cvm_method *g = cvm_module_find_method(m, "get", 3);
    assert_non_null(g);
    assert_int_equal(g->entry, 8);
    assert_null(cvm_module_find_method(m, "missing", 7));
    assert_ptr_equal(cvm_module_method_at(m, 9), g);
    cvm_module_free(m);
}

static void minimal_modules_are_valid(void **state)
{
    (void)state;
    cvm_module *m = cvm_module_new(NULL);
    mb_name(m, "0digits_first_ok");
    expect_ok(m); /* no methods, no code, no constants */

    m = cvm_module_new(NULL);
    mb_name(m, "E");
    mb_method(m, "a", 0, 0, 0, 0);
    mb_method(m, "b", 0, 0, CVM_MAX_PARAMS, CVM_METHOD_READONLY);
    expect_ok(m);

    char name[64];
    memset(name, 'n', 63);
    name[63] = '\0';
    m = cvm_module_new(NULL);
    mb_name(m, name);
    mb_method(m, name, 0, 0, 0, 0);
    expect_ok(m);
}

static void contract_names(void **state)
{
    (void)state;
    cvm_module *m = cvm_module_new(NULL);
    expect_fail(m, "contract name '(null)' is not valid");
    m = cvm_module_new(NULL);
    mb_name(m, "");
    expect_fail(m, "contract name '' is not valid");
    m = cvm_module_new(NULL);
    mb_name(m, "a-b");
    expect_fail(m, "contract name 'a-b' is not valid ([A-Za-z0-9_], 1..63 bytes)");
    char name[65];
    memset(name, 'x', 64);
    name[64] = '\0';
    m = cvm_module_new(NULL);
    mb_name(m, name);
    expect_fail(m, "is not valid");
}

static void method_names(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    cvm_free(m->al, m->methods[1].name);
    m->methods[1].name = cvm_strndup(m->al, "1get", 4);
    expect_fail(m, "method 1: name '1get' is not an identifier");

    m = mb_sample();
    cvm_free(m->al, m->methods[2].name);
    m->methods[2].name = cvm_strndup(m->al, "main", 4);
    expect_fail(m, "method 2: duplicate method name 'main' (first is method 0)");

    char name[65];
    memset(name, 'y', 64);
    name[64] = '\0';
    m = mb_sample();
    cvm_free(m->al, m->methods[0].name);
    m->methods[0].name = cvm_strndup(m->al, name, 64);
    expect_fail(m, "method 0: name");

    m = mb_sample();
    cvm_free(m->al, m->methods[0].name);
    m->methods[0].name = cvm_strndup(m->al, "", 0);
    expect_fail(m, "method 0: name '' is not an identifier");

    m = mb_sample();
    cvm_free(m->al, m->methods[0].name);
    m->methods[0].name = cvm_strndup(m->al, "a\x1b[2Jb\xff", 7);
    expect_fail(m, "method 0: name 'a\\x1b[2Jb\\xff' is not an identifier");
}

static void methods_tile_the_code(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->methods[1].entry = 9;
    expect_fail(m, "method get: starts at pc 9, expected 8 (methods tile the code in order)");

    m = mb_sample();
    m->methods[2].len = 1;
    expect_fail(m, "method nothing: pcs 13..+1 run past the end of the code (13 instructions)");

    m = mb_sample();
    m->methods[1].len = 4;
    m->methods[2].entry = 12;
    expect_fail(m, "code: pcs 12..12 belong to no method");

    m = cvm_module_new(NULL);
    mb_name(m, "NoArray");
    m->nconsts = 3;
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "module: a count is non-zero but its array is missing");
    m->nconsts = 0; /* so that freeing does not walk the missing array */
    cvm_module_free(m);

    m = mb_sample();
    m->nmethods = 0; /* the code belongs to nobody (names freed below) */
    cvm_method *saved = m->methods;
    m->methods = NULL;
    for (int i = 0; i < 3; i++)
        cvm_free(NULL, saved[i].name);
    cvm_free(NULL, saved);
    expect_fail(m, "code: pcs 0..12 belong to no method");
}

static void params_and_flags(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->methods[0].params = CVM_MAX_PARAMS + 1;
    expect_fail(m, "method main: 65 params, at most 64");
    m = mb_sample();
    m->methods[2].flags = 2;
    expect_fail(m, "method nothing: unknown flags 0x2");
}

static void opcodes_and_operands(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->code[1].op = CVM_OP_COUNT;
    expect_fail(m, "method main, pc 1: unknown opcode");

    m = mb_sample();
    m->code[1] = I1(ADD, 4);
    expect_fail(m, "method main, pc 1 (Add): unexpected operand 4 (Add takes none)");

    m = mb_sample();
    m->code[6].has_operand = 0;
    expect_fail(m, "method main, pc 6 (Jump): missing label operand");

    m = mb_sample();
    m->code[5].has_operand = 0;
    expect_fail(m, "method main, pc 5 (Emit): missing string operand");

    m = mb_sample();
    m->code[1] = I0(PUSH);
    expect_fail(m, "method main, pc 1 (Push): missing integer operand");

    m = mb_sample();
    m->code[9].operand = CVM_LOCALS;
    expect_fail(m, "method get, pc 9 (LocalGet): local 256 is outside 0..255");

    m = mb_sample();
    m->code[9].operand = -1;
    expect_fail(m, "method get, pc 9 (LocalGet): local -1 is outside 0..255");

    m = mb_sample();
    m->code[9].has_operand = 2;
    expect_fail(m, "method get, pc 9 (LocalGet): has_operand is 2");
}

static void labels_stay_in_their_method(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->code[6].operand = 99;
    expect_fail(m, "method main, pc 6 (Jump): target 99 is outside the method (pcs 0..7)");

    m = mb_sample();
    m->code[6].operand = 8; /* the first instruction of the next method */
    expect_fail(m, "method main, pc 6 (Jump): target 8 is outside the method (pcs 0..7)");

    m = mb_sample();
    m->code[6].operand = -1;
    expect_fail(m, "target -1 is outside");

    m = mb_sample();
    m->code[6] = I1(CALL, 0);
    expect_ok(m);

    m = mb_sample();
    m->code[11] = I1(JUMP_IF, 12);
    expect_ok(m);
}

static void constant_pool_is_canonical(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->code[0].operand = 2;
    expect_fail(m, "method main, pc 0 (Load): constant 2 is outside the pool (2 constants)");

    m = mb_sample();
    m->code[3].operand = -5;
    expect_fail(m, "method main, pc 3 (Store): constant -5 is outside the pool");

    m = mb_sample();
    m->code[0].operand = 1; /* "Changed" used before "count" */
    expect_fail(m, "method main, pc 0 (Load): constant 1 is used before constant 0 (the pool must be in first-use order)");

    m = mb_sample();
    m->code[5].operand = 0; /* "Changed" never used */
    expect_fail(m, "constant 1: never used by the code");

    m = mb_sample();
    cvm_free(m->al, m->consts[1].bytes);
    m->consts[1].bytes = (uint8_t *)cvm_strndup(m->al, "count", 5);
    m->consts[1].len = 5;
    expect_fail(m, "constant 1: duplicate of constant 0");

    m = mb_sample();
    mb_const(m, "unused", 6);
    expect_fail(m, "constant 2: never used");

    uint8_t big[1025];
    memset(big, 'k', sizeof big);
    m = mb_sample();
    cvm_free(m->al, m->consts[1].bytes);
    m->consts[1].bytes = (uint8_t *)cvm_strndup(m->al, (const char *)big, 1025);
    m->consts[1].len = 1025;
    expect_fail(m, "constant 1: 1025 bytes, more than 1024");

    /* 1024 bytes and embedded NULs are fine */
    m = mb_sample();
    cvm_free(m->al, m->consts[1].bytes);
    big[3] = 0;
    m->consts[1].bytes = (uint8_t *)cvm_strndup(m->al, (const char *)big, 1024);
    m->consts[1].len = 1024;
    expect_ok(m);
}

static void read_only_methods_do_not_write(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->code[10] = I1(STORE, 0);
    expect_fail(m, "method get, pc 10 (Store): writes state in a read-only method");

    m = mb_sample();
    m->code[10] = I0(CREATE_COOPERATIVE);
    expect_fail(m, "method get, pc 10 (CreateCooperative): writes state in a read-only method");

    m = mb_sample();
    m->methods[0].flags = CVM_METHOD_READONLY;
    expect_fail(m, "method main, pc 3 (Store): writes state in a read-only method");
}

static void state_entries(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    mb_state(m, "count", 5, 1);
    expect_fail(m, "state entry 1: duplicate key \"count\" (first is entry 0)");

    m = mb_sample();
    mb_state(m, "", 0, 1);
    expect_fail(m, "state entry 1: the key is empty");

    uint8_t big[1025];
    memset(big, 'k', sizeof big);
    m = mb_sample();
    mb_state(m, big, 1025, 1);
    expect_fail(m, "state entry 1: the key is 1,025 bytes; a state key holds at most 1,024");
}

static void cooperative_metadata(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    cvm_free(m->al, m->coop.id);
    m->coop.id = cvm_strndup(m->al, "not valid", 9);
    expect_fail(m, "cooperative id 'not valid' is not an identifier");

    m = mb_sample();
    m->coop.bandwidth = 101;
    expect_fail(m, "cooperative housing: bandwidth impact 101 is above 100");

    m = mb_sample();
    cvm_free(m->al, m->coop.federation);
    m->coop.federation = NULL;
    expect_fail(m, "cooperative housing: federation is missing");

    m = mb_sample();
    m->coop.present = false; /* absent metadata is not checked */
    m->coop.cpu = 200;
    expect_ok(m);
}

static void line_numbers_fit_an_int(void **state)
{
    (void)state;
    cvm_module *m = mb_sample();
    m->lines[9] = 2147483648u;
    expect_fail(m, "method get, pc 9: line 2147483648 is above 2147483647");
    m = mb_sample();
    m->lines[9] = 2147483647u;
    m->lines[10] = 0;
    expect_ok(m);
}

static void signatures(void **state)
{
    (void)state;
    expect_ok(mb_typed_sample());

    cvm_module *m = mb_typed_sample();
    m->methods[0].pnames[0][0] = '9';
    expect_fail(m, "method main: param 0 name '9' is not an identifier");

    m = mb_typed_sample();
    m->methods[0].ptypes[0] = CVM_ARG_BOOL;
    expect_fail(m, "method main: type 0 has code 5 (not int, bytes or string)");

    m = mb_typed_sample();
    m->methods[0].rtypes[1] = 0;
    expect_fail(m, "method main: type 1 has code 0");

    m = mb_typed_sample();
    m->methods[0].nresults = CVM_MAX_RESULTS + 1;
    expect_fail(m, "method main: 17 results, at most 16");

    /* two params of one name */
    m = mb_sample();
    m->methods[0].params = 2;
    static const char *const two[] = {"a", "a"};
    static const cvm_vtype ii[] = {CVM_ARG_INT64, CVM_ARG_INT64};
    mb_sig(m, &m->methods[0], two, ii, NULL, 0);
    expect_fail(m, "method main: param 1 has the name 'a' of param 0");

    /* untyped methods carry no types */
    m = mb_sample();
    m->methods[0].nresults = 1;
    expect_fail(m, "method main: untyped, but has parameter or result types");

    /* a typed method with params has their names and types */
    m = mb_typed_sample();
    cvm_free(NULL, m->methods[0].ptypes);
    m->methods[0].ptypes = NULL;
    expect_fail(m, "method main: 1 types but no array");
}

static void imports(void **state)
{
    (void)state;
    static const cvm_vtype i1[] = {CVM_ARG_INT64}, bad[] = {7};
    const char *const targets[] = {"Token", ".m", "T.", "T.9m", "T-x.m", "T.m.n", "T.m-"};
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
        cvm_module *m = mb_sample();
        mb_import(m, targets[k], NULL, 0, NULL, 0);
        expect_fail(m, "import 0: target '");
    }
    cvm_module *m = mb_sample();
    mb_import(m, "9Svc.m_1", i1, 1, i1, 1);
    expect_ok(m);

    m = mb_sample();
    mb_import(m, "A.b", NULL, 0, NULL, 0);
    mb_import(m, "A.c", NULL, 0, NULL, 0);
    mb_import(m, "A.b", i1, 1, NULL, 0);
    expect_fail(m, "import 2: A.b is imported twice (first is import 0)");

    m = mb_sample();
    mb_import(m, "A.b", bad, 1, NULL, 0);
    expect_fail(m, "import A.b: type 0 has code 7");

    m = mb_sample();
    mb_import(m, "A.b", NULL, 0, bad, 1);
    expect_fail(m, "import A.b: type 0 has code 7");

    m = mb_sample();
    mb_import(m, "A.b", NULL, 0, NULL, 0)->nparams = CVM_MAX_PARAMS + 1;
    expect_fail(m, "import A.b: 65 params, at most 64");

    m = mb_sample();
    mb_import(m, "A.b", NULL, 0, NULL, 0)->nresults = CVM_MAX_RESULTS + 1;
    expect_fail(m, "import A.b: 17 results, at most 16");

    m = mb_sample();
    mb_import(m, "A.b", NULL, 0, NULL, 0)->nresults = 1; /* no array */
    expect_fail(m, "import A.b: 1 types but no array");
}

/* Thousands of imports and events verify in time linear in their number
 * (a map of the names seen, not a scan of all earlier ones: 20,000 of each
 * took seconds), and a repeat is still named with its first. */
static void many_declarations(void **state)
{
    (void)state;
    enum { N = 20000 };
    char name[32];
    cvm_module *m = mb_sample();
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "S%d.m", i);
        mb_import(m, name, NULL, 0, NULL, 0);
        snprintf(name, sizeof name, "E%d", i);
        mb_event(m, name, NULL, NULL, 0);
    }
    expect_ok(m);

    m = mb_sample();
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "S%d.m", i);
        mb_import(m, name, NULL, 0, NULL, 0);
    }
    mb_import(m, "S12345.m", NULL, 0, NULL, 0);
    expect_fail(m, "import 20000: S12345.m is imported twice (first is import 12345)");

    m = mb_sample();
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "E%d", i);
        mb_event(m, name, NULL, NULL, 0);
    }
    mb_event(m, "E777", NULL, NULL, 0);
    expect_fail(m, "event 20000: E777 is declared twice (first is event 777)");
}

static void events(void **state)
{
    (void)state;
    static const char *const f2[] = {"x", "x"}, *const f1[] = {"1x"};
    static const cvm_vtype t2[] = {CVM_ARG_INT64, CVM_ARG_BYTES}, t1[] = {9};
    cvm_module *m = mb_sample();
    mb_event(m, "Bad-name", NULL, NULL, 0);
    expect_fail(m, "event 0: name 'Bad-name' is not an identifier");

    m = mb_sample();
    mb_event(m, "E", NULL, NULL, 0);
    mb_event(m, "E", NULL, NULL, 0);
    expect_fail(m, "event 1: E is declared twice (first is event 0)");

    m = mb_sample();
    mb_event(m, "E", f2, t2, 2);
    expect_fail(m, "event E: field 1 has the name 'x' of field 0");

    m = mb_sample();
    mb_event(m, "E", f1, t2, 1);
    expect_fail(m, "event E: field 0 name '1x' is not an identifier");

    m = mb_sample();
    mb_event(m, "E", f2, t1, 1);
    expect_fail(m, "event E: type 0 has code 9");

    m = mb_sample();
    mb_event(m, "E", NULL, NULL, 0)->nfields = CVM_MAX_FIELDS + 1;
    expect_fail(m, "event E: 17 fields, at most 16");

    m = mb_sample();
    mb_event(m, "E", NULL, NULL, 0)->nfields = 2;
    expect_fail(m, "event E: 2 fields but no names");

    m = mb_sample();
    m->nevents = 1; /* no array */
    assert_int_equal(cvm_verify(m, err, sizeof err), CVM_EINPUT);
    assert_string_equal(err, "module: a count is non-zero but its array is missing");
    m->nevents = 0;
    cvm_module_free(m);
}

/* cvm_verify_at names the instruction a failure is about (the assembler
 * reports it at that instruction's line and column), else SIZE_MAX. */
static void failures_name_their_instruction(void **state)
{
    (void)state;
    size_t pc = 0;
    cvm_module *m = mb_sample();
    assert_int_equal(cvm_verify_at(m, err, sizeof err, &pc), CVM_OK);
    assert_int_equal(pc, SIZE_MAX);
    cvm_module_free(m);

    m = mb_sample();
    m->code[9].operand = 256; /* LocalGet 256 */
    assert_int_equal(cvm_verify_at(m, err, sizeof err, &pc), CVM_EINPUT);
    assert_int_equal(pc, 9);
    assert_non_null(strstr(err, "method get, pc 9 (LocalGet): local 256 is outside 0..255"));
    cvm_module_free(m);

    m = mb_sample();
    m->lines[4] = 2147483648u;
    assert_int_equal(cvm_verify_at(m, err, sizeof err, &pc), CVM_EINPUT);
    assert_int_equal(pc, 4);
    cvm_module_free(m);

    m = mb_sample();
    mb_event(m, "E", NULL, NULL, 0);
    mb_event(m, "E", NULL, NULL, 0);
    assert_int_equal(cvm_verify_at(m, err, sizeof err, &pc), CVM_EINPUT);
    assert_int_equal(pc, SIZE_MAX);
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_is_valid),
        cmocka_unit_test(minimal_modules_are_valid),
        cmocka_unit_test(contract_names),
        cmocka_unit_test(method_names),
        cmocka_unit_test(methods_tile_the_code),
        cmocka_unit_test(params_and_flags),
        cmocka_unit_test(opcodes_and_operands),
        cmocka_unit_test(labels_stay_in_their_method),
        cmocka_unit_test(constant_pool_is_canonical),
        cmocka_unit_test(read_only_methods_do_not_write),
        cmocka_unit_test(state_entries),
        cmocka_unit_test(cooperative_metadata),
        cmocka_unit_test(line_numbers_fit_an_int),
        cmocka_unit_test(signatures),
        cmocka_unit_test(imports),
        cmocka_unit_test(events),
        cmocka_unit_test(many_declarations),
        cmocka_unit_test(failures_name_their_instruction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
