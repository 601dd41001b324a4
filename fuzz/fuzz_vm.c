/*
 * fuzz_vm.c — fuzzes the VM with its real host (state, service calls,
 * cooperative and governance opcodes, pre-order) on valid modules drawn
 * from the input, and compares the two interpreter loops.
 *
 * The input drives tests/support/progen.h: two contracts D and E that call
 * each other (CallService), a library L and a service O, with the
 * cooperative and governance opcodes and arithmetic; a block founding
 * their cooperatives (which the genesis accounts join); then a few blocks of
 * transactions by genesis accounts of various reputations (signed, some
 * unsigned, with a bad signature, out of the timestamp window, repeated).
 * Two chains, each a memory store with its own VM, play the same input:
 * one runs bytecode in the switch loop, the other in the computed-goto loop
 * (and checks pre-order signatures on two threads rather than one).
 *
 * Beyond not crashing or leaking: every generated module deploys; both
 * chains give the same pre-order statuses and reasons, the same receipts
 * (status, error with method, pc and line, outputs, events, logs, gas), the
 * same state diff and diff hash, the same committed hash, the same local
 * calls and the same event history. With COOPVM_FUZZ_SHOW set in the
 * environment, what was compared is printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/tx.h"
#include "coopvm.h"
#include "crypto/sign.h"
#include "support/progen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ACCOUNTS = 3, METHODS = 4, BLOCKS = 3, MAX_TXS = 8 };

static void fail(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "property broken: %s\n", what);
    if (a)
        fprintf(stderr, "--- switch loop:\n%s\n--- goto loop:\n%s\n", a, b ? b : "");
    abort();
}

/* ------------------------------------------------------------- one chain */

typedef struct side {
    cvm_store *store; /* owned */
    cvm_vm *vm;       /* owned */
    cvm_buf log;      /* what this chain did, as text: compared between the two */
} side;

static void put_arg(cvm_buf *b, const cvm_arg *a)
{
    switch (a->type) {
    case CVM_ARG_INT64: cvm_buf_printf(b, "i%lld", (long long)a->v.i64); break;
    case CVM_ARG_UINT64: cvm_buf_printf(b, "u%llu", (unsigned long long)a->v.u64); break;
    case CVM_ARG_BOOL: cvm_buf_printf(b, "b%d", a->v.boolean); break;
    default:
        cvm_buf_printf(b, "t%d:", (int)a->type);
        for (size_t i = 0; i < a->v.bytes.len; i++)
            cvm_buf_printf(b, "%02x", a->v.bytes.ptr[i]);
    }
}

static void put_receipt(cvm_buf *b, const cvm_receipt *r)
{
    cvm_buf_printf(b, "  %s %s \"%s\" in %s pc %lld line %lld gas %lld\n", cvm_exec_status_name(r->status),
                   cvm_code_name(r->error.code), r->error.message, r->error.method, (long long)r->error.pc,
                   (long long)r->error.line, (long long)r->gas_used);
    for (size_t i = 0; i < r->noutputs; i++) {
        cvm_buf_str(b, "    out ");
        put_arg(b, &r->outputs[i]);
        cvm_buf_str(b, "\n");
    }
    for (size_t i = 0; i < r->nevents; i++) {
        const cvm_event *e = &r->events[i];
        cvm_buf_printf(b, "    event %s.%s", e->service, e->name);
        for (size_t f = 0; f < e->nfields; f++) {
            cvm_buf_printf(b, " %s=", e->fields[f].name);
            put_arg(b, &e->fields[f].value);
        }
        cvm_buf_str(b, "\n");
    }
    for (size_t i = 0; i < r->nlogs; i++)
        cvm_buf_printf(b, "    log %lld\n", (long long)r->logs[i]);
}

static void put_hex(cvm_buf *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cvm_buf_printf(b, "%02x", p[i]);
}

