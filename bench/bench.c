/*
 * bench.c — `make bench`: coopvm beside Lua 5.4, as ratios, in one run.
 *
 * Four programs, each written twice (bench/NAME.asm and bench/NAME.lua):
 *   sum      1 + 2 + ... + N in locals          (ns per loop iteration)
 *   fib      recursive fib(n) through Call/Ret  (ns per call)
 *   counter  state count += 1, N times          (ns per loop iteration)
 *   transfer balances keyed by 20-byte addresses: N calls of the typed
 *            method transfer(from, to, amount)  (ns per transfer)
 * Then pre-order: Ed25519 checks per second through coopvm's transaction
 * path on 1 and 2 threads, beside a bare libsodium loop (no Lua side).
 * Both sides time the computation alone (no start-up, no assembling), take
 * the best of ROUNDS x REPS runs (the rounds alternate coopvm and Lua) and
 * must agree on the result. The counter and transfer run over the
 * in-memory store and its read-write overlay (src/state/), the state
 * `coopvm run` gives a contract, so they measure the real Load/Store path
 * (transfer's keys are computed, "balance/" ‖ address, so it takes the keyed
 * path, not the constant-key handles). Both sides measure
 * process CPU time: Lua's only clock is os.clock (clock(3): CPU time), so
 * coopvm reads CLOCK_PROCESS_CPUTIME_ID rather than a wall clock, which on a
 * busy machine would also count the time other processes hold the core and
 * penalise one side only.
 *
 * Run from the repository root: build/bench [--quick] [--rounds K]
 * [--reps R] [--only NAME]. Exit status 1 when lua5.4 is missing, a program
 * fails or the two sides' results differ; 2 for a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium/crypto_sign.h>

#include "codec/tx.h"
#include "coopvm.h"
#include "crypto/sign.h"
#include "state/memstore.h"
#include "state/overlay.h"
#include "state/value.h"

/* One benchmark program and how to read its timings. */
typedef struct bench_prog {
    const char *name;     /* bench/<name>.asm and bench/<name>.lua */
    int64_t n;            /* the argument: N, or n for fib */
    int64_t count_n;      /* a smaller argument for counting instructions */
    int uses_state;       /* runs over memstore + overlay */
    int on_vm;            /* also deployed on a chain (vm_counter_once) */
    const char *unit;     /* what one iteration is */
} bench_prog;

static const bench_prog progs[] = {
    {"sum", 20000000, 100000, 0, 0, "iteration"},
    {"fib", 32, 20, 0, 0, "call"},
    {"counter", 5000000, 100000, 1, 1, "iteration"},
    {"transfer", 1000000, 20000, 1, 0, "transfer"},
};

/* ------------------------------------------------- the transfer ledger */

/* What transfer.asm and transfer.lua both do: TRANSFER_ADDRS addresses of
 * 20 bytes (byte j of address k is (37k + 101j + 13) mod 256), each minted
 * TRANSFER_MINT, then transfer i (0 <= i < n) moves i % 97 + 1 from
 * address i % 16 to address (5i + 3) % 16 (never the same one). The
 * result is a checksum: the sum of transfer's results (from's new
 * balance) plus the sum of (k + 1) * balance of address k at the end. */
#define TRANSFER_ADDRS 16
#define TRANSFER_MINT 1000000000
#define TRANSFER_ADDR_BYTES 20

static void transfer_addr(int k, uint8_t out[TRANSFER_ADDR_BYTES])
{
    for (int j = 0; j < TRANSFER_ADDR_BYTES; j++)
        out[j] = (uint8_t)((37 * k + 101 * j + 13) % 256);
}

static int transfer_from(int64_t i) { return (int)(i % TRANSFER_ADDRS); }
static int transfer_to(int64_t i) { return (int)((5 * i + 3) % TRANSFER_ADDRS); }
static int64_t transfer_amount(int64_t i) { return i % 97 + 1; }

/* The checksum, computed in C: what both sides must return. */
static int64_t transfer_expected(int64_t n)
{
    int64_t bal[TRANSFER_ADDRS], sum = 0;
    for (int k = 0; k < TRANSFER_ADDRS; k++)
        bal[k] = TRANSFER_MINT;
    for (int64_t i = 0; i < n; i++) {
        bal[transfer_from(i)] -= transfer_amount(i);
        sum += bal[transfer_from(i)];
        bal[transfer_to(i)] += transfer_amount(i);
    }
    for (int k = 0; k < TRANSFER_ADDRS; k++)
        sum += (k + 1) * bal[k];
    return sum;
}

