/*
 * disasm.c — the disassembler: a module back to assembly text.
 *
 * The output assembles back to the identical module bytes (the format is
 * canonical, see docs/module-format.md), so it must say everything the
 * encoding holds: metadata, every method with its flags, operands, labels
 * for every jump target, and the line table. Line numbers are reproduced
 * with `.line N` (the next source line is numbered N), written only where
 * the line the assembler would assign differs from the recorded one.
 */
#include <inttypes.h>
#include <string.h>

#include "base/alloc.h"
#include "module.h"

/* Writes bytes as a double-quoted assembly string. */
static void put_quoted(cvm_buf *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    cvm_buf_byte(b, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        switch (c) {
        case '"': cvm_buf_str(b, "\\\""); break;
        case '\\': cvm_buf_str(b, "\\\\"); break;
        case '\n': cvm_buf_str(b, "\\n"); break;
        case '\t': cvm_buf_str(b, "\\t"); break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                cvm_buf_byte(b, c);
            } else {
                char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
                cvm_buf_put(b, esc, 4);
            }
        }
    }
    cvm_buf_byte(b, '"');
}

static void put_quoted_str(cvm_buf *b, const char *s)
{
    if (!s)
        s = "";
    put_quoted(b, (const uint8_t *)s, strlen(s));
}

/* The printer: the buffer, and the number the assembler will give the next
 * line written (lines start at 1; `.line N` makes the next one N). */
typedef struct printer {
    cvm_buf *b;
    uint64_t line;
} printer;

/* Ends the current line. */
static void nl(printer *pr)
{
    cvm_buf_byte(pr->b, '\n');
    pr->line++;
}

/* " name" of a signature type; "?N" for a code no verified module has. */
static void put_type(cvm_buf *b, cvm_vtype t)
{
    const char *n = cvm_vtype_name(t);
    if (n)
        cvm_buf_printf(b, "%s", n);
    else
        cvm_buf_printf(b, "?%u", (unsigned)t);
}

static void put_types(cvm_buf *b, const char *keyword, const cvm_vtype *t, size_t n, bool always)
{
    if (!n && !always)
        return;
    cvm_buf_printf(b, " %s", keyword);
    for (size_t k = 0; k < n && t; k++) {
        cvm_buf_byte(b, ' ');
        put_type(b, t[k]);
    }
}

/* " a:int b:bytes" */
static void put_named(cvm_buf *b, char *const *names, const cvm_vtype *types, size_t n)
{
    for (size_t k = 0; k < n && names && types; k++) {
        cvm_buf_printf(b, " %s:", names[k] ? names[k] : "");
        put_type(b, types[k]);
    }
}

/* A target the lexer reads back as written: [A-Za-z0-9_]+ '.' [A-Za-z0-9_]+. */
static bool plain_target(const char *s)
{
    size_t dots = 0, n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c == '.')
            dots++;
        else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    const char *dot = strchr(s, '.');
    return dots == 1 && dot != s && dot[1];
}

static void put_import(printer *pr, const cvm_import *im)
{
    cvm_buf *b = pr->b;
    const char *t = im->target ? im->target : "";
    cvm_buf_str(b, ".import ");
    if (plain_target(t))
        cvm_buf_str(b, t);
    else
        put_quoted_str(b, t);
    put_types(b, "params", im->ptypes, im->nparams, false);
    put_types(b, "returns", im->rtypes, im->nresults, false);
    nl(pr);
}

static void put_event(printer *pr, const cvm_event_decl *ev)
{
    cvm_buf_printf(pr->b, ".event %s", ev->name ? ev->name : "");
    put_named(pr->b, ev->fnames, ev->ftypes, ev->nfields);
    nl(pr);
}

static void put_header(printer *pr, const cvm_module *m)
{
    cvm_buf *b = pr->b;
    cvm_buf_printf(b, "; %s: %zu method%s, %zu instruction%s, %zu constant%s", m->name ? m->name : "",
                   m->nmethods, m->nmethods == 1 ? "" : "s", m->ncode, m->ncode == 1 ? "" : "s", m->nconsts,
                   m->nconsts == 1 ? "" : "s");
    nl(pr);
    cvm_buf_printf(b, ".contract %s", m->name ? m->name : "");
    nl(pr);
    if (m->required_reputation != 0) {
        cvm_buf_printf(b, ".reputation %" PRId64, m->required_reputation);
        nl(pr);
    }
    const cvm_coop_meta *c = &m->coop;
    if (c->present) {
        cvm_buf_printf(b, ".cooperative %s purpose=", c->id ? c->id : "");
        put_quoted_str(b, c->purpose);
        cvm_buf_printf(b, " cpu=%u memory=%u network=%u storage=%u bandwidth=%u federation=", (unsigned)c->cpu,
                       (unsigned)c->memory, (unsigned)c->network, (unsigned)c->storage, (unsigned)c->bandwidth);
        put_quoted_str(b, c->federation);
        nl(pr);
    }
    for (size_t i = 0; i < m->nstate; i++) {
        cvm_buf_str(b, ".state ");
        put_quoted(b, m->state[i].key, m->state[i].keylen);
        cvm_buf_printf(b, " %" PRId64, m->state[i].value);
        nl(pr);
    }
    for (size_t i = 0; i < m->nimports; i++)
        put_import(pr, &m->imports[i]);
    for (size_t i = 0; i < m->nevents; i++)
        put_event(pr, &m->events[i]);
    if (!m->lines) {
        cvm_buf_str(b, ".nolines");
        nl(pr);
    }
}

