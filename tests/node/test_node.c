/*
 * test_node.c — the node core (src/node/node.h) driven directly, without
 * HTTP: genesis and its contracts, restart at height, a different genesis
 * refused, admission order, every admission refusal, duplicates at
 * admission and at block time, durability after an accepted submit (a
 * child killed with SIGKILL), a crash between a block's commit and the
 * mempool's removal, REJECTED at block time, no empty blocks, a block cut
 * at max_block_txs, long-poll, events in pages, queries, status, metrics,
 * group commit under concurrent admissions, block time that never goes
 * backwards, the byte limit, and contracts deployed by the start after an
 * interrupted first one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coopvm.h"
#include "node/node.h"
#include "node/producer.h"

#define CHAIN 42
#define SEC 1000000000ull
#define T0 (1765000000ull * SEC) /* the test clock's start */

static const char counter_src[] = ".contract Counter\n"
                                  ".method add params 1\n"
                                  "    Load \"count\"\n"
                                  "    Add\n"
                                  "    Dup\n"
                                  "    Store \"count\"\n"
                                  "    Dup\n"
                                  "    Emit \"Counted\"\n"
                                  "    Halt\n"
                                  ".method get readonly\n"
                                  "    Load \"count\"\n";

/* --------------------------------------------------------------- helpers */

static void rm_rf(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        print_message("could not remove %s\n", dir);
}

/* The test's clock: moved by hand. */
static uint64_t clock_now = T0;
static uint64_t test_clock(void *ud)
{
    (void)ud;
    return __atomic_load_n(&clock_now, __ATOMIC_SEQ_CST);
}

typedef struct fixture {
    char dir[64];
    uint8_t *code;   /* the counter's module bytes */
    size_t len;
    cvm_genesis_account acc[2];
    cvm_node_contract contract;
    cvm_node_options o;
    cvm_node *n;
} fixture;

static void address_of(const char *name, uint8_t out[CVM_ADDRESS_BYTES])
{
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    cvm_dev_keypair(name, pk, sk);
    cvm_address_of_key(pk, out);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/coopvm-test-node-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    cvm_module *m = NULL;
    assert_int_equal(cvm_assemble(NULL, counter_src, strlen(counter_src), "counter.asm", NULL, NULL, &m, NULL), CVM_OK);
    assert_int_equal(cvm_module_encode(m, &f->code, &f->len), CVM_OK);
    cvm_module_free(m);
    address_of("alice", f->acc[0].address);
    f->acc[0].reputation = 50;
    f->acc[0].admin = 1;
    address_of("bob", f->acc[1].address);
    f->acc[1].reputation = 10;
    f->contract = (cvm_node_contract){"Counter", f->code, f->len};
    f->o.data_dir = f->dir;
    f->o.chain_id = CHAIN;
    f->o.manual = true;
    f->o.threads = 1;
    f->o.genesis_accounts = f->acc;
    f->o.ngenesis_accounts = 2;
    f->o.genesis_contracts = &f->contract;
    f->o.ngenesis_contracts = 1;
    f->o.clock = test_clock;
    f->o.genesis_timestamp = T0 - SEC;
    clock_now = T0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cvm_node_close(f->n);
    rm_rf(f->dir);
    cvm_free(NULL, f->code);
    free(f);
    return 0;
}

static void open_node(fixture *f)
{
    char err[512] = "";
    if (cvm_node_open(&f->o, &f->n, err, sizeof err) != CVM_OK)
        fail_msg("cvm_node_open: %s", err);
}

static void reopen(fixture *f)
{
    cvm_node_close(f->n);
    f->n = NULL;
    open_node(f);
}

/* A signed Counter.add(v) by name, at the test clock (+ skew), as the JSON
 * of `coopvm tx sign`; *hash gets its hash. The caller frees the text. */
static char *tx_json_text(const char *name, const char *service, const char *method, int64_t v, int64_t skew,
                          uint32_t chain, uint8_t hash[CVM_HASH_BYTES])
{
    cvm_arg a = cvm_arg_int64(v);
    cvm_transaction tx;
    memset(&tx, 0, sizeof tx);
    tx.protocol_version = CVM_PROTOCOL_VERSION;
    tx.virtual_chain_id = chain;
    tx.timestamp = (uint64_t)((int64_t)test_clock(NULL) + skew);
    tx.signer_scheme = CVM_SCHEME_ED25519;
    tx.service = service;
    tx.method = method;
    tx.args = &a;
    tx.nargs = 1;
    uint8_t sk[CVM_SECRETKEY_BYTES], sig[CVM_SIGNATURE_BYTES];
    cvm_dev_keypair(name, tx.signer_key, sk);
    assert_int_equal(cvm_tx_sign(NULL, &tx, sk, sig, NULL), CVM_OK);
    tx.signature = sig;
    if (hash)
        assert_int_equal(cvm_tx_hash(NULL, &tx, hash, NULL), CVM_OK);
    char *text = NULL;
    assert_int_equal(cvm_tx_to_json_text(NULL, &tx, &text, NULL), CVM_OK);
    return text;
}

