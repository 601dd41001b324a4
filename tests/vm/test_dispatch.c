/*
 * test_dispatch.c — cvm_vm_options.dispatch reaches the interpreter: every
 * traced step says which loop ran it (the loop itself fills that in), so a
 * VM that ignored the option would show the default loop instead.
 */
#include "vm/vmtest.h"

#include "interp/interp.h"

typedef struct seen {
    size_t steps, switch_steps, goto_steps;
} seen;

static void on_step(void *ud, uint64_t height, size_t tx, const cvm_trace_step *st)
{
    (void)height;
    (void)tx;
    seen *s = ud;
    s->steps++;
    if (st->dispatch == CVM_DISPATCH_SWITCH)
        s->switch_steps++;
    else if (st->dispatch == CVM_DISPATCH_GOTO)
        s->goto_steps++;
}

/* Runs Counter.get in a block on a VM with the given dispatch. */
static seen run_with(cvm_dispatch d)
{
    chain c;
    chain_open(&c);
    static const int64_t reps[] = {0};
    genesis(&c, reps, 1);
    deploy(&c, "Counter", ".method get\nPush 1\nPush 2\nAdd\n");
    seen s = {0};
    cvm_vm_free(c.vm);
    cvm_vm_options o = {0};
    o.trace = on_step;
    o.trace_ud = &s;
    o.dispatch = d;
    assert_int_equal(cvm_vm_new(&o, c.store, &c.vm), CVM_OK);
    int64_t v = 0;
    run1(&c, tx_of(1, "Counter", "get", NULL, 0), CVM_SUCCESS, CVM_CODE_NONE, &v);
    assert_int_equal(v, 3);
    chain_close(&c);
    assert_int_equal(s.steps, 3);
    return s;
}

static void test_switch_selected(void **state)
{
    (void)state;
    seen s = run_with(CVM_DISPATCH_SWITCH);
    assert_int_equal(s.switch_steps, 3);
    assert_int_equal(s.goto_steps, 0);
}

static void test_goto_and_auto_selected(void **state)
{
    (void)state;
    size_t want_goto = cvm_interp_has_goto() ? 3 : 0;
    seen s = run_with(CVM_DISPATCH_GOTO);
    assert_int_equal(s.goto_steps, want_goto);
    assert_int_equal(s.switch_steps, 3 - want_goto);
    s = run_with(CVM_DISPATCH_AUTO);
    assert_int_equal(s.goto_steps, want_goto);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_switch_selected),
        cmocka_unit_test(test_goto_and_auto_selected),
    };
    return cmocka_run_group_tests_name("vm dispatch", tests, NULL, NULL);
}
