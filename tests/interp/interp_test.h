/*
 * interp_test.h — what the interpreter tests share: a recording test host,
 * one-method programs built by hand (tests/bytecode/modbuild.h), and run(),
 * which runs a method in every interpreter variant (switch and computed
 * goto, untraced and traced, with and without superinstructions) and fails
 * unless all of them agree exactly: status, result, gas, error, and every
 * host call made.
 *
 * Header-only (static functions) so each test file stands alone.
 */
#ifndef CVM_TESTS_INTERP_TEST_H
#define CVM_TESTS_INTERP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bytecode/modbuild.h"
#include "interp/interp.h"

#define TH_MAXKEYS 16

/* The test host: a small state, and a text record of every call. */
typedef struct th {
    char keys[TH_MAXKEYS][64];
    int64_t vals[TH_MAXKEYS];
    size_t nkeys;
    char calls[4096];      /* "store count=5;load count;emit Tick=1;log 3;sdk 2 [1 2] k=0;" */
    char trace[8192];      /* steps, when record_trace */
    int record_trace;
    size_t steps;
    int no_store, no_load, no_emit, no_log, no_sdk;
    cvm_code fail_code;    /* returned by the callback named fail_on ("store", "load", ...) */
    const char *fail_on;
    int64_t sdk_result;
    int64_t reputation, block_height, block_time;
} th;

__attribute__((format(printf, 2, 3))) static inline void th_rec(char *buf, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, 4096 - n, fmt, ap);
    va_end(ap);
}

static inline cvm_code th_fail(th *t, const char *what, cvm_error *err)
{
    if (t->fail_on && strcmp(t->fail_on, what) == 0) {
        snprintf(err->message, sizeof err->message, "%s failed in the test host", what);
        return t->fail_code;
    }
    return CVM_CODE_NONE;
}

static inline cvm_code th_load(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    th *t = ud;
    th_rec(t->calls, "load %.*s;", (int)keylen, (const char *)key);
    cvm_code c = th_fail(t, "load", err);
    if (c)
        return c;
    for (size_t i = 0; i < t->nkeys; i++)
        if (strlen(t->keys[i]) == keylen && memcmp(t->keys[i], key, keylen) == 0)
            *value = t->vals[i];
    return CVM_CODE_NONE;
}

static inline cvm_code th_store(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err)
{
    th *t = ud;
    th_rec(t->calls, "store %.*s=%lld;", (int)keylen, (const char *)key, (long long)value);
    cvm_code c = th_fail(t, "store", err);
    if (c)
        return c;
    for (size_t i = 0; i < t->nkeys; i++)
        if (strlen(t->keys[i]) == keylen && memcmp(t->keys[i], key, keylen) == 0) {
            t->vals[i] = value;
            return CVM_CODE_NONE;
        }
    assert_true(t->nkeys < TH_MAXKEYS && keylen < 64);
    memcpy(t->keys[t->nkeys], key, keylen);
    t->keys[t->nkeys][keylen] = '\0';
    t->vals[t->nkeys++] = value;
    return CVM_CODE_NONE;
}

static inline cvm_code th_emit(void *ud, const uint8_t *name, size_t namelen, int64_t value, cvm_error *err)
{
    th *t = ud;
    th_rec(t->calls, "emit %.*s=%lld;", (int)namelen, (const char *)name, (long long)value);
    return th_fail(t, "emit", err);
}

static inline cvm_code th_log(void *ud, int64_t value, cvm_error *err)
{
    th *t = ud;
    th_rec(t->calls, "log %lld;", (long long)value);
    return th_fail(t, "log", err);
}

static inline cvm_code th_sdk(void *ud, const cvm_sdk_request *req, int64_t *result, cvm_error *err)
{
    th *t = ud;
    th_rec(t->calls, "sdk %d [", (int)req->op);
    for (size_t i = 0; i < req->nargs; i++)
        th_rec(t->calls, "%s%lld", i ? " " : "", (long long)req->args[i]);
    th_rec(t->calls, "] k=%lld %s;", (long long)req->operand, cvm_module_name(req->module));
    *result = t->sdk_result;
    return th_fail(t, "sdk", err);
}

