/*
 * bench_tx.c — the cost of one transaction through ProcessTransactionSet,
 * counted in machine instructions with callgrind (docs/bench.md, "One
 * transaction"): a chain in memory with a counter contract, then BLOCKS
 * blocks of 640 transactions `Counter.increment()` signed by 64 accounts in
 * turn, each set pre-ordered, processed and committed as a node does. The
 * signatures are placeholders, flagged as verified (cvm_vm_preorder_ex:
 * the node's mempool checked them at admission), so pre-order does every
 * check but Ed25519's — and hands ProcessTransactionSet the signers'
 * addresses and the transactions' hashes it computed.
 *
 *   valgrind --tool=callgrind --toggle-collect=cvm_vm_process_transaction_set \
 *            build/bench_tx 5
 *
 * counts only inside cvm_vm_process_transaction_set; divide the total Ir by
 * the transactions (printed). Without valgrind it prints the wall time per
 * transaction, for a rough figure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coopvm.h"

#define SIGNERS 64
#define PER_BLOCK 640

static const char COUNTER[] = ".contract Counter\n"
                              ".state count 0\n"
                              ".method increment\n"
                              "  Load \"count\"\n  Push 1\n  Add\n  Dup\n  Store \"count\"\n  Halt\n";

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_tx: %s: %s\n", what, msg);
    exit(1);
}

int main(int argc, char **argv)
{
    int blocks = argc > 1 ? atoi(argv[1]) : 5;
    if (blocks < 1)
        blocks = 1;
    cvm_store *s;
    cvm_vm *vm;
    if (cvm_memstore_open(NULL, &s) != CVM_OK || cvm_vm_new(NULL, s, &vm) != CVM_OK)
        die("open", "out of memory");
    uint8_t pk[SIGNERS][CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES], verified[PER_BLOCK];
    memset(verified, 1, sizeof verified);
    cvm_preorder_options po_opts = {verified};
    cvm_genesis_account acc[SIGNERS];
    for (int i = 0; i < SIGNERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "signer%d", i);
        cvm_dev_keypair(name, pk[i], sk);
        cvm_address_of_key(pk[i], acc[i].address);
        acc[i].reputation = 100;
        acc[i].admin = i == 0;
    }
    cvm_block_result *b = NULL;
    if (cvm_vm_genesis(vm, 1, acc, SIGNERS, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK)
        die("genesis", cvm_vm_errmsg(vm));
    cvm_block_result_free(b);
    cvm_module *m = NULL;
    uint8_t *code = NULL;
    size_t len = 0;
    if (cvm_assemble(NULL, COUNTER, sizeof COUNTER - 1, "counter.asm", NULL, NULL, &m, NULL) != CVM_OK ||
        cvm_module_encode(m, &code, &len) != CVM_OK)
        die("assemble", "the counter");
    cvm_module_free(m);
    static const uint8_t sig[CVM_SIGNATURE_BYTES] = {1};
    cvm_arg dep[3] = {cvm_arg_stringn("Counter", 7), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE), cvm_arg_bytes(code, len)};
    cvm_transaction t;
    memset(&t, 0, sizeof t);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    t.signer_scheme = CVM_SCHEME_ED25519;
    memcpy(t.signer_key, pk[0], CVM_PUBKEY_BYTES);
    t.service = "_Deployments";
    t.method = "deployService";
    t.args = dep;
    t.nargs = 3;
    t.signature = sig;
    t.timestamp = 1;
    if (cvm_vm_process_transaction_set(vm, 2, 2, &t, 1, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK)
        die("deploy", cvm_vm_errmsg(vm));
    if (b->receipts[0].status != CVM_SUCCESS)
        die("deploy", b->receipts[0].error.message);
    cvm_block_result_free(b);
    cvm_free(NULL, code);

    cvm_transaction *txs = calloc(PER_BLOCK, sizeof *txs);
    if (!txs)
        die("memory", "transactions");
    uint64_t ts = 1000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int blk = 0; blk < blocks; blk++) {
        for (int i = 0; i < PER_BLOCK; i++) {
            cvm_transaction *x = &txs[i];
            *x = t;
            memcpy(x->signer_key, pk[i % SIGNERS], CVM_PUBKEY_BYTES);
            x->service = "Counter";
            x->method = "increment";
            x->args = NULL;
            x->nargs = 0;
            x->timestamp = ts++;
        }
        uint64_t h = cvm_store_height(s) + 1;
        cvm_preorder_result *po = NULL;
        if (cvm_vm_preorder_ex(vm, txs, PER_BLOCK, h, 1500, &po_opts, &po) != CVM_OK)
            die("pre-order", cvm_vm_errmsg(vm));
        for (int i = 0; i < PER_BLOCK; i++)
            if (po->statuses[i] != CVM_PREORDER_VALID)
                die("pre-order", po->reasons[i]);
        cvm_preorder_result_free(po);
        if (cvm_vm_process_transaction_set(vm, h, 1500, txs, PER_BLOCK, &b) != CVM_OK ||
            cvm_vm_commit(vm, b) != CVM_OK)
            die("block", cvm_vm_errmsg(vm));
        if (b->receipts[PER_BLOCK - 1].status != CVM_SUCCESS)
            die("increment", b->receipts[PER_BLOCK - 1].error.message);
        cvm_block_result_free(b);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    long n = (long)blocks * PER_BLOCK;
    printf("%ld transactions (%d signers), %.2f us each (process and commit, wall)\n", n, SIGNERS, sec * 1e6 / (double)n);
    free(txs);
    cvm_vm_free(vm);
    cvm_store_close(s);
    return 0;
}
