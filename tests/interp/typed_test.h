/*
 * typed_test.h — what the typed-value tests share: a test host with bytes
 * state (keys and values of any bytes, integers stored as 8 bytes
 * little-endian as the real host does), optional key handles, declared
 * events and calls, and trun(), which runs a method through cvm_exec_args
 * in every interpreter variant (switch and computed goto, untraced and
 * traced, fused and unfused) and fails unless all agree exactly: status,
 * gas, error (code, message, pc, line, reason), typed results, and every
 * host call made.
 *
 * Programs are written as assembly text but built by a small assembler of
 * the test's own (tasm), without cvm_verify: the static type proof would
 * refuse the ill-typed code that reaches the interpreter's run-time checks.
 * Typed signatures, imports and events are set on the module by hand (tsig,
 * timport, tevent).
 *
 * Header-only (static functions) so each test file stands alone.
 */
#ifndef CVM_TESTS_TYPED_TEST_H
#define CVM_TESTS_TYPED_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/alloc.h"
#include "bytecode/modbuild.h"
#include "bytecode/module.h"
#include "interp/interp.h"

#define TB_MAXKEYS 16
#define TB_VALMAX 70000

typedef struct tb {
    uint8_t keys[TB_MAXKEYS][64];
    size_t keylens[TB_MAXKEYS];
    uint8_t *vals[TB_MAXKEYS]; /* owned (malloc), or NULL when absent */
    size_t vallens[TB_MAXKEYS];
    size_t nkeys;
    char calls[8192];
    int handles;       /* give handles (resolve, load_at, store_at) */
    int no_bytes;      /* no load_bytes / store_bytes */
    uint8_t signer[20], caller[20], self[20];
    int unsigned_call; /* signer NULL */
    /* the call callback: results given to a typed call, or the untyped result */
    cvm_arg call_results[8];
    size_t call_nresults;
    int64_t call_gas;
    cvm_code call_fail;
} tb;

__attribute__((format(printf, 2, 3))) static inline void tb_rec(tb *t, const char *fmt, ...)
{
    size_t n = strlen(t->calls);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->calls + n, sizeof t->calls - n, fmt, ap);
    va_end(ap);
}

/* bytes as text: printable ASCII as is, the rest \xHH */
static inline void tb_rec_bytes(tb *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && i < 80; i++) {
        if (p[i] >= 32 && p[i] < 127 && p[i] != '\\')
            tb_rec(t, "%c", p[i]);
        else
            tb_rec(t, "\\x%02x", p[i]);
    }
    if (n > 80)
        tb_rec(t, "...(%zu)", n);
}

static inline size_t tb_find(tb *t, const uint8_t *key, size_t keylen, int create)
{
    for (size_t i = 0; i < t->nkeys; i++)
        if (t->keylens[i] == keylen && (keylen == 0 || memcmp(t->keys[i], key, keylen) == 0))
            return i;
    if (!create || t->nkeys == TB_MAXKEYS || keylen > 64)
        return SIZE_MAX; /* the test host is full: a store fails */
    if (keylen)
        memcpy(t->keys[t->nkeys], key, keylen);
    t->keylens[t->nkeys] = keylen;
    t->vals[t->nkeys] = NULL;
    t->vallens[t->nkeys] = 0;
    return t->nkeys++;
}

static inline cvm_code tb_put(tb *t, const void *key, size_t keylen, const void *v, size_t n, cvm_error *err)
{
    size_t i = tb_find(t, key, keylen, 1);
    if (i == SIZE_MAX) {
        if (err)
            snprintf(err->message, sizeof err->message, "the test host is full");
        return CVM_CODE_HOST_ERROR;
    }
    free(t->vals[i]);
    t->vals[i] = NULL;
    t->vallens[i] = 0;
    if (n) {
        t->vals[i] = malloc(n);
        assert_non_null(t->vals[i]);
        memcpy(t->vals[i], v, n);
        t->vallens[i] = n;
    }
    return CVM_CODE_NONE;
}

static inline void tb_put_int(tb *t, const char *key, int64_t v)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)v >> (8 * i));
    tb_put(t, key, strlen(key), le, v ? 8 : 0, NULL);
}

