/*
 * sdk.c — the SDK calls (sdk.h) and the one call path every call takes (a
 * transaction's, CallServiceMethod, CallLibraryMethod): resolve the callee
 * through _Deployments, check permissions and arguments, push a frame, run
 * it on its processor, pop.
 *
 * The order of the checks is part of the behaviour (docs/vm.md): not
 * deployed, unknown method, call depth, system-only, read-write in a
 * read-only frame, argument count and types.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "bytecode/module.h"
#include "codec/args.h"
#include "codec/event.h"
#include "native/native.h"
#include "state/value.h"
#include "vm/bytecode.h"
#include "vm/sdk.h"

static void copy_n(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Is the caller of a new frame a system caller? The VM at genesis, or a
 * system service (a name starting with '_') calling. The frame's owner is
 * its identity, not the code it runs: a library's code runs as its caller,
 * so calling a system service's code as a library grants nothing. */
static bool caller_is_system(const cvm_context *ctx)
{
    if (ctx->depth == 0)
        return ctx->system;
    return ctx->frames[ctx->depth - 1].owner[0] == '_';
}

bool cvm_call_resolve(cvm_context *ctx, cvm_call_kind kind, const char *service, size_t service_len,
                      const char *method, size_t method_len, cvm_target *t, cvm_call_out *out)
{
    cvm_error err;
    memset(t, 0, sizeof *t);
    if (service_len == 0 || service_len > CVM_SERVICE_NAME_MAX || memchr(service, '\0', service_len)) {
        cvm_error_set(&err, CVM_CODE_CONTRACT_NOT_DEPLOYED, "no service named '%.*s'",
                      (int)(service_len > 63 ? 63 : service_len), service);
        cvm_out_fail(out, CVM_ERROR_CONTRACT_NOT_DEPLOYED, &err);
        return false;
    }
    copy_n(t->service, sizeof t->service, service, service_len);
    uint64_t type = 0;
    bool found = false;
    cvm_code c = CVM_CODE_NONE;
    cvm_service_memo *memo = cvm_ctx_memo(ctx, t->service);
    if (memo) {
        type = memo->type;
        found = true;
    } else {
        c = cvm_deployments_processor(ctx, t->service, &type, &found, &err);
        if (c == CVM_CODE_NONE && !found && kind == CVM_CALL_TX && !ctx->read_only) {
            /* only a transaction deploys, and only a native service */
            c = cvm_native_processor.deploy_service(ctx, t->service, &found, &err);
            type = CVM_PROCESSOR_NATIVE;
        }
        if (c == CVM_CODE_NONE && found && !(memo = cvm_ctx_memo_put(ctx, t->service, type)))
            c = cvm_ctx_fail(ctx, CVM_ENOMEM, &err, "out of memory");
    }
    if (c != CVM_CODE_NONE) {
        cvm_out_fail(out, CVM_ERROR_UNEXPECTED, &err);
        return false;
    }
    if (!found) {
        cvm_error_set(&err, CVM_CODE_CONTRACT_NOT_DEPLOYED, "service %s is not deployed", t->service);
        cvm_out_fail(out, CVM_ERROR_CONTRACT_NOT_DEPLOYED, &err);
        return false;
    }
    memcpy(t->address, memo->address, CVM_ADDRESS_BYTES);
    t->proc = cvm_processor_of(type);
    if (!t->proc) {
        cvm_error_set(&err, CVM_CODE_CONTRACT_NOT_DEPLOYED, "service %s has an unknown processor type %llu",
                      t->service, (unsigned long long)type);
        cvm_out_fail(out, CVM_ERROR_CONTRACT_NOT_DEPLOYED, &err);
        return false;
    }
    char m[CVM_SERVICE_NAME_MAX + 1];
    if (method_len > CVM_SERVICE_NAME_MAX || memchr(method, '\0', method_len)) {
        cvm_error_set(&err, CVM_CODE_UNKNOWN_METHOD, "service %s has no method '%.*s'", t->service,
                      (int)(method_len > 63 ? 63 : method_len), method);
        cvm_out_fail(out, CVM_ERROR_INPUT, &err);
        return false;
    }
    copy_n(m, sizeof m, method, method_len);
    c = t->proc->method_info(ctx, t->service, m, &t->mi, &err);
    if (c != CVM_CODE_NONE) {
        cvm_out_fail(out, c == CVM_CODE_HOST_ERROR ? CVM_ERROR_UNEXPECTED
                          : c == CVM_CODE_UNKNOWN_METHOD ? CVM_ERROR_INPUT
                                                         : CVM_ERROR_SMART_CONTRACT,
                     &err);
        return false;
    }
    return true;
}

