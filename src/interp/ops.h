/*
 * ops.h — one body per opcode, shared by every dispatch variant (see
 * dispatch.h), included inside the dispatch of run.h.
 *
 * When a body starts, its gas is charged and the stack holds at least the
 * values it pops and has room for what it pushes (vmfetch checked both from
 * the opcode table), so a body only does its own work. sp points one past
 * the top; xpc is the index of the current instruction, I its entry.
 *
 * Superinstructions (after the table's opcodes) must leave no trace of
 * themselves: they compute into temporaries and commit only once nothing can
 * trap; on any doubt they FALLBACK to the plain instruction at xpc.
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
        xpc++;                                                              \
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
        xpc++;                                                              \
    }                                                                       \
    vmbreak;
CVM_DIVOP(DIV, cvm_div)
CVM_DIVOP(MOD, cvm_mod)
#undef CVM_DIVOP

/* -------------------------------------------------------------- stack */
vmcase(PUSH) { *sp++ = I->k; xpc++; } vmbreak;
vmcase(POP) { sp--; xpc++; } vmbreak;
vmcase(DUP) { sp[0] = sp[-1]; sp++; xpc++; } vmbreak;
vmcase(SWAP) { int64_t t = sp[-1]; sp[-1] = sp[-2]; sp[-2] = t; xpc++; } vmbreak;
vmcase(OVER) { sp[0] = sp[-2]; sp++; xpc++; } vmbreak;
vmcase(ROT) { int64_t a = sp[-3]; sp[-3] = sp[-2]; sp[-2] = sp[-1]; sp[-1] = a; xpc++; } vmbreak;
vmcase(LOCAL_GET) { *sp++ = locals[I->k]; xpc++; } vmbreak;
vmcase(LOCAL_SET) { locals[I->k] = *--sp; xpc++; } vmbreak;

/* -------------------------------------------------------------- state */
vmcase(STORE)
{
    int64_t v = *--sp;
    KEY_FROM_OPERAND_OR_POP();
    if (!h->store)
        TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "Store: this host has no state storage");
    HOST_CALL(h->store(h->ud, key, keylen, v, r->err));
    xpc++;
}
vmbreak;
vmcase(LOAD)
{
    int64_t v = 0;
    KEY_FROM_OPERAND_OR_POP();
    if (h->load)
        HOST_CALL(h->load(h->ud, key, keylen, &v, r->err));
    *sp++ = v;
    xpc++;
}
vmbreak;

