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
 */

/* --------------------------------------------------------- arithmetic */
#define CVM_BINOP_CHECKED(NAME, fn)                                         \
    vmcase(NAME)                                                            \
    {                                                                       \
        int64_t v;                                                          \
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
vmcase(PUSH) { *sp++ = I->k; I += 1; } vmbreak;
vmcase(POP) { sp--; I += 1; } vmbreak;
vmcase(DUP) { sp[0] = sp[-1]; sp++; I += 1; } vmbreak;
vmcase(SWAP) { int64_t t = sp[-1]; sp[-1] = sp[-2]; sp[-2] = t; I += 1; } vmbreak;
vmcase(OVER) { sp[0] = sp[-2]; sp++; I += 1; } vmbreak;
vmcase(ROT) { int64_t a = sp[-3]; sp[-3] = sp[-2]; sp[-2] = sp[-1]; sp[-1] = a; I += 1; } vmbreak;
vmcase(LOCAL_GET) { *sp++ = locals[I->k]; I += 1; } vmbreak;
vmcase(LOCAL_SET) { locals[I->k] = *--sp; I += 1; } vmbreak;

/* -------------------------------------------------------------- state */
/* A constant key goes by the host's handle when it gives one (HANDLE_OF). */
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
        if (cvm_opinfo_of(CVM_OP_##NAME)->pushes)                                                           \
            *sp++ = v;                                                                              \
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
vmcase(JUMP_IF) { I = *--sp != 0 ? CVM_TAKE(I->k) : I + 1; } vmbreak;
vmcase(JUMP_IF_NOT) { I = *--sp == 0 ? CVM_TAKE(I->k) : I + 1; } vmbreak;
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
#define CVM_CMPOP(NAME, OP)                      \
    vmcase(NAME)                                 \
    {                                            \
        sp[-2] = sp[-2] OP sp[-1];               \
        sp--;                                    \
        I += 1;                                   \
    }                                            \
    vmbreak;
CVM_CMPOP(EQ, ==)
CVM_CMPOP(NE, !=)
CVM_CMPOP(LT, <)
CVM_CMPOP(LE, <=)
CVM_CMPOP(GT, >)
CVM_CMPOP(GE, >=)
#undef CVM_CMPOP
vmcase(NOT) { sp[-1] = sp[-1] == 0; I += 1; } vmbreak;
vmcase(AND) { sp[-2] = sp[-2] != 0 && sp[-1] != 0; sp--; I += 1; } vmbreak;
vmcase(OR) { sp[-2] = sp[-2] != 0 || sp[-1] != 0; sp--; I += 1; } vmbreak;
vmcase(NEG)
{
    int64_t v;
    if (cvm_neg_ovf(sp[-1], &v))
        TRAP(CVM_CODE_INTEGER_OVERFLOW, "Neg of %lld overflows", (long long)sp[-1]);
    sp[-1] = v;
    I += 1;
}
vmbreak;

/* -------------------------------------------------------- environment */
vmcase(REPUTATION) { *sp++ = h->reputation; I += 1; } vmbreak;
vmcase(BLOCK_HEIGHT) { *sp++ = h->block_height; I += 1; } vmbreak;
vmcase(BLOCK_TIME) { *sp++ = h->block_time; I += 1; } vmbreak;

/* ---------------------------------------------------- events and logs */
vmcase(EMIT)
{
    int64_t v = *--sp;
    if (h->emit)
        HOST_CALL(h->emit(h->ud, I->s->bytes, I->s->len, v, r->err));
    I += 1;
}
vmbreak;
vmcase(LOG)
{
    int64_t v = *--sp;
    if (h->log)
        HOST_CALL(h->log(h->ud, v, r->err));
    I += 1;
}
vmbreak;

/* ------------------------------------------------------------ failure */
vmcase(ABORT) { TRAP(CVM_CODE_ABORTED, "aborted with code %lld", (long long)sp[-1]); }

/* ------------------------------------------------------ service calls */
/* The callee's parameter count is known only to the host, so these pop
 * nothing by the table: the host says how many it took (after checking the
 * stack holds them) and what gas the callee used, which is charged here,
 * success or not. Each ends its block and what follows is never proved
 * (blocks.c), so the checks after it see the real depth. */
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
CVM_CALLOP(CALL_SERVICE, 0)
CVM_CALLOP(CALL_LIBRARY, 1)
#undef CVM_CALLOP

/* ---------------------------------------------------- superinstructions */
vmcase(LL_ADD_S)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], locals[I->b], &v))
        FALLBACK();
    locals[I->c] = v;
    I += 4;
}
vmbreak;
vmcase(LL_SUB_S)
{
    int64_t v;
    if (cvm_sub_ovf(locals[I->a], locals[I->b], &v))
        FALLBACK();
    locals[I->c] = v;
    I += 4;
}
vmbreak;
vmcase(LK_ADD_S)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    locals[I->c] = v;
    I += 4;
}
vmbreak;
vmcase(LK_ADD)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    *sp++ = v;
    I += 3;
}
vmbreak;
vmcase(LK_CMP_J) { I = cvm_cc_holds(I->cc, locals[I->a], I->k) ? CVM_TAKE(I->k2) : I + 4; } vmbreak;
vmcase(K_CMP_J)
{
    sp--;
    I = cvm_cc_holds(I->cc, sp[0], I->k) ? CVM_TAKE(I->k2) : I + 3;
}
vmbreak;
vmcase(CMP_J)
{
    sp -= 2;
    I = cvm_cc_holds(I->cc, sp[0], sp[1]) ? CVM_TAKE(I->k2) : I + 2;
}
vmbreak;
vmcase(K_ADD)
{
    int64_t v;
    if (cvm_add_ovf(sp[-1], I->k, &v))
        FALLBACK();
    sp[-1] = v;
    I += 2;
}
vmbreak;
vmcase(K_SUB)
{
    int64_t v;
    if (cvm_sub_ovf(sp[-1], I->k, &v))
        FALLBACK();
    sp[-1] = v;
    I += 2;
}
vmbreak;
vmcase(LL) { sp[0] = locals[I->a]; sp[1] = locals[I->b]; sp += 2; I += 2; } vmbreak;
vmcase(K_S) { locals[I->c] = I->k; I += 2; } vmbreak;
vmcase(LK_ADD_DS)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    locals[I->c] = v;
    *sp++ = v;
    I += 5;
}
vmbreak;
vmcase(LK_ADD_DS_J)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    locals[I->c] = v;
    I = cvm_cc_holds(I->cc, v, 0) ? CVM_TAKE(I->k2) : I + 6;
}
vmbreak;
/* the compare-and-jumps specialised per compare (xform.h, CVM_CCS) */
#define CVM_CC_BODIES(CC, OP)                                                   \
    vmcase(LL_J_##CC) { I = locals[I->a] OP locals[I->b] ? CVM_TAKE(I->k2) : I + 4; } vmbreak; \
    vmcase(DK_J_##CC) { I = sp[-1] OP I->k ? CVM_TAKE(I->k2) : I + 4; } vmbreak;               \
    vmcase(LKDS_J_##CC)                                                         \
    {                                                                           \
        int64_t v;                                                              \
        if (cvm_add_ovf(locals[I->a], I->k, &v))                                \
            FALLBACK();                                                         \
        locals[I->c] = v;                                                       \
        I = v OP locals[I->b] ? CVM_TAKE(I->k2) : I + 8;                        \
    }                                                                           \
    vmbreak;
CVM_CCS(CVM_CC_BODIES)
#undef CVM_CC_BODIES
vmcase(L_CMP_J)
{
    sp--;
    I = cvm_cc_holds(I->cc, sp[0], locals[I->b]) ? CVM_TAKE(I->k2) : I + 3;
}
vmbreak;
vmcase(DK_ADD)
{
    int64_t v;
    if (cvm_add_ovf(sp[-1], I->k, &v))
        FALLBACK();
    *sp++ = v;
    I += 3;
}
vmbreak;
vmcase(SK_ADD)
{
    int64_t v;
    if (cvm_add_ovf(sp[-2], I->k, &v))
        FALLBACK();
    sp[-2] = sp[-1];
    sp[-1] = v;
    I += 3;
}
vmbreak;
vmcase(LK_ADD_S_J)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    locals[I->c] = v;
    I = CVM_AT(F, I->k2);
}
vmbreak;
#undef CVM_TAKE
