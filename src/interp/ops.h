/*
 * ops.h — one body per opcode, shared by every dispatch variant (see
 * dispatch.h), included inside the dispatch of run.h.
 *
 * When a body starts, its gas is charged and the stack holds at least the
 * values it pops and has room for what it pushes (checked from the opcode
 * table, per instruction or per block: see xform.h), so a body only does its
 * own work. sp points one past the top; I is the current entry, F the array
 * that jumps go to. Bodies advance I by constants: a data-dependent advance
 * would put a load on the chain from one dispatch to the next.
 *
 * Superinstructions (after the table's opcodes) must leave no trace of
 * themselves: they compute into temporaries and commit only once nothing can
 * trap; on any doubt they FALLBACK to the plain entry at the same index.
 *
 * The typed loops (CVM_TYPED 1, for modules that can make bytes: prepare.c)
 * keep a tag per stack cell (TG(i): the tag of sp[i]) and per local (ltags),
 * CVM_T_INT or CVM_T_BYTES; a bytes cell holds its object's index in the
 * run's heap (heap.h). There the bodies check the tags they need (T_INT1,
 * T_INT2... trap TYPE_MISMATCH) and set the tag of what they push (T_SET);
 * in the integer-only loops these macros are empty, so those loops are
 * exactly what they were before bytes existed. Superinstructions fall back
 * when what they read is not an integer (LI, SI below). Bodies that differ more are
 * written twice, under #if CVM_TYPED. A body that charges gas for the bytes
 * it touches does so before any effect (CHARGE); in a fast entry that cannot
 * pay, CHARGE falls back to the plain entry, so gas and traps are plain's.
 */

#if CVM_TYPED
/* a cell's tag sits CVM_STACK_LIMIT cells above it (exec.c): no arithmetic */
#define TG(i) sp[(i) + CVM_STACK_LIMIT]
#define T_SET(i, t) (TG(i) = (t))
#define TYPE_TRAP(n, want)                                                            \
    do {                                                                              \
        type_message(r->err, hp, OPNAME, want, &TG(-(int)(n)), sp - (n), (unsigned)(n)); \
        code = CVM_CODE_TYPE_MISMATCH;                                                \
        goto trap;                                                                    \
    } while (0)
#define T_INT1()                                          \
    do {                                                  \
        if (__builtin_expect(TG(-1) != CVM_T_INT, 0))     \
            TYPE_TRAP(1, "an integer");                   \
    } while (0)
#define T_INT2()                                                \
    do {                                                        \
        if (__builtin_expect((TG(-1) | TG(-2)) != CVM_T_INT, 0)) \
            TYPE_TRAP(2, "two integers");                       \
    } while (0)
#define T_INTN(n)                                                \
    do {                                                         \
        for (unsigned i_ = 1; i_ <= (n); i_++)                   \
            if (TG(-(int)i_) != CVM_T_INT)                       \
                TYPE_TRAP((n), (n) == 1 ? "an integer" : "integers"); \
    } while (0)
#define T_BYTES1()                                        \
    do {                                                  \
        if (__builtin_expect(TG(-1) != CVM_T_BYTES, 0))   \
            TYPE_TRAP(1, "bytes");                        \
    } while (0)
#define T_SWAP()                   \
    do {                           \
        int64_t t_ = TG(-1);       \
        TG(-1) = TG(-2);           \
        TG(-2) = t_;               \
    } while (0)
#define T_ROT()                    \
    do {                           \
        int64_t t_ = TG(-3);       \
        TG(-3) = TG(-2);           \
        TG(-2) = TG(-1);           \
        TG(-1) = t_;               \
    } while (0)
#define T_LGET() T_SET(0, ltags[I->k])
#define T_LSET() (ltags[I->k] = (uint8_t)TG(-1))
#define OBJ(cell) cvm_heap_get(hp, (cell))
/* A heap call: its failure (BYTES_TOO_LONG, MEMORY_LIMIT) is the trap. */
#define HEAP(expr)                              \
    do {                                        \
        cvm_code hc_ = (expr);                  \
        if (hc_ != CVM_CODE_NONE) {             \
            code = hc_;                         \
            goto trap;                          \
        }                                       \
    } while (0)
/* Gas for the bytes an instruction touches, beyond its table gas. */
#define CHARGE(n)                                                                                     \
    do {                                                                                              \
        uint64_t n_ = (n);                                                                            \
        if (__builtin_expect((uint64_t)gas < n_, 0)) {                                                \
            if (I->in_fast)                                                                           \
                FALLBACK();                                                                           \
            TRAP(CVM_CODE_OUT_OF_GAS, "%s costs %llu more gas for its bytes, %lld left", OPNAME,      \
                 (unsigned long long)n_, (long long)gas);                                             \
        }                                                                                             \
        gas -= (int64_t)n_;                                                                           \
    } while (0)
/* The key of Store/Load/LoadBytes: the string operand, else popped from
 * sp[-1 - above] (an integer in decimal, bytes as they are: kgas is then
 * their length, the gas they cost). */