static char *add_tx(int64_t v, uint8_t hash[CVM_HASH_BYTES])
{
    return tx_json_text("alice", "Counter", "add", v, 0, CHAIN, hash);
}

static cvm_admission submit_text(cvm_node *n, const char *text)
{
    cvm_admission a;
    assert_int_equal(cvm_node_submit(n, (const uint8_t *)text, strlen(text), false, &a), CVM_OK);
    return a;
}

static void expect_admit(const cvm_admission *a, cvm_admit_result want, const char *part)
{
    if (a->result != want)
        fail_msg("admission: expected %s, got %s (%s)", cvm_admit_result_name(want), cvm_admit_result_name(a->result),
                 a->reason);
    if (part && !strstr(a->reason, part))
        fail_msg("admission reason '%s' does not contain '%s'", a->reason, part);
}

static void accept_text(cvm_node *n, const char *text)
{
    cvm_admission a = submit_text(n, text);
    expect_admit(&a, CVM_ADMIT_ACCEPTED, NULL);
}

static uint64_t produce(cvm_node *n)
{
    char err[512] = "";
    uint64_t h = 0;
    if (cvm_node_produce(n, false, &h, err, sizeof err) != CVM_OK)
        fail_msg("produce: %s", err);
    return h;
}

/* The status JSON of hash (NULL when unknown). */
static char *status_of(cvm_node *n, const uint8_t hash[CVM_HASH_BYTES], uint64_t wait_ms)
{
    char *json = NULL, err[256] = "";
    bool found = false;
    if (cvm_node_tx_json(n, hash, wait_ms, &json, &found, err, sizeof err) != CVM_OK)
        fail_msg("tx_json: %s", err);
    assert_true(found == (json != NULL));
    return json;
}

static void expect_contains(const char *text, const char *part)
{
    if (!text || !strstr(text, part))
        fail_msg("'%s' does not contain '%s'", text ? text : "(null)", part);
}

static void expect_status(cvm_node *n, const uint8_t hash[CVM_HASH_BYTES], const char *part)
{
    char *s = status_of(n, hash, 0);
    expect_contains(s, part);
    free(s);
}

static char *query(cvm_node *n, const char *body, cvm_status want)
{
    char *json = NULL, err[512] = "";
    cvm_status st = cvm_node_query_json(n, (const uint8_t *)body, strlen(body), &json, err, sizeof err);
    if (st != want)
        fail_msg("query %s: %s (%s)", body, cvm_status_name(st), err);
    return st == CVM_OK ? json : strdup(err);
}

/* ----------------------------------------------------------------- tests */

/* First start: genesis at 1, the contract at 2; the chain reopens at its
 * height; a different genesis (accounts or contract code) is refused
 * naming why, and changes nothing. */
static void test_genesis_restart_and_refusal(void **state)
{
    fixture *f = *state;
    open_node(f);
    assert_int_equal(cvm_node_height(f->n), 2);
    char *q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\"}", CVM_OK);
    expect_contains(q, "\"height\":2");
    expect_contains(q, "\"result\":0");
    free(q);
    uint8_t h[CVM_HASH_BYTES];
    char *t = add_tx(5, h);
    accept_text(f->n, t);
    free(t);
    assert_int_equal(produce(f->n), 3);
    reopen(f);
    assert_int_equal(cvm_node_height(f->n), 3);
    q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\"}", CVM_OK);
    expect_contains(q, "\"result\":5");
    free(q);
    cvm_node_close(f->n);
    f->n = NULL;

    char err[512] = "";
    f->acc[1].reputation = 11;
    assert_int_equal(cvm_node_open(&f->o, &f->n, err, sizeof err), CVM_ESTATE);
    assert_null(f->n);
    expect_contains(err, "different genesis");
    f->acc[1].reputation = 10;
    f->code[f->len - 1] ^= 1; /* other code for the same contract */
    cvm_node_contract other = {"Counter", f->code, f->len};
    f->o.genesis_contracts = &other;
    assert_int_equal(cvm_node_open(&f->o, &f->n, err, sizeof err), CVM_ESTATE);
    expect_contains(err, "contract Counter is deployed");
    f->code[f->len - 1] ^= 1;
    f->o.genesis_contracts = &f->contract;
    /* without a genesis the chain is continued as it is */
    f->o.ngenesis_accounts = f->o.ngenesis_contracts = 0;
    open_node(f);
    assert_int_equal(cvm_node_height(f->n), 3);
}