static inline void th_trace(void *ud, const cvm_trace_step *s)
{
    th *t = ud;
    t->steps++;
    if (!t->record_trace)
        return;
    size_t n = strlen(t->trace);
    snprintf(t->trace + n, sizeof t->trace - n, "%s %lld %s", s->method, (long long)s->pc, s->op);
    n = strlen(t->trace);
    if (s->has_operand && s->operand_str)
        snprintf(t->trace + n, sizeof t->trace - n, " \"%.*s\"(%lld)", (int)s->operand_len, s->operand_str,
                 (long long)s->operand);
    else if (s->has_operand)
        snprintf(t->trace + n, sizeof t->trace - n, " %lld", (long long)s->operand);
    n = strlen(t->trace);
    snprintf(t->trace + n, sizeof t->trace - n, " d%zu t%lld g%lld c%zu l%lld;", s->depth, (long long)s->top,
             (long long)s->gas_left, s->call_depth, (long long)s->line);
}

static inline cvm_host th_host(th *t, int traced)
{
    cvm_host h = {0};
    h.ud = t;
    h.load = t->no_load ? NULL : th_load;
    h.store = t->no_store ? NULL : th_store;
    h.emit = t->no_emit ? NULL : th_emit;
    h.log = t->no_log ? NULL : th_log;
    h.sdk = t->no_sdk ? NULL : th_sdk;
    h.trace = traced ? th_trace : NULL;
    h.reputation = t->reputation;
    h.block_height = t->block_height;
    h.block_time = t->block_time;
    return h;
}

/* A verified, prepared module "T" with one method "main" taking params
 * arguments; consts (NULL-terminated, may be NULL) is the constant pool in
 * first-use order. Instruction pc is on source line 100 + pc. */
static inline cvm_module *prog_n(uint32_t params, const char *const *consts, const cvm_insn *code, size_t n)
{
    cvm_module *m = cvm_module_new(NULL);
    assert_non_null(m);
    mb_name(m, "T");
    for (size_t i = 0; consts && consts[i]; i++)
        mb_const(m, consts[i], strlen(consts[i]));
    mb_code(m, code, n);
    mb_method(m, "main", 0, (uint32_t)n, params, 0);
    if (n) {
        m->lines = cvm_calloc(m->al, n, sizeof *m->lines);
        assert_non_null(m->lines);
        for (size_t i = 0; i < n; i++)
            m->lines[i] = (uint32_t)(100 + i);
    }
    char err[256] = "";
    cvm_status st = cvm_verify(m, err, sizeof err);
    if (st != CVM_OK)
        fail_msg("test module does not verify: %s", err);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    return m;
}

#define CODE(...) (const cvm_insn[]){__VA_ARGS__}, sizeof((const cvm_insn[]){__VA_ARGS__}) / sizeof(cvm_insn)
#define PROG(params, consts, ...) prog_n(params, consts, CODE(__VA_ARGS__))
#define STRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static inline void same_result(const cvm_exec_result *a, const cvm_exec_result *b, const char *variant)
{
    if (a->status != b->status || a->result != b->result || a->gas_used != b->gas_used ||
        a->error.code != b->error.code || strcmp(a->error.message, b->error.message) != 0 ||
        strcmp(a->error.method, b->error.method) != 0 || a->error.pc != b->error.pc || a->error.line != b->error.line)
        fail_msg("variant %s differs: status %d/%d result %lld/%lld gas %lld/%lld code %d/%d '%s'/'%s' pc %lld/%lld",
                 variant, a->status, b->status, (long long)a->result, (long long)b->result, (long long)a->gas_used,
                 (long long)b->gas_used, a->error.code, b->error.code, a->error.message, b->error.message,
                 (long long)a->error.pc, (long long)b->error.pc);
}

