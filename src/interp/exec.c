/*
 * exec.c — cvm_exec and cvm_exec_args: the checks made before a method
 * runs, the mapping of typed arguments, the choice of interpreter variant,
 * and the outcome with its typed results. The loop itself is run.h,
 * instantiated here eight times (switch / computed goto, untraced / traced,
 * integers only / typed) so that tracing costs nothing when it is off, both
 * dispatch variants are always in the library, and a module without bytes
 * values runs loops that keep no type tags at all.
 *
 * The rules a caller sees:
 * - Before anything runs, in this order: an unknown method (ERROR_INPUT,
 *   UNKNOWN_METHOD), a wrong argument count or an argument of a type the
 *   parameter does not take (ERROR_INPUT, WRONG_ARGUMENTS),
 *   a signer reputation below the module's requirement (equal passes;
 *   ERROR_SMART_CONTRACT, INSUFFICIENT_REPUTATION). Then gas_used is 0 and
 *   pc is -1.
 * - Gas: an instruction's cost is charged before it runs, once it is known
 *   that the gas left covers it. So a trap charges everything up to and
 *   including the trapping instruction (a stack underflow too: its gas was
 *   paid, then its stack check failed), except OUT_OF_GAS, which charges
 *   nothing for the instruction it could not pay.
 * - Every trap is ERROR_SMART_CONTRACT with code, message, method, the
 *   module's pc and the source line (0 without a line table). A host
 *   callback that fails passes its code and message through (HOST_ERROR for
 *   a code out of range).
 * - A typed method's results are the top nresults values (the last on
 *   top): fewer is STACK_UNDERFLOW, one of the wrong type (or a string that
 *   is not UTF-8) TYPE_MISMATCH naming it; an untyped method's result is
 *   the top integer (0 when the stack is empty; bytes there is
 *   TYPE_MISMATCH). These traps come after the method's last instruction:
 *   their pc is that of the Halt or Ret, or -1 when the code ran off its end.
 * - Load without a load callback reads 0; Store without a store callback
 *   traps SERVICE_UNAVAILABLE; events and logs without callbacks are
 *   dropped; the cooperative and governance opcodes without an sdk callback
 *   trap SERVICE_UNAVAILABLE naming the service.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arith.h"
#include "base/alloc.h"
#include "base/suggest.h"
#include "codec/utf8.h"
#include "crypto/hash.h"
#include "heap.h"
#include "interp.h"
#include "xform.h"

/* The type tag of a stack cell or local in the typed loops. */
#define CVM_T_INT 0
#define CVM_T_BYTES 1

/* Computed goto is a GNU C extension (gcc, clang). Building with
 * -DCVM_NO_GOTO leaves it out, to test the library as other compilers get it. */
#if defined(__GNUC__) && !defined(CVM_NO_GOTO)
#define CVM_HAVE_GOTO 1
#else
#define CVM_HAVE_GOTO 0
#endif

/* Threaded code needs one indirect jump at the end of every body; GCC's
 * cross-jumping and GCSE would merge them back into one shared dispatch.
 * Only the goto variants get this (CVM_RUN_ATTRS_IF(CVM_GOTO)): the switch
 * loop has one dispatch anyway, and runs measurably slower without them. */
#if CVM_HAVE_GOTO && defined(__GNUC__) && !defined(__clang__)
#define CVM_RUN_ATTRS_1 __attribute__((optimize("no-crossjumping", "no-gcse")))
#else
#define CVM_RUN_ATTRS_1
#endif
#define CVM_RUN_ATTRS_0
#define CVM_RUN_ATTRS_CAT(g) CVM_RUN_ATTRS_##g
#define CVM_RUN_ATTRS_IF(g) CVM_RUN_ATTRS_CAT(g)

