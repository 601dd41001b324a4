/*
 * bytecode.c — the bytecode processor: runs methods of ICN modules
 * (src/interp) deployed through _Deployments, with a host (cvm_host) whose
 * callbacks are the SDK calls of the running frame, and the module cache.
 *
 * Bytecode methods are public; read-only per the module's flag; an untyped
 * one takes int64 arguments and returns one int64 (the result), a typed one
 * takes the mapped argument types and returns its declared results, typed
 * (docs/vm.md, "CallService / CallLibrary in bytecode"). The signer's
 * reputation comes from _Reputation. A trap is ERROR_SMART_CONTRACT with
 * the interpreter's error. Gas: the context's gas left is the method's
 * limit, and what it used (nested calls included) is taken from it.
 *
 * State values are integers (8 bytes little-endian, 0 absent: state/value.h)
 * or bytes (stored as they are); the run's write-back cache holds integers
 * only, and a bytes access is kept coherent with it (see "host callbacks").
 * Identity (Signer, Caller, Self) is docs/vm.md's "Identity".
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/suggest.h"
#include "bytecode/module.h"
#include "codec/utf8.h"
#include "crypto/hash.h"
#include "native/native.h"
#include "state/value.h"
#include "vm/bytecode.h"
#include "vm/sdk.h"

/* ------------------------------------------------------------ the cache */

cvm_status cvm_vm_module_get(cvm_vm *vm, const uint8_t *code, size_t len, const cvm_module **m, char *err,
                             size_t errcap)
{
    uint8_t h[CVM_SHA256_BYTES];
    cvm_sha256(code, len, h);
    cvm_map_entry *e = cvm_map_get(&vm->modules, h, sizeof h);
    if (e) {
        *m = e->pval;
        return CVM_OK;
    }
    cvm_module *mod = NULL;
    cvm_errmsg why;
    cvm_status st = cvm_module_load(vm->al, code, len, &mod, &why);
    if (st != CVM_OK) {
        snprintf(err, errcap, "%s", why.text);
        return st;
    }
    bool created;
    e = cvm_map_put(&vm->modules, h, sizeof h, &created);
    if (!e) {
        cvm_module_free(mod);
        snprintf(err, errcap, "out of memory for the module cache");
        return CVM_ENOMEM;
    }
    e->pval = mod;
    *m = mod;
    return CVM_OK;
}

void cvm_vm_modules_free(cvm_vm *vm)
{
    for (size_t i = 0; i < vm->modules.count; i++)
        cvm_module_free(vm->modules.entries[i].pval);
    cvm_map_free(&vm->modules);
}

/* The module deployed as service: from the context's map when this context
 * has seen it, else through _Deployments' code and the VM's cache. */
static cvm_code module_of(cvm_context *ctx, const char *service, const cvm_module **m, cvm_error *err)
{
    cvm_service_memo *memo = cvm_ctx_memo(ctx, service); /* made by the call's resolution */
    if (memo && memo->module) {
        *m = memo->module;
        return CVM_CODE_NONE;
    }
    const uint8_t *code;
    size_t len;
    cvm_code c = cvm_deployments_code(ctx, service, &code, &len, err);
    if (c != CVM_CODE_NONE)
        return c;
    char msg[200];
    cvm_status st = cvm_vm_module_get(ctx->vm, code, len, m, msg, sizeof msg);
    if (st == CVM_EINPUT) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "the code of %s does not load: %s", service, msg);
        return CVM_CODE_HOST_ERROR;
    }
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "loading %s: %s", service, msg);
    if (memo)
        memo->module = *m;
    return CVM_CODE_NONE;
}

/* Every bytecode parameter is an int64. */
static const cvm_arg_type int64_params[CVM_MAX_ARGS] = {
#define P8 CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64
    P8, P8, P8, P8, P8, P8, P8, P8
#undef P8
};
_Static_assert(CVM_MAX_ARGS == 64 && CVM_MAX_PARAMS == 64, "int64_params covers every bytecode parameter");

/* The same as declared types: an untyped method's signature. */
static const uint8_t int_vtypes[CVM_MAX_PARAMS] = {
#define P8 CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64, CVM_ARG_INT64
    P8, P8, P8, P8, P8, P8, P8, P8
#undef P8
};

static cvm_code bc_method_info(cvm_context *ctx, const char *service, const char *method, cvm_method_info *out,
                               cvm_error *err)
{
    const cvm_module *m;
    cvm_code c = module_of(ctx, service, &m, err);
    if (c != CVM_CODE_NONE)
        return c;
    const cvm_method *me = cvm_module_find_method(m, method, strlen(method));
    if (!me) {
        cvm_error_set(err, CVM_CODE_UNKNOWN_METHOD, "service %s has no method '%s'", service, method);
        cvm_suggest_append(err->message, sizeof err->message, method, strlen(method), m, m->nmethods,
                           cvm_module_method_name_at, "its methods");
        return CVM_CODE_UNKNOWN_METHOD;
    }
    out->name = me->name;
    out->params = me->typed ? NULL : int64_params;
    out->vtypes = !me->typed ? NULL : me->ptypes ? me->ptypes : int_vtypes; /* set for every typed method */
    out->nparams = me->params;
    out->flags = (me->flags & CVM_METHOD_READONLY) ? 0 : CVM_MF_WRITES;
    out->impl = m;
    return CVM_CODE_NONE;
}

