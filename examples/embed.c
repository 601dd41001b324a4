/*
 * embed.c — a host that embeds coopvm through its one public header: it
 * opens a durable LMDB store in a temporary directory, writes the genesis
 * block, deploys a contract assembled from text, processes a transaction
 * set, commits it, and reads the result back with RunLocalMethod.
 *
 *   make build/embed && build/embed
 *
 * Exits non-zero if anything is not as expected (make test runs it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coopvm.h"

static const char *TALLY = ".contract Tally\n"
                           ".state total 0\n"
                           ".method add params 1\n"
                           "  Load \"total\"\n  Add\n  Dup\n  Store \"total\"\n  Dup\n  Emit \"Added\"\n"
                           ".method total readonly\n"
                           "  Load \"total\"\n";

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "embed: %s: %s\n", what, why);
    return 1;
}

static cvm_transaction tx(const uint8_t key[CVM_PUBKEY_BYTES], const char *service, const char *method,
                          const cvm_arg *args, size_t n)
{
    cvm_transaction t;
    memset(&t, 0, sizeof t);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    t.timestamp = 1700000000000000000ull;
    t.signer_scheme = CVM_SCHEME_ED25519;
    memcpy(t.signer_key, key, CVM_PUBKEY_BYTES);
    t.service = service;
    t.method = method;
    t.args = args;
    t.nargs = n;
    return t;
}

static int run(const char *dir)
{
    char err[256];
    cvm_store *store = NULL;
    if (cvm_lmdbstore_open(NULL, dir, &store, err, sizeof err) != CVM_OK)
        return fail("open store", err);
    cvm_vm *vm = NULL;
    if (cvm_vm_new(NULL, store, &vm) != CVM_OK) {
        cvm_store_close(store);
        return fail("new vm", "out of memory");
    }
    int bad = 1;
    cvm_module *m = NULL;
    uint8_t *code = NULL;
    size_t len = 0;
    cvm_block_result *b = NULL;
    cvm_local_result *r = NULL;

    /* genesis: one account with some reputation (a development key) */
    uint8_t key[CVM_PUBKEY_BYTES];
    memset(key, 0xA1, sizeof key);
    cvm_genesis_account acc = {{0}, 50, 1};
    cvm_address_of_key(key, acc.address);
    if (cvm_vm_genesis(vm, 1, &acc, 1, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK) {
        fail("genesis", cvm_vm_errmsg(vm));
        goto out;
    }
    cvm_block_result_free(b);
    b = NULL;

    /* the contract's code bytes */
    if (cvm_assemble(NULL, TALLY, strlen(TALLY), "tally.asm", NULL, NULL, &m) != CVM_OK ||
        cvm_module_encode(m, &code, &len) != CVM_OK) {
        fail("assemble", "the contract does not assemble");
        goto out;
    }

    /* one set: deploy, then use it twice */
    cvm_arg deploy[3] = {cvm_arg_stringn("Tally", 5), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE),
                         cvm_arg_bytes(code, len)};
    cvm_arg a7 = cvm_arg_int64(7), a35 = cvm_arg_int64(35);
    cvm_transaction txs[3] = {tx(key, "_Deployments", "deployService", deploy, 3), tx(key, "Tally", "add", &a7, 1),
                              tx(key, "Tally", "add", &a35, 1)};
    if (cvm_vm_process_transaction_set(vm, cvm_store_height(store) + 1, 1700000000000000000ull, txs, 3, &b) !=
        CVM_OK) {
        fail("process", cvm_vm_errmsg(vm));
        goto out;
    }
    for (size_t i = 0; i < b->nreceipts; i++) {
        const cvm_receipt *rc = &b->receipts[i];
        printf("tx %zu: %s", i, cvm_exec_status_name(rc->status));
        if (rc->noutputs && rc->outputs[0].type == CVM_ARG_INT64)
            printf(" result %lld", (long long)rc->outputs[0].v.i64);
        printf(" gas %lld events %zu\n", (long long)rc->gas_used, rc->nevents);
        if (rc->status != CVM_SUCCESS) {
            char msg[400];
            cvm_error_format(&rc->error, msg, sizeof msg);
            fail("transaction", msg);
            goto out;
        }
    }
    printf("block %llu: %zu state changes\n", (unsigned long long)b->height, b->ndiff);
    if (cvm_vm_commit(vm, b) != CVM_OK) {
        fail("commit", cvm_vm_errmsg(vm));
        goto out;
    }

    /* query the committed state */
    /* a read needs no signer: an unsigned local call (a signed one must
     * carry a valid signature, which RunLocalMethod checks) */
    cvm_transaction q = tx(key, "Tally", "total", NULL, 0);
    q.signer_scheme = CVM_SCHEME_NONE;
    if (cvm_vm_run_local_method(vm, &q, &r) != CVM_OK) {
        fail("local", cvm_vm_errmsg(vm));
        goto out;
    }
    if (r->receipt.status != CVM_SUCCESS || r->receipt.noutputs != 1 || r->receipt.outputs[0].v.i64 != 42 ||
        r->reference_height != 2) {
        fail("query", "Tally.total is not 42 at height 2");
        goto out;
    }
    printf("Tally.total = %lld at height %llu\n", (long long)r->receipt.outputs[0].v.i64,
           (unsigned long long)r->reference_height);
    bad = 0;
out:
    cvm_local_result_free(r);
    cvm_block_result_free(b);
    cvm_free(NULL, code);
    cvm_module_free(m);
    cvm_vm_free(vm);
    cvm_store_close(store);
    return bad;
}

int main(void)
{
    char dir[] = "/tmp/coopvm-embed-XXXXXX";
    if (!mkdtemp(dir))
        return fail("mkdtemp", "cannot make a temporary directory");
    int bad = run(dir);
    char p[64];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", dir);
    unlink(p);
    rmdir(dir);
    return bad;
}
