/*
 * test_handles.c — constant keys resolved once per run (cvm_host.resolve,
 * load_at, store_at): a string-operand Load/Store asks resolve at its first
 * use in each run and then goes by the handle; popped keys, declined keys,
 * constants beyond the interpreter's cache and hosts without all three
 * callbacks go by key; a failing resolve traps where a failing load would.
 * Every case runs in the four loops (switch / goto, untraced / traced),
 * which must make the same host calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "coopvm.h"

#define HK_MAX 8

/* A host with a few keys; handles point at its entries. */
typedef struct hk {
    char keys[HK_MAX][40];
    int64_t vals[HK_MAX];
    size_t nkeys;
    char calls[2048]; /* "resolve count;load@count;store@count=1;load k;..." */
    const char *decline; /* resolve declines this key */
    const char *fail;    /* resolve fails on this key */
    int partial;         /* set resolve and load_at only */
    const char *refuse;  /* load, store, load_at and store_at fail on this key */
} hk;

static void rec(hk *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec(hk *t, const char *fmt, ...)
{
    size_t n = strlen(t->calls);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->calls + n, sizeof t->calls - n, fmt, ap);
    va_end(ap);
}

static size_t entry(hk *t, const uint8_t *key, size_t keylen)
{
    for (size_t i = 0; i < t->nkeys; i++)
        if (strlen(t->keys[i]) == keylen && memcmp(t->keys[i], key, keylen) == 0)
            return i;
    assert_true(t->nkeys < HK_MAX && keylen < sizeof t->keys[0]);
    memcpy(t->keys[t->nkeys], key, keylen);
    t->keys[t->nkeys][keylen] = '\0';
    t->vals[t->nkeys] = 0;
    return t->nkeys++;
}

/* Whether t refuses key; then err says so. */
static int refused(hk *t, const char *op, const char *key, size_t keylen, cvm_error *err)
{
    if (!t->refuse || strlen(t->refuse) != keylen || memcmp(t->refuse, key, keylen) != 0)
        return 0;
    snprintf(err->message, sizeof err->message, "%s of %s refused", op, t->refuse);
    return 1;
}

static cvm_code hk_load(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    hk *t = ud;
    rec(t, "load %.*s;", (int)keylen, (const char *)key);
    if (refused(t, "load", (const char *)key, keylen, err))
        return CVM_CODE_READ_ONLY_VIOLATION;
    *value = t->vals[entry(t, key, keylen)];
    return CVM_CODE_NONE;
}

static cvm_code hk_store(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err)
{
    hk *t = ud;
    rec(t, "store %.*s=%lld;", (int)keylen, (const char *)key, (long long)value);
    if (refused(t, "store", (const char *)key, keylen, err))
        return CVM_CODE_READ_ONLY_VIOLATION;
    t->vals[entry(t, key, keylen)] = value;
    return CVM_CODE_NONE;
}

static cvm_code hk_resolve(void *ud, const uint8_t *key, size_t keylen, void **handle, cvm_error *err)
{
    hk *t = ud;
    rec(t, "resolve %.*s;", (int)keylen, (const char *)key);
    if (t->fail && strlen(t->fail) == keylen && memcmp(t->fail, key, keylen) == 0) {
        snprintf(err->message, sizeof err->message, "cannot resolve %s", t->fail);
        return CVM_CODE_HOST_ERROR;
    }
    if (t->decline && strlen(t->decline) == keylen && memcmp(t->decline, key, keylen) == 0) {
        *handle = NULL;
        return CVM_CODE_NONE;
    }
    *handle = &t->vals[entry(t, key, keylen)];
    return CVM_CODE_NONE;
}

static const char *name_of(hk *t, void *handle) { return t->keys[(int64_t *)handle - t->vals]; }

static cvm_code hk_load_at(void *ud, void *handle, int64_t *value, cvm_error *err)
{
    hk *t = ud;
    rec(t, "load@%s;", name_of(t, handle));
    if (refused(t, "load", name_of(t, handle), strlen(name_of(t, handle)), err))
        return CVM_CODE_READ_ONLY_VIOLATION;
    *value = *(int64_t *)handle;
    return CVM_CODE_NONE;
}