/* A first start that stopped after genesis, before its contracts: the
 * next start deploys them at height 2. */
static void test_contracts_after_interrupted_start(void **state)
{
    fixture *f = *state;
    f->o.ngenesis_contracts = 0;
    open_node(f);
    assert_int_equal(cvm_node_height(f->n), 1);
    cvm_node_close(f->n);
    f->n = NULL;
    f->o.ngenesis_contracts = 1;
    open_node(f);
    assert_int_equal(cvm_node_height(f->n), 2);
    char *q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\"}", CVM_OK);
    expect_contains(q, "\"result\":0");
    free(q);
}

/* Transactions run in the order they were admitted. */
static void test_admission_order(void **state)
{
    fixture *f = *state;
    open_node(f);
    uint8_t h[6][CVM_HASH_BYTES];
    for (int i = 0; i < 6; i++) {
        char *t = add_tx(10 + i, h[i]);
        cvm_admission a = submit_text(f->n, t);
        expect_admit(&a, CVM_ADMIT_ACCEPTED, NULL);
        assert_true(a.has_hash);
        assert_memory_equal(a.tx_hash, h[i], CVM_HASH_BYTES);
        free(t);
        expect_status(f->n, h[i], "\"status\":\"PENDING\"");
    }
    assert_int_equal(produce(f->n), 3);
    for (int i = 0; i < 6; i++) {
        char *s = status_of(f->n, h[i], 0);
        expect_contains(s, "\"status\":\"COMMITTED\"");
        char want[32];
        snprintf(want, sizeof want, "\"index\":%d", i);
        expect_contains(s, want);
        expect_contains(s, "\"height\":3");
        free(s);
    }
    /* nothing pending: no block */
    assert_int_equal(produce(f->n), 0);
    assert_int_equal(cvm_node_height(f->n), 3);
}