#define TKEY(above)                                                \
    const uint8_t *key;                                            \
    size_t keylen;                                                 \
    char keybuf[24];                                               \
    uint64_t kgas = 0;                                             \
    if (I->s) {                                                    \
        key = I->s->bytes;                                         \
        keylen = I->s->len;                                        \
    } else if (TG(-1 - (above)) == CVM_T_BYTES) {                  \
        const cvm_bobj *ko_ = OBJ(sp[-1 - (above)]);               \
        key = ko_->p;                                              \
        keylen = ko_->len;                                         \
        kgas = keylen;                                             \
    } else {                                                       \
        keylen = i64_decimal(keybuf, sp[-1 - (above)]);            \
        key = (const uint8_t *)keybuf;                             \
    }
#else
#define T_SET(i, t) ((void)0)
#define T_INT1() ((void)0)
#define T_INT2() ((void)0)
#define T_INTN(n) ((void)0)
#define T_SWAP() ((void)0)
#define T_ROT() ((void)0)
#define T_LGET() ((void)0)
#define T_LSET() ((void)0)
#endif

/* --------------------------------------------------------- arithmetic */
#define CVM_BINOP_CHECKED(NAME, fn)                                         \
    vmcase(NAME)                                                            \
    {                                                                       \
        int64_t v;                                                          \
        T_INT2();                                                           \
        if (fn(sp[-2], sp[-1], &v))                                         \
            TRAP_OVERFLOW2(sp[-2], sp[-1]);                                 \
        sp[-2] = v;                                                         \
        sp--;                                                               \
        I += 1;                                                             \
    }                                                                       \
    vmbreak;
CVM_BINOP_CHECKED(ADD, cvm_add_ovf)
CVM_BINOP_CHECKED(SUB, cvm_sub_ovf)
CVM_BINOP_CHECKED(MUL, cvm_mul_ovf)
#undef CVM_BINOP_CHECKED

#define CVM_DIVOP(NAME, fn)                                                 \
    vmcase(NAME)                                                            \
    {                                                                       \
        int64_t v;                                                          \
        T_INT2();                                                           \
        cvm_code c = fn(sp[-2], sp[-1], &v);                                \
        if (c == CVM_CODE_DIVISION_BY_ZERO)                                 \
            TRAP(c, "%s of %lld by zero", OPNAME, (long long)sp[-2]);       \
        if (c)                                                              \
            TRAP_OVERFLOW2(sp[-2], sp[-1]);                                 \
        sp[-2] = v;                                                         \
        sp--;                                                               \
        I += 1;                                                             \
    }                                                                       \
    vmbreak;
CVM_DIVOP(DIV, cvm_div)
CVM_DIVOP(MOD, cvm_mod)
#undef CVM_DIVOP

/* -------------------------------------------------------------- stack */
vmcase(PUSH) { T_SET(0, CVM_T_INT); *sp++ = I->k; I += 1; } vmbreak;
vmcase(POP) { sp--; I += 1; } vmbreak;
vmcase(DUP) { T_SET(0, TG(-1)); sp[0] = sp[-1]; sp++; I += 1; } vmbreak;
vmcase(SWAP) { T_SWAP(); int64_t t = sp[-1]; sp[-1] = sp[-2]; sp[-2] = t; I += 1; } vmbreak;
vmcase(OVER) { T_SET(0, TG(-2)); sp[0] = sp[-2]; sp++; I += 1; } vmbreak;
vmcase(ROT) { T_ROT(); int64_t a = sp[-3]; sp[-3] = sp[-2]; sp[-2] = sp[-1]; sp[-1] = a; I += 1; } vmbreak;
vmcase(LOCAL_GET) { T_LGET(); *sp++ = locals[I->k]; I += 1; } vmbreak;
vmcase(LOCAL_SET) { T_LSET(); locals[I->k] = *--sp; I += 1; } vmbreak;

/* -------------------------------------------------------------- state */
/* A constant key goes by the host's handle when it gives one (HANDLE_OF). */
#if CVM_TYPED
vmcase(STORE)
{
    /* the value on top, the key (when popped) below it */
    int vbytes = TG(-1) == CVM_T_BYTES;
    int64_t v = sp[-1];
    TKEY(1);
    const cvm_bobj *vo = vbytes ? OBJ(v) : NULL;
    CHARGE(kgas + (vo ? (uint64_t)vo->len * CVM_GAS_STATE_BYTE : 0));
    HANDLE_OF(hd);
    if (vo) {
        if (!h->store_bytes)
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "Store: this host has no storage for bytes");
        HOST_CALL(h->store_bytes(h->ud, key, keylen, hd, vo->p, vo->len, r->err));
    } else if (hd) {
        HOST_CALL(h->store_at(h->ud, hd, v, r->err));
    } else {
        if (!h->store)
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "Store: this host has no state storage");
        HOST_CALL(h->store(h->ud, key, keylen, v, r->err));
    }
    sp -= I->s ? 1 : 2;
    I += 1;
}
vmbreak;
vmcase(LOAD)
{
    int64_t v = 0;
    TKEY(0);
    CHARGE(kgas);
    HANDLE_OF(hd);
    if (hd)
        HOST_CALL(h->load_at(h->ud, hd, &v, r->err));
    else if (h->load)
        HOST_CALL(h->load(h->ud, key, keylen, &v, r->err));
    if (!I->s)
        sp--;
    T_SET(0, CVM_T_INT);
    *sp++ = v;
    I += 1;
}
vmbreak;
/* Charges for what it read once it has read it: it ends its block
 * (blocks.c), so the gas left here is plain's, and it cannot fall back
 * after the host call. */
