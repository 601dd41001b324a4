/*
 * progen.c — the random contract generator of progen.h.
 */
#include "support/progen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

unsigned progen_next(progen *g, unsigned n)
{
    if (!g->data) {
        g->seed = g->seed * 6364136223846793005u + 1442695040888963407u;
        return (unsigned)(g->seed >> 33) % n;
    }
    /* one byte for a small choice, two for a larger one; 0 past the end */
    unsigned v = 0;
    for (unsigned range = 1; range < n && range <= 0xffffff; range <<= 8)
        v = v << 8 | (g->pos < g->len ? g->data[g->pos++] : 0);
    return v % n;
}

void progen_put(progen *g, const char *fmt, ...)
{
    if (g->full)
        return;
    size_t n = strlen(g->p);
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(g->p + n, g->cap - n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= g->cap - n) {
        g->p[n] = '\0';
        g->full = true;
    }
}

/* Pushes the value of key k. */
static void pg_load(progen *g, bool popped, int k)
{
    if (popped)
        progen_put(g, "  Push %d\n  Load\n", k);
    else
        progen_put(g, "  Load \"%d\"\n", k);
}

/* Stores what `value` (instructions pushing one value) gives into key k. */
static void pg_store(progen *g, bool popped, int k, const char *value)
{
    if (popped)
        progen_put(g, "  Push %d\n%s  Store\n", k, value);
    else
        progen_put(g, "%s  Store \"%d\"\n", value, k);
}

void progen_bumps(progen *g, bool popped)
{
    for (int i = 1; i <= g->nkeys; i++) {
        int k = 7 * i;
        char v[64];
        snprintf(v, sizeof v, popped ? "  Push %d\n  Load\n  Push 1\n  Add\n" : "  Load \"%d\"\n  Push 1\n  Add\n", k);
        progen_put(g, ".method bump%d params 1\n  Pop\n", k);
        pg_store(g, popped, k, v);
        pg_load(g, popped, k);
    }
}

/* The values the optional steps use: small ones, and ones that overflow. */
static const char *const operands[] = {"0", "1", "2", "3", "-1", "7", "100", "9223372036854775807",
                                       "-9223372036854775808"};

/* One step of an optional feature (kind 9..15); false when its feature is
 * off, and then nothing is drawn. Local 0 is the method's result, local 1 the
 * last proposal it opened. */
static bool pg_feature_step(progen *g, unsigned kind)
{
    static const char *const arith[] = {"Add", "Sub", "Mul", "Div", "Mod"};
    static const char *const cmp[] = {"Lt", "Gt", "Eq", "Ne", "Le", "Ge"};
    static const char *const value[] = {"BlockHeight", "BlockTime", "Reputation"};
    switch (kind) {
    case 9:
        if (!(g->features & PG_COOP))
            return false;
        progen_put(g, "  %s\n", progen_next(g, 2) ? "CreateCooperative" : "JoinCooperative");
        return true;
    case 10: /* resource 5 is not one: a refusal too */
        if (!(g->features & PG_COOP))
            return false;
        progen_put(g, "  Push %s\n  AllocateResource %u\n", operands[progen_next(g, 7)], progen_next(g, 6));
        return true;
    case 11:
        if (!(g->features & PG_COOP))
            return false;
        switch (progen_next(g, 3)) {
        case 0:
            progen_put(g, "  CreateProposal\n  LocalSet 1\n");
            break;
        case 1: /* the proposal this call opened, or one of an earlier transaction */
            if (progen_next(g, 2))
                progen_put(g, "  LocalGet 1\n  Push %u\n  CastVote\n", progen_next(g, 2));
            else
                progen_put(g, "  Push %u\n  Push %u\n  CastVote\n", 1 + progen_next(g, 4), progen_next(g, 2));
            break;
        default:
            progen_put(g, "  Push %u\n  UpdateQuorum\n", progen_next(g, 102));
            break;
        }
        return true;
    case 12:
        if (!(g->features & PG_PEER) || !g->peer)
            return false;
        progen_put(g, "  CallService \"%s.m%u\"\n  LocalGet 0\n  Add\n  LocalSet 0\n", g->peer, progen_next(g, 4));
        return true;
    case 13:
        if (!(g->features & PG_ARITH))
            return false;
        progen_put(g, "  LocalGet 0\n  Push %s\n  %s\n  LocalSet 0\n", operands[progen_next(g, 9)],
                   arith[progen_next(g, 5)]);
        return true;
    case 14: { /* skips a Log when the comparison holds */
        if (!(g->features & PG_ARITH))
            return false;
        int l = g->labels++;
        progen_put(g, "  LocalGet 0\n  Push %s\n  %s\n  JumpIf skip%d\n  LocalGet 0\n  Log\nskip%d: Push 0\n  Pop\n",
                   operands[progen_next(g, 9)], cmp[progen_next(g, 6)], l, l);
        return true;
    }
    default:
        if (!(g->features & PG_ARITH))
            return false;
        progen_put(g, "  %s\n  Log\n", value[progen_next(g, 3)]);
        return true;
    }
}