/* A declared type's name as the assembler writes it. */
static const char *vtype_name(unsigned t)
{
    return t == CVM_ARG_INT64 ? "int" : t == CVM_ARG_BYTES ? "bytes" : t == CVM_ARG_STRING ? "string" : "?";
}

static bool utf8_ok(const cvm_arg *a)
{
    return a->v.bytes.len == 0 || cvm_utf8_valid(a->v.bytes.ptr, a->v.bytes.len, NULL);
}

bool cvm_bc_args_ok(const char *service, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                    cvm_error *err)
{
    const cvm_method *me = cvm_module_find_method(mi->impl, mi->name, strlen(mi->name));
    for (size_t i = 0; i < nargs; i++) {
        const cvm_arg *a = &args[i];
        unsigned want = mi->vtypes[i];
        bool ok = want == CVM_ARG_INT64    ? a->type == CVM_ARG_INT64 || a->type == CVM_ARG_BOOL ||
                                                 (a->type == CVM_ARG_UINT64 && a->v.u64 <= (uint64_t)INT64_MAX)
                  : want == CVM_ARG_BYTES ? a->type == CVM_ARG_BYTES || a->type == CVM_ARG_STRING
                                           : a->type == CVM_ARG_STRING || (a->type == CVM_ARG_BYTES && utf8_ok(a));
        if (ok)
            continue;
        char got[80];
        const char *tn = cvm_arg_type_name(a->type);
        if (a->type == CVM_ARG_UINT64 && want == CVM_ARG_INT64)
            snprintf(got, sizeof got, "uint64 %llu, above the largest int %lld", (unsigned long long)a->v.u64,
                     (long long)INT64_MAX);
        else if (a->type == CVM_ARG_BYTES && want == CVM_ARG_STRING)
            snprintf(got, sizeof got, "bytes that are not UTF-8");
        else
            snprintf(got, sizeof got, "%s", tn ? tn : "an unknown type");
        const char *pname = me && me->pnames && me->pnames[i] ? me->pnames[i] : NULL;
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s.%s: argument %zu%s%.40s%s must be %s, got %s", service,
                      mi->name, i + 1, pname ? " (" : "", pname ? pname : "", pname ? ")" : "", vtype_name(want), got);
        return false;
    }
    return true;
}

/* -------------------------------------------------------- host callbacks */

/* One run of a bytecode method: the context, and a small write-back cache
 * of the running frame's state, so that a loop of Load/Store on a few keys
 * touches the overlay (key building, hashing, undo journal) once per key
 * instead of once per instruction. Entries are found by the key's address
 * (string operands live in the module's constant pool) and confirmed by its
 * bytes (a popped key reuses one buffer). Dirty entries are written to the
 * overlay before anything else can look at this namespace — a nested call,
 * an SDK operation — and when the run ends, so nothing outside can tell.
 *
 * A string-operand key is resolved once per run (cvm_host.resolve) into a
 * pinned entry, which the interpreter then names by its address: pins are
 * never evicted during the run (the handle must stay valid), so the hot
 * Load/Store finds its entry with no hashing or comparing. A key is cached
 * in one place only: keyed loads and stores look at the pins first, and a
 * key that gets pinned leaves the slots. A flush writes the pins back and
 * forgets their values like the slots', but keeps the pins themselves.
 *
 * Bytes values are never cached: LoadBytes of a key whose integer the cache
 * holds (dirty or not) reads that integer's stored form from the cache; a
 * bytes Store writes through to the overlay and then drops the key's entry
 * (a dirty integer there is older than the bytes: never written), so the
 * next integer Load reads the overlay and finds bytes it must refuse
 * unless they are 8. */
#define BC_CACHE_SLOTS 8
#define BC_CACHE_KEY 32
#define BC_PINS 32

typedef struct bc_slot {
    uint8_t key[BC_CACHE_KEY];
    uint8_t keylen;
    bool valid, dirty;
    int64_t value;
} bc_slot;

typedef struct bc_run {
    cvm_context *ctx; /* borrowed */
    bc_slot slots[BC_CACHE_SLOTS];
    bc_slot pins[BC_PINS]; /* npins used, each with its key; valid/dirty as in slots */
    size_t npins;
    bool store_cached;     /* store_cacheable(ctx), fixed for the run: callbacks see this run's frame on top */
    uint8_t vbuf[CVM_STATE_I64_BYTES]; /* a cached integer's stored form, lent by host_load_bytes */
    cvm_arg results[CVM_MAX_OUTPUTS];  /* a typed call's results, lent by host_call (bytes in the arena) */
} bc_run;

static bc_slot *slot_of(bc_run *r, const uint8_t *key)
{
    uintptr_t h = (uintptr_t)key;
    return &r->slots[(h ^ (h >> 5)) & (BC_CACHE_SLOTS - 1)];
}

/* Keys are short: a byte loop beats a call of memcmp here (it was a third
 * of the counter loop's time). */
static inline bool slot_holds(const bc_slot *s, const uint8_t *key, size_t keylen)
{
    if (!s->valid || s->keylen != keylen)
        return false;
    for (size_t i = 0; i < keylen; i++)
        if (s->key[i] != key[i])
            return false;
    return true;
}

/* The entry holding key: its own slot first (the common case), then any
 * other (the same bytes may come through another address: a popped key
 * equal to a constant), so that no key is ever cached twice. */