/* fib(k), exactly. */
static int64_t fib_of(int64_t k)
{
    int64_t a = 0, b = 1;
    for (int64_t i = 0; i < k; i++) {
        int64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

/* The loop iterations (calls, for fib) a program makes for argument n. */
static int64_t iterations(const bench_prog *p, int64_t n)
{
    return strcmp(p->name, "fib") == 0 ? 2 * fib_of(n + 1) - 1 : n;
}

/* The result the program must return for argument n. */
static int64_t expected(const bench_prog *p, int64_t n)
{
    if (strcmp(p->name, "sum") == 0)
        return n * (n + 1) / 2;
    if (strcmp(p->name, "fib") == 0)
        return fib_of(n);
    if (strcmp(p->name, "transfer") == 0)
        return transfer_expected(n);
    return n;
}

/* Process CPU time in ns: what os.clock measures on the Lua side. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Reads a whole file into a NUL-terminated buffer (owned by the caller). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = (n + 4096 + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void print_diag(void *ud, const char *file, int line, int col, const char *message)
{
    (void)ud;
    fprintf(stderr, "%s:%d:%d: error: %s\n", file, line, col, message);
}

/* ------------------------------------------------------------- the host */

/* What the benchmark host gives a contract. For the counter: one service's
 * namespace in an overlay over an in-memory store, the way `coopvm run` sets
 * it up. When counting instructions, the trace hook counts steps. */
typedef struct bench_host {
    cvm_store *store;     /* owned; NULL when the program uses no state */
    cvm_overlay *overlay; /* owned; likewise */
    const char *service;  /* borrowed: the module's name */
    size_t service_len;
    int64_t steps;        /* instructions seen by the trace hook */
} bench_host;

/* Load and Store as a bare host serves them: the state layer's i64
 * helpers over the overlay (where the VM's SDK state calls end too), by key
 * for a popped key and through the overlay's slot handle for a constant
 * one (resolve, load_at, store_at below). */
static cvm_code host_load(void *ud, const uint8_t *key, size_t keylen, int64_t *value, cvm_error *err)
{
    bench_host *s = ud;
    if (cvm_state_load_i64(s->overlay, (const uint8_t *)s->service, s->service_len, key, keylen, value, err->message,
                           sizeof err->message) != CVM_OK)
        return CVM_CODE_HOST_ERROR;
    return CVM_CODE_NONE;
}

static cvm_code host_store(void *ud, const uint8_t *key, size_t keylen, int64_t value, cvm_error *err)
{
    bench_host *s = ud;
    if (cvm_state_store_i64(s->overlay, (const uint8_t *)s->service, s->service_len, key, keylen, value,
                            err->message, sizeof err->message) != CVM_OK)
        return CVM_CODE_HOST_ERROR;
    return CVM_CODE_NONE;
}

/* A constant key resolved once per run (cvm_host.resolve): the overlay's
 * slot for (service, key), valid as long as the overlay. */
static cvm_code host_resolve(void *ud, const uint8_t *key, size_t keylen, void **handle, cvm_error *err)
{
    bench_host *s = ud;
    cvm_overlay_slot *slot;
    if (cvm_overlay_ref(s->overlay, (const uint8_t *)s->service, s->service_len, key, keylen, &slot) != CVM_OK) {
        snprintf(err->message, sizeof err->message, "%s", cvm_overlay_errmsg(s->overlay));
        return CVM_CODE_HOST_ERROR;
    }
    *handle = slot;
    return CVM_CODE_NONE;
}

static cvm_code host_load_at(void *ud, void *handle, int64_t *value, cvm_error *err)
{
    bench_host *s = ud;
    if (cvm_state_load_i64_at(s->overlay, handle, value, err->message, sizeof err->message) != CVM_OK)
        return CVM_CODE_HOST_ERROR;
    return CVM_CODE_NONE;
}

static cvm_code host_store_at(void *ud, void *handle, int64_t value, cvm_error *err)
{
    bench_host *s = ud;
    if (cvm_state_store_i64_at(s->overlay, handle, value, err->message, sizeof err->message) != CVM_OK)
        return CVM_CODE_HOST_ERROR;
    return CVM_CODE_NONE;
}

static void count_step(void *ud, const cvm_trace_step *step)
{
    (void)step;
    ((bench_host *)ud)->steps++;
}

/* Sets up the host for p: fresh state when it uses state. 0 or -1. */
static int host_open(bench_host *s, cvm_host *h, const bench_prog *p, const cvm_module *m, int counting)
{
    memset(s, 0, sizeof *s);
    memset(h, 0, sizeof *h);
    h->ud = s;
    if (counting)
        h->trace = count_step;
    if (!p->uses_state)
        return 0;
    s->service = cvm_module_name(m);
    s->service_len = strlen(s->service);
    if (cvm_memstore_open(NULL, &s->store) != CVM_OK)
        return -1;
    if (cvm_overlay_new(NULL, s->store, false, &s->overlay) != CVM_OK) {
        cvm_store_close(s->store);
        return -1;
    }
    h->load = host_load;
    h->store = host_store;
    h->resolve = host_resolve;
    h->load_at = host_load_at;
    h->store_at = host_store_at;
    return 0;
}

static void host_close(bench_host *s)
{
    cvm_overlay_free(s->overlay);
    cvm_store_close(s->store);
}

/* ------------------------------------------------------- running coopvm */

/* Runs p's main with argument n once; *ns gets the CPU time of cvm_exec
 * alone (the state is set up before and freed after the clock). With
 * steps non-NULL, the trace hook counts the instructions into *steps.
 * Returns 0, or -1 after printing why. */
static int run_transfer(const bench_prog *p, const cvm_module *m, int64_t n, cvm_dispatch dispatch, double *ns,
                        int64_t *result, int64_t *steps);

static int run_once(const bench_prog *p, const cvm_module *m, int64_t n, cvm_dispatch dispatch, double *ns,
                    int64_t *result, int64_t *steps)
{
    if (strcmp(p->name, "transfer") == 0)
        return run_transfer(p, m, n, dispatch, ns, result, steps);
    bench_host bh;
    cvm_host host;
    if (host_open(&bh, &host, p, m, steps != NULL) != 0) {
        fprintf(stderr, "bench: %s: cannot open the in-memory state\n", p->name);
        return -1;
    }
    cvm_exec_options opts = {.gas_limit = INT64_MAX / 2, .dispatch = dispatch};
    cvm_exec_result r;
    double t0 = now_ns();
    cvm_status st = cvm_exec(m, "main", &n, 1, &host, &opts, &r);
    double t1 = now_ns();
    host_close(&bh);
    if (st != CVM_OK) {
        fprintf(stderr, "bench: %s: cvm_exec failed: %s\n", p->name, cvm_status_name(st));
        return -1;
    }
    if (r.status != CVM_SUCCESS) {
        char msg[512];
        cvm_error_format(&r.error, msg, sizeof msg);
        fprintf(stderr, "bench: %s: %s: %s\n", p->name, cvm_exec_status_name(r.status), msg);
        return -1;
    }
    *ns = t1 - t0;
    *result = r.result;
    if (steps)
        *steps = bh.steps;
    return 0;
}

/* One call of a typed method of the transfer ledger: its one integer
 * result in *out. Returns 0, or -1 after printing why. */
static int transfer_call(const bench_prog *p, const cvm_module *m, const char *method, const cvm_arg *args,
                         size_t nargs, const cvm_host *host, const cvm_exec_options *opts, int64_t *out)
{
    cvm_exec_result r;
    cvm_status st = cvm_exec_args(m, method, args, nargs, host, opts, &r);
    int rc = 0;
    if (st != CVM_OK) {
        fprintf(stderr, "bench: %s: cvm_exec_args failed: %s\n", p->name, cvm_status_name(st));
        rc = -1;
    } else if (r.status != CVM_SUCCESS) {
        char msg[512];
        cvm_error_format(&r.error, msg, sizeof msg);
        fprintf(stderr, "bench: %s: %s: %s: %s\n", p->name, method, cvm_exec_status_name(r.status), msg);
        rc = -1;
    } else if (r.nresults != 1 || r.results[0].type != CVM_ARG_INT64) {
        fprintf(stderr, "bench: %s: %s gave %zu results, not one integer\n", p->name, method, r.nresults);
        rc = -1;
    } else {
        *out = r.results[0].v.i64;
    }
    cvm_exec_result_clear(&r);
    return rc;
}

/* The transfer ledger: mints each address's balance (before the clock),
 * then n calls of transfer(from, to, amount) through cvm_exec_args, one
 * run each as one transaction would be, over one overlay. *ns gets the CPU
 * time of the n calls; *result the checksum (transfer_expected), the final
 * balances read back from the overlay at "balance/" ‖ address. With steps
 * non-NULL, *steps gets the instructions of the n transfers. */
static int run_transfer(const bench_prog *p, const cvm_module *m, int64_t n, cvm_dispatch dispatch, double *ns,
                        int64_t *result, int64_t *steps)
{
    bench_host bh;
    cvm_host host;
    if (host_open(&bh, &host, p, m, steps != NULL) != 0) {
        fprintf(stderr, "bench: %s: cannot open the in-memory state\n", p->name);
        return -1;
    }
    cvm_exec_options opts = {.gas_limit = 1000000, .dispatch = dispatch};
    uint8_t addr[TRANSFER_ADDRS][TRANSFER_ADDR_BYTES];
    cvm_arg args[TRANSFER_ADDRS][TRANSFER_ADDRS][3]; /* from, to: every pair, made before the clock */
    int rc = 0;
    int64_t got = 0, sum = 0;
    for (int k = 0; k < TRANSFER_ADDRS && rc == 0; k++) {
        transfer_addr(k, addr[k]);
        cvm_arg mint[2] = {cvm_arg_bytes(addr[k], TRANSFER_ADDR_BYTES), cvm_arg_int64(TRANSFER_MINT)};
        rc = transfer_call(p, m, "mint", mint, 2, &host, &opts, &got);
    }
    for (int a = 0; a < TRANSFER_ADDRS; a++)
        for (int b = 0; b < TRANSFER_ADDRS; b++) {
            args[a][b][0] = cvm_arg_bytes(addr[a], TRANSFER_ADDR_BYTES);
            args[a][b][1] = cvm_arg_bytes(addr[b], TRANSFER_ADDR_BYTES);
        }
    bh.steps = 0;
    double t0 = now_ns();
    for (int64_t i = 0; i < n && rc == 0; i++) {
        cvm_arg *t = args[transfer_from(i)][transfer_to(i)];
        t[2] = cvm_arg_int64(transfer_amount(i));
        rc = transfer_call(p, m, "transfer", t, 3, &host, &opts, &got);
        sum += got;
    }
    double t1 = now_ns();
    for (int k = 0; k < TRANSFER_ADDRS && rc == 0; k++) {
        uint8_t key[8 + TRANSFER_ADDR_BYTES];
        memcpy(key, "balance/", 8);
        memcpy(key + 8, addr[k], TRANSFER_ADDR_BYTES);
        int64_t bal = 0;
        char err[256];
        if (cvm_state_load_i64(bh.overlay, (const uint8_t *)bh.service, bh.service_len, key, sizeof key, &bal, err,
                               sizeof err) != CVM_OK) {
            fprintf(stderr, "bench: %s: reading a balance back: %s\n", p->name, err);
            rc = -1;
        }
        sum += (k + 1) * bal;
    }
    if (steps)
        *steps = bh.steps;
    host_close(&bh);
    *ns = t1 - t0;
    *result = sum;
    return rc;
}

/* Best of reps runs, in ns per iteration. -1 on failure. */
static double coopvm_best(const bench_prog *p, const cvm_module *m, int64_t n, cvm_dispatch dispatch, int reps,
                          int64_t *result)
{
    double best = -1;
    for (int i = 0; i < reps; i++) {
        double ns;
        if (run_once(p, m, n, dispatch, &ns, result, NULL) != 0)
            return -1;
        if (best < 0 || ns < best)
            best = ns;
    }
    return best / (double)iterations(p, n);
}

/* ------------------------------------------- the counter on a real chain */

/* The counter as a contract on a chain sees it: deployed through
 * _Deployments on an in-memory store, then main(n) as a one-transaction set
 * through cvm_vm_process_transaction_set, whose bytecode host is the one
 * `coopvm run` and `coopvm process` use. Only the set is timed. Returns ns
 * per iteration, or -1 after printing why. */
static double vm_counter_once(const cvm_module *m, int64_t n, int64_t *result)
{
    uint8_t *code = NULL;
    size_t codelen = 0;
    cvm_store *store = NULL;
    cvm_vm *vm = NULL;
    cvm_block_result *b = NULL;
    double ns = -1;
    const char *why = "out of memory";
    if (cvm_module_encode(m, &code, &codelen) != CVM_OK || cvm_memstore_open(NULL, &store) != CVM_OK)
        goto done;
    cvm_vm_options vo = {.gas_limit = INT64_MAX / 2};
    if (cvm_vm_new(&vo, store, &vm) != CVM_OK)
        goto done;
    why = "genesis or deployment failed";
    if (cvm_vm_genesis(vm, 1, NULL, 0, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK)
        goto done;
    cvm_block_result_free(b);
    b = NULL;
    const char *svc = cvm_module_name(m);
    cvm_arg dargs[3] = {cvm_arg_stringn(svc, strlen(svc)), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE),
                        cvm_arg_bytes(code, codelen)};
    cvm_transaction tx = {.protocol_version = CVM_PROTOCOL_VERSION, .signer_scheme = CVM_SCHEME_ED25519,
                          .timestamp = 2, .service = "_Deployments", .method = "deployService",
                          .args = dargs, .nargs = 3};
    if (cvm_vm_process_transaction_set(vm, 2, 2, &tx, 1, &b) != CVM_OK || b->receipts[0].status != CVM_SUCCESS ||
        cvm_vm_commit(vm, b) != CVM_OK)
        goto done;
    cvm_block_result_free(b);
    b = NULL;
    cvm_arg arg = cvm_arg_int64(n);
    tx.service = svc;
    tx.method = "main";
    tx.args = &arg;
    tx.nargs = 1;
    tx.timestamp = 3;
    why = "the counter transaction failed";
    double t0 = now_ns();
    cvm_status st = cvm_vm_process_transaction_set(vm, 3, 3, &tx, 1, &b);
    double t1 = now_ns();
    if (st != CVM_OK || b->receipts[0].status != CVM_SUCCESS || b->receipts[0].noutputs != 1)
        goto done;
    *result = b->receipts[0].outputs[0].v.i64;
    ns = (t1 - t0) / (double)n;
done:
    if (ns < 0)
        fprintf(stderr, "bench: counter on the VM: %s (%s)\n", why, vm ? cvm_vm_errmsg(vm) : "");
    cvm_block_result_free(b);
    cvm_vm_free(vm);
    cvm_store_close(store);
    cvm_free(NULL, code);
    return ns;
}

/* --------------------------------------------------------- running Lua */

/* Runs `lua5.4 bench/<name>.lua n reps`, which prints "RESULT NS_PER_ITER".
 * Returns ns per iteration, or -1 after printing why. */
static double lua_best(const bench_prog *p, int64_t n, int reps, int64_t *result)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "lua5.4 bench/%s.lua %" PRId64 " %d", p->name, n, reps);
    FILE *f = popen(cmd, "r");
    if (!f) {
        fprintf(stderr, "bench: cannot run %s: %s\n", cmd, strerror(errno));
        return -1;
    }
    char line[256] = "";
    int got = fgets(line, sizeof line, f) != NULL;
    int rc = pclose(f);
    double ns;
    if (!got || rc != 0 || sscanf(line, "%" SCNd64 " %lf", result, &ns) != 2) {
        fprintf(stderr, "bench: `%s` failed (exit %d, output \"%s\")\n", cmd, rc, line);
        return -1;
    }
    return ns;
}