static void put_block(cvm_buf *b, const cvm_block_result *r)
{
    cvm_buf_printf(b, "block %llu at %llu: %zu receipts, %zu changes, hash ", (unsigned long long)r->height,
                   (unsigned long long)r->timestamp, r->nreceipts, r->ndiff);
    put_hex(b, r->diff_hash, sizeof r->diff_hash);
    cvm_buf_str(b, "\n");
    for (size_t i = 0; i < r->nreceipts; i++)
        put_receipt(b, &r->receipts[i]);
    for (size_t i = 0; i < r->ndiff; i++) {
        const cvm_state_change *c = &r->diff[i];
        cvm_buf_printf(b, "  %.*s ", (int)c->service_len, (const char *)c->service);
        put_hex(b, c->key, c->key_len);
        cvm_buf_str(b, " = ");
        put_hex(b, c->value, c->value_len);
        cvm_buf_str(b, "\n");
    }
}

static int put_history(void *ud, uint64_t height, uint64_t tx, const cvm_event *e)
{
    cvm_buf *b = ud;
    cvm_buf_printf(b, "history %llu/%llu %s.%s", (unsigned long long)height, (unsigned long long)tx, e->service,
                   e->name);
    for (size_t f = 0; f < e->nfields; f++) {
        cvm_buf_printf(b, " %s=", e->fields[f].name);
        put_arg(b, &e->fields[f].value);
    }
    cvm_buf_str(b, "\n");
    return 0;
}

/* The keys of the genesis accounts 1..ACCOUNTS, made once (harness state). */
static uint8_t pks[ACCOUNTS + 1][CVM_PUBKEY_BYTES], sks[ACCOUNTS + 1][CVM_SECRETKEY_BYTES];

static void make_keys(void)
{
    if (pks[1][0] | pks[1][1] | pks[1][2])
        return;
    for (int k = 1; k <= ACCOUNTS; k++) {
        char name[32];
        snprintf(name, sizeof name, "account%d", k);
        cvm_dev_keypair(name, pks[k], sks[k]);
    }
}

/* A transaction of account k (0: unsigned) at timestamp ts. */
static cvm_transaction tx_of(int k, uint64_t ts, const char *service, const char *method, const cvm_arg *args,
                             size_t nargs)
{
    cvm_transaction t;
    memset(&t, 0, sizeof t);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    t.timestamp = ts;
    t.signer_scheme = k ? CVM_SCHEME_ED25519 : CVM_SCHEME_NONE;
    if (k)
        memcpy(t.signer_key, pks[k], CVM_PUBKEY_BYTES);
    t.service = service;
    t.method = method;
    t.args = args;
    t.nargs = nargs;
    return t;
}

#define BLOCK_TIME(h) (1700000000000000000ull + (uint64_t)(h) * 1000000000ull)

/* Processes and commits txs as the next height on s, logging the block;
 * false (message in s->log) when the library failed. */
static bool play(side *s, const cvm_transaction *txs, size_t n)
{
    uint64_t h = cvm_store_height(s->store) + 1;
    cvm_block_result *b = NULL;
    if (cvm_vm_process_transaction_set(s->vm, h, BLOCK_TIME(h), txs, n, &b) != CVM_OK) {
        cvm_buf_printf(&s->log, "process failed: %s\n", cvm_vm_errmsg(s->vm));
        return false;
    }
    put_block(&s->log, b);
    cvm_status st = cvm_vm_commit(s->vm, b);
    cvm_block_result_free(b);
    if (st != CVM_OK) {
        cvm_buf_printf(&s->log, "commit failed: %s\n", cvm_vm_errmsg(s->vm));
        return false;
    }
    cvm_buf_str(&s->log, "committed ");
    put_hex(&s->log, cvm_store_last_hash(s->store), CVM_HASH_BYTES);
    cvm_buf_str(&s->log, "\n");
    return true;
}

/* Genesis and the four contracts (each of code[i], len[i] bytes, deployed by
 * account 1, one a block, under a setup VM with a huge gas limit), then
 * the VM the transactions run on, with the given options. */
