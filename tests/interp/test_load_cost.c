/*
 * test_load_cost.c — preparing a module costs O(instructions), however many
 * declarations it has. A module of 4,000 events whose code Emits many times
 * from 150 subroutine contexts used to take about 15 s to load: prepare
 * looked each Emit's event up by a scan of every .event, and blocks.c's
 * depth proof repeated the scan on each of its millions of steps. Now the
 * constants' declarations are resolved once (cvm_module_const_decls) and
 * the proof reads the pops prepare stored. These tests load such modules
 * (so the suite's runtime shows a regression: no timing is asserted) and
 * check what prepare resolved.
 */
#include "interp_test.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "interp/xform.h"

static void diag_fail(void *ud, const char *file, int line, int col, const char *message)
{
    (void)ud;
    fail_msg("%s:%d:%d: %s", file, line, col, message);
}

static cvm_module *assemble(const cvm_buf *src)
{
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, (const char *)src->data, src->len, "cost.asm", diag_fail, NULL, &m, NULL),
                     CVM_OK);
    assert_non_null(m->exec);
    return m;
}

#define NEVENTS 4000
#define NSUBS 150
#define NEMITS 4500

/* The reviewer's module: 4,000 .events, main Calls 150 subroutines, each
 * falling through into the next and into 4,500 Emits of an undeclared
 * name before the Ret; 64,877 bytes encoded. */
static void emits_among_many_events(void **state)
{
    (void)state;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_buf_str(&b, ".contract D\n");
    for (int i = 0; i < NEVENTS; i++)
        cvm_buf_printf(&b, ".event e%d\n", i);
    cvm_buf_str(&b, ".method main\n");
    for (int k = 0; k < NSUBS; k++)
        cvm_buf_printf(&b, "    Call s%d\n", k);
    cvm_buf_str(&b, "    Halt\n");
    for (int k = 0; k < NSUBS; k++)
        cvm_buf_printf(&b, "s%d:\n    Push 1\n    Emit \"q\"\n", k);
    for (int i = 0; i < NEMITS; i++)
        cvm_buf_str(&b, "    Push 1\n    Emit \"q\"\n");
    cvm_buf_str(&b, "    Ret\n");
    cvm_module *m = assemble(&b);
    cvm_buf_free(&b);

    cvm_buf enc;
    cvm_buf_init(&enc, NULL);
    cvm_module_write(m, &enc);
    assert_true(enc.len <= 65536); /* it fits a deployment */
    cvm_buf_free(&enc);

    const cvm_xmodule *x = m->exec;
    size_t ncalls = NSUBS + 1; /* the Calls and the Halt */
    for (size_t pc = ncalls; pc < m->ncode - 1; pc += 2) {
        assert_int_equal(m->code[pc + 1].op, CVM_OP_EMIT);
        assert_int_equal(x->plain[pc + 1].k, -1);        /* "q" is no declared event */
        assert_int_equal(x->plain[pc + 1].need_b, 8);    /* so it pops one value */
    }
    /* the depth proof ran to its end within its bounds: it knows each
     * subroutine's net effect, so every head after a Call checks gas only */
    for (size_t pc = 1; pc < ncalls; pc++)
        assert_int_equal(x->fast[pc].op, CVM_XDISPATCH(x->fast[pc].base, CVM_XCHECK_GAS));
    cvm_module_free(m);
}

/* Emit of declared events and CallService of imports, among thousands of
 * each: every instruction gets its own declaration's index and pops. */
static void declared_names_resolve(void **state)
{
    (void)state;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_buf_str(&b, ".contract D\n");
    for (int i = 0; i < 2000; i++)
        cvm_buf_printf(&b, ".import S.m%d params %s returns int\n", i, i % 2 ? "int int" : "int");
    for (int i = 0; i < 2000; i++)
        cvm_buf_printf(&b, ".event e%d a:int%s\n", i, i % 3 ? " b:int c:int" : "");
    cvm_buf_str(&b, ".method main\n");
    for (int i = 0; i < 2000; i += 7)
        cvm_buf_printf(&b, "    Push 1\n    Push 2\n    Push 3\n    Emit \"e%d\"\n"
                           "    Push 1\n    Push 2\n    CallService \"S.m%d\"\n    Pop\n",
                       i, i);
    cvm_buf_str(&b, "    Push 1\n    Emit \"undeclared\"\n    Halt\n");
    cvm_module *m = assemble(&b);
    cvm_buf_free(&b);

    const cvm_xmodule *x = m->exec;
    size_t pc = 0;
    for (int i = 0; i < 2000; i += 7, pc += 8) {
        const cvm_xinsn *emit = &x->plain[pc + 3], *call = &x->plain[pc + 6];
        assert_int_equal(emit->base, CVM_OP_EMIT);
        assert_int_equal(emit->k, i);
        assert_int_equal(emit->need_b, 8 * (i % 3 ? 3 : 1));
        assert_int_equal(call->base, CVM_OP_CALL_SERVICE);
        assert_int_equal(call->k, i);
    }
    assert_int_equal(x->plain[pc + 1].k, -1);
    assert_int_equal(x->plain[pc + 1].need_b, 8);
    cvm_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(emits_among_many_events),
        cmocka_unit_test(declared_names_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