static bool check_args(cvm_call_kind kind, const cvm_target *t, const cvm_arg *args, size_t nargs, cvm_error *err)
{
    const cvm_method_info *mi = &t->mi;
    size_t nopt = CVM_MF_NOPTIONAL(mi->flags); /* optional trailing parameters (context.h) */
    if (nopt > mi->nparams)
        nopt = mi->nparams;
    if (nargs > mi->nparams || nargs < mi->nparams - nopt) {
        if (nopt > 0)
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s.%s takes %zu to %zu arguments, got %zu", t->service,
                          mi->name, mi->nparams - nopt, mi->nparams, nargs);
        else
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s.%s takes %zu argument%s, got %zu", t->service, mi->name,
                          mi->nparams, mi->nparams == 1 ? "" : "s", nargs);
        return false;
    }
    /* a transaction's arguments come from outside: well-formed values only
     * (known type, UTF-8 strings, no NULL with a length, within the size
     * limit), so that no method sees what no transaction could encode */
    for (size_t i = 0; kind == CVM_CALL_TX && i < nargs; i++) {
        char what[32], msg[160];
        if (cvm_arg_check(&args[i], "argument", NULL, 0) == CVM_OK)
            continue; /* the argument's number is formatted only for a message */
        snprintf(what, sizeof what, "argument %zu", i + 1);
        cvm_arg_check(&args[i], what, msg, sizeof msg);
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s.%s: %s", t->service, mi->name, msg);
        return false;
    }
    if (mi->vtypes) /* a typed bytecode method: mapped types, not exact ones */
        return cvm_bc_args_ok(t->service, mi, args, nargs, err);
    for (size_t i = 0; i < nargs; i++)
        if (args[i].type != mi->params[i]) {
            const char *got = cvm_arg_type_name(args[i].type);
            cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "%s.%s: argument %zu must be %s, got %s", t->service,
                          mi->name, i + 1, cvm_arg_type_name(mi->params[i]), got ? got : "an unknown type");
            return false;
        }
    return true;
}

void cvm_call_invoke(cvm_context *ctx, cvm_call_kind kind, const cvm_target *t, const cvm_arg *args, size_t nargs,
                     cvm_call_out *out)
{
    cvm_error err;
    const cvm_method_info *mi = &t->mi;
    memset(out, 0, sizeof *out);
    if (ctx->depth == CVM_SERVICE_DEPTH_LIMIT) {
        /* the call that is not made is named once, by the caller's
         * cvm_error_wrap, as the last part of the path */
        cvm_error_set(&err, CVM_CODE_SERVICE_CALL_DEPTH, "service calls nested deeper than %d",
                      CVM_SERVICE_DEPTH_LIMIT);
        cvm_out_fail(out, CVM_ERROR_SMART_CONTRACT, &err);
        return;
    }
    if ((mi->flags & CVM_MF_SYSTEM) && !caller_is_system(ctx)) {
        cvm_error_set(&err, CVM_CODE_PERMISSION_DENIED, "%s.%s is a system method; the caller is not a system service",
                      t->service, mi->name);
        cvm_out_fail(out, CVM_ERROR_INPUT, &err);
        return;
    }
    const cvm_frame *caller = cvm_ctx_top(ctx);
    bool ro = ctx->read_only || (caller && caller->read_only);
    if ((mi->flags & CVM_MF_WRITES) && ro) {
        cvm_error_set(&err, CVM_CODE_READ_ONLY_VIOLATION, "%s.%s writes state; the %s is read-only", t->service,
                      mi->name, ctx->read_only ? "context" : "calling method");
        cvm_out_fail(out, CVM_ERROR_INPUT, &err);
        return;
    }
    if (!check_args(kind, t, args, nargs, &err)) {
        cvm_out_fail(out, CVM_ERROR_INPUT, &err);
        return;
    }
    cvm_frame *f = &ctx->frames[ctx->depth];
    memcpy(f->service, t->service, sizeof f->service);
    if (kind == CVM_CALL_LIBRARY && caller) {
        memcpy(f->owner, caller->owner, sizeof f->owner);
        f->owner_len = caller->owner_len;
        memcpy(f->address, caller->address, CVM_ADDRESS_BYTES);
    } else {
        memcpy(f->owner, t->service, sizeof f->owner);
        f->owner_len = strlen(f->owner);
        memcpy(f->address, t->address, CVM_ADDRESS_BYTES);
    }
    f->read_only = ro || !(mi->flags & CVM_MF_WRITES);
    f->library = kind == CVM_CALL_LIBRARY && caller;
    ctx->depth++;
    t->proc->process_call(ctx, mi, args, nargs, out);
    ctx->depth--;
}