/* One run of one method: what the loop reads and where it reports back. */
typedef struct cvm_run {
    const cvm_module *m;    /* borrowed */
    const cvm_method *me;   /* borrowed: the method run */
    const cvm_host *h;      /* borrowed, never NULL */
    const cvm_xinsn *x;     /* borrowed: the array run (fast or plain) */
    const cvm_xinsn *plain; /* borrowed: checked entries, where fallbacks go on */
    uint32_t off;           /* index in x minus module pc, fixed during the run */
    uint32_t start;         /* index of the method's entry in x */
    uint32_t xpc;           /* out: index where it stopped */
    int64_t gas;            /* in: the limit; out: the gas left */
    size_t depth;           /* in: arguments pushed; out: final depth */
    int64_t *stack;         /* borrowed: CVM_STACK_LIMIT values; in the typed loops 2 * CVM_STACK_LIMIT,
                               the CVM_T_* tag of stack[i] in stack[i + CVM_STACK_LIMIT] */
    int64_t *locals;        /* borrowed: CVM_LOCALS values, zeroed */
    const cvm_xinsn **calls; /* borrowed: CVM_CALL_DEPTH_LIMIT return entries */
    cvm_error *err;         /* borrowed: receives the trap's message */
    void **handles;         /* borrowed: CVM_HANDLE_CACHE key handles, zeroed; NULL when the host gives none */
    /* the typed loops only (NULL otherwise): */
    uint8_t *isb;           /* borrowed: CVM_STACK_LIMIT bytes, an untyped call's is_bytes */
    uint8_t *ltags;         /* borrowed: CVM_LOCALS tags, zeroed (locals start as integer 0) */
    cvm_heap *heap;         /* borrowed: the run's bytes values */
    cvm_event_field *fields; /* borrowed: xmodule.scratch entries, for a declared Emit */
    cvm_arg *args;          /* borrowed: xmodule.scratch entries, for a typed call */
} cvm_run;

static const cvm_host no_host = {0};