static bc_slot *slot_find(bc_run *r, const uint8_t *key, size_t keylen)
{
    bc_slot *s = slot_of(r, key);
    if (slot_holds(s, key, keylen))
        return s;
    for (size_t i = 0; i < BC_CACHE_SLOTS; i++)
        if (slot_holds(&r->slots[i], key, keylen))
            return &r->slots[i];
    return NULL;
}

/* key[0..len) for a message: 'text' when printable, else its printable
 * start and the rest in hex ('balance/'+0x12ab...), cut to fit cap. */
static void key_text(const uint8_t *key, size_t len, char *out, size_t cap)
{
    size_t p = 0;
    while (p < len && key[p] >= 0x20 && key[p] < 0x7f && key[p] != '\'')
        p++;
    size_t n = 0;
    if (p || !len)
        n = (size_t)snprintf(out, cap, "'%.*s'%s", (int)(p > 48 ? 48 : p), (const char *)key, p > 48 ? "..." : "");
    if (p == len || n + 8 >= cap)
        return;
    n += (size_t)snprintf(out + n, cap - n, "%s0x", p ? "+" : "");
    size_t i = p;
    for (; i < len && n + 6 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%02x", key[i]);
    if (i < len)
        snprintf(out + n, cap - n, "...");
}

/* An integer Load from the overlay: absent reads 0; a stored value that is
 * not 8 bytes (bytes a Store of bytes left) is TYPE_MISMATCH naming the
 * key. Out of line: the hot path finds its value in the cache. */
__attribute__((noinline)) static cvm_code read_i64(bc_run *r, const uint8_t *key, size_t keylen, int64_t *v,
                                                   cvm_error *err)
{
    const uint8_t *p;
    size_t n;
    *v = 0;
    cvm_code c = cvm_sdk_state_read(r->ctx, key, keylen, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (cvm_state_i64_decode(p, n, v, NULL, 0) != CVM_OK) {
        char k[128];
        key_text(key, keylen, k, sizeof k);
        cvm_error_set(err, CVM_CODE_TYPE_MISMATCH,
                      "Load needs an integer (8 bytes) and key %s holds %zu bytes; LoadBytes reads them", k, n);
        return CVM_CODE_TYPE_MISMATCH;
    }
    return CVM_CODE_NONE;
}

static cvm_code slot_flush(bc_run *r, bc_slot *s, cvm_error *err)
{
    if (!s->dirty)
        return CVM_CODE_NONE;
    s->dirty = false;
    return cvm_sdk_state_write_i64(r->ctx, s->key, s->keylen, s->value, err);
}

/* Writes the dirty ones of entries[0..n) and forgets their values; the
 * first failure is kept in *first. */
static void flush_entries(bc_run *r, bc_slot *entries, size_t n, cvm_code *first, cvm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        cvm_code c = slot_flush(r, &entries[i], err);
        if (*first == CVM_CODE_NONE)
            *first = c;
        entries[i].valid = false;
    }
}

/* Writes every dirty entry and forgets them all (pins stay pinned). */
static cvm_code cache_flush(bc_run *r, cvm_error *err)
{
    cvm_code first = CVM_CODE_NONE;
    flush_entries(r, r->slots, BC_CACHE_SLOTS, &first, err);
    flush_entries(r, r->pins, r->npins, &first, err);
    return first;
}

/* The pin of key, or NULL. */
static bc_slot *pin_find(bc_run *r, const uint8_t *key, size_t keylen)
{
    for (size_t i = 0; i < r->npins; i++) {
        bc_slot *p = &r->pins[i];
        if (p->keylen == keylen && memcmp(p->key, key, keylen) == 0)
            return p;
    }
    return NULL;
}

/* Whether a Store may stay in the cache: not when the context or frame is
 * read-only, where the overlay's write says why it fails. */
static bool store_cacheable(const cvm_context *ctx)
{
    return !ctx->read_only && ctx->depth != 0 && !ctx->frames[ctx->depth - 1].read_only;
}

/* cvm_host.resolve: pins a key of at most BC_CACHE_KEY bytes (declines
 * longer ones and any beyond BC_PINS: they go by key). */
static cvm_code host_resolve(void *ud, const uint8_t *key, size_t keylen, void **handle, cvm_error *err)
{
    bc_run *r = ud;
    (void)err;
    *handle = NULL;
    if (keylen > BC_CACHE_KEY)
        return CVM_CODE_NONE;
    bc_slot *p = pin_find(r, key, keylen);
    if (!p) {
        if (r->npins == BC_PINS)
            return CVM_CODE_NONE;
        p = &r->pins[r->npins++];
        memset(p, 0, sizeof *p);
        memcpy(p->key, key, keylen);
        p->keylen = (uint8_t)keylen;
        bc_slot *s = slot_find(r, key, keylen);
        if (s) { /* the key moves, value and dirtiness with it */
            p->valid = true;
            p->dirty = s->dirty;
            p->value = s->value;
            s->valid = s->dirty = false;
        }
    }
    *handle = p;
    return CVM_CODE_NONE;
}

static cvm_code host_load_at(void *ud, void *handle, int64_t *value, cvm_error *err)
{
    bc_run *r = ud;
    bc_slot *p = handle;
    if (p->valid) {
        *value = p->value;
        return CVM_CODE_NONE;
    }
    cvm_code c = read_i64(r, p->key, p->keylen, value, err);
    if (c != CVM_CODE_NONE)
        return c;
    p->value = *value;
    p->valid = true;
    return CVM_CODE_NONE;
}

/* A pinned Store that may not stay in the cache goes to the overlay, which
 * says why it fails, if it does. */
__attribute__((noinline)) static cvm_code store_through(bc_run *r, bc_slot *p, int64_t value, cvm_error *err)
{
    cvm_code c = cvm_sdk_state_write_i64(r->ctx, p->key, p->keylen, value, err);
    if (c == CVM_CODE_NONE) { /* the overlay now holds the newest value */
        p->value = value;
        p->valid = true;
        p->dirty = false;
    }
    return c;
}

static cvm_code host_store_at(void *ud, void *handle, int64_t value, cvm_error *err)
{
    bc_run *r = ud;
    bc_slot *p = handle;
    if (!r->store_cached)
        return store_through(r, p, value, err);
    p->value = value;
    p->valid = p->dirty = true;
    return CVM_CODE_NONE;
}

static cvm_code host_load(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    bc_run *r = ud;
    bc_slot *p = r->npins ? pin_find(r, key, keylen) : NULL;
    if (p)
        return host_load_at(ud, p, value, err);
    bc_slot *s = slot_find(r, key, keylen);
    if (s) {
        *value = s->value;
        return CVM_CODE_NONE;
    }
    s = slot_of(r, key);
    cvm_code c = read_i64(r, key, keylen, value, err);
    if (c != CVM_CODE_NONE || keylen > BC_CACHE_KEY)
        return c;
    if ((c = slot_flush(r, s, err)) != CVM_CODE_NONE)
        return c;
    memcpy(s->key, key, keylen);
    s->keylen = (uint8_t)keylen;
    s->valid = true;
    s->value = *value;
    return CVM_CODE_NONE;
}

static cvm_code host_store(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err)
{
    bc_run *r = ud;
    bc_slot *p = r->npins ? pin_find(r, key, keylen) : NULL;
    if (p)
        return host_store_at(ud, p, value, err);
    if (keylen > BC_CACHE_KEY || !r->store_cached)
        return cvm_sdk_state_write_i64(r->ctx, key, keylen, value, err); /* says why it fails, if it does */
    bc_slot *s = slot_find(r, key, keylen);
    if (!s) {
        s = slot_of(r, key);
        cvm_code c = slot_flush(r, s, err);
        if (c != CVM_CODE_NONE)
            return c;
        memcpy(s->key, key, keylen);
        s->keylen = (uint8_t)keylen;
        s->valid = true;
    }
    s->value = value;
    s->dirty = true;
    return CVM_CODE_NONE;
}

/* The entry caching key's integer (a pin or a slot), or NULL. */
static bc_slot *entry_of(bc_run *r, const uint8_t *key, size_t keylen)
{
    bc_slot *p = r->npins ? pin_find(r, key, keylen) : NULL;
    return p ? p : slot_find(r, key, keylen);
}

static cvm_code host_load_bytes(void *ud, const uint8_t *key, size_t keylen, void *handle, const uint8_t **value,
                                size_t *len, cvm_error *err)
{
    bc_run *r = ud;
    bc_slot *s = handle ? handle : entry_of(r, key, keylen);
    if (s && s->valid) { /* the newest value is the cached integer, perhaps not yet written */
        cvm_state_i64_encode(s->value, r->vbuf, len);
        *value = r->vbuf;
        return CVM_CODE_NONE;
    }
    return cvm_sdk_state_read(r->ctx, key, keylen, value, len, err);
}

static cvm_code host_store_bytes(void *ud, const uint8_t *key, size_t keylen, void *handle, const uint8_t *value,
                                 size_t len, cvm_error *err)
{
    bc_run *r = ud;
    cvm_code c = cvm_sdk_state_write(r->ctx, key, keylen, value, len, err); /* says why it fails, if it does */
    if (c != CVM_CODE_NONE)
        return c;
    bc_slot *s = handle ? handle : entry_of(r, key, keylen);
    if (s) /* the overlay now holds the newest value; a dirty integer here is older */
        s->valid = s->dirty = false;
    return CVM_CODE_NONE;
}

static cvm_code host_emit(void *ud, const uint8_t *name, size_t namelen, int64_t value, cvm_error *err)
{
    cvm_event_field f = {"value", cvm_arg_int64(value)};
    return cvm_sdk_emit(((bc_run *)ud)->ctx, (const char *)name, namelen, &f, 1, err);
}

/* Emit of a declared event: its typed fields, recorded as native services'
 * events are (receipts, the event history, coopvm events). */
static cvm_code host_emit_fields(void *ud, const uint8_t *name, size_t namelen, const cvm_event_field *fields,
                                 size_t nfields, cvm_error *err)
{
    return cvm_sdk_emit(((bc_run *)ud)->ctx, (const char *)name, namelen, fields, nfields, err);
}

static cvm_code host_log(void *ud, int64_t value, cvm_error *err) { return cvm_sdk_log(((bc_run *)ud)->ctx, value, err); }

static cvm_code host_sdk(void *ud, const cvm_sdk_request *req, int64_t *result, cvm_error *err)
{
    bc_run *r = ud;
    cvm_code c = cache_flush(r, err);
    if (c != CVM_CODE_NONE)
        return c;
    /* the service's gas is the caller's, as for CallService: it runs on
     * what the method has left, and what it used is charged to it */
    cvm_context *ctx = r->ctx;
    ctx->gas_left = req->gas_left;
    c = cvm_sdk_coop(ctx, req, result, err);
    if (req->gas_used)
        *req->gas_used = req->gas_left - ctx->gas_left;
    return c;
}

static void host_trace(void *ud, const cvm_trace_step *step)
{
    cvm_context *ctx = ((bc_run *)ud)->ctx;
    ctx->vm->trace(ctx->vm->trace_ud, ctx->height, (size_t)ctx->tx_index, step);
}

/* A callee's signature as a typed call sees it: bytecode's declared types
 * (an untyped method: N ints, one int), or a native method's parameter
 * types (its outputs are known only once it returns). */
typedef struct bc_sig {
    bool native;
    const uint8_t *ptypes; /* np: cvm_vtype, or cvm_arg_type for a native method */
    size_t np;
    const uint8_t *rtypes; /* nr cvm_vtype; NULL for a native method */
    size_t nr;
    size_t nopt;           /* a native method's optional trailing parameters (CVM_MF_OPTIONAL) */
    uint8_t buf[CVM_MAX_ARGS];
} bc_sig;

static void sig_of(const cvm_target *tg, bc_sig *sg)
{
    memset(sg, 0, offsetof(bc_sig, buf));
    sg->np = tg->mi.nparams;
    if (tg->proc->type != CVM_PROCESSOR_BYTECODE) {
        sg->native = true;
        sg->nopt = CVM_MF_NOPTIONAL(tg->mi.flags);
        if (sg->nopt > sg->np)
            sg->nopt = sg->np;
        for (size_t i = 0; i < sg->np && i < CVM_MAX_ARGS; i++)
            sg->buf[i] = (uint8_t)tg->mi.params[i];
        sg->ptypes = sg->buf;
        return;
    }
    const cvm_method *me = cvm_module_find_method(tg->mi.impl, tg->mi.name, strlen(tg->mi.name));
    if (me && me->typed) {
        sg->ptypes = me->ptypes;
        sg->rtypes = me->rtypes;
        sg->nr = me->nresults;
    } else {
        sg->ptypes = int_vtypes;
        sg->rtypes = int_vtypes;
        sg->nr = 1;
    }
}

/* Appends words to out (cap bytes, *n used so far, kept NUL-terminated). */
static void put_words(char *out, size_t cap, size_t *n, const char *w)
{
    int k = snprintf(out + *n, cap - *n, "%s", w);
    *n += k < 0 ? 0 : (size_t)k < cap - *n ? (size_t)k : cap - *n - 1;
}

/* Appends " t1 t2 ..." (" none" when empty): declared type names, or a
 * native method's cvm_arg_type names. */
static void put_types(char *out, size_t cap, size_t *n, bool native, const uint8_t *t, size_t nt)
{
    if (!nt)
        put_words(out, cap, n, " none");
    for (size_t i = 0; i < nt; i++) {
        const char *tn = native ? cvm_arg_type_name((cvm_arg_type)t[i]) : vtype_name(t[i]);
        put_words(out, cap, n, " ");
        put_words(out, cap, n, tn ? tn : "?");
    }
}

/* WRONG_ARGUMENTS naming both signatures: the import's ("params int
 * returns bytes") and the callee's: its parameters and declared results,
 * or for a native method its parameters and, once it returned (outs not
 * NULL), the types it returned. */
static cvm_code sig_mismatch(const cvm_call_request *req, const char *op, const cvm_target *tg, const bc_sig *sg,
                             const cvm_arg *outs, size_t nouts, cvm_error *err)
{
    char a[96], b[120];
    size_t n = 0, m = 0;
    a[0] = b[0] = '\0';
    put_words(a, sizeof a, &n, "params");
    put_types(a, sizeof a, &n, false, req->param_types, req->nargs);
    put_words(a, sizeof a, &n, " returns");
    put_types(a, sizeof a, &n, false, req->result_types, req->nresults);
    put_words(b, sizeof b, &m, "params");
    put_types(b, sizeof b, &m, sg->native, sg->ptypes, sg->np);
    if (sg->nopt) {
        char o[48];
        snprintf(o, sizeof o, " (the last %zu optional)", sg->nopt);
        put_words(b, sizeof b, &m, o);
    }
    if (!sg->native) {
        put_words(b, sizeof b, &m, " returns");
        put_types(b, sizeof b, &m, false, sg->rtypes, sg->nr);
    } else if (outs) {
        uint8_t t[CVM_MAX_OUTPUTS];
        for (size_t i = 0; i < nouts && i < CVM_MAX_OUTPUTS; i++)
            t[i] = (uint8_t)outs[i].type;
        put_words(b, sizeof b, &m, " and returned");
        put_types(b, sizeof b, &m, true, t, nouts < CVM_MAX_OUTPUTS ? nouts : CVM_MAX_OUTPUTS);
    }
    cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s %.63s.%.63s: the import declares %s; the %s has %s", op,
                  tg->service, tg->mi.name, a, sg->native ? "native method" : "method", b);
    return CVM_CODE_WRONG_ARGUMENTS;
}

