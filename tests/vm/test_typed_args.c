/*
 * test_typed_args.c — how a typed bytecode method's declared parameters
 * take a transaction's (or a call's) typed arguments (cvm_bc_args_ok, the
 * hook check_args uses for bytecode methods with cvm_method_info.vtypes):
 * int64, uint64 up to INT64_MAX and bool into int; bytes and string into
 * bytes; string, and bytes that are UTF-8, into string; every refusal
 * naming the service, method, position, parameter name, expected and
 * given type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../bytecode/modbuild.h"
#include "vm/bytecode.h"

typedef struct fixture {
    cvm_module *m;
    cvm_method_info mi;
} fixture;

/* Token.transfer(to:bytes, amount:int, memo:string), by hand. */
static int setup(void **state)
{
    static fixture f;
    f.m = cvm_module_new(NULL);
    cvm_insn code[] = {I0(HALT)};
    mb_code(f.m, code, 1);
    cvm_method *me = mb_method(f.m, "transfer", 0, 1, 3, 0);
    static const char *const names[3] = {"to", "amount", "memo"};
    me->typed = true;
    me->ptypes = cvm_calloc(NULL, 3, 1);
    me->pnames = cvm_calloc(NULL, 3, sizeof *me->pnames);
    assert_non_null(me->ptypes);
    assert_non_null(me->pnames);
    me->ptypes[0] = CVM_ARG_BYTES;
    me->ptypes[1] = CVM_ARG_INT64;
    me->ptypes[2] = CVM_ARG_STRING;
    for (int i = 0; i < 3; i++)
        me->pnames[i] = cvm_strndup(NULL, names[i], strlen(names[i]));
    char err[128];
    assert_int_equal(cvm_module_index_methods(f.m, err, sizeof err), CVM_OK);
    memset(&f.mi, 0, sizeof f.mi);
    f.mi.name = me->name;
    f.mi.nparams = 3;
    f.mi.vtypes = me->ptypes;
    f.mi.impl = f.m;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    cvm_module_free(((fixture *)*state)->m);
    return 0;
}

static const uint8_t addr[20] = {1, 2, 3};

/* The message of args refused, or NULL when they are taken. */
static const char *check(fixture *f, cvm_arg a0, cvm_arg a1, cvm_arg a2, cvm_error *e)
{
    cvm_arg a[3] = {a0, a1, a2};
    memset(e, 0, sizeof *e);
    if (cvm_bc_args_ok("Token", &f->mi, a, 3, e))
        return NULL;
    assert_int_equal(e->code, CVM_CODE_WRONG_ARGUMENTS);
    return e->message;
}

static void test_mapped_types_taken(void **state)
{
    fixture *f = *state;
    cvm_error e;
    cvm_arg to = cvm_arg_bytes(addr, 20), memo = cvm_arg_stringn("hi", 2);
    assert_null(check(f, to, cvm_arg_int64(-5), memo, &e));
    assert_null(check(f, to, cvm_arg_uint64((uint64_t)INT64_MAX), memo, &e));
    assert_null(check(f, to, cvm_arg_bool(1), memo, &e));
    /* string into bytes; UTF-8 bytes into string; empty bytes are UTF-8 */
    assert_null(check(f, cvm_arg_stringn("bob", 3), cvm_arg_int64(1), cvm_arg_bytes("h\xc3\xa9", 3), &e));
    assert_null(check(f, cvm_arg_bytes(NULL, 0), cvm_arg_int64(1), cvm_arg_bytes(NULL, 0), &e));
}

static void test_refusals_name_position_and_types(void **state)
{
    fixture *f = *state;
    cvm_error e;
    cvm_arg to = cvm_arg_bytes(addr, 20), memo = cvm_arg_stringn("hi", 2);
    assert_string_equal(check(f, cvm_arg_int64(7), cvm_arg_int64(1), memo, &e),
                        "Token.transfer: argument 1 (to) must be bytes, got int64");
    assert_string_equal(check(f, to, cvm_arg_stringn("5", 1), memo, &e),
                        "Token.transfer: argument 2 (amount) must be int, got string");
    assert_string_equal(check(f, to, cvm_arg_bytes(addr, 8), memo, &e),
                        "Token.transfer: argument 2 (amount) must be int, got bytes");
    assert_string_equal(check(f, to, cvm_arg_uint64((uint64_t)INT64_MAX + 1), memo, &e),
                        "Token.transfer: argument 2 (amount) must be int, got uint64 9223372036854775808, above "
                        "the largest int 9223372036854775807");
    assert_string_equal(check(f, to, cvm_arg_int64(1), cvm_arg_bytes("\xff", 1), &e),
                        "Token.transfer: argument 3 (memo) must be string, got bytes that are not UTF-8");
    assert_string_equal(check(f, to, cvm_arg_int64(1), cvm_arg_bool(0), &e),
                        "Token.transfer: argument 3 (memo) must be string, got bool");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapped_types_taken),
        cmocka_unit_test(test_refusals_name_position_and_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