vmcase(LOAD_BYTES)
{
    TKEY(0);
    CHARGE(kgas);
    HANDLE_OF(hd);
    const uint8_t *val = NULL;
    size_t len = 0;
    if (h->load_bytes)
        HOST_CALL(h->load_bytes(h->ud, key, keylen, hd, &val, &len, r->err));
    uint64_t extra = ((uint64_t)len + 7) / 8;
    if ((uint64_t)gas < extra)
        TRAP(CVM_CODE_OUT_OF_GAS, "%s costs %llu more gas for the %zu bytes it read, %lld left", OPNAME,
             (unsigned long long)extra, len, (long long)gas);
    gas -= (int64_t)extra;
    int64_t idx;
    HEAP(cvm_heap_copy(hp, OPNAME, val, len, &idx, r->err));
    if (!I->s)
        sp--;
    T_SET(0, CVM_T_BYTES);
    *sp++ = idx;
    I += 1;
}
vmbreak;
#else
vmcase(STORE)
{
    int64_t v = *--sp;
    HANDLE_OF(hd);
    if (hd) {
        HOST_CALL(h->store_at(h->ud, hd, v, r->err));
    } else {
        KEY_FROM_OPERAND_OR_POP();
        if (!h->store)
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "Store: this host has no state storage");
        HOST_CALL(h->store(h->ud, key, keylen, v, r->err));
    }
    I += 1;
}
vmbreak;
vmcase(LOAD)
{
    int64_t v = 0;
    HANDLE_OF(hd);
    if (hd) {
        HOST_CALL(h->load_at(h->ud, hd, &v, r->err));
    } else {
        KEY_FROM_OPERAND_OR_POP();
        if (h->load)
            HOST_CALL(h->load(h->ud, key, keylen, &v, r->err));
    }
    *sp++ = v;
    I += 1;
}
vmbreak;
#endif

/* ------------------------------------ cooperative and governance (SDK) */
/* The host says what gas the service it called used, charged here, success
 * or not, as for CallService; each ends its block (blocks.c), so the gas
 * left is exact when the host is asked and the next instruction checks
 * again. */