/* Whether a result of type got (a cvm_vtype, or a native output's
 * cvm_arg_type) may be taken as the declared type want: int from int64,
 * uint64 and bool; bytes from bytes and string; string from string. */
static bool result_fits(unsigned want, unsigned got)
{
    if (want == CVM_ARG_INT64)
        return got == CVM_ARG_INT64 || got == CVM_ARG_UINT64 || got == CVM_ARG_BOOL;
    if (want == CVM_ARG_BYTES)
        return got == CVM_ARG_BYTES || got == CVM_ARG_STRING;
    return got == CVM_ARG_STRING;
}

/* Whether an import's parameter type want fits the callee's: bytecode
 * exactly, a native int64, uint64 or bool for int, bytes for bytes,
 * string for string. */
static bool param_fits(unsigned want, unsigned callee, bool native)
{
    if (!native || want != CVM_ARG_INT64)
        return want == callee;
    return callee == CVM_ARG_INT64 || callee == CVM_ARG_UINT64 || callee == CVM_ARG_BOOL;
}

/* A typed call's arguments (req->args, checked against the callee's real
 * signature first) as the callee's parameters take them. */
static cvm_code typed_args(const cvm_call_request *req, const char *op, const cvm_target *tg, const bc_sig *sg,
                           cvm_arg *args, cvm_error *err)
{
    bool same = req->nargs <= sg->np && req->nargs >= sg->np - sg->nopt && (sg->native || req->nresults == sg->nr);
    for (size_t i = 0; same && i < req->nargs; i++)
        same = param_fits(req->param_types[i], sg->ptypes[i], sg->native);
    for (size_t i = 0; same && !sg->native && i < req->nresults; i++)
        same = result_fits(req->result_types[i], sg->rtypes[i]);
    if (!same)
        return sig_mismatch(req, op, tg, sg, NULL, 0, err);
    for (size_t i = 0; i < req->nargs; i++) {
        const cvm_arg *a = &req->args[i];
        unsigned want = req->param_types[i];
        if ((want == CVM_ARG_INT64) != (a->type == CVM_ARG_INT64)) { /* the interpreter's slip */
            const char *got = cvm_arg_type_name(a->type);
            cvm_error_set(err, CVM_CODE_HOST_ERROR, "%s %.63s.%.63s: argument %zu is %s, the import says %s", op,
                          tg->service, tg->mi.name, i + 1, got ? got : "?", vtype_name(want));
            return CVM_CODE_HOST_ERROR;
        }
        if (want != CVM_ARG_INT64) {
            /* a bytecode callee checks a string parameter's UTF-8 itself (cvm_bc_args_ok) */
            if (sg->native && want == CVM_ARG_STRING && !utf8_ok(a)) {
                cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                              "%s %.63s.%.63s: argument %zu must be a string, got bytes that are not UTF-8", op,
                              tg->service, tg->mi.name, i + 1);
                return CVM_CODE_WRONG_ARGUMENTS;
            }
            args[i] = cvm_arg_bytes(a->v.bytes.ptr, a->v.bytes.len);
            if (sg->native && want == CVM_ARG_STRING)
                args[i].type = CVM_ARG_STRING;
            continue;
        }
        int64_t v = a->v.i64;
        unsigned to = sg->native ? sg->ptypes[i] : CVM_ARG_INT64;
        if ((to == CVM_ARG_UINT64 && v < 0) || (to == CVM_ARG_BOOL && v != 0 && v != 1)) {
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                          "%s %.63s.%.63s: argument %zu is %lld; its %s parameter takes %s", op, tg->service,
                          tg->mi.name, i + 1, (long long)v, cvm_arg_type_name((cvm_arg_type)to),
                          to == CVM_ARG_BOOL ? "0 or 1" : "0 or more");
            return CVM_CODE_WRONG_ARGUMENTS;
        }
        args[i] = to == CVM_ARG_UINT64 ? cvm_arg_uint64((uint64_t)v)
                  : to == CVM_ARG_BOOL  ? cvm_arg_bool(v != 0)
                                        : cvm_arg_int64(v);
    }
    return CVM_CODE_NONE;
}