static inline cvm_code tb_load_key(tb *t, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    size_t i = tb_find(t, key, keylen, 0);
    *value = 0;
    if (i == SIZE_MAX || !t->vals[i])
        return CVM_CODE_NONE;
    if (t->vallens[i] != 8) {
        snprintf(err->message, sizeof err->message, "Load: the value of %.*s is %zu bytes, not an integer",
                 (int)keylen, (const char *)key, t->vallens[i]);
        return CVM_CODE_TYPE_MISMATCH;
    }
    uint64_t u = 0;
    for (int b = 7; b >= 0; b--)
        u = u << 8 | t->vals[i][b];
    *value = (int64_t)u;
    return CVM_CODE_NONE;
}

static inline cvm_code tb_load(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    tb *t = ud;
    tb_rec(t, "load ");
    tb_rec_bytes(t, key, keylen);
    tb_rec(t, ";");
    return tb_load_key(t, key, keylen, value, err);
}

static inline cvm_code tb_store(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err)
{
    tb *t = ud;
    tb_rec(t, "store ");
    tb_rec_bytes(t, key, keylen);
    tb_rec(t, "=%lld;", (long long)value);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)value >> (8 * i));
    return tb_put(t, key, keylen, le, value ? 8 : 0, err);
}

static inline cvm_code tb_resolve(void *ud, const uint8_t *key, size_t keylen, void **handle, cvm_error *err)
{
    tb *t = ud;
    (void)err;
    tb_rec(t, "resolve ");
    tb_rec_bytes(t, key, keylen);
    tb_rec(t, ";");
    size_t i = tb_find(t, key, keylen, 1);
    *handle = i == SIZE_MAX ? NULL : (void *)(uintptr_t)(i + 1); /* full: declined */
    return CVM_CODE_NONE;
}

static inline cvm_code tb_load_at(void *ud, void *handle, int64_t *value, cvm_error *err)
{
    tb *t = ud;
    size_t i = (size_t)(uintptr_t)handle - 1;
    tb_rec(t, "load@%zu;", i);
    return tb_load_key(t, t->keys[i], t->keylens[i], value, err);
}

static inline cvm_code tb_store_at(void *ud, void *handle, int64_t value, cvm_error *err)
{
    tb *t = ud;
    size_t i = (size_t)(uintptr_t)handle - 1;
    tb_rec(t, "store@%zu=%lld;", i, (long long)value);
    uint8_t le[8];
    for (int b = 0; b < 8; b++)
        le[b] = (uint8_t)((uint64_t)value >> (8 * b));
    return tb_put(t, t->keys[i], t->keylens[i], le, value ? 8 : 0, err);
}

static inline cvm_code tb_load_bytes(void *ud, const uint8_t *key, size_t keylen, void *handle,
                                     const uint8_t **value, size_t *len, cvm_error *err)
{
    tb *t = ud;
    (void)err;
    tb_rec(t, "loadb%s ", handle ? "@" : "");
    tb_rec_bytes(t, key, keylen);
    tb_rec(t, ";");
    if (handle)
        assert_int_equal((size_t)(uintptr_t)handle - 1, tb_find(t, key, keylen, 0));
    size_t i = tb_find(t, key, keylen, 0);
    *value = i == SIZE_MAX ? NULL : t->vals[i];
    *len = i == SIZE_MAX ? 0 : t->vallens[i];
    return CVM_CODE_NONE;
}

static inline cvm_code tb_store_bytes(void *ud, const uint8_t *key, size_t keylen, void *handle,
                                      const uint8_t *value, size_t len, cvm_error *err)
{
    tb *t = ud;
    tb_rec(t, "storeb%s ", handle ? "@" : "");
    tb_rec_bytes(t, key, keylen);
    tb_rec(t, "=");
    tb_rec_bytes(t, value, len);
    tb_rec(t, ";");
    if (handle)
        assert_int_equal((size_t)(uintptr_t)handle - 1, tb_find(t, key, keylen, 0));
    return tb_put(t, key, keylen, value, len, err);
}

static inline cvm_code tb_emit(void *ud, const uint8_t *name, size_t namelen, int64_t value, cvm_error *err)
{
    tb *t = ud;
    (void)err;
    tb_rec(t, "emit %.*s=%lld;", (int)namelen, (const char *)name, (long long)value);
    return CVM_CODE_NONE;
}