static cvm_code hk_store_at(void *ud, void *handle, int64_t value, cvm_error *err)
{
    hk *t = ud;
    rec(t, "store@%s=%lld;", name_of(t, handle), (long long)value);
    if (refused(t, "store", name_of(t, handle), strlen(name_of(t, handle)), err))
        return CVM_CODE_READ_ONLY_VIOLATION;
    *(int64_t *)handle = value;
    return CVM_CODE_NONE;
}

static void hk_trace(void *ud, const cvm_trace_step *s)
{
    (void)ud;
    (void)s;
}

/* Assembles src, runs main(args) `runs` times from t's state in each of
 * the four loops; all must agree on outcome, calls and final state. */
static cvm_exec_result run_src(const char *src, hk *t, int runs)
{
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, src, strlen(src), "t.asm", NULL, NULL, &m, NULL), CVM_OK);
    hk start = *t, first_t;
    cvm_exec_result first;
    for (int v = 0; v < 4; v++) {
        *t = start;
        cvm_host h;
        memset(&h, 0, sizeof h);
        h.ud = t;
        h.load = hk_load;
        h.store = hk_store;
        h.resolve = hk_resolve;
        h.load_at = hk_load_at;
        h.store_at = t->partial ? NULL : hk_store_at;
        h.trace = (v & 2) ? hk_trace : NULL;
        cvm_exec_options o = {0, (v & 1) ? CVM_DISPATCH_GOTO : CVM_DISPATCH_SWITCH};
        cvm_exec_result res;
        for (int i = 0; i < runs; i++)
            assert_int_equal(cvm_exec(m, "main", NULL, 0, &h, &o, &res), CVM_OK);
        if (v == 0) {
            first = res;
            first_t = *t;
            continue;
        }
        assert_int_equal(res.status, first.status);
        assert_int_equal(res.result, first.result);
        assert_int_equal(res.gas_used, first.gas_used);
        assert_string_equal(res.error.message, first.error.message);
        assert_int_equal(res.error.pc, first.error.pc);
        assert_string_equal(t->calls, first_t.calls);
        assert_memory_equal(t->vals, first_t.vals, sizeof t->vals);
    }
    cvm_module_free(m);
    return first;
}

/* count += 1 three times in a loop: one resolve, then handles. The popped
 * key 7 is "7", which the constant "7" names too: the popped one goes by
 * key (the host keeps the two coherent). */
static void test_constant_keys_go_by_handle(void **state)
{
    (void)state;
    hk t = {0};
    const char *src = ".method main\n"
                      "  Push 3\n  LocalSet 0\n"
                      "loop:\n  Load \"count\"\n  Push 1\n  Add\n  Store \"count\"\n"
                      "  LocalGet 0\n  Push 1\n  Sub\n  Dup\n  LocalSet 0\n  JumpIf loop\n"
                      "  Push 5\n  Store \"7\"\n  Push 7\n  Load\n  Push 7\n  Push 9\n  Store\n  Load \"7\"\n"
                      "  Load \"count\"\n  Add\n";
    cvm_exec_result r = run_src(src, &t, 1);
    assert_int_equal(r.status, CVM_SUCCESS);
    assert_int_equal(r.result, 9 + 3);
    assert_string_equal(t.calls, "resolve count;load@count;store@count=1;load@count;store@count=2;load@count;"
                                 "store@count=3;resolve 7;store@7=5;load 7;store 7=9;load@7;load@count;");
    /* a second run asks again: handles last one run */
    memset(t.calls, 0, sizeof t.calls);
    r = run_src(".method main\n  Load \"count\"\n  Load \"count\"\n  Add\n", &t, 2);
    assert_int_equal(r.result, 6);
    assert_string_equal(t.calls, "resolve count;load@count;load@count;resolve count;load@count;load@count;");
}

/* A declined key goes by key for the rest of the run, asked once. */
static void test_declined_key(void **state)
{
    (void)state;
    hk t = {.decline = "skip"};
    cvm_exec_result r =
        run_src(".method main\n  Push 2\n  Store \"skip\"\n  Load \"skip\"\n  Load \"n\"\n  Load \"skip\"\n  Add\n  Add\n",
                &t, 1);
    assert_int_equal(r.result, 4);
    assert_string_equal(t.calls, "resolve skip;store skip=2;load skip;resolve n;load@n;load skip;");
}