/* ------------------------------------------------- errors of nested calls */

/* The path of calls an error crossed is a list of "Svc.method" parts joined
 * by ": ", exactly the prefixes each level used to add, so that a message
 * that fits reads (and encodes) as it always has. */
#define PATH_SEP ": "
#define PATH_ELIDED "\xe2\x80\xa6" /* "…": parts left out */
#define PATH_PARTS 64               /* more than 239 bytes of parts hold */

typedef struct path_part {
    const char *p; /* borrowed */
    size_t n;
} path_part;

static bool part_elided(path_part a) { return a.n == 3 && memcmp(a.p, PATH_ELIDED, 3) == 0; }

/* The length of parts[0..n) joined (0 for none). */
static size_t joined_len(const path_part *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += parts[i].n + (i ? sizeof PATH_SEP - 1 : 0);
    return len;
}

/* Chooses the longest form of the path parts[0..n) that fits room bytes
 * (": " before the message included) into out; returns its count. In
 * order: all; the first, "…" and as many of the last as fit; "…" and the
 * last; "…"; none. A "…" already in parts is never kept beside a new one. */
static size_t path_fit(const path_part *parts, size_t n, size_t room, path_part *out)
{
    const path_part elided = {PATH_ELIDED, 3};
    const size_t sep = sizeof PATH_SEP - 1;
    if (joined_len(parts, n) + sep <= room) {
        memcpy(out, parts, n * sizeof *parts);
        return n;
    }
    size_t after = 2; /* the first part of the kept tail: after any "…" */
    for (size_t i = 1; i < n; i++)
        if (part_elided(parts[i]))
            after = i + 1 > after ? i + 1 : after;
    for (size_t j = after; j < n; j++) {
        out[0] = parts[0];
        out[1] = elided;
        memcpy(out + 2, parts + j, (n - j) * sizeof *parts);
        if (joined_len(out, 2 + n - j) + sep <= room)
            return 2 + n - j;
    }
    out[0] = elided;
    if (n >= 2 && !part_elided(parts[n - 1])) {
        out[1] = parts[n - 1];
        if (joined_len(out, 2) + sep <= room)
            return 2;
    }
    return elided.n + sep <= room ? 1 : 0;
}

void cvm_error_wrap(cvm_error *err, const char *service, const char *method)
{
    char head[2 * 63 + 2]; /* as the prefixes always were: each name cut to 63 bytes */
    int hn = snprintf(head, sizeof head, "%.63s.%.63s", service, method);
    char old[sizeof err->message];
    size_t mlen = strnlen(err->message, sizeof err->message - 1);
    memcpy(old, err->message, mlen);
    /* old[0..plen) the path so far, old[root..mlen) the innermost message */
    size_t plen = err->path_len, root = 0;
    if (plen && plen + 2 <= mlen && memcmp(old + plen, PATH_SEP, 2) == 0)
        root = plen + 2;
    else
        plen = 0;
    path_part parts[PATH_PARTS];
    size_t n = 0;
    parts[n++] = (path_part){head, hn < 0 ? 0 : (size_t)hn};
    for (size_t i = 0; plen && n < PATH_PARTS;) {
        const char *sep = NULL;
        for (size_t k = i; k + 2 <= plen && !sep; k++)
            if (memcmp(old + k, PATH_SEP, 2) == 0)
                sep = old + k;
        size_t end = sep ? (size_t)(sep - old) : plen;
        parts[n++] = (path_part){old + i, end - i};
        if (!sep)
            break;
        i = end + 2;
    }
    path_part kept[PATH_PARTS];
    size_t rlen = mlen - root, cap = sizeof err->message - 1;
    size_t nk = path_fit(parts, n, cap - rlen, kept);
    size_t len = 0;
    for (size_t i = 0; i < nk; i++) {
        if (i) {
            memcpy(err->message + len, PATH_SEP, 2);
            len += 2;
        }
        memcpy(err->message + len, kept[i].p, kept[i].n);
        len += kept[i].n;
    }
    err->path_len = (uint8_t)len;
    if (nk) {
        memcpy(err->message + len, PATH_SEP, 2);
        len += 2;
    }
    memcpy(err->message + len, old + root, rlen);
    err->message[len + rlen] = '\0';
}