/* Every refusal, each with its reason. */
static void test_admission_refusals(void **state)
{
    fixture *f = *state;
    f->o.mempool_limit = 2;
    open_node(f);
    /* decoding: the JSON path, the binary offset */
    cvm_admission a = submit_text(f->n, "{\"protocol_version\": 1}");
    expect_admit(&a, CVM_ADMIT_MALFORMED, NULL);
    assert_false(a.has_hash);
    a = submit_text(f->n, "not json");
    expect_admit(&a, CVM_ADMIT_MALFORMED, NULL);
    char *t = add_tx(1, NULL);
    char *bad = strdup(t);
    char *p = strstr(bad, "\"add\"");
    memcpy(p, "12345", 5); /* a number for the method name */
    a = submit_text(f->n, bad);
    expect_admit(&a, CVM_ADMIT_MALFORMED, "method");
    free(bad);
    const uint8_t junk[] = {1, 2, 3};
    assert_int_equal(cvm_node_submit(f->n, junk, sizeof junk, true, &a), CVM_OK);
    expect_admit(&a, CVM_ADMIT_MALFORMED, NULL);
    /* pre-order: another chain; a signature that does not verify */
    char *w = tx_json_text("alice", "Counter", "add", 1, 0, CHAIN + 1, NULL);
    a = submit_text(f->n, w);
    expect_admit(&a, CVM_ADMIT_PREORDER, "WRONG_VIRTUAL_CHAIN");
    assert_int_equal(a.preorder, CVM_PREORDER_WRONG_VIRTUAL_CHAIN);
    assert_true(a.has_hash);
    free(w);
    char *s = strdup(t);
    char *sig = strstr(s, "\"signature\"");
    assert_non_null(sig);
    sig = strchr(sig + 12, '"') + 1;
    *sig = *sig == '0' ? '1' : '0';
    a = submit_text(f->n, s);
    expect_admit(&a, CVM_ADMIT_PREORDER, "INVALID_SIGNATURE");
    free(s);
    w = tx_json_text("alice", "Counter", "add", 1, (int64_t)CVM_PREORDER_WINDOW_NS + SEC, CHAIN, NULL);
    a = submit_text(f->n, w);
    expect_admit(&a, CVM_ADMIT_PREORDER, "TIMESTAMP_OUT_OF_WINDOW");
    free(w);
    /* accepted, then a duplicate of a pending one */
    a = submit_text(f->n, t);
    expect_admit(&a, CVM_ADMIT_ACCEPTED, NULL);
    a = submit_text(f->n, t);
    expect_admit(&a, CVM_ADMIT_DUPLICATE, "pending");
    /* the binary form of a second one */
    uint8_t h2[CVM_HASH_BYTES];
    char *t2 = add_tx(2, h2);
    cvm_tx_owned *o = NULL;
    assert_int_equal(cvm_tx_from_json_text(NULL, t2, strlen(t2), &o, NULL), CVM_OK);
    uint8_t *bytes = NULL;
    size_t nb = 0;
    assert_int_equal(cvm_tx_to_bytes(NULL, &o->tx, 1, &bytes, &nb, NULL), CVM_OK);
    cvm_tx_owned_free(o);
    assert_int_equal(cvm_node_submit(f->n, bytes, nb, true, &a), CVM_OK);
    expect_admit(&a, CVM_ADMIT_ACCEPTED, NULL);
    assert_memory_equal(a.tx_hash, h2, CVM_HASH_BYTES);
    cvm_free(NULL, bytes);
    free(t2);
    /* full at 2 */
    char *t3 = add_tx(3, NULL);
    a = submit_text(f->n, t3);
    expect_admit(&a, CVM_ADMIT_FULL, "limits are 2 transactions");
    /* committed: a duplicate of a committed one */
    assert_int_equal(produce(f->n), 3);
    a = submit_text(f->n, t);
    expect_admit(&a, CVM_ADMIT_DUPLICATE, "committed");
    a = submit_text(f->n, t3);
    expect_admit(&a, CVM_ADMIT_ACCEPTED, NULL);
    free(t);
    /* stopping */
    cvm_node_stop(f->n);
    char *t4 = add_tx(4, NULL);
    a = submit_text(f->n, t4);
    expect_admit(&a, CVM_ADMIT_UNAVAILABLE, "stopping");
    free(t4);
    free(t3);
    char *metrics = NULL;
    assert_int_equal(cvm_node_metrics_text(f->n, &metrics), CVM_OK);
    expect_contains(metrics, "coopvm_admissions_total{result=\"MALFORMED\"} 4");
    expect_contains(metrics, "coopvm_admissions_total{result=\"DUPLICATE\"} 2");
    free(metrics);
}

/* Block time is the node's clock, but never at or before the previous
 * block's, however the clock is stepped back. */
static uint64_t block_time(cvm_node *n, uint64_t height)
{
    char *b = NULL, err[200];
    bool found = false;
    assert_int_equal(cvm_node_block_json(n, height, &b, &found, err, sizeof err), CVM_OK);
    assert_true(found);
    const char *p = strstr(b, "\"timestamp\":");
    assert_non_null(p);
    uint64_t ts = strtoull(p + strlen("\"timestamp\":"), NULL, 10);
    free(b);
    return ts;
}

static void test_block_time_never_backwards(void **state)
{
    fixture *f = *state;
    open_node(f);
    char *t = add_tx(1, NULL);
    accept_text(f->n, t);
    free(t);
    __atomic_store_n(&clock_now, T0 + 10 * SEC, __ATOMIC_SEQ_CST);
    assert_int_equal(produce(f->n), 3);
    assert_int_equal(block_time(f->n, 3), T0 + 10 * SEC); /* the clock */
    __atomic_store_n(&clock_now, T0 + 5 * SEC, __ATOMIC_SEQ_CST); /* stepped back */
    t = add_tx(2, NULL);
    accept_text(f->n, t);
    free(t);
    assert_int_equal(produce(f->n), 4);
    assert_int_equal(block_time(f->n, 4), T0 + 10 * SEC + 1); /* the previous + 1 ns */
    reopen(f); /* and after a restart, from the stored header */
    t = add_tx(3, NULL);
    accept_text(f->n, t);
    free(t);
    assert_int_equal(produce(f->n), 5);
    assert_int_equal(block_time(f->n, 5), T0 + 10 * SEC + 2);
    assert_int_equal(block_time(f->n, 1), T0 - SEC); /* genesis at the time the options gave */
}

/* The byte limit: memory stays bounded however large the transactions. */
static void test_mempool_bytes_limit(void **state)
{
    fixture *f = *state;
    f->o.mempool_bytes = 200; /* one small transaction (123 bytes), not two */
    open_node(f);
    char *t1 = add_tx(1, NULL), *t2 = add_tx(2, NULL);
    accept_text(f->n, t1);
    cvm_admission a = submit_text(f->n, t2);
    expect_admit(&a, CVM_ADMIT_FULL, "bytes");
    assert_int_equal(produce(f->n), 3);
    accept_text(f->n, t2); /* room again once the block took the first */
    free(t1);
    free(t2);
}