/* A typed call's results, each an integer or bytes, in run->results. */
static cvm_code typed_results(bc_run *run, const cvm_call_request *req, const char *op, const cvm_target *tg,
                              const bc_sig *sg, const cvm_call_out *out, cvm_call_reply *rep, cvm_error *err)
{
    bool same = out->noutputs == req->nresults;
    for (size_t i = 0; same && i < req->nresults; i++)
        same = result_fits(req->result_types[i], out->outputs[i].type);
    if (!same)
        return sig_mismatch(req, op, tg, sg, out->outputs, out->noutputs, err);
    for (size_t i = 0; i < out->noutputs; i++) {
        const cvm_arg *o = &out->outputs[i];
        cvm_arg *v = &run->results[i];
        if (o->type == CVM_ARG_STRING || o->type == CVM_ARG_BYTES)
            *v = cvm_arg_bytes(o->v.bytes.ptr, o->v.bytes.len); /* in the context's arena */
        else if (o->type == CVM_ARG_BOOL)
            *v = cvm_arg_int64(o->v.boolean != 0);
        else if (o->type == CVM_ARG_INT64)
            *v = *o;
        else if (o->v.u64 <= (uint64_t)INT64_MAX)
            *v = cvm_arg_int64((int64_t)o->v.u64);
        else {
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                          "%s %.63s.%.63s: result %zu is uint64 %llu, above the largest int %lld", op, tg->service,
                          tg->mi.name, i + 1, (unsigned long long)o->v.u64, (long long)INT64_MAX);
            return CVM_CODE_WRONG_ARGUMENTS;
        }
    }
    rep->results = run->results;
    rep->nresults = out->noutputs;
    return CVM_CODE_NONE;
}