void progen_module(progen *g, const char *name, bool popped, int nmethods)
{
    progen_put(g, ".contract %s\n", name);
    if (g->features & PG_COOP)
        progen_put(g, ".cooperative c%s purpose=\"generated\" cpu=%u memory=%u network=%u storage=%u bandwidth=%u "
                      "federation=f\n",
                   name, progen_next(g, 101), progen_next(g, 101), progen_next(g, 101), progen_next(g, 101),
                   progen_next(g, 101));
    for (int m = 0; m < nmethods; m++) {
        progen_put(g, ".method m%d\n", m);
        int nops = 3 + (int)progen_next(g, g->nkeys > 8 ? 120 : 12);
        for (int i = 0; i < nops; i++) {
            int k = 7 * (1 + (int)progen_next(g, (unsigned)g->nkeys));
            char v[64];
            unsigned kind = progen_next(g, g->features ? 16 : 9);
            if (kind >= 9 && pg_feature_step(g, kind))
                continue;
            switch (kind) {
            case 0: /* acc += k */
                pg_load(g, popped, k);
                progen_put(g, "  LocalGet 0\n  Add\n  LocalSet 0\n");
                break;
            case 1: /* k = small value, 0 deletes */
                snprintf(v, sizeof v, "  Push %u\n", progen_next(g, 4));
                pg_store(g, popped, k, v);
                break;
            case 2: /* k += 1 */
                snprintf(v, sizeof v, popped ? "  Push %d\n  Load\n  Push 1\n  Add\n" : "  Load \"%d\"\n  Push 1\n  Add\n",
                         k);
                pg_store(g, popped, k, v);
                break;
            case 3: /* the stored value written back */
                snprintf(v, sizeof v, popped ? "  Push %d\n  Load\n" : "  Load \"%d\"\n", k);
                pg_store(g, popped, k, v);
                break;
            case 4: /* this service again */
                progen_put(g, "  Push 0\n  CallService \"%s.bump%d\"\n  LocalGet 0\n  Add\n  LocalSet 0\n", name, k);
                break;
            case 5: /* a library in this namespace */
                progen_put(g, "  Push 0\n  CallLibrary \"L.bump%d\"\n  LocalGet 0\n  Add\n  LocalSet 0\n", k);
                break;
            case 6: /* the same key in another namespace */
                progen_put(g, "  Push 0\n  CallService \"O.bump%d\"\n  Pop\n", k);
                break;
            case 7:
                pg_load(g, popped, k);
                progen_put(g, "  Emit \"E\"\n");
                break;
            default:
                pg_load(g, popped, k);
                progen_put(g, "  Log\n");
                break;
            }
        }
        if (progen_next(g, 5) == 0)
            progen_put(g, "  Push 3\n  Abort\n");
        progen_put(g, "  LocalGet 0\n");
    }
    progen_bumps(g, popped);
    if (g->features & PG_COOP)
        progen_put(g, ".method found\n  CreateCooperative\n.method join\n  JoinCooperative\n");
    progen_put(g, ".method sum readonly\n  Push 0\n");
    for (int i = 1; i <= g->nkeys; i++) {
        pg_load(g, popped, 7 * i);
        progen_put(g, "  Add\n");
    }
}