void cvm_call(cvm_context *ctx, cvm_call_kind kind, const char *service, const char *method, const cvm_arg *args,
              size_t nargs, cvm_call_out *out)
{
    cvm_target t;
    memset(out, 0, sizeof *out);
    if (!cvm_call_resolve(ctx, kind, service, strlen(service), method, strlen(method), &t, out))
        return;
    cvm_call_invoke(ctx, kind, &t, args, nargs, out);
}

/* ----------------------------------------------------------------- state */

/* The code of a state access the overlay refused as input: KEY_TOO_LONG
 * when the key does not fit beside the service's name in a composite key
 * (2 + name + key <= CVM_STATE_KEY_MAX: the contract's error, reachable with
 * a computed bytes key), else HOST_ERROR. */
static cvm_code refused_code(const cvm_frame *f, size_t keylen)
{
    bool fits = f->owner_len <= CVM_STATE_KEY_MAX - 2 && keylen <= CVM_STATE_KEY_MAX - 2 - f->owner_len;
    return fits ? CVM_CODE_HOST_ERROR : CVM_CODE_KEY_TOO_LONG;
}

cvm_code cvm_sdk_state_read(cvm_context *ctx, const uint8_t *key, size_t keylen, const uint8_t **value, size_t *len,
                            cvm_error *err)
{
    const cvm_frame *f = cvm_ctx_top(ctx);
    if (!f) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "state read outside a service");
        return CVM_CODE_HOST_ERROR;
    }
    cvm_status st =
        cvm_overlay_read(ctx->ov, (const uint8_t *)f->owner, f->owner_len, key, keylen, value, len, NULL);
    if (st == CVM_EINPUT) {
        cvm_code c = refused_code(f, keylen);
        cvm_error_set(err, c, "%s", cvm_overlay_errmsg(ctx->ov));
        return c;
    }
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "state read: %s", cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

cvm_code cvm_sdk_state_write(cvm_context *ctx, const uint8_t *key, size_t keylen, const uint8_t *value, size_t len,
                             cvm_error *err)
{
    const cvm_frame *f = cvm_ctx_top(ctx);
    if (!f) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "state write outside a service");
        return CVM_CODE_HOST_ERROR;
    }
    if (f->read_only || ctx->read_only) {
        cvm_error_set(err, CVM_CODE_READ_ONLY_VIOLATION, "%s: state write in a read-only %s", f->service,
                      ctx->read_only ? "context" : "method");
        return CVM_CODE_READ_ONLY_VIOLATION;
    }
    cvm_status st = cvm_overlay_write(ctx->ov, (const uint8_t *)f->owner, f->owner_len, key, keylen, value, len);
    if (st == CVM_EINPUT) {
        cvm_code c = refused_code(f, keylen);
        cvm_error_set(err, c, "%s", cvm_overlay_errmsg(ctx->ov));
        return c;
    }
    if (st != CVM_OK)
        return cvm_ctx_fail(ctx, st, err, "state write: %s", cvm_overlay_errmsg(ctx->ov));
    return CVM_CODE_NONE;
}

cvm_code cvm_sdk_state_read_i64(cvm_context *ctx, const uint8_t *key, size_t keylen, int64_t *v, cvm_error *err)
{
    const uint8_t *p;
    size_t n;
    *v = 0;
    cvm_code c = cvm_sdk_state_read(ctx, key, keylen, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    char msg[128];
    if (cvm_state_i64_decode(p, n, v, msg, sizeof msg) != CVM_OK) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "key '%.*s': %s", (int)(keylen > 63 ? 63 : keylen), key, msg);
        return CVM_CODE_HOST_ERROR;
    }
    return CVM_CODE_NONE;
}

cvm_code cvm_sdk_state_write_i64(cvm_context *ctx, const uint8_t *key, size_t keylen, int64_t v, cvm_error *err)
{
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t n;
    cvm_state_i64_encode(v, b, &n);
    return cvm_sdk_state_write(ctx, key, keylen, b, n, err);
}

/* -------------------------------------------------------- events and logs */