/* An untyped call's arguments: the callee's parameter count of integers
 * from the top of the stack; a parameter that is not an integer, or a
 * cell that holds bytes, is refused. */
static cvm_code untyped_args(const cvm_call_request *req, const char *op, const cvm_target *tg, cvm_arg *args,
                             cvm_error *err)
{
    size_t n = tg->mi.nparams;
    if (req->depth < n) {
        cvm_error_set(err, CVM_CODE_STACK_UNDERFLOW, "%s %s.%s needs %zu argument%s, the stack holds %zu", op,
                      tg->service, tg->mi.name, n, n == 1 ? "" : "s", req->depth);
        return CVM_CODE_STACK_UNDERFLOW;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned t = tg->mi.vtypes ? tg->mi.vtypes[i] : (unsigned)tg->mi.params[i];
        if (t != CVM_ARG_INT64) {
            const char *tn = tg->mi.vtypes ? vtype_name(t) : cvm_arg_type_name((cvm_arg_type)t);
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                          "%s %s.%s: parameter %zu is %s; a call without an .import passes int64 only", op,
                          tg->service, tg->mi.name, i + 1, tn ? tn : "?");
            return CVM_CODE_WRONG_ARGUMENTS;
        }
        if (req->is_bytes && req->is_bytes[req->depth - n + i]) {
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                          "%s %s.%s: argument %zu is bytes; a call without an .import passes integers only", op,
                          tg->service, tg->mi.name, i + 1);
            return CVM_CODE_WRONG_ARGUMENTS;
        }
        args[i] = cvm_arg_int64(req->stack[req->depth - n + i]);
    }
    return CVM_CODE_NONE;
}