static inline cvm_code tb_emit_fields(void *ud, const uint8_t *name, size_t namelen, const cvm_event_field *f,
                                      size_t n, cvm_error *err)
{
    tb *t = ud;
    (void)err;
    tb_rec(t, "event %.*s", (int)namelen, (const char *)name);
    for (size_t i = 0; i < n; i++) {
        tb_rec(t, " %s:%s=", f[i].name, cvm_arg_type_name(f[i].value.type));
        if (f[i].value.type == CVM_ARG_INT64)
            tb_rec(t, "%lld", (long long)f[i].value.v.i64);
        else
            tb_rec_bytes(t, f[i].value.v.bytes.ptr, f[i].value.v.bytes.len);
    }
    tb_rec(t, ";");
    return CVM_CODE_NONE;
}

static inline cvm_code tb_log(void *ud, int64_t value, cvm_error *err)
{
    tb *t = ud;
    (void)err;
    tb_rec(t, "log %lld;", (long long)value);
    return CVM_CODE_NONE;
}

static inline cvm_code tb_sdk(void *ud, const cvm_sdk_request *req, int64_t *result, cvm_error *err)
{
    tb *t = ud;
    (void)err;
    tb_rec(t, "sdk %d;", (int)req->op);
    *result = 0;
    return CVM_CODE_NONE;
}

static inline cvm_code tb_call(void *ud, const cvm_call_request *req, cvm_call_reply *rep, cvm_error *err)
{
    tb *t = ud;
    tb_rec(t, "call%s %.*s", req->library ? "lib" : "", (int)req->target_len, (const char *)req->target);
    rep->gas_used = t->call_gas;
    if (req->args) {
        tb_rec(t, " typed");
        for (size_t i = 0; i < req->nargs; i++) {
            tb_rec(t, " %s=", cvm_arg_type_name(req->args[i].type));
            if (req->args[i].type == CVM_ARG_INT64)
                tb_rec(t, "%lld", (long long)req->args[i].v.i64);
            else
                tb_rec_bytes(t, req->args[i].v.bytes.ptr, req->args[i].v.bytes.len);
        }
        tb_rec(t, " ->%zu;", req->nresults);
        rep->results = t->call_results;
        rep->nresults = t->call_nresults;
    } else {
        /* untyped: takes one value, refuses bytes */
        tb_rec(t, " depth %zu bytes %d;", req->depth, req->is_bytes && req->depth && req->is_bytes[req->depth - 1]);
        if (req->depth < 1) {
            snprintf(err->message, sizeof err->message, "needs one argument");
            return CVM_CODE_STACK_UNDERFLOW;
        }
        if (req->is_bytes && req->is_bytes[req->depth - 1]) {
            snprintf(err->message, sizeof err->message, "its parameter is an integer, got bytes");
            return CVM_CODE_WRONG_ARGUMENTS;
        }
        rep->popped = 1;
        rep->result = (int64_t)((uint64_t)req->stack[req->depth - 1] * 2u); /* wraps: no UB */
    }
    if (t->call_fail) {
        snprintf(err->message, sizeof err->message, "the callee failed");
        return t->call_fail;
    }
    return CVM_CODE_NONE;
}

static inline void tb_trace(void *ud, const cvm_trace_step *s)
{
    (void)ud;
    (void)s;
}

static inline cvm_host tb_host(tb *t, int traced)
{
    cvm_host h = {0};
    h.ud = t;
    h.load = tb_load;
    h.store = tb_store;
    h.emit = tb_emit;
    h.log = tb_log;
    h.sdk = tb_sdk;
    h.call = tb_call;
    h.emit_fields = tb_emit_fields;
    if (!t->no_bytes) {
        h.load_bytes = tb_load_bytes;
        h.store_bytes = tb_store_bytes;
    }
    if (t->handles) {
        h.resolve = tb_resolve;
        h.load_at = tb_load_at;
        h.store_at = tb_store_at;
    }
    h.trace = traced ? tb_trace : NULL;
    h.signer = t->unsigned_call ? NULL : t->signer;
    h.caller = t->caller;
    h.self = t->self;
    h.reputation = 10;
    return h;
}

static inline void tb_init(tb *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 20; i++) {
        t->signer[i] = (uint8_t)(0xa0 + i);
        t->caller[i] = (uint8_t)(0xc0 + i);
        t->self[i] = (uint8_t)(0x50 + i);
    }
}

static inline void tb_clear(tb *t)
{
    for (size_t i = 0; i < t->nkeys; i++)
        free(t->vals[i]);
    t->nkeys = 0;
}