#define CVM_SDKOP(NAME, SDKOP, SERVICE)                                                             \
    vmcase(NAME)                                                                                    \
    {                                                                                               \
        if (!h->sdk)                                                                                \
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "%s needs the %s service, which this host does not provide", \
                 OPNAME, SERVICE);                                                                  \
        unsigned pops_ = cvm_op_pops(CVM_OP_##NAME, I->has);                                        \
        T_INTN(pops_);                                                                              \
        sp -= pops_;                                                                                \
        int64_t v = 0, used_ = 0;                                                                   \
        cvm_sdk_request req = {SDKOP, r->m, sp, pops_, I->k, gas, &used_};                          \
        r->err->message[0] = '\0';                                                                  \
        cvm_code c_ = h->sdk(h->ud, &req, &v, r->err);                                              \
        gas -= used_ < 0 ? 0 : used_ > gas ? gas : used_;                                           \
        if (c_ != CVM_CODE_NONE) {                                                                  \
            code = (unsigned)c_ < CVM_CODE_COUNT ? c_ : CVM_CODE_HOST_ERROR;                        \
            goto trap;                                                                              \
        }                                                                                           \
        if (cvm_opinfo_of(CVM_OP_##NAME)->pushes) {                                                 \
            T_SET(0, CVM_T_INT);                                                                    \
            *sp++ = v;                                                                              \
        }                                                                                           \
        I += 1;                                                                                      \
    }                                                                                               \
    vmbreak;
CVM_SDKOP(CREATE_COOPERATIVE, CVM_SDK_CREATE_COOPERATIVE, "_Cooperatives")
CVM_SDKOP(JOIN_COOPERATIVE, CVM_SDK_JOIN_COOPERATIVE, "_Cooperatives")
CVM_SDKOP(ALLOCATE_RESOURCE, CVM_SDK_ALLOCATE_RESOURCE, "_Cooperatives")
CVM_SDKOP(CREATE_PROPOSAL, CVM_SDK_CREATE_PROPOSAL, "_Governance")
CVM_SDKOP(CAST_VOTE, CVM_SDK_CAST_VOTE, "_Governance")
CVM_SDKOP(UPDATE_QUORUM, CVM_SDK_UPDATE_QUORUM, "_Governance")
#undef CVM_SDKOP

/* ------------------------------------------------------------ control */
vmcase(JUMP) { I = CVM_AT(F, I->k); } vmbreak;
/* A conditional jump may sit inside a block (xform.h): when it is taken, the
 * rest of the block was charged but will not run. */
#define CVM_TAKE(target) (gas += I->after, CVM_AT(F, target))
vmcase(JUMP_IF) { T_INT1(); I = *--sp != 0 ? CVM_TAKE(I->k) : I + 1; } vmbreak;
vmcase(JUMP_IF_NOT) { T_INT1(); I = *--sp == 0 ? CVM_TAKE(I->k) : I + 1; } vmbreak;
vmcase(CALL)
{
    if (ncalls == CVM_CALL_DEPTH_LIMIT)
        TRAP(CVM_CODE_CALL_DEPTH_EXCEEDED, "Call nested deeper than %d", CVM_CALL_DEPTH_LIMIT);
    calls[ncalls++] = CVM_AT(F, I->k2); /* the entry after the Call: a block head */
    I = CVM_AT(F, I->k);
}
vmbreak;
vmcase(RET)
{
    if (ncalls == 0)
        goto done;
    I = calls[--ncalls];
    F = I->in_fast ? X : P; /* back to how the caller ran */
}
vmbreak;
vmcase(HALT) { goto done; }
vmcase(END) { goto done; }

/* ---------------------------------------------------- compare and logic */
#if CVM_TYPED
/* Two integers as before; two bytes by content (Eq, Ne) or in
 * lexicographic order (bytes_cmp: memcmp, then the shorter first). Two
 * bytes pay 1 gas per 8 bytes of the shorter (rounded up) before the
 * compare: what memcmp may read, fixed by the lengths alone (not where it
 * stops), so the gas is the same on every machine. */
#define CVM_CMPOP(NAME, OP)                                                        \
    vmcase(NAME)                                                                   \
    {                                                                              \
        unsigned t_ = (unsigned)TG(-2) << 1 | TG(-1);                              \
        if (t_ == 0)                                                               \
            sp[-2] = sp[-2] OP sp[-1];                                             \
        else if (t_ == 3) {                                                        \
            const cvm_bobj *a_ = OBJ(sp[-2]), *b_ = OBJ(sp[-1]);                   \
            CHARGE(((uint64_t)(a_->len < b_->len ? a_->len : b_->len) + 7) / 8);   \
            sp[-2] = bytes_cmp(a_, b_) OP 0;                                       \
        } else                                                                     \
            TYPE_TRAP(2, "two integers or two bytes");                             \
        T_SET(-2, CVM_T_INT);                                                      \
        sp--;                                                                      \
        I += 1;                                                                    \
    }                                                                              \
    vmbreak;
#else
#define CVM_CMPOP(NAME, OP)                      \
    vmcase(NAME)                                 \
    {                                            \
        sp[-2] = sp[-2] OP sp[-1];               \
        sp--;                                    \
        I += 1;                                   \
    }                                            \
    vmbreak;
#endif
CVM_CMPOP(EQ, ==)
CVM_CMPOP(NE, !=)
CVM_CMPOP(LT, <)
CVM_CMPOP(LE, <=)
CVM_CMPOP(GT, >)
CVM_CMPOP(GE, >=)
#undef CVM_CMPOP
vmcase(NOT) { T_INT1(); sp[-1] = sp[-1] == 0; I += 1; } vmbreak;
vmcase(AND) { T_INT2(); sp[-2] = sp[-2] != 0 && sp[-1] != 0; sp--; I += 1; } vmbreak;
vmcase(OR) { T_INT2(); sp[-2] = sp[-2] != 0 || sp[-1] != 0; sp--; I += 1; } vmbreak;
vmcase(NEG)
{
    int64_t v;
    T_INT1();
    if (cvm_neg_ovf(sp[-1], &v))
        TRAP(CVM_CODE_INTEGER_OVERFLOW, "Neg of %lld overflows", (long long)sp[-1]);
    sp[-1] = v;
    I += 1;
}
vmbreak;

/* -------------------------------------------------------- environment */
vmcase(REPUTATION) { T_SET(0, CVM_T_INT); *sp++ = h->reputation; I += 1; } vmbreak;
vmcase(BLOCK_HEIGHT) { T_SET(0, CVM_T_INT); *sp++ = h->block_height; I += 1; } vmbreak;
vmcase(BLOCK_TIME) { T_SET(0, CVM_T_INT); *sp++ = h->block_time; I += 1; } vmbreak;

/* ---------------------------------------------------- events and logs */
#if CVM_TYPED
/* A declared event (I->k: its index in m->events) pops its fields, checks
 * their types and pays for their names and values. */
vmcase(EMIT)
{
    if (I->k < 0) {
        T_INT1();
        int64_t v = *--sp;
        if (h->emit)
            HOST_CALL(h->emit(h->ud, I->s->bytes, I->s->len, v, r->err));
        I += 1;
        vmbreak;
    }
    const cvm_event_decl *ev = &r->m->events[I->k];
    unsigned nf = ev->nfields;
    uint64_t bytes = 0;
    for (unsigned i = 0; i < nf; i++) {
        int64_t cell = sp[(int)i - (int)nf];
        uint8_t tg = (uint8_t)TG((int)i - (int)nf);
        cvm_vtype want = ev->ftypes[i];
        cvm_event_field *f = &r->fields[i];
        f->name = ev->fnames[i];
        bytes += strlen(ev->fnames[i]);
        if (!value_as(hp, tg, cell, want, &f->value)) {
            value_message(r->err, hp, "Emit", (const char *)I->s->bytes, "field", i, ev->fnames[i], want, tg, cell);
            code = CVM_CODE_TYPE_MISMATCH;
            goto trap;
        }
        bytes += want == CVM_ARG_INT64 ? 8 : f->value.v.bytes.len;
    }
    CHARGE(bytes * CVM_GAS_EVENT_BYTE);
    if (h->emit_fields)
        HOST_CALL(h->emit_fields(h->ud, I->s->bytes, I->s->len, r->fields, nf, r->err));
    sp -= nf;
    I += 1;
}
vmbreak;
#else
vmcase(EMIT)
{
    int64_t v = *--sp;
    if (h->emit)
        HOST_CALL(h->emit(h->ud, I->s->bytes, I->s->len, v, r->err));
    I += 1;
}
vmbreak;
#endif
vmcase(LOG)
{
    T_INT1();
    int64_t v = *--sp;
    if (h->log)
        HOST_CALL(h->log(h->ud, v, r->err));
    I += 1;
}
vmbreak;

/* ------------------------------------------------------------ failure */
#if CVM_TYPED
vmcase(ABORT)
{
    if (TG(-1) == CVM_T_BYTES) {
        const cvm_bobj *o = OBJ(sp[-1]);
        set_reason(r->err, o->p, o->len);
        code = CVM_CODE_ABORTED;
        goto trap;
    }
    TRAP(CVM_CODE_ABORTED, "aborted with code %lld", (long long)sp[-1]);
}
vmcase(ASSERT)
{
    T_INT1();
    if (*--sp == 0) {
        set_reason(r->err, I->s->bytes, I->s->len);
        code = CVM_CODE_ABORTED;
        goto trap;
    }
    I += 1;
}
vmbreak;
#else
vmcase(ABORT) { TRAP(CVM_CODE_ABORTED, "aborted with code %lld", (long long)sp[-1]); }
#endif

/* ------------------------------------------------------ service calls */
/* The callee's parameter count is known only to the host, so these pop
 * nothing by the table: the host says how many it took (after checking the
 * stack holds them) and what gas the callee used, which is charged here,
 * success or not. Each ends its block and what follows is never proved
 * (blocks.c), so the checks after it see the real depth. */
#if CVM_TYPED
/* With an .import of the target (I->k: its index in m->imports): pops the
 * import's parameters (types checked), passes them typed and pushes every
 * result of the reply, bytes copied into the run's heap. Without one:
 * today's call, with is_bytes marking the stack's bytes cells (the host
 * refuses a callee parameter that would take one). */
#define CVM_CALLOP(NAME, LIB)                                                                    \
    vmcase(NAME)                                                                                 \
    {                                                                                            \
        if (!h->call)                                                                            \
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "%s: this host runs no other services", OPNAME);  \
        size_t depth_ = (size_t)(sp - stack);                                                    \
        cvm_call_request req = {.library = LIB, .target = I->s->bytes, .target_len = I->s->len,    \
                                .stack = stack, .depth = depth_, .gas_left = gas};               \
        const cvm_import *im = I->k >= 0 ? &r->m->imports[I->k] : NULL;                          \
        if (im) {                                                                                \
            size_t np_ = im->nparams;                                                            \
            if (depth_ < np_)                                                                    \
                TRAP(CVM_CODE_STACK_UNDERFLOW, "%s \"%s\" needs %zu value%s, the stack holds %zu", \
                     OPNAME, im->target, np_, np_ == 1 ? "" : "s", depth_);                      \
            for (size_t i = 0; i < np_; i++) {                                                   \
                size_t at_ = depth_ - np_ + i;                                                   \
                uint8_t tg_ = (uint8_t)stack[at_ + CVM_STACK_LIMIT];                             \
                if (!value_as(hp, tg_, stack[at_], im->ptypes[i], &r->args[i])) {                \
                    value_message(r->err, hp, OPNAME, im->target, "argument", (unsigned)i, NULL,  \
                                  im->ptypes[i], tg_, stack[at_]);                               \
                    code = CVM_CODE_TYPE_MISMATCH;                                               \
                    goto trap;                                                                   \
                }                                                                                \
                if (r->args[i].type == CVM_ARG_STRING)                                           \
                    r->args[i].type = CVM_ARG_BYTES;                                             \
            }                                                                                    \
            req.args = r->args;                                                                  \
            req.nargs = np_;                                                                     \
            req.param_types = im->ptypes;                                                        \
            req.result_types = im->rtypes;                                                       \
            req.nresults = im->nresults;                                                         \
        } else {                                                                                 \
            req.is_bytes = bytes_flags(stack, depth_, r->isb);                                   \
        }                                                                                        \
        cvm_call_reply rep = {0};                                                                \
        r->err->message[0] = '\0';                                                               \
        cvm_code c_ = h->call(h->ud, &req, &rep, r->err);                                        \
        gas -= rep.gas_used < 0 ? 0 : rep.gas_used > gas ? gas : rep.gas_used;                   \
        if (c_ != CVM_CODE_NONE) {                                                               \
            code = (unsigned)c_ < CVM_CODE_COUNT ? c_ : CVM_CODE_HOST_ERROR;                     \
            goto trap;                                                                           \
        }                                                                                        \
        if (!im) {                                                                               \
            sp -= rep.popped <= depth_ ? rep.popped : depth_;                                    \
            T_SET(0, CVM_T_INT);                                                                 \
            *sp++ = rep.result;                                                                  \
            I += 1;                                                                              \
            vmbreak;                                                                             \
        }                                                                                        \
        if (rep.nresults != im->nresults || (rep.nresults && !rep.results))                      \
            TRAP(CVM_CODE_HOST_ERROR, "%s \"%s\": the host gave %zu results, the import declares %u", \
                 OPNAME, im->target, rep.nresults, (unsigned)im->nresults);                      \
        sp -= im->nparams;                                                                       \
        if ((size_t)(sp - stack) + im->nresults > CVM_STACK_LIMIT)                               \
            TRAP(CVM_CODE_STACK_OVERFLOW, "%s would leave more than %d values on the stack", OPNAME, \
                 CVM_STACK_LIMIT);                                                               \
        for (size_t i = 0; i < rep.nresults; i++) {                                              \
            const cvm_arg *a_ = &rep.results[i];                                                 \
            int isint_ = a_->type == CVM_ARG_INT64;                                              \
            if (isint_ != (im->rtypes[i] == CVM_ARG_INT64) ||                                    \
                (!isint_ && a_->type != CVM_ARG_BYTES && a_->type != CVM_ARG_STRING))            \
                TRAP(CVM_CODE_HOST_ERROR, "%s \"%s\": result %zu is %s, the import declares %s", OPNAME, \
                     im->target, i + 1, arg_type_shown(a_->type), vtype_name(im->rtypes[i]));    \
            int64_t cell_ = a_->v.i64;                                                           \
            if (!isint_)                                                                         \
                HEAP(cvm_heap_copy(hp, OPNAME, a_->v.bytes.ptr, a_->v.bytes.len, &cell_, r->err)); \
            T_SET(0, isint_ ? CVM_T_INT : CVM_T_BYTES);                                          \
            *sp++ = cell_;                                                                       \
        }                                                                                        \
        I += 1;                                                                                  \
    }                                                                                            \
    vmbreak;