/* CallService / CallLibrary "Svc.method": typed when an .import names the
 * target (req->args), else integers in and one integer out, as always. */
static cvm_code host_call(void *ud, const cvm_call_request *req, cvm_call_reply *rep, cvm_error *err)
{
    bc_run *run = ud;
    cvm_context *ctx = run->ctx;
    cvm_code fc = cache_flush(run, err); /* the callee may read or write this namespace */
    if (fc != CVM_CODE_NONE)
        return fc;
    const char *t = (const char *)req->target;
    const char *dot = memchr(t, '.', req->target_len);
    const char *op = req->library ? "CallLibrary" : "CallService";
    if (!dot || dot == t || dot == t + req->target_len - 1) {
        cvm_error_set(err, CVM_CODE_UNKNOWN_METHOD, "%s: '%.*s' is not \"Service.method\"", op,
                      (int)(req->target_len > 100 ? 100 : req->target_len), t);
        return CVM_CODE_UNKNOWN_METHOD;
    }
    cvm_call_kind kind = req->library ? CVM_CALL_LIBRARY : CVM_CALL_SERVICE;
    cvm_target tg;
    cvm_call_out out;
    size_t slen = (size_t)(dot - t);
    if (!cvm_call_resolve(ctx, kind, t, slen, dot + 1, req->target_len - slen - 1, &tg, &out)) {
        *err = out.error;
        return out.error.code;
    }
    cvm_arg args[CVM_MAX_ARGS];
    bc_sig sg;
    size_t n = req->args ? req->nargs : tg.mi.nparams;
    cvm_code c;
    if (req->args) {
        sig_of(&tg, &sg);
        c = typed_args(req, op, &tg, &sg, args, err);
    } else {
        c = untyped_args(req, op, &tg, args, err);
    }
    if (c != CVM_CODE_NONE)
        return c;
    rep->popped = n;
    ctx->gas_left = req->gas_left;
    cvm_call_invoke(ctx, kind, &tg, args, n, &out);
    rep->gas_used = req->gas_left - ctx->gas_left;
    if (out.status != CVM_SUCCESS) {
        *err = out.error; /* the innermost code, message and reason, whatever the depth */
        cvm_error_wrap(err, tg.service, tg.mi.name);
        return out.error.code ? out.error.code : CVM_CODE_HOST_ERROR;
    }
    if (req->args)
        return typed_results(run, req, op, &tg, &sg, &out, rep, err);
    if (out.noutputs != 1 || out.outputs[0].type != CVM_ARG_INT64) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s %s.%s: it must return one int64", op, tg.service,
                      tg.mi.name);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    rep->result = out.outputs[0].v.i64;
    return CVM_CODE_NONE;
}

/* An address, or NULL for the zeros of an unsigned call's signer (no
 * key's or service's address is all zeros but by a SHA-256 preimage). */
static const uint8_t *address_or_null(const uint8_t *a)
{
    for (size_t i = 0; i < CVM_ADDRESS_BYTES; i++)
        if (a[i])
            return a;
    return NULL;
}

/* Caller (docs/vm.md, "Identity"): library frames act as the frame below
 * them, so look through them to the frame this code acts as; its caller is
 * the frame below that (its owner's address), or the signer at the bottom. */