/* A deep copy of t's state (vals re-allocated), for re-running from it. */
static inline tb tb_copy(const tb *t)
{
    tb c = *t;
    for (size_t i = 0; i < t->nkeys; i++) {
        c.vals[i] = NULL;
        if (t->vals[i]) {
            c.vals[i] = malloc(t->vallens[i]);
            assert_non_null(c.vals[i]);
            memcpy(c.vals[i], t->vals[i], t->vallens[i]);
        }
    }
    return c;
}

/* ------------------------------------------------------------ modules */

/* A string operand: "..." with \\ \" \n \t \xHH; its length in *n. */
static inline char *tstr(const char *p, size_t *n, const char **rest)
{
    static char buf[4096];
    size_t k = 0;
    assert_true(*p == '"');
    for (p++; *p && *p != '"'; p++) {
        assert_true(k < sizeof buf);
        if (*p != '\\') {
            buf[k++] = *p;
            continue;
        }
        p++;
        if (*p == 'x') {
            unsigned v;
            assert_int_equal(sscanf(p + 1, "%2x", &v), 1);
            buf[k++] = (char)v;
            p += 2;
        } else {
            buf[k++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        }
    }
    assert_true(*p == '"');
    *rest = p + 1;
    *n = k;
    return buf;
}

/* A prepared module from assembly text, NOT verified (so that it may hold
 * code the static type proof would refuse, to reach the interpreter's own
 * checks): .contract, `.method NAME [params N]`, `label:` lines and
 * instructions, one a line; instruction pc is on its line of src. */
static inline cvm_module *tasm(const char *src)
{
    cvm_module *m = cvm_module_new(NULL);
    assert_non_null(m);
    mb_name(m, "T");
    cvm_insn code[512];
    uint32_t lines[512];
    size_t n = 0, line = 0;
    struct {
        char name[32];
        size_t pc;
    } labels[64], fix[128];
    size_t nlabels = 0, nfix = 0;
    char name[64] = "";
    uint32_t params = 0;
    size_t entry = 0;
    const char *p = src;
    while (*p) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char l[1024];
        assert_true(len < sizeof l);
        memcpy(l, p, len);
        l[len] = '\0';
        p += len + (eol ? 1 : 0);
        char *t = l;
        while (*t == ' ')
            t++;
        if (*t == '\0' || *t == ';' || strncmp(t, ".contract", 9) == 0)
            continue;
        if (strncmp(t, ".method", 7) == 0) {
            if (name[0])
                mb_method(m, name, (uint32_t)entry, (uint32_t)(n - entry), params, 0);
            params = 0;
            char pbuf[16] = "";
            sscanf(t + 7, "%63s %15s %u", name, pbuf, &params);
            entry = n;
            continue;
        }
        char *colon = strchr(t, ':');
        if (colon && !strchr(t, '"')) {
            *colon = '\0';
            snprintf(labels[nlabels].name, sizeof labels[0].name, "%.31s", t);
            labels[nlabels++].pc = n;
            continue;
        }
        char mn[32];
        int used = 0;
        sscanf(t, "%31s%n", mn, &used);
        int op = cvm_op_lookup(mn, strlen(mn));
        if (op < 0)
            fail_msg("line %zu: unknown mnemonic %s", line, mn);
        const char *arg = t + used;
        while (*arg == ' ')
            arg++;
        cvm_insn in = {(uint8_t)op, 0, 0};
        if (*arg == '"') {
            size_t sl;
            const char *rest;
            char *sv = tstr(arg, &sl, &rest);
            size_t k = 0;
            while (k < m->nconsts && !(m->consts[k].len == sl && memcmp(m->consts[k].bytes, sv, sl) == 0))
                k++;
            if (k == m->nconsts)
                mb_const(m, sv, sl);
            in.has_operand = 1;
            in.operand = (int64_t)k;
        } else if (*arg && (*arg == '-' || (*arg >= '0' && *arg <= '9'))) {
            in.has_operand = 1;
            in.operand = strtoll(arg, NULL, 10);
            if (strcmp(arg, "-9223372036854775808") == 0)
                in.operand = INT64_MIN;
        } else if (*arg) {
            in.has_operand = 1;
            snprintf(fix[nfix].name, sizeof fix[0].name, "%.31s", arg);
            fix[nfix++].pc = n;
        }
        assert_true(n < 512);
        lines[n] = (uint32_t)line;
        code[n++] = in;
    }
    if (name[0])
        mb_method(m, name, (uint32_t)entry, (uint32_t)(n - entry), params, 0);
    for (size_t i = 0; i < nfix; i++) {
        size_t j = 0;
        while (j < nlabels && strcmp(labels[j].name, fix[i].name) != 0)
            j++;
        if (j == nlabels)
            fail_msg("no label %s", fix[i].name);
        code[fix[i].pc].operand = (int64_t)labels[j].pc;
    }
    mb_code(m, code, n);
    m->lines = cvm_calloc(m->al, n ? n : 1, sizeof *m->lines);
    assert_non_null(m->lines);
    memcpy(m->lines, lines, n * sizeof *lines);
    char err[256];
    assert_int_equal(cvm_module_index_methods(m, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_interp_prepare(m), CVM_OK);
    return m;
}

static inline void tre_prepare(cvm_module *m, int unfused)
{
    if (m->exec)
        m->exec_free(m->al, m->exec);
    m->exec = NULL;
    assert_int_equal(unfused ? cvm_interp_prepare_unfused(m) : cvm_interp_prepare(m), CVM_OK);
}

static inline cvm_vtype tvtype(const char *s)
{
    if (strcmp(s, "int") == 0)
        return CVM_ARG_INT64;
    if (strcmp(s, "bytes") == 0)
        return CVM_ARG_BYTES;
    assert_string_equal(s, "string");
    return CVM_ARG_STRING;
}

/* Parses "a:bytes b:int" or "bytes int" into types (and names). */
static inline uint32_t tparse(cvm_module *m, const char *spec, cvm_vtype **types, char ***names)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    uint32_t n = 0;
    cvm_vtype t[32];
    char *nm[32];
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *colon = strchr(tok, ':');
        nm[n] = NULL;
        if (colon) {
            *colon = '\0';
            nm[n] = cvm_strndup(m->al, tok, strlen(tok));
            tok = colon + 1;
        }
        t[n++] = tvtype(tok);
    }
    *types = n ? cvm_calloc(m->al, n, sizeof **types) : NULL;
    if (n)
        memcpy(*types, t, n * sizeof *t);
    if (names) {
        *names = n ? cvm_calloc(m->al, n, sizeof **names) : NULL;
        for (uint32_t i = 0; i < n; i++)
            (*names)[i] = nm[i];
    } else {
        for (uint32_t i = 0; i < n; i++)
            cvm_free(m->al, nm[i]);
    }
    return n;
}