/* A child submits and is killed with SIGKILL as soon as it is told
 * ACCEPTED; the transaction is there when the chain reopens. */
static void test_durable_after_accept(void **state)
{
    fixture *f = *state;
    open_node(f); /* genesis first, in this process */
    cvm_node_close(f->n);
    f->n = NULL;
    uint8_t h[CVM_HASH_BYTES];
    char *t = add_tx(7, h);
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        cvm_node *n = NULL;
        char err[512];
        if (cvm_node_open(&f->o, &n, err, sizeof err) != CVM_OK)
            _exit(3);
        cvm_admission a;
        cvm_node_submit(n, (const uint8_t *)t, strlen(t), false, &a);
        char c = a.result == CVM_ADMIT_ACCEPTED ? 'A' : 'X';
        if (write(fd[1], &c, 1) != 1)
            _exit(4);
        raise(SIGKILL); /* no close, no cleanup: a crash right after the 202 */
        _exit(5);
    }
    close(fd[1]);
    char c = 0;
    assert_int_equal(read(fd[0], &c, 1), 1);
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(c, 'A');
    open_node(f);
    expect_status(f->n, h, "\"status\":\"PENDING\"");
    assert_int_equal(produce(f->n), 3);
    expect_status(f->n, h, "\"status\":\"COMMITTED\"");
    cvm_admission a = submit_text(f->n, t);
    expect_admit(&a, CVM_ADMIT_DUPLICATE, "committed");
    free(t);
}

/* A crash between a block's commit and the mempool's removal: the mempool
 * as it was before the block is put back; the next open drops what the
 * store committed, so nothing runs twice. */
static void test_crash_between_commit_and_removal(void **state)
{
    fixture *f = *state;
    open_node(f);
    uint8_t h[CVM_HASH_BYTES];
    char *t = add_tx(9, h);
    accept_text(f->n, t);
    free(t);
    cvm_node_close(f->n);
    f->n = NULL;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp -r %s/mempool %s/mempool.saved", f->dir, f->dir);
    assert_int_equal(system(cmd), 0);
    open_node(f);
    assert_int_equal(produce(f->n), 3);
    cvm_node_close(f->n);
    f->n = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf %s/mempool && mv %s/mempool.saved %s/mempool", f->dir, f->dir, f->dir);
    assert_int_equal(system(cmd), 0);
    open_node(f);
    expect_status(f->n, h, "\"status\":\"COMMITTED\"");
    assert_int_equal(produce(f->n), 0); /* nothing pending: it was dropped */
    char *q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\"}", CVM_OK);
    expect_contains(q, "\"result\":9"); /* ran once */
    free(q);
}

/* A transaction admitted inside the window and left pending until its
 * timestamp is out of it is REJECTED at block time, with its reason, and
 * runs nothing; the block holds the others. */