cvm_code cvm_sdk_emit(cvm_context *ctx, const char *name, size_t namelen, const cvm_event_field *fields,
                      size_t nfields, cvm_error *err)
{
    const cvm_frame *f = cvm_ctx_top(ctx);
    if (memchr(name, '\0', namelen)) {
        /* names are C strings in cvm_event: refuse rather than cut one short */
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "an event name may not contain a NUL byte");
        return CVM_CODE_HOST_ERROR;
    }
    if (ctx->nevents == ctx->capevents) {
        size_t cap = ctx->capevents ? 2 * ctx->capevents : 8;
        cvm_event *e = cvm_realloc(ctx->al, ctx->events, cap * sizeof *e);
        if (!e)
            return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an event");
        ctx->events = e;
        ctx->capevents = cap;
    }
    cvm_event ev;
    ev.service = cvm_arena_strndup(ctx->arena, f ? f->owner : "", f ? f->owner_len : 0);
    ev.name = cvm_arena_strndup(ctx->arena, name, namelen);
    cvm_event_field *fs = cvm_arena_alloc(ctx->arena, nfields * sizeof *fs);
    if (!ev.service || !ev.name || !fs)
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an event");
    for (size_t i = 0; i < nfields; i++) {
        fs[i] = fields[i];
        fs[i].name = cvm_arena_strndup(ctx->arena, fields[i].name, strlen(fields[i].name));
        if (!fs[i].name)
            return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an event");
        if (fields[i].value.type == CVM_ARG_STRING || fields[i].value.type == CVM_ARG_BYTES) {
            /* the arena gives even 0 bytes a block: NULL is out of memory, which must fail
             * the whole call (cvm_ctx_fail), not leave a field that cvm_event_check refuses in a
             * receipt another node would not write */
            fs[i].value.v.bytes.ptr =
                cvm_arena_memdup(ctx->arena, fields[i].value.v.bytes.ptr, fields[i].value.v.bytes.len);
            if (!fs[i].value.v.bytes.ptr)
                return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an event");
        }
    }
    ev.fields = fs;
    ev.nfields = nfields;
    /* refuse now what the event history could not record at commit */
    char msg[160];
    if (cvm_event_check(&ev, msg, sizeof msg) != CVM_OK) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "event %.*s: %s", (int)(namelen > 40 ? 40 : namelen), name, msg);
        return CVM_CODE_HOST_ERROR;
    }
    ctx->events[ctx->nevents++] = ev;
    return CVM_CODE_NONE;
}

cvm_code cvm_sdk_log(cvm_context *ctx, int64_t v, cvm_error *err)
{
    if (ctx->nlogs == ctx->caplogs) {
        size_t cap = ctx->caplogs ? 2 * ctx->caplogs : 16;
        int64_t *l = cvm_realloc(ctx->al, ctx->logs, cap * sizeof *l);
        if (!l)
            return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for the log");
        ctx->logs = l;
        ctx->caplogs = cap;
    }
    ctx->logs[ctx->nlogs++] = v;
    return CVM_CODE_NONE;
}

/* Where each cooperative or governance opcode goes. */
static const struct {
    const char *op;      /* the opcode, for messages */
    const char *service;
    const char *method;
} coop_route[CVM_SDK_OP_COUNT] = {
    [CVM_SDK_CREATE_COOPERATIVE] = {"CreateCooperative", CVM_COOPERATIVES, "create"},
    [CVM_SDK_JOIN_COOPERATIVE] = {"JoinCooperative", CVM_COOPERATIVES, "join"},
    [CVM_SDK_ALLOCATE_RESOURCE] = {"AllocateResource", CVM_COOPERATIVES, "allocate"},
    [CVM_SDK_CREATE_PROPOSAL] = {"CreateProposal", CVM_GOVERNANCE, "createProposal"},
    [CVM_SDK_CAST_VOTE] = {"CastVote", CVM_GOVERNANCE, "castVote"},
    [CVM_SDK_UPDATE_QUORUM] = {"UpdateQuorum", CVM_GOVERNANCE, "updateQuorum"},
};

/* The values each opcode pops (the interpreter pops them before asking). */
static const size_t coop_pops[CVM_SDK_OP_COUNT] = {
    [CVM_SDK_ALLOCATE_RESOURCE] = 1, [CVM_SDK_CAST_VOTE] = 2, [CVM_SDK_UPDATE_QUORUM] = 1,
};