/* Gives method `method` of m the signature params (e.g. "to:bytes n:int")
 * and results ("int bytes"), then prepares m again. */
static inline void tsig(cvm_module *m, const char *method, const char *params, const char *results)
{
    cvm_method *me = NULL;
    for (size_t i = 0; i < m->nmethods; i++)
        if (strcmp(m->methods[i].name, method) == 0)
            me = &m->methods[i];
    assert_non_null(me);
    me->typed = true;
    uint32_t np = tparse(m, params, &me->ptypes, &me->pnames);
    assert_int_equal(np, me->params);
    me->nresults = tparse(m, results, &me->rtypes, NULL);
    tre_prepare(m, 0);
}

static inline void timport(cvm_module *m, const char *target, const char *params, const char *results)
{
    m->imports = cvm_realloc(m->al, m->imports, (m->nimports + 1) * sizeof *m->imports);
    cvm_import *im = &m->imports[m->nimports++];
    memset(im, 0, sizeof *im);
    im->target = cvm_strndup(m->al, target, strlen(target));
    im->nparams = tparse(m, params, &im->ptypes, NULL);
    im->nresults = tparse(m, results, &im->rtypes, NULL);
    tre_prepare(m, 0);
}

static inline void tevent(cvm_module *m, const char *name, const char *fields)
{
    m->events = cvm_realloc(m->al, m->events, (m->nevents + 1) * sizeof *m->events);
    cvm_event_decl *ev = &m->events[m->nevents++];
    memset(ev, 0, sizeof *ev);
    ev->name = cvm_strndup(m->al, name, strlen(name));
    ev->nfields = tparse(m, fields, &ev->ftypes, &ev->fnames);
    tre_prepare(m, 0);
}

/* ------------------------------------------------------------ running */