#else
#define CVM_CALLOP(NAME, LIB)                                                                    \
    vmcase(NAME)                                                                                 \
    {                                                                                            \
        if (!h->call)                                                                            \
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "%s: this host runs no other services", OPNAME);  \
        cvm_call_request req = {.library = LIB, .target = I->s->bytes, .target_len = I->s->len,    \
                                .stack = stack, .depth = (size_t)(sp - stack), .gas_left = gas}; \
        cvm_call_reply rep = {0};                                                                \
        r->err->message[0] = '\0';                                                               \
        cvm_code c_ = h->call(h->ud, &req, &rep, r->err);                                        \
        gas -= rep.gas_used < 0 ? 0 : rep.gas_used > gas ? gas : rep.gas_used;                   \
        if (c_ != CVM_CODE_NONE) {                                                               \
            code = (unsigned)c_ < CVM_CODE_COUNT ? c_ : CVM_CODE_HOST_ERROR;                     \
            goto trap;                                                                           \
        }                                                                                        \
        sp -= rep.popped <= (size_t)(sp - stack) ? rep.popped : (size_t)(sp - stack);            \
        *sp++ = rep.result;                                                                      \
        I += 1;                                                                                  \
    }                                                                                            \
    vmbreak;
#endif
CVM_CALLOP(CALL_SERVICE, 0)
CVM_CALLOP(CALL_LIBRARY, 1)
#undef CVM_CALLOP