/* ---------------------------------------------------------------- main */

static cvm_module *load_module(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "bench/%s.asm", name);
    size_t len;
    char *src = read_file(path, &len);
    if (!src) {
        fprintf(stderr, "bench: cannot read %s: %s (run from the repository root)\n", path, strerror(errno));
        return NULL;
    }
    cvm_module *m = NULL;
    cvm_status st = cvm_assemble(NULL, src, len, path, print_diag, NULL, &m, NULL);
    free(src);
    if (st != CVM_OK) {
        fprintf(stderr, "bench: %s: %s\n", path, cvm_status_name(st));
        return NULL;
    }
    return m;
}

/* ------------------------------------------------ pre-order: signatures */

/* Wall-clock time in ns, for the threaded pre-order runs (CPU time would add
 * the threads up). */
static double now_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Signature checks per second through the real pre-order path: one call
 * of cvm_vm_preorder over the whole set (the cheap checks, the canonical
 * encodings, SHA-256 and Ed25519 on the VM's pool, then
 * _GlobalPreOrder.approve for each transaction) on a VM created with
 * threads = 1 and one with threads = 2, beside a bare libsodium loop
 * (crypto_sign_verify_detached over the same signatures and precomputed
 * hashes) on as many threads, in the same run. The ratio is the
 * overhead of our path (1.00 = none). Wall-clock time: the threads run at
 * once. The VMs (and their threads) are made before the clock starts. */