static const uint8_t *caller_of(const cvm_context *ctx)
{
    size_t i = ctx->depth - 1;
    while (i > 0 && ctx->frames[i].library)
        i--;
    return i == 0 ? address_or_null(ctx->signer) : ctx->frames[i - 1].address;
}

/* A typed method's results as its receipt's outputs, typed as declared
 * (bytes copied into the context's arena). False when memory ran out. */
static bool typed_outputs(cvm_context *ctx, const cvm_method *me, const cvm_exec_result *res, cvm_call_out *out,
                          cvm_error *err)
{
    out->noutputs = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < res->nresults && i < me->nresults; i++) {
        cvm_arg v = res->results[i];
        if (v.type != CVM_ARG_INT64)
            v.type = me->rtypes[i] == CVM_ARG_STRING ? CVM_ARG_STRING : CVM_ARG_BYTES;
        ok = cvm_out_put(ctx, out, v);
    }
    if (!ok)
        cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for the results of %s", me->name);
    return ok;
}

static void bc_process_call(cvm_context *ctx, const cvm_method_info *mi, const cvm_arg *args, size_t nargs,
                            cvm_call_out *out)
{
    const cvm_module *m = mi->impl;
    cvm_error err;
    int64_t rep = 0;
    if (cvm_reputation_of(ctx, ctx->signer, &rep, &err) != CVM_CODE_NONE) {
        cvm_out_fail(out, CVM_ERROR_UNEXPECTED, &err);
        return;
    }
    _Static_assert(CVM_MAX_RESULTS <= CVM_MAX_OUTPUTS, "a typed method's results fit a call's outputs");
    const cvm_method *me = mi->vtypes ? cvm_module_find_method(m, mi->name, strlen(mi->name)) : NULL;
    /* the transaction's types mapped onto the declared ones (cvm_bc_args_ok
     * checked them): int64, uint64, bool -> an integer; string, bytes -> bytes */
    int64_t a[CVM_MAX_ARGS];
    cvm_arg ta[CVM_MAX_ARGS];
    for (size_t i = 0; i < nargs; i++) {
        const cvm_arg *x = &args[i];
        a[i] = x->type == CVM_ARG_BOOL ? x->v.boolean != 0 : x->type == CVM_ARG_UINT64 ? (int64_t)x->v.u64 : x->v.i64;
        if (me && (x->type == CVM_ARG_STRING || x->type == CVM_ARG_BYTES))
            ta[i] = cvm_arg_bytes(x->v.bytes.ptr, x->v.bytes.len);
        else
            ta[i] = cvm_arg_int64(a[i]);
    }
    bc_run run;
    memset(run.slots, 0, sizeof run.slots); /* the pins need no clearing: npins says which are used */
    run.npins = 0;
    run.ctx = ctx;
    run.store_cached = store_cacheable(ctx);
    cvm_host h = {
        .ud = &run,
        .load = host_load,
        .store = host_store,
        .emit = host_emit,
        .log = host_log,
        .sdk = host_sdk,
        .call = host_call,
        .resolve = host_resolve,
        .load_at = host_load_at,
        .store_at = host_store_at,
        .load_bytes = host_load_bytes,
        .store_bytes = host_store_bytes,
        .emit_fields = host_emit_fields,
        .trace = ctx->vm->trace && ctx->depth == 1 ? host_trace : NULL,
        .reputation = rep,
        .block_height = (int64_t)ctx->height,
        .block_time = (int64_t)ctx->timestamp,
        .signer = address_or_null(ctx->signer),
        .caller = caller_of(ctx),
        .self = ctx->frames[ctx->depth - 1].address, /* the owner's: a library's caller's */
    };
    int64_t start = ctx->gas_left;
    cvm_exec_options opts = {start > 0 ? start : -1, ctx->vm->dispatch};
    cvm_exec_result res;
    cvm_status st = me ? cvm_exec_args(m, mi->name, ta, nargs, &h, &opts, &res)
                       : cvm_exec(m, mi->name, a, nargs, &h, &opts, &res);
    if (st != CVM_OK) {
        cvm_ctx_fail(ctx, st, &err, "running %s: %s", mi->name, cvm_status_name(st));
        cvm_out_fail(out, CVM_ERROR_UNEXPECTED, &err);
        return;
    }
    ctx->gas_left = start - res.gas_used;
    if (cache_flush(&run, &err) != CVM_CODE_NONE && ctx->fatal == CVM_OK)
        cvm_ctx_fail(ctx, CVM_ESTATE, NULL, "writing back the state of %s", mi->name);
    out->status = res.status;
    out->error = res.error;
    out->noutputs = 0;
    if (res.status == CVM_SUCCESS && me) {
        if (!typed_outputs(ctx, me, &res, out, &err))
            cvm_out_fail(out, CVM_ERROR_UNEXPECTED, &err);
    } else if (res.status == CVM_SUCCESS) {
        out->outputs[0] = cvm_arg_int64(res.result);
        out->noutputs = 1;
    } else if (ctx->fatal != CVM_OK) {
        out->status = CVM_ERROR_UNEXPECTED;
    }
    cvm_exec_result_clear(&res);
}

const cvm_processor cvm_bytecode_processor = {
    CVM_PROCESSOR_BYTECODE, "bytecode", bc_method_info, bc_process_call, NULL,
};