/* Replaces m's executable form with the unfused (unfused != 0) or fused one. */
static inline void reprepare(cvm_module *m, int unfused)
{
    m->exec_free(m->al, m->exec);
    m->exec = NULL;
    assert_int_equal(unfused ? cvm_interp_prepare_unfused(m) : cvm_interp_prepare(m), CVM_OK);
}

/* Runs method in all eight variants from the same host state; they must all
 * agree (the trace variants may add trace records only). Returns the
 * outcome; *t is left as after one run. */
static inline cvm_exec_result run_args(cvm_module *m, const char *method, const int64_t *args, size_t nargs, th *t,
                                int64_t gas)
{
    th start = *t;
    cvm_exec_result first;
    th after;
    static char first_trace[8192];
    int have = 0, have_trace = 0;
    static const char *const names[] = {"switch", "goto", "switch+trace", "goto+trace",
                                        "switch unfused", "goto unfused", "switch+trace unfused",
                                        "goto+trace unfused"};
    for (int v = 0; v < 8; v++) {
        int traced = (v & 2) != 0;
        if (v == 4)
            reprepare(m, 1);
        *t = start;
        cvm_host h = th_host(t, traced);
        cvm_exec_options o = {gas, (v & 1) ? CVM_DISPATCH_GOTO : CVM_DISPATCH_SWITCH};
        cvm_exec_result res;
        assert_int_equal(cvm_exec(m, method, args, nargs, &h, &o, &res), CVM_OK);
        if (!have) {
            first = res;
            after = *t;
            have = 1;
        } else {
            same_result(&first, &res, names[v]);
            if (strcmp(after.calls, t->calls) != 0)
                fail_msg("variant %s made other host calls: '%s' vs '%s'", names[v], after.calls, t->calls);
        }
        if (traced && t->record_trace) {
            if (!have_trace) {
                memcpy(first_trace, t->trace, sizeof first_trace);
                have_trace = 1;
            } else if (strcmp(first_trace, t->trace) != 0) {
                fail_msg("variant %s traced differently:\n%s\nvs\n%s", names[v], first_trace, t->trace);
            }
        }
        if (traced && t->steps == 0 && res.gas_used > 0)
            fail_msg("variant %s traced nothing", names[v]);
    }
    if (have_trace)
        memcpy(after.trace, first_trace, sizeof after.trace);
    reprepare(m, 0);
    after.steps = 0;
    *t = after;
    return first;
}

static inline cvm_exec_result run(cvm_module *m, th *t, int64_t gas) { return run_args(m, "main", NULL, 0, t, gas); }

/* Asserts a trap's code, message, pc (line 100 + pc) and gas. */
static inline void assert_trap(const cvm_exec_result *r, cvm_code code, const char *message, int64_t pc, int64_t gas_used)
{
    assert_int_equal(r->status, CVM_ERROR_SMART_CONTRACT);
    assert_string_equal(cvm_code_name(r->error.code), cvm_code_name(code));
    assert_string_equal(r->error.message, message);
    assert_string_equal(r->error.method, "main");
    assert_int_equal(r->error.pc, pc);
    assert_int_equal(r->error.line, 100 + pc);
    assert_int_equal(r->gas_used, gas_used);
    assert_int_equal(r->result, 0);
}

static inline void assert_ok(const cvm_exec_result *r, int64_t result, int64_t gas_used)
{
    if (r->status != CVM_SUCCESS)
        fail_msg("expected success, got %s: %s (pc %lld)", cvm_code_name(r->error.code), r->error.message,
                 (long long)r->error.pc);
    assert_int_equal(r->result, result);
    assert_int_equal(r->gas_used, gas_used);
    assert_int_equal(r->error.code, CVM_CODE_NONE);
}

#endif