static bool side_open(side *s, const int64_t reps[ACCOUNTS], const char *const names[4], uint8_t *const code[4],
                      const size_t len[4], const cvm_vm_options *o)
{
    memset(s, 0, sizeof *s);
    cvm_buf_init(&s->log, NULL);
    cvm_vm_options setup = {0};
    setup.threads = 1;
    setup.gas_limit = 1000000000; /* deployments are not what is fuzzed: whatever they cost */
    if (cvm_memstore_open(NULL, &s->store) != CVM_OK || cvm_vm_new(&setup, s->store, &s->vm) != CVM_OK)
        return false;
    cvm_genesis_account acc[ACCOUNTS];
    for (int i = 0; i < ACCOUNTS; i++) {
        cvm_address_of_key(pks[i + 1], acc[i].address);
        acc[i].reputation = reps[i];
        acc[i].admin = i == 0;
    }
    cvm_block_result *g = NULL;
    if (cvm_vm_genesis(s->vm, BLOCK_TIME(1), acc, ACCOUNTS, &g) != CVM_OK)
        return false;
    cvm_status st = cvm_vm_commit(s->vm, g);
    cvm_block_result_free(g);
    if (st != CVM_OK)
        return false;
    for (int i = 0; i < 4; i++) { /* one a block, whatever a block's limits */
        cvm_arg args[3] = {cvm_arg_stringn(names[i], strlen(names[i])), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE),
                           cvm_arg_bytes(code[i], len[i])};
        cvm_transaction t = tx_of(1, BLOCK_TIME(2 + i), "_Deployments", "deployService", args, 3);
        if (!play(s, &t, 1))
            return false;
    }
    cvm_vm_free(s->vm);
    s->vm = NULL;
    return cvm_vm_new(o, s->store, &s->vm) == CVM_OK;
}

static void side_close(side *s)
{
    cvm_vm_free(s->vm);
    cvm_store_close(s->store);
    cvm_buf_free(&s->log);
}

/* Both logs must be the same text. */
static void same(side *a, side *b, const char *what)
{
    cvm_buf_byte(&a->log, 0);
    cvm_buf_byte(&b->log, 0);
    if (!cvm_buf_ok(&a->log) || !cvm_buf_ok(&b->log))
        return; /* out of memory: nothing to compare */
    if (strcmp((const char *)a->log.data, (const char *)b->log.data) != 0)
        fail(what, (const char *)a->log.data, (const char *)b->log.data);
    if (getenv("COOPVM_FUZZ_SHOW")) /* what was compared, to see what an input does */
        fprintf(stderr, "%s", (const char *)a->log.data);
    a->log.len = b->log.len = 0;
}

/* ----------------------------------------------------------- the modules */

/* Draws the four contracts from g into code[]/len[] (owned by the caller);
 * false when the input makes one too big for the generator's buffer. */
static bool make_modules(progen *g, bool popped, const char *const names[4], uint8_t *code[4], size_t len[4])
{
    static char text[65536]; /* harness state, reused by every input */
    for (int i = 0; i < 4; i++) {
        text[0] = '\0';
        g->p = text;
        g->cap = sizeof text;
        g->full = false;
        if (i < 2) {
            g->peer = names[1 - i];
            progen_module(g, names[i], popped, METHODS);
        } else {
            progen_put(g, ".contract %s\n", names[i]);
            progen_bumps(g, popped);
        }
        if (g->full)
            return false;
        cvm_module *m = NULL;
        if (cvm_assemble(NULL, text, strlen(text), "gen.asm", NULL, NULL, &m, NULL) != CVM_OK) {
            fprintf(stderr, "%s", text);
            fail("a generated contract assembles", NULL, NULL);
        }
        cvm_status st = cvm_module_encode(m, &code[i], &len[i]);
        cvm_module_free(m);
        if (st != CVM_OK)
            return false;
    }
    return true;
}

/* ------------------------------------------------------ the transactions */

typedef struct drawn {
    cvm_transaction txs[MAX_TXS];
    uint8_t sigs[MAX_TXS][CVM_SIGNATURE_BYTES];
    char methods[MAX_TXS][8];
    cvm_arg args[MAX_TXS];
    size_t n;
} drawn;