static void test_rejected_at_block_time(void **state)
{
    fixture *f = *state;
    open_node(f);
    uint8_t old[CVM_HASH_BYTES], fresh[CVM_HASH_BYTES];
    char *t = tx_json_text("alice", "Counter", "add", 1, -(int64_t)CVM_PREORDER_WINDOW_NS + SEC, CHAIN, old);
    accept_text(f->n, t);
    free(t);
    __atomic_add_fetch(&clock_now, 2 * SEC, __ATOMIC_SEQ_CST); /* it leaves its window */
    t = add_tx(2, fresh);
    accept_text(f->n, t);
    free(t);
    assert_int_equal(produce(f->n), 3);
    char *s = status_of(f->n, old, 0);
    expect_contains(s, "\"status\":\"REJECTED\"");
    expect_contains(s, "\"preorder\":\"TIMESTAMP_OUT_OF_WINDOW\"");
    expect_contains(s, "\"height\":3");
    free(s);
    s = status_of(f->n, fresh, 0);
    expect_contains(s, "\"index\":0");
    expect_contains(s, "\"receipt\":{\"tx\":{\"hash\":\"");
    expect_contains(s, "\"status\":\"SUCCESS\"");
    expect_contains(s, "\"result\":2");
    free(s);
    /* the block shows the rejection beside its receipts */
    char *b = NULL, err[256];
    bool found = false;
    assert_int_equal(cvm_node_block_json(f->n, 3, &b, &found, err, sizeof err), CVM_OK);
    assert_true(found);
    expect_contains(b, "\"header\":{\"height\":3");
    expect_contains(b, "\"rejected\":[{\"tx_hash\":\"");
    expect_contains(b, "\"preorder\":\"TIMESTAMP_OUT_OF_WINDOW\"");
    char hex[2 * CVM_HASH_BYTES + 1];
    for (int i = 0; i < CVM_HASH_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", fresh[i]);
    expect_contains(b, hex);
    free(b);
    assert_int_equal(cvm_node_block_json(f->n, 0, &b, &found, err, sizeof err), CVM_OK); /* 0: the latest */
    expect_contains(b, "\"height\":3");
    free(b);
    assert_int_equal(cvm_node_block_json(f->n, 99, &b, &found, err, sizeof err), CVM_OK);
    assert_false(found);
    assert_null(b);
    assert_int_equal(cvm_node_blocks_json(f->n, 0, 2, &b, err, sizeof err), CVM_OK);
    expect_contains(b, "{\"blocks\":[{\"height\":3");
    expect_contains(b, "},{\"height\":2");
    assert_null(strstr(b, "\"height\":1"));
    free(b);
    char *m = NULL;
    assert_int_equal(cvm_node_metrics_text(f->n, &m), CVM_OK);
    expect_contains(m, "coopvm_transactions_rejected_total{reason=\"TIMESTAMP_OUT_OF_WINDOW\"} 1");
    expect_contains(m, "coopvm_transactions_committed_total 1");
    free(m);
    /* the record survives a restart */
    reopen(f);
    expect_status(f->n, old, "\"status\":\"REJECTED\"");
    uint8_t unknown[CVM_HASH_BYTES] = {1};
    assert_null(status_of(f->n, unknown, 0));
}

/* A producer that proposes the same (already committed) transaction again:
 * the seam, and a duplicate caught at block time (REJECTED as DUPLICATE,
 * the transaction stays COMMITTED where it ran). */
typedef struct replay_producer {
    cvm_transaction tx;
    uint8_t hash[CVM_HASH_BYTES];
    int calls;
} replay_producer;

static bool replay_next(const cvm_producer *p, cvm_node *n, uint64_t height, cvm_block_proposal *out)
{
    replay_producer *r = p->ud;
    (void)height;
    if (r->calls++ > 0 || cvm_node_stopping(n))
        return false;
    static const uint8_t yes = 1;
    memset(out, 0, sizeof *out);
    out->timestamp = test_clock(NULL);
    out->txs = &r->tx;
    out->hashes = (const uint8_t(*)[CVM_HASH_BYTES])r->hash;
    out->verified = &yes;
    out->n = 1;
    return true;
}

static void replay_release(const cvm_producer *p, cvm_node *n, cvm_block_proposal *out)
{
    (void)p;
    (void)n;
    memset(out, 0, sizeof *out);
}

static void test_duplicate_at_block_time(void **state)
{
    fixture *f = *state;
    open_node(f);
    uint8_t h[CVM_HASH_BYTES];
    char *t = add_tx(4, h);
    accept_text(f->n, t);
    assert_int_equal(produce(f->n), 3);
    cvm_node_close(f->n);
    f->n = NULL;
    replay_producer r;
    memset(&r, 0, sizeof r);
    cvm_tx_owned *o = NULL;
    assert_int_equal(cvm_tx_from_json_text(NULL, t, strlen(t), &o, NULL), CVM_OK);
    r.tx = o->tx;
    memcpy(r.hash, h, sizeof h);
    cvm_producer p = {.name = "replay", .next_block = replay_next, .release = replay_release, .ud = &r};
    f->o.producer = &p;
    f->o.manual = false;
    f->o.empty_blocks = true; /* the block is cut even though it runs nothing */
    open_node(f);
    assert_int_equal(cvm_node_wait_height(f->n, 3, 5000), 4);
    expect_status(f->n, h, "\"status\":\"COMMITTED\"");
    expect_status(f->n, h, "\"height\":3");
    char *m = NULL;
    assert_int_equal(cvm_node_metrics_text(f->n, &m), CVM_OK);
    expect_contains(m, "coopvm_transactions_rejected_total{reason=\"DUPLICATE\"} 1");
    free(m);
    cvm_node_close(f->n);
    f->n = NULL;
    f->o.producer = NULL;
    cvm_tx_owned_free(o);
    free(t);
    char *q = NULL;
    f->o.manual = true;
    open_node(f);
    q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\"}", CVM_OK);
    expect_contains(q, "\"result\":4");
    free(q);
}

