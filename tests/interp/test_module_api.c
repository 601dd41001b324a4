/*
 * test_module_api.c — the public module functions (module_api.c): assemble,
 * load, encode and disassemble give prepared modules that run the same, and
 * bad input gives a clean error, through the embedder's allocator.
 */
#include "interp_test.h"
#include "support/failing.h"

#include <stdlib.h>

static const char counter_src[] = ".contract Counter\n"
                                  ".reputation 50\n"
                                  ".state count 0\n"
                                  ".method increment params 1\n"
                                  "    Load \"count\"\n"
                                  "    Add\n"
                                  "    Dup\n"
                                  "    Store \"count\"\n"
                                  "    Halt\n"
                                  ".method get readonly\n"
                                  "    Load \"count\"\n";

static void collect(void *ud, const char *file, int line, int col, const char *message)
{
    char *buf = ud;
    size_t n = strlen(buf);
    snprintf(buf + n, 1024 - n, "%s:%d:%d: %s\n", file, line, col, message);
}

/* Through an allocator that counts live blocks, so leaks and foreign frees
 * show. */
static void test_assemble_and_run(void **state)
{
    (void)state;
    failing c = {.left = -1};
    cvm_allocator al = failing_allocator(&c);
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(&al, counter_src, strlen(counter_src), "counter.asm", NULL, NULL, &m, NULL), CVM_OK);
    assert_string_equal(cvm_module_name(m), "Counter");
    assert_int_equal(cvm_module_required_reputation(m), 50);
    th t = {.reputation = 50};
    strcpy(t.keys[0], "count");
    t.vals[0] = 37;
    t.nkeys = 1;
    int64_t arg = 5;
    cvm_exec_result r = run_args(m, "increment", &arg, 1, &t, 0);
    assert_int_equal(r.status, CVM_SUCCESS);
    assert_int_equal(r.result, 42);
    assert_int_equal(r.gas_used, 50 + 1 + 1 + 100 + 1);
    assert_string_equal(t.calls, "load count;store count=42;");
    r = run_args(m, "get", NULL, 0, &t, 0);
    assert_int_equal(r.result, 42);
    /* the error names where: line from the source */
    r = run_args(m, "increment", NULL, 0, &t, 0);
    assert_string_equal(r.error.message, "increment takes 1 argument, got 0");
    cvm_module_free(m);
    assert_int_equal(c.live, 0);
}

static void test_assemble_errors(void **state)
{
    (void)state;
    char diags[1024] = "";
    cvm_module *m = (cvm_module *)1;
    const char *bad = "    Push\n    Frob 3\n";
    cvm_errmsg err;
    assert_int_equal(cvm_assemble(NULL, bad, strlen(bad), "bad.asm", collect, diags, &m, &err), CVM_EINPUT);
    assert_null(m);
    assert_non_null(strstr(diags, "bad.asm:1:"));
    assert_non_null(strstr(diags, "bad.asm:2:"));
    /* the first diagnostic, as the callback got it, and how many more */
    const char *nl = strchr(diags, '\n');
    assert_non_null(nl);
    assert_int_equal(strncmp(err.text, diags, (size_t)(nl - diags)), 0);
    assert_non_null(strstr(err.text, " (and 1 more)"));
    /* without a callback: the same message */
    cvm_errmsg err2;
    assert_int_equal(cvm_assemble(NULL, bad, strlen(bad), "bad.asm", NULL, NULL, &m, &err2), CVM_EINPUT);
    assert_string_equal(err2.text, err.text);
    /* one diagnostic: no count; success: "" */
    assert_int_equal(cvm_assemble(NULL, "    Frob 3\n", 11, "one.asm", NULL, NULL, &m, &err), CVM_EINPUT);
    assert_non_null(strstr(err.text, "one.asm:1:"));
    assert_null(strstr(err.text, "more)"));
    assert_int_equal(cvm_assemble(NULL, "    Push 1\n", 11, "ok.asm", NULL, NULL, &m, &err), CVM_OK);
    assert_string_equal(err.text, "");
    cvm_module_free(m);
}