__attribute__((cold, noinline, format(printf, 2, 3))) static void trap_message(cvm_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

/* Writes v in decimal into buf (at least 21 bytes), returns the length. */
static size_t i64_decimal(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    return len;
}

static int64_t line_of(const cvm_module *m, size_t pc) { return m->lines && pc < m->ncode ? m->lines[pc] : 0; }

/* goto_loop: which loop calls it (run.h's CVM_GOTO), so a trace shows the
 * dispatch that really ran. */
__attribute__((noinline)) static void trace_step(const cvm_run *r, const cvm_xinsn *I, size_t depth, int64_t gas,
                                                 size_t ncalls, int goto_loop)
{
    unsigned op = I->base;
    if (op == CVM_OP_END) /* not an instruction of the module */
        return;
    size_t pc = I->xi - r->off;
    cvm_operand_kind kind = cvm_opinfo_of(op)->operand;
    const cvm_const *str = kind == CVM_OPK_STR || kind == CVM_OPK_OPT_STR ? I->s : NULL;
    const cvm_bobj *top_b = NULL; /* the top, when it is bytes (typed loops only) */
    if (r->heap && depth && r->stack[depth - 1 + CVM_STACK_LIMIT] == CVM_T_BYTES)
        top_b = cvm_heap_get(r->heap, r->stack[depth - 1]);
    cvm_trace_step st = {
        .method = r->me->name,
        .pc = (int64_t)pc,
        .op = cvm_op_written(op),
        .has_operand = I->has,
        .operand = r->m->code[pc].operand,
        .operand_str = str ? (const char *)str->bytes : NULL,
        .operand_len = str ? str->len : 0,
        .depth = depth,
        .top = depth && !top_b ? r->stack[depth - 1] : 0,
        .top_bytes = top_b ? top_b->p : NULL,
        .top_len = top_b ? top_b->len : 0,
        .gas_left = gas,
        .call_depth = ncalls,
        .line = line_of(r->m, pc),
        .dispatch = goto_loop ? CVM_DISPATCH_GOTO : CVM_DISPATCH_SWITCH,
    };
    r->h->trace(r->h->ud, &st);
}

/* ------------------------------------------- helpers of the opcode bodies */

#define OPNAME cvm_op_written(I->base) /* PushBytes is Push, as the source wrote it */

#define TRAP(c, ...)                           \
    do {                                       \
        code = (c);                            \
        trap_message(r->err, __VA_ARGS__);     \
        goto trap;                             \
    } while (0)

#define TRAP_OVERFLOW2(a, b) \
    TRAP(CVM_CODE_INTEGER_OVERFLOW, "%s of %lld and %lld overflows", OPNAME, (long long)(a), (long long)(b))

/* A host callback: on failure its code and message become the trap. */
#define HOST_CALL(expr)                                                           \
    do {                                                                          \
        r->err->message[0] = '\0';                                                \
        cvm_code c_ = (expr);                                                     \
        if (c_ != CVM_CODE_NONE) {                                                \
            code = (unsigned)c_ < CVM_CODE_COUNT ? c_ : CVM_CODE_HOST_ERROR;      \
            goto trap;                                                            \
        }                                                                         \
    } while (0)

/* The key of Store/Load: the string operand, else an i64 popped and written
 * in decimal. */
#define KEY_FROM_OPERAND_OR_POP()                              \
    const uint8_t *key;                                        \
    size_t keylen;                                             \
    char keybuf[24];                                           \
    if (I->s) {                                                \
        key = I->s->bytes;                                     \
        keylen = I->s->len;                                    \
    } else {                                                   \
        keylen = i64_decimal(keybuf, *--sp);                   \
        key = (const uint8_t *)keybuf;                         \
    }

/* Asks the host for the handle of I's string-operand key and keeps it in
 * handles[I->k]: a declined key is kept as the cache's own address, which
 * no host handle can be. Out of line: once per key and run. */
__attribute__((noinline)) static cvm_code resolve_key(const cvm_host *h, void **handles, const cvm_xinsn *I,
                                                      cvm_error *err)
{
    void *hd = NULL;
    cvm_code c = h->resolve(h->ud, I->s->bytes, I->s->len, &hd, err);
    if (c == CVM_CODE_NONE)
        handles[I->k] = hd ? hd : (void *)handles;
    return c;
}

/* The host's handle for the string-operand key of this Load/Store, asked
 * at its first use in the run and kept in handles[] by constant index (the
 * module's constants are few; an index beyond the cache goes by key).
 * NULL: go by key (no handles, a popped key, or declined). */
#define HANDLE_OF(hd)                                                                       \
    void *hd = NULL;                                                                        \
    if (handles && I->hk) {                                                                 \
        if (!handles[I->k])                                                                 \
            HOST_CALL(resolve_key(h, handles, I, r->err));                                  \
        hd = handles[I->k];                                                                 \
        if (hd == (void *)handles)                                                          \
            hd = NULL;                                                                      \
    }

/* ------------------------------------------------ helpers of the typed bodies */

static const char *vtype_name(cvm_vtype t)
{
    switch (t) {
    case CVM_ARG_INT64: return "int";
    case CVM_ARG_STRING: return "string";
    case CVM_ARG_BYTES: return "bytes";
    default: return "?";
    }
}

static const char *arg_type_shown(cvm_arg_type t)
{
    const char *n = cvm_arg_type_name(t);
    return n ? n : "an unknown type";
}

/* "integer" or "bytes (20)". */
static void type_shown(char *buf, size_t cap, const cvm_heap *hp, uint8_t tag, int64_t cell)
{
    if (tag == CVM_T_BYTES)
        snprintf(buf, cap, "bytes (%u)", (unsigned)cvm_heap_get(hp, cell)->len);
    else
        snprintf(buf, cap, "integer");
}

/* "Add needs two integers, got bytes (20) and integer": the n operands
 * (deepest first) as they were. */
__attribute__((cold, noinline)) static void type_message(cvm_error *e, const cvm_heap *hp, const char *op,
                                                         const char *want, const int64_t *tags,
                                                         const int64_t *cells, unsigned n)
{
    char got[3][24] = {"", "", ""};
    for (unsigned i = 0; i < n && i < 3; i++)
        type_shown(got[i], sizeof got[i], hp, (uint8_t)tags[i], cells[i]);
    if (n == 1)
        trap_message(e, "%s needs %s, got %s", op, want, got[0]);
    else if (n == 2)
        trap_message(e, "%s needs %s, got %s and %s", op, want, got[0], got[1]);
    else
        trap_message(e, "%s needs %s, got %s, %s and %s", op, want, got[0], got[1], got[2]);
}

/* The value of a cell as a signature's type want: an integer for int,
 * bytes for bytes, UTF-8 bytes for string. false when it is not one. */
static bool value_as(const cvm_heap *hp, uint8_t tag, int64_t cell, cvm_vtype want, cvm_arg *out)
{
    if (want == CVM_ARG_INT64) {
        if (tag != CVM_T_INT)
            return false;
        *out = cvm_arg_int64(cell);
        return true;
    }
    if (tag != CVM_T_BYTES)
        return false;
    const cvm_bobj *o = cvm_heap_get(hp, cell);
    if (want == CVM_ARG_STRING && !cvm_utf8_valid(o->p, o->len, NULL))
        return false;
    out->type = want == CVM_ARG_STRING ? CVM_ARG_STRING : CVM_ARG_BYTES;
    out->v.bytes.ptr = o->p;
    out->v.bytes.len = o->len;
    return true;
}

/* "Emit Transfer: field 2 (to) must be bytes, got integer". */
__attribute__((cold, noinline)) static void value_message(cvm_error *e, const cvm_heap *hp, const char *op,
                                                          const char *target, const char *what, unsigned i,
                                                          const char *name, cvm_vtype want, uint8_t tag,
                                                          int64_t cell)
{
    char got[40];
    type_shown(got, sizeof got, hp, tag, cell);
    if (tag == CVM_T_BYTES && want == CVM_ARG_STRING)
        snprintf(got + strlen(got), sizeof got - strlen(got), " that is not UTF-8");
    char nm[80] = "";
    if (name)
        snprintf(nm, sizeof nm, " (%.60s)", name);
    trap_message(e, "%s %.80s: %s %u%s must be %s, got %s", op, target, what, i + 1, nm, vtype_name(want), got);
}

/* A contract's reason (Abort of bytes, Assert): kept whole in the error up
 * to CVM_REASON_MAX, and as the message: as text when it is UTF-8, else as
 * 0x hex. */
static void set_reason(cvm_error *e, const uint8_t *p, size_t n)
{
    /* a UTF-8 reason is cut at a character boundary, so that what is kept
     * still reads as text (error.reason in JSON, the receipt's text) */
    bool text = cvm_utf8_valid(p, n, NULL);
    size_t keep = n < CVM_REASON_MAX ? n : text ? cvm_utf8_clip(p, n, CVM_REASON_MAX) : CVM_REASON_MAX;
    if (keep)
        memcpy(e->reason, p, keep);
    e->reason_len = (uint16_t)keep;
    e->has_reason = 1;
    if (n == 0) /* so that "ABORTED: " is not followed by nothing; reason stays empty */
        snprintf(e->message, sizeof e->message, "(empty reason)");
    else if (text) {
        size_t show = cvm_utf8_clip(p, n, sizeof e->message - 1);
        memcpy(e->message, p, show);
        e->message[show] = '\0';
    } else {
        size_t show = n < (sizeof e->message - 3) / 2 ? n : (sizeof e->message - 3) / 2;
        e->message[0] = '0', e->message[1] = 'x';
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < show; i++) {
            e->message[2 + 2 * i] = digits[p[i] >> 4];
            e->message[3 + 2 * i] = digits[p[i] & 15];
        }
        e->message[2 + 2 * show] = '\0';
    }
}