/* The solo producer: no empty blocks by default; a block as soon as
 * max_block_txs are pending, long before the interval; long-poll. */
static void test_solo_producer(void **state)
{
    fixture *f = *state;
    f->o.manual = false;
    f->o.block_interval_ms = 40;
    open_node(f);
    usleep(200 * 1000);
    assert_int_equal(cvm_node_height(f->n), 2); /* five intervals, nothing pending: no block */
    char err[200];
    assert_int_equal(cvm_node_produce(f->n, true, NULL, err, sizeof err), CVM_EINPUT); /* not a manual node */
    expect_contains(err, "producer thread");
    cvm_node_close(f->n);
    f->n = NULL;
    f->o.block_interval_ms = 60000;
    f->o.max_block_txs = 3;
    open_node(f);
    uint8_t h[3][CVM_HASH_BYTES];
    for (int i = 0; i < 3; i++) {
        char *t = add_tx(i + 1, h[i]);
        accept_text(f->n, t);
        free(t);
    }
    char *s = status_of(f->n, h[2], 10000); /* long-poll: answered once committed */
    expect_contains(s, "\"status\":\"COMMITTED\"");
    free(s);
    assert_int_equal(cvm_node_height(f->n), 3);
    /* a long-poll on a transaction that stays pending ends with the time */
    char *t = add_tx(99, h[0]);
    accept_text(f->n, t);
    free(t);
    s = status_of(f->n, h[0], 50);
    expect_contains(s, "\"status\":\"PENDING\"");
    free(s);
    assert_int_equal(cvm_node_wait_height(f->n, 3, 20), 3);
    cvm_node_close(f->n);
    f->n = NULL;
    /* empty blocks when asked for */
    f->o.block_interval_ms = 20;
    f->o.empty_blocks = true;
    open_node(f);
    assert_true(cvm_node_wait_height(f->n, 4, 5000) >= 5);
}

/* Events in pages: the cursor continues exactly after the last one. */
static void test_events_paged(void **state)
{
    fixture *f = *state;
    open_node(f);
    for (int b = 0; b < 2; b++) {
        for (int i = 0; i < 3; i++) {
            char *t = add_tx(b * 10 + i + 1, NULL);
            accept_text(f->n, t);
            free(t);
        }
        produce(f->n);
    }
    cvm_event_query q = {.service = "Counter", .name = "Counted"};
    char *cursor = NULL, err[256];
    int seen = 0;
    for (int page = 0; page < 4; page++) {
        char *json = NULL;
        assert_int_equal(cvm_node_events_json(f->n, &q, cursor, 4, &json, err, sizeof err), CVM_OK);
        free(cursor);
        cursor = NULL;
        const char *c = strstr(json, "\"next_cursor\":\"");
        for (const char *p = json; (p = strstr(p, "\"name\":\"Counted\"")); p++)
            seen++;
        if (page == 0) {
            expect_contains(json, "\"height\":3");
            expect_contains(json, "\"tx_index\":0");
        }
        if (c) {
            c += strlen("\"next_cursor\":\"");
            cursor = strndup(c, (size_t)(strchr(c, '"') - c));
        }
        free(json);
        if (!cursor)
            break;
    }
    assert_int_equal(seen, 6);
    char *json = NULL;
    assert_int_equal(cvm_node_events_json(f->n, &q, "3.x", 4, &json, err, sizeof err), CVM_EINPUT);
    expect_contains(err, "cursor");
    q.from = 100; /* beyond the chain: empty */
    assert_int_equal(cvm_node_events_json(f->n, &q, NULL, 4, &json, err, sizeof err), CVM_OK);
    expect_contains(json, "\"events\":[]");
    free(json);
}

/* Queries: a result with the height it read, a contract failure is a
 * receipt, a bad query names the field. */
static void test_queries(void **state)
{
    fixture *f = *state;
    open_node(f);
    char *q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"nope\"}", CVM_OK);
    expect_contains(q, "UNKNOWN_METHOD");
    free(q);
    q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\", \"args\": [1, {\"int64\": 2}]}", CVM_OK);
    expect_contains(q, "\"height\":2");
    free(q);
    q = query(f->n, "{\"contract\": \"Counter\"}", CVM_EINPUT);
    expect_contains(q, "method");
    free(q);
    q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\", \"extra\": 1}", CVM_EINPUT);
    expect_contains(q, "extra");
    free(q);
    q = query(f->n, "{\"contract\": \"Counter\", \"method\": \"get\", \"args\": [{\"bytes\": \"zz\"}]}", CVM_EINPUT);
    expect_contains(q, "args[0]");
    free(q);
    q = query(f->n, "[1", CVM_EINPUT);
    expect_contains(q, "not JSON");
    free(q);
    /* a signed local call */
    char *t = tx_json_text("bob", "Counter", "get", 0, 0, CHAIN, NULL);
    /* get has no parameter: the signed call passes one, the receipt says so */
    char body[4096];
    snprintf(body, sizeof body, "{\"signer\": %s}", t);
    free(t);
    q = query(f->n, body, CVM_OK);
    expect_contains(q, "\"address\":\"0x");
    free(q);
}