static void put_insn(printer *pr, const cvm_module *m, size_t pc)
{
    cvm_buf *b = pr->b;
    const cvm_insn *in = &m->code[pc];
    if (in->op >= CVM_OP_COUNT) { /* unverified module: say so, never crash */
        cvm_buf_printf(b, "    ; unknown opcode %u", (unsigned)in->op);
        nl(pr);
        return;
    }
    if (m->lines && m->lines[pc] != pr->line) {
        cvm_buf_printf(b, ".line %" PRIu32, m->lines[pc]);
        nl(pr);
        pr->line = m->lines[pc];
    }
    const cvm_opinfo *oi = cvm_opinfo_of(in->op);
    /* PushBytes "x" is written as the assembler's own form, Push "x" */
    bool push_str = in->op == CVM_OP_PUSH_BYTES && in->has_operand;
    cvm_buf_printf(b, "    %s", push_str ? "Push" : oi->mnemonic);
    if (in->has_operand) {
        int64_t v = in->operand;
        switch (oi->operand) {
        case CVM_OPK_STR:
        case CVM_OPK_OPT_STR:
            if (v >= 0 && (uint64_t)v < m->nconsts) {
                cvm_buf_byte(b, ' ');
                put_quoted(b, m->consts[v].bytes, m->consts[v].len);
            } else {
                cvm_buf_printf(b, " ; constant %" PRId64 " is out of range", v);
            }
            break;
        case CVM_OPK_LABEL: cvm_buf_printf(b, " L%" PRId64, v); break;
        default: cvm_buf_printf(b, " %" PRId64, v); break;
        }
    }
    nl(pr);
}

static void put_method(printer *pr, const cvm_module *m, const cvm_method *me, uint8_t *is_target)
{
    cvm_buf *b = pr->b;
    size_t end = (size_t)me->entry + me->len;
    if (end > m->ncode) /* unverified module */
        end = m->ncode;
    cvm_buf_printf(b, ".method %s", me->name ? me->name : "");
    if (me->typed) {
        /* a typed method always says returns (maybe with no types): that
         * is what makes a method without named params typed */
        if (me->params) {
            cvm_buf_str(b, " params");
            put_named(b, me->pnames, me->ptypes, me->params);
        }
        put_types(b, "returns", me->rtypes, me->nresults, true);
    } else if (me->params) {
        cvm_buf_printf(b, " params %" PRIu32, me->params);
    }
    if (me->flags & CVM_METHOD_READONLY)
        cvm_buf_str(b, " readonly");
    nl(pr);
    for (size_t pc = me->entry; pc < end; pc++) {
        if (is_target && is_target[pc]) {
            cvm_buf_printf(b, "L%zu:", pc);
            nl(pr);
        }
        put_insn(pr, m, pc);
    }
}

void cvm_module_write_asm(const cvm_module *m, cvm_buf *b)
{
    printer pr = {b, 1};
    put_header(&pr, m);
    /* mark jump targets once, so labels are printed before their instruction */
    uint8_t *is_target = m->ncode ? cvm_calloc(m->al, m->ncode, 1) : NULL; /* owned */
    if (m->ncode && !is_target) {
        b->failed = true;
        return;
    }
    for (size_t pc = 0; pc < m->ncode; pc++) {
        const cvm_insn *in = &m->code[pc];
        if (in->op < CVM_OP_COUNT && in->has_operand && cvm_opinfo_of(in->op)->operand == CVM_OPK_LABEL &&
            in->operand >= 0 && (uint64_t)in->operand < m->ncode)
            is_target[in->operand] = 1;
    }
    for (size_t i = 0; i < m->nmethods; i++)
        put_method(&pr, m, &m->methods[i], is_target);
    cvm_free(m->al, is_target);
}