/* An untyped call's is_bytes (cvm_call_request): NULL when the stack's
 * depth cells are all integers, else isb filled from their tags. */
static const uint8_t *bytes_flags(const int64_t *stack, size_t depth, uint8_t *isb)
{
    int any = 0;
    for (size_t i = 0; i < depth; i++) {
        isb[i] = (uint8_t)stack[i + CVM_STACK_LIMIT];
        any |= isb[i];
    }
    return any ? isb : NULL;
}

/* Lexicographic order of two bytes values: memcmp, then the shorter first. */
static int bytes_cmp(const cvm_bobj *a, const cvm_bobj *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->p, b->p, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

/* The object of constant k, made at its first push in the run (values never
 * change, so every push of it shares one object). */
static cvm_code push_const(cvm_heap *hp, int64_t k, const cvm_const *c, int64_t *idx, cvm_error *err)
{
    if (!hp->konst) {
        hp->konst = cvm_calloc(hp->al, hp->nconsts ? hp->nconsts : 1, sizeof *hp->konst);
        if (!hp->konst) {
            hp->oom = 1;
            trap_message(err, "Push: out of memory");
            return CVM_CODE_MEMORY_LIMIT;
        }
    }
    if (hp->konst[k]) {
        *idx = (int64_t)hp->konst[k] - 1;
        return CVM_CODE_NONE;
    }
    cvm_code code = cvm_heap_borrow(hp, "Push", c->bytes, c->len, idx, err);
    if (code == CVM_CODE_NONE)
        hp->konst[k] = (uint32_t)(*idx + 1);
    return code;
}

/* Signer, Caller or Self (which 0, 1, 2): one object per run; NULL from the
 * host is empty bytes. */
static cvm_code push_identity(cvm_heap *hp, unsigned which, const uint8_t *addr, const char *op, int64_t *idx,
                              cvm_error *err)
{
    if (hp->ids[which]) {
        *idx = (int64_t)hp->ids[which] - 1;
        return CVM_CODE_NONE;
    }
    cvm_code code = cvm_heap_borrow(hp, op, addr ? addr : (const uint8_t *)"", addr ? CVM_ADDRESS_BYTES : 0, idx, err);
    if (code == CVM_CODE_NONE)
        hp->ids[which] = (uint32_t)(*idx + 1);
    return code;
}

/* A superinstruction that cannot complete exactly as its parts would hands
 * over to the plain entry at the same index, which checks and charges for
 * itself: the gas charged for it and the rest of its block is refunded. */
#define FALLBACK()                          \
    do {                                    \
        gas += (int64_t)I->own + I->after;  \
        I = P + I->xi;                      \
        goto dispatch;                      \
    } while (0)

/* ----------------------------------------------------- the eight variants */

#define CVM_TYPED 0
#define CVM_GOTO 0
#define CVM_TRACE 0
#define CVM_RUN_NAME run_switch
#include "run.h"
#undef CVM_TRACE
#undef CVM_RUN_NAME

#define CVM_TRACE 1
#define CVM_RUN_NAME run_switch_traced
#include "run.h"
#undef CVM_GOTO
#undef CVM_TRACE
#undef CVM_RUN_NAME

#if CVM_HAVE_GOTO
#define CVM_GOTO 1
#define CVM_TRACE 0
#define CVM_RUN_NAME run_goto
#include "run.h"
#undef CVM_TRACE
#undef CVM_RUN_NAME

#define CVM_TRACE 1
#define CVM_RUN_NAME run_goto_traced
#include "run.h"
#undef CVM_GOTO
#undef CVM_TRACE
#undef CVM_RUN_NAME
#endif
#undef CVM_TYPED

#define CVM_TYPED 1
#define CVM_GOTO 0
#define CVM_TRACE 0
#define CVM_RUN_NAME run_switch_typed
#include "run.h"
#undef CVM_TRACE
#undef CVM_RUN_NAME

#define CVM_TRACE 1
#define CVM_RUN_NAME run_switch_traced_typed
#include "run.h"
#undef CVM_GOTO
#undef CVM_TRACE
#undef CVM_RUN_NAME

#if CVM_HAVE_GOTO
#define CVM_GOTO 1
#define CVM_TRACE 0
#define CVM_RUN_NAME run_goto_typed
#include "run.h"
#undef CVM_TRACE
#undef CVM_RUN_NAME

#define CVM_TRACE 1
#define CVM_RUN_NAME run_goto_traced_typed
#include "run.h"
#undef CVM_GOTO
#undef CVM_TRACE
#undef CVM_RUN_NAME
#endif
#undef CVM_TYPED

int cvm_interp_has_goto(void) { return CVM_HAVE_GOTO; }

/* ------------------------------------------------------------- cvm_exec */

static void copy_name(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* "argument 2 (to)": argument i's position for a refusal's message. Made
 * only when an argument is refused — making it for every argument was a
 * third of a typed call's cost (docs/bench.md). Returns pos. */
__attribute__((cold, noinline)) static const char *arg_pos(char *pos, size_t cap, const cvm_method *me, size_t i)
{
    if (me->typed && me->pnames && me->pnames[i])
        snprintf(pos, cap, "argument %zu (%.60s)", i + 1, me->pnames[i]);
    else
        snprintf(pos, cap, "argument %zu", i + 1);
    return pos;
}

/* An argument as the parameter's type want: *cell the integer, or *p, *n
 * the bytes (borrowed). false with the message in e when it does not fit. */
static bool map_arg(const cvm_method *me, size_t i, const cvm_arg *a, cvm_vtype want, int64_t *cell,
                    const uint8_t **p, size_t *n, cvm_error *e)
{
    char pos[96]; /* filled by arg_pos for a refusal's message only */
    const char *got = arg_type_shown(a->type);
    if (want == CVM_ARG_INT64) {
        switch (a->type) {
        case CVM_ARG_INT64: *cell = a->v.i64; return true;
        case CVM_ARG_BOOL: *cell = a->v.boolean != 0; return true;
        case CVM_ARG_UINT64:
            if (a->v.u64 <= INT64_MAX) {
                *cell = (int64_t)a->v.u64;
                return true;
            }
            snprintf(e->message, sizeof e->message, "%s: %s must be int, got uint64 %" PRIu64 ", above %" PRId64,
                     me->name, arg_pos(pos, sizeof pos, me, i), a->v.u64, INT64_MAX);
            return false;
        default: break;
        }
    } else if (a->type == CVM_ARG_STRING || a->type == CVM_ARG_BYTES) {
        if (a->v.bytes.len && !a->v.bytes.ptr)
            goto mismatch;
        if (a->v.bytes.len > CVM_BYTES_MAX) {
            snprintf(e->message, sizeof e->message, "%s: %s is %s of %zu bytes, longer than %d", me->name, arg_pos(pos, sizeof pos, me, i), got,
                     a->v.bytes.len, CVM_BYTES_MAX);
            return false;
        }
        *p = a->v.bytes.len ? a->v.bytes.ptr : (const uint8_t *)"";
        *n = a->v.bytes.len;
        if (want == CVM_ARG_STRING && !cvm_utf8_valid(*p, *n, NULL)) {
            snprintf(e->message, sizeof e->message, "%s: %s must be string, got %s that is not UTF-8", me->name,
                     arg_pos(pos, sizeof pos, me, i), got);
            return false;
        }
        return true;
    }
mismatch:
    snprintf(e->message, sizeof e->message, "%s: %s must be %s, got %s", me->name, arg_pos(pos, sizeof pos, me, i), vtype_name(want), got);
    return false;
}

/* Copies the run's results into out->results: one allocation holding the
 * array and their bytes. */
static cvm_status copy_results(cvm_exec_result *out, const cvm_arg *res, size_t n)
{
    size_t bytes = n * sizeof *res;
    for (size_t i = 0; i < n; i++)
        if (res[i].type != CVM_ARG_INT64)
            bytes += res[i].v.bytes.len;
    cvm_arg *a = cvm_malloc(NULL, bytes ? bytes : 1);
    if (!a)
        return CVM_ENOMEM;
    uint8_t *p = (uint8_t *)(a + n);
    for (size_t i = 0; i < n; i++) {
        a[i] = res[i];
        if (res[i].type != CVM_ARG_INT64) {
            if (res[i].v.bytes.len)
                memcpy(p, res[i].v.bytes.ptr, res[i].v.bytes.len);
            a[i].v.bytes.ptr = p;
            p += res[i].v.bytes.len;
        }
    }
    out->results = a;
    out->nresults = n;
    return CVM_OK;
}

void cvm_exec_result_clear(cvm_exec_result *out)
{
    if (!out)
        return;
    cvm_free(NULL, out->results);
    out->results = NULL;
    out->nresults = 0;
}

/* cvm_exec (targs NULL: integer iargs) and cvm_exec_args (typed targs;
 * want_results: fill out->results). */
static cvm_status exec_method(const cvm_module *m, const char *method, const cvm_arg *targs, const int64_t *iargs,
                              size_t nargs, const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out,
                              int want_results)
{
    if (!out)
        return CVM_EINPUT;
    memset(out, 0, sizeof *out);
    out->error.pc = -1;
    if (!m || !m->exec || !method || (nargs && !targs && !iargs))
        return CVM_EINPUT;
    const cvm_xmodule *xm = m->exec;
    const cvm_host *h = host ? host : &no_host;
    cvm_error *e = &out->error;

    const cvm_method *me = cvm_module_find_method(m, method, strlen(method));
    if (!me) {
        out->status = CVM_ERROR_INPUT;
        e->code = CVM_CODE_UNKNOWN_METHOD;
        copy_name(e->method, sizeof e->method, method);
        snprintf(e->message, sizeof e->message, "no method '%.63s' in %.63s", method, cvm_module_name(m));
        cvm_suggest_append(e->message, sizeof e->message, method, strlen(method), m, m->nmethods,
                           cvm_module_method_name_at, "its methods");
        return CVM_OK;
    }
    copy_name(e->method, sizeof e->method, me->name);
    if (nargs != me->params) {
        out->status = CVM_ERROR_INPUT;
        e->code = CVM_CODE_WRONG_ARGUMENTS;
        snprintf(e->message, sizeof e->message, "%s takes %u argument%s, got %zu", me->name, (unsigned)me->params,
                 me->params == 1 ? "" : "s", nargs);
        return CVM_OK;
    }
    _Static_assert(CVM_MAX_PARAMS <= CVM_STACK_LIMIT, "arguments must fit on the stack");
    int64_t stack[CVM_STACK_LIMIT];
    const uint8_t *argp[CVM_MAX_PARAMS]; /* a bytes argument's bytes (borrowed), else NULL */
    size_t argn[CVM_MAX_PARAMS];
    if (targs) {
        for (size_t i = 0; i < nargs; i++) { /* nargs = params <= CVM_MAX_PARAMS (verified) */
            cvm_vtype want = me->typed && me->ptypes ? me->ptypes[i] : (cvm_vtype)CVM_ARG_INT64;
            argp[i] = NULL;
            if (!map_arg(me, i, &targs[i], want, &stack[i], &argp[i], &argn[i], e)) {
                out->status = CVM_ERROR_INPUT;
                e->code = CVM_CODE_WRONG_ARGUMENTS;
                return CVM_OK;
            }
        }
    } else {
        for (size_t i = 0; i < nargs; i++) {
            cvm_arg a = cvm_arg_int64(iargs[i]);
            cvm_vtype want = me->typed && me->ptypes ? me->ptypes[i] : (cvm_vtype)CVM_ARG_INT64;
            argp[i] = NULL;
            if (!map_arg(me, i, &a, want, &stack[i], &argp[i], &argn[i], e)) {
                out->status = CVM_ERROR_INPUT;
                e->code = CVM_CODE_WRONG_ARGUMENTS;
                return CVM_OK;
            }
        }
    }
    if (h->reputation < m->required_reputation) {
        out->status = CVM_ERROR_SMART_CONTRACT;
        e->code = CVM_CODE_INSUFFICIENT_REPUTATION;
        snprintf(e->message, sizeof e->message, "reputation %lld is below the required %lld",
                 (long long)h->reputation, (long long)m->required_reputation);
        return CVM_OK;
    }

    int64_t limit = opts && opts->gas_limit ? opts->gas_limit : CVM_DEFAULT_GAS_LIMIT;
    if (limit < 0)
        limit = 0;
    int64_t locals[CVM_LOCALS];
    const cvm_xinsn *calls[CVM_CALL_DEPTH_LIMIT];
    void *handles[CVM_HANDLE_CACHE];
    bool by_handle = h->resolve && h->load_at && h->store_at;
    if (by_handle)
        memset(handles, 0, sizeof handles);
    memset(locals, 0, sizeof locals);

    size_t mi = (size_t)(me - m->methods);
    int traced = h->trace != NULL;
    cvm_run r = {
        .m = m,
        .me = me,
        .h = h,
        .x = traced ? xm->plain : xm->fast,
        .plain = xm->plain,
        .off = (uint32_t)mi,
        .start = (uint32_t)(me->entry + mi),
        .gas = limit,
        .depth = nargs,
        .stack = stack,
        .locals = locals,
        .calls = calls,
        .err = e,
        .handles = by_handle ? handles : NULL,
    };
    int use_goto = CVM_HAVE_GOTO && !(opts && opts->dispatch == CVM_DISPATCH_SWITCH);
    (void)use_goto;
    cvm_code code = CVM_CODE_NONE;
    if (!xm->typed) {
#if CVM_HAVE_GOTO
        if (use_goto)
            code = traced ? run_goto_traced(&r) : run_goto(&r);
        else
#endif
            code = traced ? run_switch_traced(&r) : run_switch(&r);
        out->gas_used = limit - r.gas;
        if (code == CVM_CODE_NONE) {
            out->status = CVM_SUCCESS;
            out->result = r.depth ? stack[r.depth - 1] : 0;
            memset(e, 0, sizeof *e); /* a callback may have written into it */
            e->pc = -1;
            if (want_results) {
                cvm_arg one = cvm_arg_int64(out->result);
                return copy_results(out, &one, 1);
            }
            return CVM_OK;
        }
    } else {
        /* the typed loops: tags, the heap and the scratch of declared calls and events */
        uint8_t ltags[CVM_LOCALS];
        memset(ltags, CVM_T_INT, sizeof ltags);
        cvm_heap heap;
        cvm_heap_init(&heap, m->al, m->nconsts);
        size_t nscratch = xm->scratch ? xm->scratch : 1;
        cvm_event_field *fields = cvm_malloc(m->al, nscratch * sizeof *fields);
        cvm_arg *cargs = cvm_malloc(m->al, nscratch * sizeof *cargs);
        /* the stack and its tags in one array (a tag CVM_STACK_LIMIT cells above
         * its value: ops.h's TG), and an untyped call's is_bytes, off the C
         * stack so that nested calls of typed methods keep their frames small */
        int64_t *cells = cvm_malloc(m->al, 2 * CVM_STACK_LIMIT * sizeof *cells + CVM_STACK_LIMIT);
        cvm_arg *res = NULL;
        cvm_status st = CVM_OK;
        if (!fields || !cargs || !cells) {
            st = CVM_ENOMEM;
            goto typed_out;
        }
        code = CVM_CODE_NONE;
        for (size_t i = 0; i < nargs && code == CVM_CODE_NONE; i++) {
            cells[i] = stack[i];
            cells[i + CVM_STACK_LIMIT] = argp[i] ? CVM_T_BYTES : CVM_T_INT;
            if (argp[i])
                code = cvm_heap_borrow(&heap, "an argument", argp[i], argn[i], &cells[i], e);
        }
        const int64_t *tags = cells + CVM_STACK_LIMIT;
        r.stack = cells;
        r.isb = (uint8_t *)(cells + 2 * CVM_STACK_LIMIT);
        r.ltags = ltags;
        r.heap = &heap;
        r.fields = fields;
        r.args = cargs;
        if (code == CVM_CODE_NONE) {
#if CVM_HAVE_GOTO
            if (use_goto)
                code = traced ? run_goto_traced_typed(&r) : run_goto_typed(&r);
            else
#endif
                code = traced ? run_switch_traced_typed(&r) : run_switch_typed(&r);
        }
        if (heap.oom) {
            st = CVM_ENOMEM;
            goto typed_out;
        }
        out->gas_used = limit - r.gas;
        if (code == CVM_CODE_NONE) {
            /* the results: the top nresults values (typed), else the top integer */
            size_t nres = me->typed ? me->nresults : 1;
            size_t base = r.depth >= nres ? r.depth - nres : 0;
            res = cvm_malloc(m->al, (nres ? nres : 1) * sizeof *res);
            if (!res) {
                st = CVM_ENOMEM;
                goto typed_out;
            }
            if (!me->typed) {
                res[0] = cvm_arg_int64(0);
                if (r.depth && tags[r.depth - 1] != CVM_T_INT) {
                    code = CVM_CODE_TYPE_MISMATCH;
                    trap_message(e, "the result of %s must be an integer, got bytes (%u)", me->name,
                                 (unsigned)cvm_heap_get(&heap, cells[r.depth - 1])->len);
                } else if (r.depth) {
                    res[0].v.i64 = cells[r.depth - 1];
                }
            } else if (r.depth < nres) {
                code = CVM_CODE_STACK_UNDERFLOW;
                trap_message(e, "%s returns %zu value%s, the stack holds %zu", me->name, nres, nres == 1 ? "" : "s",
                             r.depth);
            } else {
                for (size_t i = 0; i < nres && code == CVM_CODE_NONE; i++)
                    if (!value_as(&heap, (uint8_t)tags[base + i], cells[base + i], me->rtypes[i], &res[i])) {
                        value_message(e, &heap, "the method", me->name, "result", (unsigned)i, NULL, me->rtypes[i],
                                      (uint8_t)tags[base + i], cells[base + i]);
                        code = CVM_CODE_TYPE_MISMATCH;
                    }
            }
            if (code == CVM_CODE_NONE) {
                out->status = CVM_SUCCESS;
                out->result = nres && res[nres - 1].type == CVM_ARG_INT64 ? res[nres - 1].v.i64 : 0;
                memset(e, 0, sizeof *e);
                e->pc = -1;
                if (want_results)
                    st = copy_results(out, res, nres);
                goto typed_out;
            }
            /* a result trap: after the last instruction run */
            if (r.xpc - r.off >= (size_t)me->entry + me->len)
                r.xpc = UINT32_MAX;
        }
    typed_out:
        cvm_free(m->al, cells);
        cvm_free(m->al, res);
        cvm_free(m->al, fields);
        cvm_free(m->al, cargs);
        cvm_heap_free(&heap);
        if (st != CVM_OK || code == CVM_CODE_NONE)
            return st;
    }
    out->status = CVM_ERROR_SMART_CONTRACT;
    e->code = code;
    if (r.xpc == UINT32_MAX) {
        e->pc = -1;
        e->line = 0;
    } else {
        size_t pc = r.xpc - r.off;
        e->pc = (int64_t)pc;
        e->line = line_of(m, pc);
    }
    copy_name(e->method, sizeof e->method, me->name);
    return CVM_OK;
}

cvm_status cvm_exec(const cvm_module *m, const char *method, const int64_t *args, size_t nargs,
                    const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out)
{
    return exec_method(m, method, NULL, args, nargs, host, opts, out, 0);
}

cvm_status cvm_exec_args(const cvm_module *m, const char *method, const cvm_arg *args, size_t nargs,
                         const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out)
{
    return exec_method(m, method, args, NULL, nargs, host, opts, out, 1);
}