/* -------------------------------------------------------------- bytes */
#if CVM_TYPED
vmcase(PUSH_BYTES)
{
    int64_t idx;
    HEAP(push_const(hp, I->k, I->s, &idx, r->err));
    T_SET(0, CVM_T_BYTES);
    *sp++ = idx;
    I += 1;
}
vmbreak;
vmcase(CONCAT)
{
    if ((TG(-1) & TG(-2)) != CVM_T_BYTES)
        TYPE_TRAP(2, "two bytes");
    const cvm_bobj *a = OBJ(sp[-2]), *b = OBJ(sp[-1]);
    size_t len = (size_t)a->len + b->len;
    if (len > CVM_BYTES_MAX)
        TRAP(CVM_CODE_BYTES_TOO_LONG, "Concat of %u and %u bytes would make %zu, more than %d", (unsigned)a->len,
             (unsigned)b->len, len, CVM_BYTES_MAX);
    CHARGE((len + 7) / 8);
    uint8_t *buf;
    int64_t idx;
    HEAP(cvm_heap_make(hp, OPNAME, len, &buf, &idx, r->err));
    a = OBJ(sp[-2]), b = OBJ(sp[-1]); /* the table may have moved */
    if (a->len)
        memcpy(buf, a->p, a->len);
    if (b->len)
        memcpy(buf + a->len, b->p, b->len);
    sp--;
    sp[-1] = idx;
    I += 1;
}
vmbreak;
vmcase(LEN)
{
    T_BYTES1();
    sp[-1] = OBJ(sp[-1])->len;
    T_SET(-1, CVM_T_INT);
    I += 1;
}
vmbreak;
vmcase(SLICE)
{
    if (TG(-3) != CVM_T_BYTES || (TG(-2) | TG(-1)) != CVM_T_INT)
        TYPE_TRAP(3, "bytes, an integer and an integer");
    const cvm_bobj o = *OBJ(sp[-3]);
    int64_t start = sp[-2], n = sp[-1];
    if (start < 0 || n < 0 || start > (int64_t)o.len || n > (int64_t)o.len - start)
        TRAP(CVM_CODE_OUT_OF_RANGE, "Slice of %lld bytes from %lld is outside bytes (%u)", (long long)n,
             (long long)start, (unsigned)o.len);
    CHARGE(((uint64_t)n + 7) / 8);
    int64_t idx;
    HEAP(cvm_heap_borrow(hp, OPNAME, o.p + start, (size_t)n, &idx, r->err));
    sp -= 2;
    sp[-1] = idx;
    I += 1;
}
vmbreak;
vmcase(SHA256)
{
    T_BYTES1();
    const cvm_bobj *o = OBJ(sp[-1]);
    CHARGE(6 * (((uint64_t)o->len + 63) / 64));
    uint8_t *buf;
    int64_t idx;
    HEAP(cvm_heap_make(hp, OPNAME, CVM_SHA256_BYTES, &buf, &idx, r->err));
    o = OBJ(sp[-1]);
    cvm_sha256(o->p, o->len, buf);
    sp[-1] = idx;
    I += 1;
}
vmbreak;
vmcase(ITOA)
{
    T_INT1();
    char text[24];
    size_t len = i64_decimal(text, sp[-1]);
    int64_t idx;
    HEAP(cvm_heap_copy(hp, OPNAME, (const uint8_t *)text, len, &idx, r->err));
    sp[-1] = idx;
    T_SET(-1, CVM_T_BYTES);
    I += 1;
}
vmbreak;
vmcase(HEX)
{
    T_BYTES1();
    const cvm_bobj *o = OBJ(sp[-1]);
    size_t len = (size_t)o->len * 2;
    if (len > CVM_BYTES_MAX)
        TRAP(CVM_CODE_BYTES_TOO_LONG, "Hex of %u bytes would make %zu, more than %d", (unsigned)o->len, len,
             CVM_BYTES_MAX);
    CHARGE(((uint64_t)o->len + 3) / 4);
    uint8_t *buf;
    int64_t idx;
    HEAP(cvm_heap_make(hp, OPNAME, len, &buf, &idx, r->err));
    o = OBJ(sp[-1]);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < o->len; i++) {
        buf[2 * i] = (uint8_t)digits[o->p[i] >> 4];
        buf[2 * i + 1] = (uint8_t)digits[o->p[i] & 15];
    }
    sp[-1] = idx;
    I += 1;
}
vmbreak;
#define CVM_IDOP(NAME, which, field)                                  \
    vmcase(NAME)                                                      \
    {                                                                 \
        int64_t idx;                                                  \
        HEAP(push_identity(hp, which, h->field, OPNAME, &idx, r->err)); \
        T_SET(0, CVM_T_BYTES);                                        \
        *sp++ = idx;                                                  \
        I += 1;                                                       \
    }                                                                 \
    vmbreak;
