/*
 * progen.h — random contracts as assembly text, shared by the randomized VM
 * test (tests/vm/test_vm.c) and the VM fuzz harness (fuzz/fuzz_vm.c), so
 * both drive the same generator: a contract's methods load and store keys
 * (named as constants or popped), call themselves, a library, another
 * service and, with the optional features, a peer contract and the
 * cooperative and governance opcodes; they emit, log and abort.
 *
 * Every choice is drawn from a seed (a fixed sequence, for tests) or from
 * fuzz input bytes (0 once they run out), so the same source gives the same
 * text. Whatever is drawn, the text assembles and verifies.
 */
#ifndef CVM_TESTS_SUPPORT_PROGEN_H
#define CVM_TESTS_SUPPORT_PROGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Optional kinds of step (progen.features); without any, the generator
 * draws exactly what it always did, so the seeded tests keep their programs. */
enum {
    PG_COOP = 1,  /* the cooperative and governance opcodes, a .cooperative, methods found and join */
    PG_PEER = 2,  /* CallService of the peer contract's methods m0..m3 */
    PG_ARITH = 4, /* arithmetic, comparisons, a forward branch, the block and signer values */
};

typedef struct progen {
    uint64_t seed;         /* the generator's state when data is NULL */
    const uint8_t *data;   /* borrowed: the bytes drawn from, or NULL to draw from the seed */
    size_t len, pos;       /* data's length and the next byte */
    char *p;               /* borrowed: where the text is appended (NUL-terminated) */
    size_t cap;            /* bytes at p */
    bool full;             /* set when some text did not fit (the text is then unusable) */
    int nkeys;             /* keys 7, 14, ..., 7 * nkeys */
    unsigned features;     /* PG_* */
    const char *peer;      /* PG_PEER: the other contract, whose methods m0..m3 are called */
    int labels;            /* labels made so far (unique names) */
} progen;

/* A number in 0..n-1 (n >= 1) from the seed or the next input byte(s). */
unsigned progen_next(progen *g, unsigned n);

/* Appends formatted text; sets g->full instead when it does not fit. */
void progen_put(progen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Methods bump7, bump14, ... (params 1): key k += 1, returns k. */
void progen_bumps(progen *g, bool popped);

/* The contract `name`: methods m0..m<nmethods-1> drawn from g, the bumps,
 * with PG_COOP found (CreateCooperative) and join (JoinCooperative), and a
 * read-only sum of the keys. Its steps call name.bump<k> (itself),
 * L.bump<k> (a library: deploy progen_bumps as L) and O.bump<k> (another
 * service: deploy progen_bumps as O). popped: keys are pushed and popped
 * rather than named as constants (the same draws either way). */
void progen_module(progen *g, const char *name, bool popped, int nmethods);

#endif