/* The transactions of block h, drawn from g. */
static void draw_block(progen *g, uint64_t h, drawn *d)
{
    static const char *const services[] = {"D", "E", "O", "L"};
    d->n = 1 + progen_next(g, MAX_TXS);
    for (size_t i = 0; i < d->n; i++) {
        if (i > 0 && progen_next(g, 8) == 0) { /* the same transaction again */
            d->txs[i] = d->txs[i - 1];
            memcpy(d->methods[i], d->methods[i - 1], sizeof d->methods[i]);
            d->args[i] = d->args[i - 1];
            memcpy(d->sigs[i], d->sigs[i - 1], CVM_SIGNATURE_BYTES);
            d->txs[i].method = d->methods[i];
            d->txs[i].args = &d->args[i];
            d->txs[i].signature = d->txs[i - 1].signature ? d->sigs[i] : NULL;
            continue;
        }
        int k = (int)progen_next(g, ACCOUNTS + 1) ? 1 + (int)progen_next(g, ACCOUNTS) : 0;
        unsigned what = progen_next(g, 8);
        size_t nargs = 0;
        if (what < 5) {
            snprintf(d->methods[i], sizeof d->methods[i], "m%u", progen_next(g, METHODS));
        } else if (what == 5) {
            snprintf(d->methods[i], sizeof d->methods[i], "sum");
        } else if (what == 6) {
            snprintf(d->methods[i], sizeof d->methods[i], "bump%u", 7 * (1 + progen_next(g, 4)));
            d->args[i] = cvm_arg_int64((int64_t)progen_next(g, 3) - 1);
            nargs = 1;
        } else {
            snprintf(d->methods[i], sizeof d->methods[i], "none");
        }
        /* within the window, at its edges, or just outside */
        static const int64_t skew[] = {0, 0, 0, 1000, -1000, (int64_t)CVM_PREORDER_WINDOW_NS,
                                       -(int64_t)CVM_PREORDER_WINDOW_NS, (int64_t)CVM_PREORDER_WINDOW_NS + 1};
        uint64_t ts = BLOCK_TIME(h) + (uint64_t)skew[progen_next(g, 8)] + i;
        d->txs[i] = tx_of(k, ts, services[what < 5 ? progen_next(g, 2) : progen_next(g, 4)], d->methods[i],
                          &d->args[i], nargs);
        if (k && cvm_tx_sign(NULL, &d->txs[i], sks[k], d->sigs[i], NULL) == CVM_OK) {
            if (progen_next(g, 10) == 0)
                d->sigs[i][progen_next(g, CVM_SIGNATURE_BYTES)] ^= 1;
            d->txs[i].signature = d->sigs[i];
        }
    }
}

/* Pre-orders d on s, logs the statuses, and keeps the VALID transactions
 * in run[] (what a node would put in the block); returns how many. */
static size_t preorder(side *s, const drawn *d, uint64_t h, cvm_transaction *run)
{
    cvm_preorder_result *r = NULL;
    if (cvm_vm_preorder(s->vm, d->txs, d->n, h, BLOCK_TIME(h), &r) != CVM_OK) {
        cvm_buf_printf(&s->log, "preorder failed: %s\n", cvm_vm_errmsg(s->vm));
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const char *name = cvm_preorder_status_name(r->statuses[i]);
        cvm_buf_printf(&s->log, "preorder %zu: %s %s\n", i, name ? name : "?", r->reasons[i] ? r->reasons[i] : "");
        if (r->statuses[i] == CVM_PREORDER_VALID)
            run[n++] = d->txs[i];
    }
    cvm_preorder_result_free(r);
    return n;
}