CVM_IDOP(SIGNER, 0, signer)
CVM_IDOP(CALLER, 1, caller)
CVM_IDOP(SELF, 2, self)
#undef CVM_IDOP
/* An integer-only module has none of these (prepare.c): the integer loops
 * carry no code for them (no disptab entry, no case). */
#endif

/* ---------------------------------------------------- superinstructions */
/* In the typed loops a superinstruction first checks that what it reads is
 * an integer (LI: a local, SI: a stack cell) and otherwise falls back to
 * the plain entries, which do the parts with their own type checks; then it
 * tags what it writes as an integer (LW, SW). All four are empty in the
 * integer loops. */
#if CVM_TYPED
#define LI(x)                                            \
    do {                                                 \
        if (__builtin_expect(ltags[I->x] != CVM_T_INT, 0)) \
            FALLBACK();                                  \
    } while (0)
#define SI(i)                                          \
    do {                                               \
        if (__builtin_expect(TG(i) != CVM_T_INT, 0))   \
            FALLBACK();                                \
    } while (0)
#define LW(x) (ltags[I->x] = CVM_T_INT)
#define SW(i) T_SET(i, CVM_T_INT)
#else
#define LI(x) ((void)0)
#define SI(i) ((void)0)
#define LW(x) ((void)0)
#define SW(i) ((void)0)
#endif
vmcase(LL_ADD_S)
{
    int64_t v;
    LI(a);
    LI(b);
    if (cvm_add_ovf(locals[I->a], locals[I->b], &v))
        FALLBACK();
    LW(c);
    locals[I->c] = v;
    I += 4;
}
vmbreak;
vmcase(LL_SUB_S)
{
    int64_t v;
    LI(a);
    LI(b);
    if (cvm_sub_ovf(locals[I->a], locals[I->b], &v))
        FALLBACK();
    LW(c);
    locals[I->c] = v;
    I += 4;
}
vmbreak;
vmcase(LK_ADD_S)
{
    int64_t v;
    LI(a);
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    LW(c);
    locals[I->c] = v;
    I += 4;
}
vmbreak;
vmcase(LK_ADD)
{
    int64_t v;
    LI(a);
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    SW(0);
    *sp++ = v;
    I += 3;
}
vmbreak;
vmcase(LK_CMP_J) { LI(a); I = cvm_cc_holds(I->cc, locals[I->a], I->k) ? CVM_TAKE(I->k2) : I + 4; } vmbreak;
vmcase(K_CMP_J)
{
    SI(-1);
    sp--;
    I = cvm_cc_holds(I->cc, sp[0], I->k) ? CVM_TAKE(I->k2) : I + 3;
}
vmbreak;
vmcase(CMP_J)
{
    SI(-1);
    SI(-2);
    sp -= 2;
    I = cvm_cc_holds(I->cc, sp[0], sp[1]) ? CVM_TAKE(I->k2) : I + 2;
}
vmbreak;
vmcase(K_ADD)
{
    int64_t v;
    SI(-1);
    if (cvm_add_ovf(sp[-1], I->k, &v))
        FALLBACK();
    sp[-1] = v;
    I += 2;
}
vmbreak;
vmcase(K_SUB)
{
    int64_t v;
    SI(-1);
    if (cvm_sub_ovf(sp[-1], I->k, &v))
        FALLBACK();
    sp[-1] = v;
    I += 2;
}
vmbreak;
vmcase(LL)
{
    T_SET(0, ltags[I->a]);
    T_SET(1, ltags[I->b]);
    sp[0] = locals[I->a];
    sp[1] = locals[I->b];
    sp += 2;
    I += 2;
}
vmbreak;
vmcase(K_S) { LW(c); locals[I->c] = I->k; I += 2; } vmbreak;
vmcase(LK_ADD_DS)
{
    int64_t v;
    LI(a);
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    LW(c);
    locals[I->c] = v;
    SW(0);
    *sp++ = v;
    I += 5;
}
vmbreak;
vmcase(LK_ADD_DS_J)
{
    int64_t v;
    LI(a);
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    LW(c);
    locals[I->c] = v;
    I = cvm_cc_holds(I->cc, v, 0) ? CVM_TAKE(I->k2) : I + 6;
}
vmbreak;
/* the compare-and-jumps specialised per compare (xform.h, CVM_CCS); in
 * LKDS_J local b is checked before local c is written: when b is c the
 * plain entries would pass, and the fallback runs them */