#define PREORDER_TXS 2000
#define PREORDER_KEYS 16
#define PREORDER_T0 1700000000000000000ull

typedef struct preorder_set {
    cvm_transaction tx[PREORDER_TXS];
    cvm_arg args[PREORDER_TXS][2];
    uint8_t sig[PREORDER_TXS][CVM_SIGNATURE_BYTES];
    uint8_t hash[PREORDER_TXS][CVM_HASH_BYTES];
} preorder_set;

/* The bare loop's threads take chunks of 4 signatures by an atomic counter,
 * as the VM's pool does, so that a core slowed down by the machine's other
 * work weighs on both sides alike and the ratio is the overhead of our path
 * alone. */
typedef struct bare_loop {
    const preorder_set *set;
    atomic_size_t next;
    atomic_int valid; /* how many verified */
} bare_loop;

static void *bare_run(void *arg)
{
    bare_loop *l = arg;
    int valid = 0;
    for (;;) {
        size_t from = atomic_fetch_add(&l->next, 4);
        if (from >= PREORDER_TXS)
            break;
        size_t to = from + 4 < PREORDER_TXS ? from + 4 : PREORDER_TXS;
        for (size_t i = from; i < to; i++)
            valid += crypto_sign_verify_detached(l->set->sig[i], l->set->hash[i], CVM_HASH_BYTES,
                                                 l->set->tx[i].signer_key) == 0;
    }
    atomic_fetch_add(&l->valid, valid);
    return NULL;
}