static void test_status_and_metrics(void **state)
{
    fixture *f = *state;
    open_node(f);
    char *t = add_tx(1, NULL);
    accept_text(f->n, t);
    free(t);
    char *s = NULL;
    assert_int_equal(cvm_node_status_json(f->n, &s), CVM_OK);
    expect_contains(s, "\"height\":2");
    expect_contains(s, "\"mempool\":1");
    expect_contains(s, "\"chain_id\":42");
    expect_contains(s, "\"version\":\"");
    free(s);
    produce(f->n);
    char *m = NULL;
    assert_int_equal(cvm_node_metrics_text(f->n, &m), CVM_OK);
    expect_contains(m, "coopvm_blocks_total 1\n");
    expect_contains(m, "coopvm_transactions_committed_total 1\n");
    expect_contains(m, "coopvm_mempool_transactions 0\n");
    expect_contains(m, "# TYPE coopvm_block_build_seconds histogram\n");
    expect_contains(m, "coopvm_block_commit_seconds_bucket{le=\"+Inf\"} 1\n");
    expect_contains(m, "coopvm_block_commit_seconds_count 1\n");
    free(m);
}

/* Group commit: admissions from many threads at once share fsyncs; every
 * one is answered ACCEPTED and is pending. */
#define GC_THREADS 8
#define GC_EACH 25
typedef struct gc_arg {
    cvm_node *n;
    int k;
    int accepted;
} gc_arg;

static void *gc_main(void *p)
{
    gc_arg *a = p;
    for (int i = 0; i < GC_EACH; i++) {
        char *t = add_tx(1000 * a->k + i + 1, NULL);
        cvm_admission r;
        cvm_node_submit(a->n, (const uint8_t *)t, strlen(t), false, &r);
        a->accepted += r.result == CVM_ADMIT_ACCEPTED;
        free(t);
    }
    return NULL;
}

static void test_group_commit(void **state)
{
    fixture *f = *state;
    open_node(f);
    pthread_t th[GC_THREADS];
    gc_arg args[GC_THREADS];
    for (int k = 0; k < GC_THREADS; k++) {
        args[k] = (gc_arg){f->n, k, 0};
        assert_int_equal(pthread_create(&th[k], NULL, gc_main, &args[k]), 0);
    }
    int accepted = 0;
    for (int k = 0; k < GC_THREADS; k++) {
        pthread_join(th[k], NULL);
        accepted += args[k].accepted;
    }
    assert_int_equal(accepted, GC_THREADS * GC_EACH);
    char *m = NULL;
    assert_int_equal(cvm_node_metrics_text(f->n, &m), CVM_OK);
    char want[64];
    snprintf(want, sizeof want, "coopvm_mempool_writes_total %d\n", GC_THREADS * GC_EACH);
    expect_contains(m, want);
    const char *fs = strstr(m, "\ncoopvm_mempool_fsyncs_total ");
    assert_non_null(fs);
    unsigned long fsyncs = strtoul(fs + strlen("\ncoopvm_mempool_fsyncs_total "), NULL, 10);
    assert_true(fsyncs >= 1 && fsyncs <= (unsigned long)(GC_THREADS * GC_EACH));
    print_message("group commit: %d admissions from %d threads in %lu fsyncs (%.1f per fsync)\n", accepted,
                  GC_THREADS, fsyncs, (double)accepted / (double)fsyncs);
    free(m);
    reopen(f);
    char *s = NULL;
    assert_int_equal(cvm_node_status_json(f->n, &s), CVM_OK);
    snprintf(want, sizeof want, "\"mempool\":%d", GC_THREADS * GC_EACH);
    expect_contains(s, want);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_genesis_restart_and_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contracts_after_interrupted_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admission_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admission_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_time_never_backwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mempool_bytes_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_after_accept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_between_commit_and_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_at_block_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_at_block_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_solo_producer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_and_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