#define CVM_CC_BODIES(CC, OP)                                                   \
    vmcase(LL_J_##CC) { LI(a); LI(b); I = locals[I->a] OP locals[I->b] ? CVM_TAKE(I->k2) : I + 4; } vmbreak; \
    vmcase(DK_J_##CC) { SI(-1); I = sp[-1] OP I->k ? CVM_TAKE(I->k2) : I + 4; } vmbreak;               \
    vmcase(LKDS_J_##CC)                                                         \
    {                                                                           \
        int64_t v;                                                              \
        LI(a);                                                                  \
        LI(b);                                                                  \
        if (cvm_add_ovf(locals[I->a], I->k, &v))                                \
            FALLBACK();                                                         \
        LW(c);                                                                  \
        locals[I->c] = v;                                                       \
        I = v OP locals[I->b] ? CVM_TAKE(I->k2) : I + 8;                        \
    }                                                                           \
    vmbreak;
CVM_CCS(CVM_CC_BODIES)
#undef CVM_CC_BODIES
vmcase(L_CMP_J)
{
    SI(-1);
    LI(b);
    sp--;
    I = cvm_cc_holds(I->cc, sp[0], locals[I->b]) ? CVM_TAKE(I->k2) : I + 3;
}
vmbreak;
vmcase(DK_ADD)
{
    int64_t v;
    SI(-1);
    if (cvm_add_ovf(sp[-1], I->k, &v))
        FALLBACK();
    SW(0);
    *sp++ = v;
    I += 3;
}
vmbreak;
vmcase(SK_ADD)
{
    int64_t v;
    SI(-2);
    if (cvm_add_ovf(sp[-2], I->k, &v))
        FALLBACK();
    T_SET(-2, TG(-1));
    SW(-1);
    sp[-2] = sp[-1];
    sp[-1] = v;
    I += 3;
}
vmbreak;
vmcase(LK_ADD_S_J)
{
    int64_t v;
    LI(a);
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    LW(c);
    locals[I->c] = v;
    I = CVM_AT(F, I->k2);
}
vmbreak;
#undef LI
#undef SI
#undef LW
#undef SW
#undef CVM_TAKE

#undef T_SET
#undef T_INT1
#undef T_INT2
#undef T_INTN
#undef T_SWAP
#undef T_ROT
#undef T_LGET
#undef T_LSET
#if CVM_TYPED
#undef TG
#undef TYPE_TRAP
#undef T_BYTES1
#undef OBJ
#undef HEAP
#undef CHARGE
#undef TKEY
#endif