/* The bare loop's signatures per second on `threads` threads (the calling
 * one and threads - 1 started for the run); -1 when a signature did not
 * verify or a thread could not start. */
static double bare_rate(const preorder_set *set, int threads)
{
    pthread_t t[1];
    bare_loop l;
    l.set = set;
    atomic_init(&l.next, 0);
    atomic_init(&l.valid, 0);
    double t0 = now_wall_ns();
    int started = 0;
    for (int k = 1; k < threads; k++) {
        if (pthread_create(&t[k - 1], NULL, bare_run, &l) != 0)
            break;
        started++;
    }
    bare_run(&l);
    for (int k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    double ns = now_wall_ns() - t0;
    return started == threads - 1 && atomic_load(&l.valid) == PREORDER_TXS ? PREORDER_TXS / (ns * 1e-9) : -1;
}

/* cvm_vm_preorder's signatures per second on vm; -1 unless every
 * transaction came out VALID. */
static double vm_rate(cvm_vm *vm, const preorder_set *set)
{
    cvm_preorder_result *r = NULL;
    double t0 = now_wall_ns();
    cvm_status st = cvm_vm_preorder(vm, set->tx, PREORDER_TXS, 2, PREORDER_T0, &r);
    double ns = now_wall_ns() - t0;
    if (st != CVM_OK) {
        fprintf(stderr, "bench: pre-order: %s\n", cvm_vm_errmsg(vm));
        return -1;
    }
    size_t valid = 0;
    for (size_t i = 0; i < r->n; i++)
        valid += r->statuses[i] == CVM_PREORDER_VALID;
    cvm_preorder_result_free(r);
    return valid == PREORDER_TXS ? PREORDER_TXS / (ns * 1e-9) : -1;
}

static int bench_preorder(int rounds)
{
    preorder_set *set = calloc(1, sizeof *set);
    cvm_store *store = NULL;
    cvm_vm *vms[2] = {NULL, NULL};
    cvm_block_result *g = NULL;
    int rc = 1;
    if (!set || cvm_memstore_open(NULL, &store) != CVM_OK)
        goto out;
    for (unsigned k = 0; k < 2; k++) {
        cvm_vm_options o = {0};
        o.threads = k + 1;
        if (cvm_vm_new(&o, store, &vms[k]) != CVM_OK)
            goto out;
    }
    /* genesis records _GlobalPreOrder, so approve runs for every transaction */
    if (cvm_vm_genesis(vms[0], 1, NULL, 0, &g) != CVM_OK || cvm_vm_commit(vms[0], g) != CVM_OK)
        goto out;
    uint8_t pk[PREORDER_KEYS][CVM_PUBKEY_BYTES], sk[PREORDER_KEYS][CVM_SECRETKEY_BYTES];
    for (int k = 0; k < PREORDER_KEYS; k++) {
        char name[16];
        snprintf(name, sizeof name, "account%d", k);
        cvm_dev_keypair(name, pk[k], sk[k]);
    }
    for (size_t i = 0; i < PREORDER_TXS; i++) {
        cvm_transaction *tx = &set->tx[i];
        tx->protocol_version = CVM_PROTOCOL_VERSION;
        tx->timestamp = PREORDER_T0 + i;
        tx->signer_scheme = CVM_SCHEME_ED25519;
        memcpy(tx->signer_key, pk[i % PREORDER_KEYS], CVM_PUBKEY_BYTES);
        tx->service = "Counter";
        tx->method = "increment";
        set->args[i][0] = cvm_arg_int64((int64_t)i);
        set->args[i][1] = cvm_arg_stringn("bench", 5);
        tx->args = set->args[i];
        tx->nargs = 2;
        if (cvm_tx_sign(NULL, tx, sk[i % PREORDER_KEYS], set->sig[i], NULL) != CVM_OK ||
            cvm_tx_hash(NULL, tx, set->hash[i], NULL) != CVM_OK)
            goto out;
        tx->signature = set->sig[i];
    }
    printf("\npre-order: signed transactions per second over %d, best of %d\n", PREORDER_TXS, 2 * rounds);
    printf("%-8s %16s %14s %8s\n", "threads", "cvm_vm_preorder", "libsodium /s", "ratio");
    for (int threads = 1; threads <= 2; threads++) {
        double ours = 0, bare = 0;
        for (int r = 0; r < 2 * rounds; r++) { /* alternate which side goes first */
            double a, b;
            if (r % 2) {
                b = vm_rate(vms[threads - 1], set);
                a = bare_rate(set, threads);
            } else {
                a = bare_rate(set, threads);
                b = vm_rate(vms[threads - 1], set);
            }
            if (a < 0 || b < 0) {
                fprintf(stderr, "bench: pre-order: a signature did not verify\n");
                goto out;
            }
            bare = a > bare ? a : bare;
            ours = b > ours ? b : ours;
        }
        printf("%-8d %16.0f %14.0f %8.3f\n", threads, ours, bare, ours / bare);
        fflush(stdout);
    }
    printf("ratio: cvm_vm_preorder (checks, encoding, SHA-256, Ed25519 on the VM's threads, _GlobalPreOrder.approve)\n"
           "over the bare libsodium loop on as many threads; aim >= 0.95.\n");
    rc = 0;
out:
    cvm_block_result_free(g);
    cvm_vm_free(vms[0]);
    cvm_vm_free(vms[1]);
    cvm_store_close(store);
    free(set);
    return rc;
}

static void usage(void)
{
    fprintf(stderr, "usage: build/bench [--quick] [--rounds K] [--reps R] [--only NAME]   (from the repository root)\n"
                    "  --quick      arguments 20x smaller (a smoke test, not a measurement)\n"
                    "  --rounds K   rounds, each running coopvm then Lua (default 3)\n"
                    "  --reps R     runs per side in each round (default 3); the best of all is kept\n"
                    "  --only NAME  run one program: sum, fib, counter, transfer or preorder (for profiling)\n");
}

int main(int argc, char **argv)
{
    int reps = 3, rounds = 3, quick = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
            if (strcmp(only, "sum") != 0 && strcmp(only, "fib") != 0 && strcmp(only, "counter") != 0 &&
                strcmp(only, "transfer") != 0 && strcmp(only, "preorder") != 0) {
                usage();
                return 2;
            }
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
            if (reps < 1) {
                usage();
                return 2;
            }
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            if (rounds < 1) {
                usage();
                return 2;
            }
        } else {
            usage();
            return 2;
        }
    }
    int lua_needed = !only || strcmp(only, "preorder") != 0;
    if (lua_needed && system("command -v lua5.4 >/dev/null 2>&1") != 0) {
        fprintf(stderr, "bench: lua5.4 is not installed (Debian: apt-get install lua5.4, or scripts/deps.sh bench)\n");
        return 1;
    }

    if (lua_needed) {
        printf("coopvm %s beside Lua 5.4: best of %d rounds x %d runs, ns per loop iteration (fib: per call;\n"
               "transfer: per transfer)\n",
               cvm_version(), rounds, reps);
        printf("%-8s %10s %12s %12s %11s %12s %8s %12s\n", "program", "N", "coopvm ns", "Lua ns", "coopvm/Lua",
               "switch ns", "insn/it", "coopvm Mi/s");
    }
    int failed = 0;
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        const bench_prog *p = &progs[i];
        if (only && strcmp(only, p->name) != 0)
            continue;
        int64_t n = p->n;
        if (quick)
            n = strcmp(p->name, "fib") == 0 ? n - 6 : n / 20;
        cvm_module *m = load_module(p->name);
        if (!m) {
            failed = 1;
            continue;
        }
        /* Rounds alternate the two sides, so that a noisy moment of the
         * machine does not fall on one side only; the best over all the
         * rounds is kept. Every run's result is checked. */
        int64_t want = expected(p, n), steps = 0, rcount = 0;
        double vm = -1, sw = -1, lua = -1, dummy;
        int bad = 0;
        for (int round = 0; round < rounds && !bad; round++) {
            int64_t got_vm = 0, got_sw = 0, got_lua = 0;
            double v = coopvm_best(p, m, n, CVM_DISPATCH_AUTO, reps, &got_vm);
            double w = v < 0 ? -1 : coopvm_best(p, m, n, CVM_DISPATCH_SWITCH, reps, &got_sw);
            double l = w < 0 ? -1 : lua_best(p, n, reps, &got_lua);
            if (v < 0 || w < 0 || l < 0) {
                bad = 1;
            } else if (got_vm != want || got_sw != want || got_lua != want) {
                fprintf(stderr,
                        "bench: %s(%" PRId64 "): results differ: coopvm %" PRId64 " (switch %" PRId64 "), Lua %" PRId64
                        ", expected %" PRId64 "\n",
                        p->name, n, got_vm, got_sw, got_lua, want);
                bad = 1;
            } else {
                vm = vm < 0 || v < vm ? v : vm;
                sw = sw < 0 || w < sw ? w : sw;
                lua = lua < 0 || l < lua ? l : lua;
            }
        }
        if (!bad && run_once(p, m, p->count_n, CVM_DISPATCH_AUTO, &dummy, &rcount, &steps) != 0)
            bad = 1;
        if (bad) {
            cvm_module_free(m);
            failed = 1;
            continue;
        }
        double insn = (double)steps / (double)iterations(p, p->count_n);
        printf("%-8s %10" PRId64 " %12.2f %12.2f %11.2f %12.2f %8.2f %12.0f\n", p->name, n, vm, lua, vm / lua, sw,
               insn, insn / vm * 1e3);
        if (p->on_vm) {
            /* the same program deployed on a chain: the VM's host caches
             * the service's state for the run (write-back, docs/vm.md) */
            double best = -1;
            for (int k = 0; k < rounds * reps && !bad; k++) {
                int64_t got = 0;
                double v = vm_counter_once(m, n, &got);
                if (v < 0 || got != want)
                    bad = 1;
                else if (best < 0 || v < best)
                    best = v;
            }
            if (!bad)
                printf("%-8s %10" PRId64 " %12.2f %12.2f %11.2f %12s %8.2f %12.0f\n", "  on VM", n, best, lua,
                       best / lua, "-", insn, insn / best * 1e3);
        }
        fflush(stdout);
    }
    if (lua_needed)
        printf("coopvm/Lua below 1.00 means coopvm is faster. switch: the portable switch dispatch.\n"
           "insn/it: coopvm instructions per iteration (trace count); Mi/s: millions of them per second.\n"
           "counter: cvm_exec over the raw state overlay; on VM: deployed, one transaction through\n"
           "ProcessTransactionSet, the path coopvm run and coopvm process take.\n"
           "transfer: one cvm_exec_args call of the typed method transfer(from, to, amount) a transfer,\n"
           "keys \"balance/\" ++ 20-byte address over the raw state overlay; Lua: a table keyed by the address.\n");
    if ((!only || strcmp(only, "preorder") == 0) && bench_preorder(rounds) != 0)
        failed = 1;
    return failed;
}