/* A local call of service.method on s, logged. */
static void local(side *s, const char *service, const char *method)
{
    cvm_transaction t = tx_of(0, BLOCK_TIME(cvm_store_height(s->store)), service, method, NULL, 0);
    cvm_local_result *r = NULL;
    if (cvm_vm_run_local_method(s->vm, &t, &r) != CVM_OK) {
        cvm_buf_printf(&s->log, "local failed: %s\n", cvm_vm_errmsg(s->vm));
        return;
    }
    cvm_buf_printf(&s->log, "local %s.%s at %llu\n", service, method, (unsigned long long)r->reference_height);
    put_receipt(&s->log, &r->receipt);
    cvm_local_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_keys();
    progen g = {.data = data, .len = size};
    unsigned config = progen_next(&g, 256);
    bool popped = config & 1;
    g.nkeys = config & 2 ? 40 : 4;
    g.features = PG_COOP | PG_PEER | PG_ARITH;
    static const int64_t gas[] = {50000, 2000, 200000, 400};
    static const int64_t rep_values[] = {100, 0, 5, 50};
    int64_t reps[ACCOUNTS];
    for (int i = 0; i < ACCOUNTS; i++)
        reps[i] = rep_values[progen_next(&g, 4)];

    static const char *const names[4] = {"D", "E", "L", "O"};
    uint8_t *code[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0};
    if (!make_modules(&g, popped, names, code, len)) {
        for (int i = 0; i < 4; i++)
            cvm_free(NULL, code[i]);
        return 0;
    }

    cvm_vm_options oa = {0}, ob = {0};
    oa.gas_limit = ob.gas_limit = gas[config >> 2 & 3];
    oa.dispatch = CVM_DISPATCH_SWITCH;
    ob.dispatch = CVM_DISPATCH_GOTO;
    oa.threads = 1;
    ob.threads = 2;
    side a, b;
    /* both sides always run, so that their logs compare */
    bool ok_a = side_open(&a, reps, names, code, len, &oa), ok_b = side_open(&b, reps, names, code, len, &ob);
    bool ok = ok_a && ok_b;
    for (int i = 0; i < 4; i++)
        cvm_free(NULL, code[i]);
    if (ok) {
        size_t deployed = 0;
        cvm_buf_byte(&a.log, 0);
        for (const char *p = cvm_buf_ok(&a.log) ? (const char *)a.log.data : ""; (p = strstr(p, "  SUCCESS ")); p++)
            deployed++;
        a.log.len--;
        if (cvm_buf_ok(&a.log) && deployed != 4)
            fail("the generated contracts deploy", (const char *)a.log.data, NULL);
    }
    same(&a, &b, "genesis and deployment");
    if (ok) { /* the cooperatives founded and joined, so that the governance steps find them */
        uint64_t ts = BLOCK_TIME(cvm_store_height(a.store) + 1);
        cvm_transaction f[5] = {tx_of(1, ts, "D", "found", NULL, 0), tx_of(1, ts, "E", "found", NULL, 0),
                                tx_of(2, ts, "D", "join", NULL, 0), tx_of(3, ts, "D", "join", NULL, 0),
                                tx_of(2, ts, "E", "join", NULL, 0)};
        ok_a = play(&a, f, 5), ok_b = play(&b, f, 5);
        ok = ok_a && ok_b;
        same(&a, &b, "the founding block");
    }

    for (int blk = 0; ok && blk < BLOCKS; blk++) {
        uint64_t h = cvm_store_height(a.store) + 1;
        drawn d;
        draw_block(&g, h, &d);
        cvm_transaction ra[MAX_TXS], rb[MAX_TXS];
        size_t na = preorder(&a, &d, h, ra), nb = preorder(&b, &d, h, rb);
        same(&a, &b, "pre-order");
        ok_a = play(&a, ra, na), ok_b = play(&b, rb, nb);
        ok = ok_a && ok_b;
        same(&a, &b, "the block");
        local(&a, "D", "sum");
        local(&b, "D", "sum");
        local(&a, "E", "sum");
        local(&b, "E", "sum");
        same(&a, &b, "local calls");
    }
    if (ok) {
        cvm_status sa = cvm_store_events_query(a.store, NULL, put_history, &a.log);
        cvm_status sb = cvm_store_events_query(b.store, NULL, put_history, &b.log);
        cvm_buf_printf(&a.log, "%s %s\n", cvm_status_name(sa), sa == CVM_OK ? "" : cvm_store_errmsg(a.store));
        cvm_buf_printf(&b.log, "%s %s\n", cvm_status_name(sb), sb == CVM_OK ? "" : cvm_store_errmsg(b.store));
        same(&a, &b, "the event history");
    }
    side_close(&a);
    side_close(&b);
    return 0;
}
