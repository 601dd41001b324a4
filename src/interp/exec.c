/*
 * exec.c — cvm_exec: the checks made before a method runs, the choice of
 * interpreter variant, and the outcome. The loop itself is run.h,
 * instantiated here four times (switch / computed goto, untraced / traced)
 * so that tracing costs nothing when it is off and both dispatch variants
 * are always in the library.
 *
 * The rules a caller sees:
 * - Before anything runs, in this order: an unknown method (ERROR_INPUT,
 *   UNKNOWN_METHOD), a wrong argument count (ERROR_INPUT, WRONG_ARGUMENTS),
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
#include "base/suggest.h"
#include "interp.h"
#include "xform.h"

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
    int64_t *stack;         /* borrowed: CVM_STACK_LIMIT values */
    int64_t *locals;        /* borrowed: CVM_LOCALS values, zeroed */
    const cvm_xinsn **calls; /* borrowed: CVM_CALL_DEPTH_LIMIT return entries */
    cvm_error *err;         /* borrowed: receives the trap's message */
    void **handles;         /* borrowed: CVM_HANDLE_CACHE key handles, zeroed; NULL when the host gives none */
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
    cvm_trace_step st = {
        .method = r->me->name,
        .pc = (int64_t)pc,
        .op = cvm_opinfo_of(op)->mnemonic,
        .has_operand = I->has,
        .operand = r->m->code[pc].operand,
        .operand_str = str ? (const char *)str->bytes : NULL,
        .operand_len = str ? str->len : 0,
        .depth = depth,
        .top = depth ? r->stack[depth - 1] : 0,
        .gas_left = gas,
        .call_depth = ncalls,
        .line = line_of(r->m, pc),
        .dispatch = goto_loop ? CVM_DISPATCH_GOTO : CVM_DISPATCH_SWITCH,
    };
    r->h->trace(r->h->ud, &st);
}

/* ------------------------------------------- helpers of the opcode bodies */

#define OPNAME (cvm_opinfo_of(I->base)->mnemonic)

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

/* A superinstruction that cannot complete exactly as its parts would hands
 * over to the plain entry at the same index, which checks and charges for
 * itself: the gas charged for it and the rest of its block is refunded. */
#define FALLBACK()                          \
    do {                                    \
        gas += (int64_t)I->own + I->after;  \
        I = P + I->xi;                      \
        goto dispatch;                      \
    } while (0)

/* ------------------------------------------------------ the four variants */

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

cvm_status cvm_exec(const cvm_module *m, const char *method, const int64_t *args, size_t nargs,
                    const cvm_host *host, const cvm_exec_options *opts, cvm_exec_result *out)
{
    if (!out)
        return CVM_EINPUT;
    memset(out, 0, sizeof *out);
    out->error.pc = -1;
    if (!m || !m->exec || !method || (nargs && !args))
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
    int64_t stack[CVM_STACK_LIMIT];
    int64_t locals[CVM_LOCALS];
    const cvm_xinsn *calls[CVM_CALL_DEPTH_LIMIT];
    void *handles[CVM_HANDLE_CACHE];
    bool by_handle = h->resolve && h->load_at && h->store_at;
    if (by_handle)
        memset(handles, 0, sizeof handles);
    memset(locals, 0, sizeof locals);
    _Static_assert(CVM_MAX_PARAMS <= CVM_STACK_LIMIT, "arguments must fit on the stack");
    if (nargs)
        memcpy(stack, args, nargs * sizeof *args); /* nargs = params <= CVM_MAX_PARAMS (verified) */

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
    cvm_code code;
#if CVM_HAVE_GOTO
    if (use_goto)
        code = traced ? run_goto_traced(&r) : run_goto(&r);
    else
#endif
        code = traced ? run_switch_traced(&r) : run_switch(&r);
    (void)use_goto;

    out->gas_used = limit - r.gas;
    if (code == CVM_CODE_NONE) {
        out->status = CVM_SUCCESS;
        out->result = r.depth ? stack[r.depth - 1] : 0;
        memset(e, 0, sizeof *e); /* a callback may have written into it */
        e->pc = -1;
        return CVM_OK;
    }
    size_t pc = r.xpc - r.off;
    out->status = CVM_ERROR_SMART_CONTRACT;
    e->code = code;
    e->pc = (int64_t)pc;
    e->line = line_of(m, pc);
    copy_name(e->method, sizeof e->method, me->name);
    return CVM_OK;
}