static void test_encode_load_disasm(void **state)
{
    (void)state;
    failing c = {.left = -1};
    cvm_allocator al = failing_allocator(&c);
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(&al, counter_src, strlen(counter_src), "counter.asm", NULL, NULL, &m, NULL), CVM_OK);

    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(cvm_module_encode(m, &bytes, &len), CVM_OK);
    assert_true(len > 4);
    assert_memory_equal(bytes, "CVM\x1a", 4);

    cvm_module *loaded = NULL;
    cvm_errmsg err;
    assert_int_equal(cvm_module_load(&al, bytes, len, &loaded, &err), CVM_OK);
    assert_string_equal(err.text, "");
    th t = {.reputation = 60};
    int64_t arg = -3;
    cvm_exec_result r = run_args(loaded, "increment", &arg, 1, &t, 0);
    assert_int_equal(r.result, -3);
    assert_int_equal(r.gas_used, 153);

    /* disassembly assembles back to the identical bytes */
    char *text = NULL;
    size_t tlen = 0;
    assert_int_equal(cvm_module_disasm(loaded, &text, &tlen), CVM_OK);
    assert_int_equal(strlen(text), tlen);
    cvm_module *again = NULL;
    assert_int_equal(cvm_assemble(&al, text, tlen, "again.asm", NULL, NULL, &again, NULL), CVM_OK);
    uint8_t *bytes2 = NULL;
    size_t len2 = 0;
    assert_int_equal(cvm_module_encode(again, &bytes2, &len2), CVM_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(bytes2, bytes, len);

    /* truncated bytes: a clean error naming what is wrong, no module */
    cvm_module *broken = (cvm_module *)1;
    assert_int_equal(cvm_module_load(&al, bytes, len - 1, &broken, &err), CVM_EINPUT);
    assert_null(broken);
    assert_true(strlen(err.text) > 0);
    assert_int_equal(cvm_module_load(&al, (const uint8_t *)"nope", 4, &broken, &err), CVM_EINPUT);
    assert_null(broken);

    cvm_free(&al, bytes);
    cvm_free(&al, bytes2);
    cvm_free(&al, text);
    cvm_module_free(again);
    cvm_module_free(loaded);
    cvm_module_free(m);
    assert_int_equal(c.live, 0);
}

/* Every allocation failing in turn: a clean ENOMEM (or success), never a
 * leak or a crash. */
static void test_out_of_memory(void **state)
{
    (void)state;
    int saw_enomem = 0;
    for (long k = 1; k < 400; k++) {
        failing c = {.left = k - 1, .once = true}; /* only the k-th allocation fails */
        cvm_allocator al = failing_allocator(&c);
        cvm_module *m = NULL;
        cvm_errmsg err;
        cvm_status st = cvm_assemble(&al, counter_src, strlen(counter_src), "counter.asm", NULL, NULL, &m, &err);
        if (st == CVM_OK) {
            assert_non_null(m);
            cvm_module_free(m);
        } else {
            assert_null(m);
            saw_enomem |= st == CVM_ENOMEM;
            assert_true(strlen(err.text) > 0); /* a diagnostic or "out of memory while assembling ..." */
        }
        assert_int_equal(c.live, 0);
    }
    assert_true(saw_enomem);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(cvm_module_encode(NULL, NULL, NULL), CVM_EINPUT);
    assert_int_equal(cvm_module_disasm(NULL, NULL, NULL), CVM_EINPUT);
    cvm_errmsg err;
    assert_int_equal(cvm_assemble(NULL, "", 0, "x.asm", NULL, NULL, NULL, &err), CVM_EINPUT);
    assert_string_equal(err.text, "cvm_assemble: no place for the module (out is NULL)");
    assert_int_equal(cvm_exec(NULL, "main", NULL, 0, NULL, NULL, NULL), CVM_EINPUT);
    cvm_exec_result r;
    assert_int_equal(cvm_exec(NULL, "main", NULL, 0, NULL, NULL, &r), CVM_EINPUT);
    /* gcc and clang both have it, unless the library was built with -DCVM_NO_GOTO */
    int has = cvm_interp_has_goto();
    assert_true(has == 0 || has == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assemble_and_run),
        cmocka_unit_test(test_assemble_errors),
        cmocka_unit_test(test_encode_load_disasm),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