/* ------------------------------------ cooperative and governance (SDK) */
#define CVM_SDKOP(NAME, SDKOP, SERVICE)                                                             \
    vmcase(NAME)                                                                                    \
    {                                                                                               \
        if (!h->sdk)                                                                                \
            TRAP(CVM_CODE_SERVICE_UNAVAILABLE, "%s needs the %s service, which this host does not provide", \
                 OPNAME, SERVICE);                                                                  \
        sp -= I->need;                                                                              \
        cvm_sdk_request req = {SDKOP, r->m, sp, I->need, I->k};                                     \
        int64_t v = 0;                                                                              \
        HOST_CALL(h->sdk(h->ud, &req, &v, r->err));                                                 \
        if (cvm_opinfo_of(I->op)->pushes)                                                           \
            *sp++ = v;                                                                              \
        xpc++;                                                                                      \
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
vmcase(JUMP) { xpc = (uint32_t)I->k; } vmbreak;
vmcase(JUMP_IF) { xpc = *--sp != 0 ? (uint32_t)I->k : xpc + 1; } vmbreak;
vmcase(JUMP_IF_NOT) { xpc = *--sp == 0 ? (uint32_t)I->k : xpc + 1; } vmbreak;
vmcase(CALL)
{
    if (ncalls == CVM_CALL_DEPTH_LIMIT)
        TRAP(CVM_CODE_CALL_DEPTH_EXCEEDED, "Call nested deeper than %d", CVM_CALL_DEPTH_LIMIT);
    calls[ncalls++] = xpc + 1;
    xpc = (uint32_t)I->k;
}
vmbreak;
vmcase(RET)
{
    if (ncalls == 0)
        goto done;
    xpc = calls[--ncalls];
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
        xpc++;                                   \
    }                                            \
    vmbreak;
CVM_CMPOP(EQ, ==)
CVM_CMPOP(NE, !=)
CVM_CMPOP(LT, <)
CVM_CMPOP(LE, <=)
CVM_CMPOP(GT, >)
CVM_CMPOP(GE, >=)
#undef CVM_CMPOP
vmcase(NOT) { sp[-1] = sp[-1] == 0; xpc++; } vmbreak;
vmcase(AND) { sp[-2] = sp[-2] != 0 && sp[-1] != 0; sp--; xpc++; } vmbreak;
vmcase(OR) { sp[-2] = sp[-2] != 0 || sp[-1] != 0; sp--; xpc++; } vmbreak;
vmcase(NEG)
{
    int64_t v;
    if (cvm_neg_ovf(sp[-1], &v))
        TRAP(CVM_CODE_INTEGER_OVERFLOW, "Neg of %lld overflows", (long long)sp[-1]);
    sp[-1] = v;
    xpc++;
}
vmbreak;

/* -------------------------------------------------------- environment */
vmcase(REPUTATION) { *sp++ = h->reputation; xpc++; } vmbreak;
vmcase(BLOCK_HEIGHT) { *sp++ = h->block_height; xpc++; } vmbreak;
vmcase(BLOCK_TIME) { *sp++ = h->block_time; xpc++; } vmbreak;

/* ---------------------------------------------------- events and logs */
vmcase(EMIT)
{
    int64_t v = *--sp;
    if (h->emit)
        HOST_CALL(h->emit(h->ud, I->s->bytes, I->s->len, v, r->err));
    xpc++;
}
vmbreak;
vmcase(LOG)
{
    int64_t v = *--sp;
    if (h->log)
        HOST_CALL(h->log(h->ud, v, r->err));
    xpc++;
}
vmbreak;

/* ------------------------------------------------------------ failure */
vmcase(ABORT) { TRAP(CVM_CODE_ABORTED, "aborted with code %lld", (long long)sp[-1]); }

/* ---------------------------------------------------- superinstructions */
vmcase(LL_ADD_S)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], locals[I->b], &v))
        FALLBACK();
    locals[I->c] = v;
    xpc += 4;
}
vmbreak;
vmcase(LL_SUB_S)
{
    int64_t v;
    if (cvm_sub_ovf(locals[I->a], locals[I->b], &v))
        FALLBACK();
    locals[I->c] = v;
    xpc += 4;
}
vmbreak;
vmcase(LK_ADD_S)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    locals[I->c] = v;
    xpc += 4;
}
vmbreak;
vmcase(LK_ADD)
{
    int64_t v;
    if (cvm_add_ovf(locals[I->a], I->k, &v))
        FALLBACK();
    *sp++ = v;
    xpc += 3;
}
vmbreak;
vmcase(LL_CMP_J) { xpc = cvm_cc_holds(I->cc, locals[I->a], locals[I->b]) ? (uint32_t)I->k2 : xpc + 4; } vmbreak;
vmcase(LK_CMP_J) { xpc = cvm_cc_holds(I->cc, locals[I->a], I->k) ? (uint32_t)I->k2 : xpc + 4; } vmbreak;
vmcase(DK_CMP_J) { xpc = cvm_cc_holds(I->cc, sp[-1], I->k) ? (uint32_t)I->k2 : xpc + 4; } vmbreak;
vmcase(K_CMP_J)
{
    sp--;
    xpc = cvm_cc_holds(I->cc, sp[0], I->k) ? (uint32_t)I->k2 : xpc + 3;
}
vmbreak;
vmcase(CMP_J)
{
    sp -= 2;
    xpc = cvm_cc_holds(I->cc, sp[0], sp[1]) ? (uint32_t)I->k2 : xpc + 2;
}
vmbreak;
vmcase(K_ADD)
{
    int64_t v;
    if (cvm_add_ovf(sp[-1], I->k, &v))
        FALLBACK();
    sp[-1] = v;
    xpc += 2;
}
vmbreak;
vmcase(K_SUB)
{
    int64_t v;
    if (cvm_sub_ovf(sp[-1], I->k, &v))
        FALLBACK();
    sp[-1] = v;
    xpc += 2;
}
vmbreak;
vmcase(LL) { sp[0] = locals[I->a]; sp[1] = locals[I->b]; sp += 2; xpc += 2; } vmbreak;
vmcase(K_S) { locals[I->c] = I->k; xpc += 2; } vmbreak;