cvm_code cvm_sdk_coop(cvm_context *ctx, const cvm_sdk_request *req, int64_t *result, cvm_error *err)
{
    *result = 0;
    if ((unsigned)req->op >= CVM_SDK_OP_COUNT || req->nargs < coop_pops[req->op]) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "an SDK request the VM does not know (op %d, %zu values)",
                      (int)req->op, req->nargs);
        return CVM_CODE_HOST_ERROR;
    }
    const char *opname = coop_route[req->op].op;
    const cvm_coop_meta *cm = req->module ? &req->module->coop : NULL;
    if (!cm || !cm->present) {
        const cvm_frame *f = cvm_ctx_top(ctx); /* the service whose code runs: its deployed name */
        cvm_error_set(err, CVM_CODE_COOPERATIVE_NOT_CONFIGURED,
                      "%s acts on the module's cooperative, and %s has no .cooperative metadata", opname,
                      f ? f->service : "the module");
        return CVM_CODE_COOPERATIVE_NOT_CONFIGURED;
    }
    cvm_arg id = cvm_arg_stringn(cm->id, strlen(cm->id));
    cvm_arg a[8];
    size_t n = 0;
    switch (req->op) {
    case CVM_SDK_CREATE_COOPERATIVE:
        a[n++] = id;
        a[n++] = cvm_arg_stringn(cm->purpose, strlen(cm->purpose));
        a[n++] = cvm_arg_int64(cm->cpu);
        a[n++] = cvm_arg_int64(cm->memory);
        a[n++] = cvm_arg_int64(cm->network);
        a[n++] = cvm_arg_int64(cm->storage);
        a[n++] = cvm_arg_int64(cm->bandwidth);
        a[n++] = cvm_arg_stringn(cm->federation, strlen(cm->federation));
        break;
    case CVM_SDK_JOIN_COOPERATIVE:
    case CVM_SDK_CREATE_PROPOSAL:
        a[n++] = id;
        break;
    case CVM_SDK_ALLOCATE_RESOURCE: /* resource = the operand, amount popped */
        a[n++] = id;
        a[n++] = cvm_arg_int64(req->operand);
        a[n++] = cvm_arg_int64(req->args[0]);
        break;
    case CVM_SDK_CAST_VOTE: /* popped: proposal id (deeper), vote */
        a[n++] = cvm_arg_int64(req->args[0]);
        a[n++] = cvm_arg_int64(req->args[1]);
        break;
    case CVM_SDK_UPDATE_QUORUM:
        a[n++] = id;
        a[n++] = cvm_arg_int64(req->args[0]);
        break;
    default:
        break;
    }
    /* the path of CallService: the service runs in its own namespace, owns
     * its events, and sees the signer as the person acting */
    cvm_call_out out;
    const char *svc = coop_route[req->op].service, *method = coop_route[req->op].method;
    cvm_call(ctx, CVM_CALL_SERVICE, svc, method, a, n, &out);
    if (out.status != CVM_SUCCESS) {
        *err = out.error;
        cvm_error_wrap(err, svc, method);
        return out.error.code ? out.error.code : CVM_CODE_HOST_ERROR;
    }
    if (req->op == CVM_SDK_CREATE_PROPOSAL) {
        if (out.noutputs != 1 || out.outputs[0].type != CVM_ARG_INT64) {
            cvm_error_set(err, CVM_CODE_HOST_ERROR, "%s.%s did not return the proposal id", svc, method);
            return CVM_CODE_HOST_ERROR;
        }
        *result = out.outputs[0].v.i64;
    }
    return CVM_CODE_NONE;
}

/* ------------------------------------------------------ addresses, time */

const uint8_t *cvm_sdk_signer(const cvm_context *ctx) { return ctx->signer; }

const uint8_t *cvm_sdk_caller(const cvm_context *ctx)
{
    return ctx->depth <= 1 ? ctx->signer : ctx->frames[ctx->depth - 2].address;
}

const uint8_t *cvm_sdk_own_address(const cvm_context *ctx)
{
    return ctx->depth ? ctx->frames[ctx->depth - 1].address : ctx->signer;
}

uint64_t cvm_sdk_height(const cvm_context *ctx) { return ctx->height; }
uint64_t cvm_sdk_timestamp(const cvm_context *ctx) { return ctx->timestamp; }

bool cvm_out_put(cvm_context *ctx, cvm_call_out *out, cvm_arg a)
{
    if (out->noutputs == CVM_MAX_OUTPUTS)
        return false;
    if (a.type == CVM_ARG_STRING || a.type == CVM_ARG_BYTES) {
        void *p = cvm_arena_memdup(ctx->arena, a.v.bytes.ptr, a.v.bytes.len);
        if (!p)
            return false;
        a.v.bytes.ptr = p;
    }
    out->outputs[out->noutputs++] = a;
    return true;
}
