/*
 * prepare.c — builds a verified module's executable form (xform.h) once:
 * the plain entries (operands resolved, gas and stack preconditions copied
 * out of the opcode table), then the fast array with superinstructions
 * (fuse.c) and per-block checks (blocks.c).
 */
#include <string.h>

#include "base/alloc.h"
#include "interp.h"
#include "xform.h"

static void set_stack_effect(cvm_xinsn *x, unsigned pops, unsigned pushes)
{
    x->need_b = (uint16_t)(pops * sizeof(int64_t));
    x->span_b = (uint16_t)((CVM_STACK_LIMIT - pushes) * sizeof(int64_t));
}

/* The declarations the module's constants name (cvm_module_const_decls),
 * resolved once per module: fill_plain looks them up in O(1) per
 * instruction. A scan of the declarations per Emit, repeated by blocks.c on
 * every step of its depth proof, made loading a module of 64 KiB take tens
 * of seconds. */
typedef struct decls {
    const int32_t *event_of;  /* borrowed, nconsts or NULL: the .event named by a constant, or -1 */
    const int32_t *import_of; /* borrowed, nconsts or NULL: the .import whose target is a constant, or -1 */
} decls;

/* The values instruction in pops: a declared event's fields for Emit. */
static unsigned pops_of(const cvm_module *m, const decls *d, const cvm_insn *in)
{
    if (in->op == CVM_OP_EMIT && in->has_operand && d->event_of && (uint64_t)in->operand < m->nconsts) {
        int32_t e = d->event_of[in->operand];
        if (e >= 0)
            return m->events[e].nfields;
    }
    return cvm_op_pops(in->op, in->has_operand);
}

/* Can module m make a bytes value, or does it declare typed signatures,
 * imports or events? Then it runs the typed loops (exec.c); otherwise
 * exactly the integer-only ones, which keep no tags. */
static int module_is_typed(const cvm_module *m)
{
    if (m->nimports || m->nevents)
        return 1;
    for (size_t i = 0; i < m->nmethods; i++)
        if (m->methods[i].typed)
            return 1;
    for (size_t pc = 0; pc < m->ncode; pc++)
        if (m->code[pc].op >= CVM_OP_PUSH_BYTES)
            return 1;
    return 0;
}

static void fill_plain(const cvm_module *m, const decls *d, size_t mi, size_t pc, cvm_xinsn *x)
{
    const cvm_insn *in = &m->code[pc];
    const cvm_opinfo *info = cvm_opinfo_of(in->op);
    memset(x, 0, sizeof *x);
    x->base = in->op;
    x->op = CVM_XDISPATCH(in->op, CVM_XCHECK_FULL);
    x->has = in->has_operand;
    x->n = 1;
    x->gas = x->own = info->gas;
    if (in->op == CVM_OP_EMIT && in->has_operand && m->consts[in->operand].len > CVM_GAS_EMIT_NAME_FREE) {
        /* the event's name goes into the history: its bytes beyond the free ones are paid (coopvm.h) */
        uint64_t extra = (uint64_t)(m->consts[in->operand].len - CVM_GAS_EMIT_NAME_FREE) * CVM_GAS_EVENT_BYTE;
        x->gas = x->own = info->gas + (uint32_t)(extra < (1u << 24) ? extra : (1u << 24));
    }
    x->xi = (uint32_t)cvm_xindex(pc, mi);
    unsigned pops = pops_of(m, d, in);
    unsigned pushes = info->pushes;
    set_stack_effect(x, pops, pushes);
    x->k = in->operand;
    if (in->has_operand) {
        switch (info->operand) {
        case CVM_OPK_LABEL: x->k = CVM_XOFF(cvm_xindex((size_t)in->operand, mi)); break;
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR: x->s = &m->consts[in->operand]; break;
        default: break;
        }
        x->hk = (in->op == CVM_OP_LOAD || in->op == CVM_OP_STORE || in->op == CVM_OP_LOAD_BYTES) &&
                in->operand >= 0 && in->operand < CVM_HANDLE_CACHE;
        if (in->op == CVM_OP_EMIT)
            x->k = d->event_of ? d->event_of[in->operand] : -1;
        else if (in->op == CVM_OP_CALL_SERVICE || in->op == CVM_OP_CALL_LIBRARY)
            x->k = d->import_of ? d->import_of[in->operand] : -1;
    }
    if (in->op == CVM_OP_CALL)
        x->k2 = CVM_XOFF(x->xi + 1);
}

/* Marks every instruction that control can reach other than by falling
 * through: label targets and the return address after each Call. No
 * superinstruction may cover one except as its first instruction. */