static inline void tsame(const cvm_exec_result *a, const cvm_exec_result *b, const char *variant)
{
    int same = a->status == b->status && a->result == b->result && a->gas_used == b->gas_used &&
               a->error.code == b->error.code && strcmp(a->error.message, b->error.message) == 0 &&
               a->error.pc == b->error.pc && a->error.line == b->error.line &&
               a->error.has_reason == b->error.has_reason && a->error.reason_len == b->error.reason_len &&
               memcmp(a->error.reason, b->error.reason, a->error.reason_len) == 0 && a->nresults == b->nresults;
    for (size_t i = 0; same && i < a->nresults; i++) {
        const cvm_arg *x = &a->results[i], *y = &b->results[i];
        same = x->type == y->type &&
               (x->type == CVM_ARG_INT64 ? x->v.i64 == y->v.i64
                                         : x->v.bytes.len == y->v.bytes.len &&
                                               (x->v.bytes.len == 0 ||
                                                memcmp(x->v.bytes.ptr, y->v.bytes.ptr, x->v.bytes.len) == 0));
    }
    if (!same)
        fail_msg("variant %s differs: status %d/%d gas %lld/%lld code %s/%s '%s'/'%s' pc %lld/%lld nres %zu/%zu", variant,
                 a->status, b->status, (long long)a->gas_used, (long long)b->gas_used, cvm_code_name(a->error.code),
                 cvm_code_name(b->error.code), a->error.message, b->error.message, (long long)a->error.pc,
                 (long long)b->error.pc, a->nresults, b->nresults);
}

/* Runs method with args in all eight variants from t's state; all must
 * agree. Returns the outcome (clear it with cvm_exec_result_clear); *t is
 * left as after one run. */
static inline cvm_exec_result trun_args(cvm_module *m, const char *method, const cvm_arg *args, size_t nargs, tb *t,
                                        int64_t gas)
{
    static const char *const names[] = {"switch", "goto", "switch+trace", "goto+trace",
                                        "switch unfused", "goto unfused", "switch+trace unfused",
                                        "goto+trace unfused"};
    tb start = tb_copy(t);
    cvm_exec_result first;
    memset(&first, 0, sizeof first);
    tb after;
    memset(&after, 0, sizeof after);
    for (int v = 0; v < 8; v++) {
        if (v == 4)
            tre_prepare(m, 1);
        tb run = tb_copy(&start);
        run.calls[0] = '\0';
        cvm_host h = tb_host(&run, (v & 2) != 0);
        cvm_exec_options o = {gas, (v & 1) ? CVM_DISPATCH_GOTO : CVM_DISPATCH_SWITCH};
        cvm_exec_result res;
        assert_int_equal(cvm_exec_args(m, method, args, nargs, &h, &o, &res), CVM_OK);
        if (v == 0) {
            first = res;
            after = run;
        } else {
            tsame(&first, &res, names[v]);
            if (strcmp(after.calls, run.calls) != 0)
                fail_msg("variant %s made other host calls: '%s' vs '%s'", names[v], after.calls, run.calls);
            cvm_exec_result_clear(&res);
            tb_clear(&run);
        }
    }
    tre_prepare(m, 0);
    tb_clear(&start);
    tb_clear(t);
    *t = after;
    return first;
}

static inline cvm_exec_result trun(cvm_module *m, tb *t, int64_t gas) { return trun_args(m, "main", NULL, 0, t, gas); }

static inline void tassert_trap(const cvm_exec_result *r, cvm_code code, const char *message)
{
    if (r->status != CVM_ERROR_SMART_CONTRACT || r->error.code != code || strcmp(r->error.message, message) != 0)
        fail_msg("expected %s '%s', got status %d %s '%s'", cvm_code_name(code), message, r->status,
                 cvm_code_name(r->error.code), r->error.message);
}

static inline void tassert_ok(const cvm_exec_result *r)
{
    if (r->status != CVM_SUCCESS)
        fail_msg("expected success, got %s: %s (pc %lld)", cvm_code_name(r->error.code), r->error.message,
                 (long long)r->error.pc);
}

/* Asserts result i is the bytes s (NUL-terminated) of type type. */
static inline void tassert_bytes(const cvm_exec_result *r, size_t i, cvm_arg_type type, const void *s, size_t n)
{
    assert_true(i < r->nresults);
    assert_int_equal(r->results[i].type, type);
    assert_int_equal(r->results[i].v.bytes.len, n);
    if (n)
        assert_memory_equal(r->results[i].v.bytes.ptr, s, n);
}

static inline void tassert_int(const cvm_exec_result *r, size_t i, int64_t v)
{
    assert_true(i < r->nresults);
    assert_int_equal(r->results[i].type, CVM_ARG_INT64);
    assert_int_equal(r->results[i].v.i64, v);
}

#endif