/* Without all three callbacks, no handles at all. */
static void test_partial_host_goes_by_key(void **state)
{
    (void)state;
    hk t = {.partial = 1};
    cvm_exec_result r = run_src(".method main\n  Push 2\n  Store \"a\"\n  Load \"a\"\n", &t, 1);
    assert_int_equal(r.result, 2);
    assert_string_equal(t.calls, "store a=2;load a;");
}

/* A failing resolve traps at the instruction that needed it, with the
 * host's code and message, charged like a failing Load. */
static void test_resolve_failure_traps(void **state)
{
    (void)state;
    hk t = {.fail = "bad"};
    cvm_exec_result r = run_src(".method main\n  Load \"ok\"\n  Pop\n  Load \"bad\"\n  Push 1\n", &t, 1);
    assert_int_equal(r.status, CVM_ERROR_SMART_CONTRACT);
    assert_int_equal(r.error.code, CVM_CODE_HOST_ERROR);
    assert_string_equal(r.error.message, "cannot resolve bad");
    assert_int_equal(r.error.pc, 2);
    hk u = {0};
    cvm_exec_result r2 = run_src(".method main\n  Load \"ok\"\n  Pop\n  Load \"fine\"\n  Push 1\n", &u, 1);
    assert_int_equal(r.gas_used, r2.gas_used - 1); /* up to and including the Load */
    assert_string_equal(t.calls, "resolve ok;load@ok;resolve bad;");
}

/* Constants beyond the interpreter's cache of handles go by key. */
static void test_many_constants(void **state)
{
    (void)state;
    char src[4096] = ".method main\n";
    for (int i = 0; i < 70; i++) /* 70 event names: constants 0..69 */
        snprintf(src + strlen(src), sizeof src - strlen(src), "  Push 0\n  Emit \"e%d\"\n", i);
    strcat(src, "  Push 4\n  Store \"late\"\n  Load \"late\"\n  Load \"late\"\n  Add\n");
    hk t = {0};
    cvm_exec_result r = run_src(src, &t, 1);
    assert_int_equal(r.result, 8);
    assert_string_equal(t.calls, "store late=4;load late;load late;");
}

/* A Load or Store refused through a handle traps exactly as the same one
 * refused by key: code, message, pc and gas (a Store of 0, a delete, too). */
static void test_refusal_by_handle_is_refusal_by_key(void **state)
{
    (void)state;
    static const char *const srcs[] = {
        ".method main\n  Push 2\n  Store \"a\"\n  Push 3\n  Store \"ro\"\n  Push 1\n",
        ".method main\n  Push 2\n  Store \"a\"\n  Push 0\n  Store \"ro\"\n  Push 1\n",
        ".method main\n  Load \"a\"\n  Load \"ro\"\n  Add\n",
    };
    for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++) {
        hk byh = {.refuse = "ro"}, byk = {.refuse = "ro", .partial = 1};
        cvm_exec_result h = run_src(srcs[i], &byh, 1), k = run_src(srcs[i], &byk, 1);
        assert_int_equal(h.status, CVM_ERROR_SMART_CONTRACT);
        assert_int_equal(h.error.code, CVM_CODE_READ_ONLY_VIOLATION);
        assert_int_equal(h.status, k.status);
        assert_int_equal(h.error.code, k.error.code);
        assert_string_equal(h.error.message, k.error.message);
        assert_int_equal(h.error.pc, k.error.pc);
        assert_int_equal(h.gas_used, k.gas_used);
        assert_non_null(strstr(byh.calls, "@ro")); /* the handle path was taken */
        assert_null(strstr(byk.calls, "@"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_keys_go_by_handle),
        cmocka_unit_test(test_declined_key),
        cmocka_unit_test(test_partial_host_goes_by_key),
        cmocka_unit_test(test_resolve_failure_traps),
        cmocka_unit_test(test_many_constants),
        cmocka_unit_test(test_refusal_by_handle_is_refusal_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