static void mark_targets(const cvm_module *m, uint8_t *target)
{
    for (size_t pc = 0; pc < m->ncode; pc++) {
        const cvm_insn *in = &m->code[pc];
        if (cvm_opinfo_of(in->op)->operand == CVM_OPK_LABEL && in->has_operand)
            target[in->operand] = 1;
        if ((in->op == CVM_OP_CALL || in->op == CVM_OP_CALL_SERVICE || in->op == CVM_OP_CALL_LIBRARY) &&
            pc + 1 < m->ncode)
            target[pc + 1] = 1; /* a service call's successor: no fusing across its run-time depth */
    }
}

/* Found by walking the depth relative to the start: each p runs when
 * need <= start + rel <= need + span, counted in values. */
cvm_xeffect cvm_xcombine(const cvm_xinsn *plain, size_t n)
{
    int64_t rel = 0, lo = 0, hi = CVM_STACK_LIMIT;
    cvm_xeffect e = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const cvm_xinsn *p = &plain[i];
        int64_t need = p->need_b / (int64_t)sizeof(int64_t), span = p->span_b / (int64_t)sizeof(int64_t);
        if (need - rel > lo)
            lo = need - rel;
        if (need + span - rel < hi)
            hi = need + span - rel;
        e.gas += p->gas;
        int64_t pushes = (int64_t)CVM_STACK_LIMIT - span;
        rel += pushes - need;
    }
    if (hi < lo || lo > CVM_STACK_LIMIT) {
        e.need = CVM_NEED_NEVER;
        e.span = 0;
    } else {
        e.need = (uint16_t)lo;
        e.span = (uint16_t)(hi - lo);
    }
    return e;
}

/* ------------------------------------------------------------------- build */

static void xmodule_free(const cvm_allocator *al, void *p)
{
    cvm_xmodule *x = p;
    if (!x)
        return;
    cvm_free(al, x->plain);
    cvm_free(al, x->fast);
    cvm_free(al, x);
}

static cvm_status prepare(cvm_module *m, int with_fusion)
{
    if (m->exec)
        return CVM_OK;
    const cvm_allocator *al = m->al;
    cvm_xmodule *x = cvm_calloc(al, 1, sizeof *x);
    if (!x)
        return CVM_ENOMEM;
    x->n = m->ncode + m->nmethods;
    x->plain = cvm_calloc(al, x->n ? x->n : 1, sizeof *x->plain);
    x->fast = cvm_calloc(al, x->n ? x->n : 1, sizeof *x->fast);
    uint8_t *target = cvm_calloc(al, m->ncode ? m->ncode : 1, 1);
    int32_t *event_of = NULL, *import_of = NULL; /* owned */
    if (!x->plain || !x->fast || !target || cvm_module_const_decls(m, &event_of, &import_of) != CVM_OK) {
        cvm_free(al, target);
        xmodule_free(al, x);
        return CVM_ENOMEM;
    }
    decls d = {event_of, import_of};
    for (size_t mi = 0; mi < m->nmethods; mi++) {
        const cvm_method *me = &m->methods[mi];
        for (size_t pc = me->entry; pc < (size_t)me->entry + me->len; pc++)
            fill_plain(m, &d, mi, pc, &x->plain[cvm_xindex(pc, mi)]);
        cvm_xinsn *end = &x->plain[cvm_xindex((size_t)me->entry + me->len, mi)];
        end->base = CVM_OP_END;
        end->op = CVM_XDISPATCH(CVM_OP_END, CVM_XCHECK_FULL);
        end->n = 1;
        end->xi = (uint32_t)cvm_xindex((size_t)me->entry + me->len, mi);
        set_stack_effect(end, 0, 0);
    }
    cvm_free(al, event_of);
    cvm_free(al, import_of);
    memcpy(x->fast, x->plain, x->n * sizeof *x->fast);
    x->typed = module_is_typed(m);
    for (size_t i = 0; i < m->nimports; i++)
        if (m->imports[i].nparams > x->scratch)
            x->scratch = m->imports[i].nparams;
    for (size_t i = 0; i < m->nevents; i++)
        if (m->events[i].nfields > x->scratch)
            x->scratch = m->events[i].nfields;
    if (with_fusion) {
        mark_targets(m, target);
        cvm_xfuse(m, target, x);
        if (cvm_xblocks(m, target, x) != CVM_OK) {
            cvm_free(al, target);
            xmodule_free(al, x);
            return CVM_ENOMEM;
        }
    }
    cvm_free(al, target);
    m->exec = x;
    m->exec_free = xmodule_free;
    return CVM_OK;
}

cvm_status cvm_interp_prepare(cvm_module *m) { return prepare(m, 1); }

cvm_status cvm_interp_prepare_unfused(cvm_module *m) { return prepare(m, 0); }
