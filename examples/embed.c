/*
 * embed.c — a host that embeds coopvm through its one public header: it
 * opens a durable LMDB store in a temporary directory, writes the genesis
 * block, builds and signs transactions (deploying a contract assembled from
 * text, then calling it), admits them with pre-order — a tampered, an
 * unsigned and a repeated one among them are refused, and so is a committed
 * one offered again — processes the valid ones, commits, and reads the
 * result back with RunLocalMethod.
 *
 *   make build/embed && build/embed
 *   cc embed.c $(pkg-config --cflags --libs coopvm)      (once installed)
 *
 * Exits non-zero if anything is not as expected (make test runs it both
 * ways).
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

#define BLOCK_TIME 1700000000000000000ull /* ns */

/* An unsigned transaction from the signer key pk: sign it with sign(). */
static cvm_transaction tx(const uint8_t key[CVM_PUBKEY_BYTES], const char *service, const char *method,
                          const cvm_arg *args, size_t n)
{
    cvm_transaction t;
    memset(&t, 0, sizeof t);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    t.timestamp = BLOCK_TIME; /* within pre-order's window of the block's */
    t.signer_scheme = CVM_SCHEME_ED25519;
    memcpy(t.signer_key, key, CVM_PUBKEY_BYTES);
    t.service = service;
    t.method = method;
    t.args = args;
    t.nargs = n;
    return t;
}

/* Signs t with sk: sig receives the signature and t points at it. */
static int sign(cvm_transaction *t, const uint8_t sk[CVM_SECRETKEY_BYTES], uint8_t sig[CVM_SIGNATURE_BYTES])
{
    cvm_errmsg err;
    t->signature = NULL;
    if (cvm_tx_sign(NULL, t, sk, sig, &err) != CVM_OK)
        return fail("sign", err.text);
    t->signature = sig;
    return 0;
}

/* A signed transaction survives its canonical bytes and its JSON view: the
 * same hash, and a signature that still verifies. */
static int round_trip(const cvm_transaction *t)
{
    cvm_errmsg err;
    uint8_t h0[CVM_HASH_BYTES], h1[CVM_HASH_BYTES], h2[CVM_HASH_BYTES];
    uint8_t *bytes = NULL;
    size_t len = 0;
    char *json = NULL;
    cvm_tx_owned *from_bytes = NULL, *from_json = NULL;
    cvm_tx_verdict v1 = CVM_TX_INVALID_SIGNATURE, v2 = CVM_TX_INVALID_SIGNATURE;
    int bad = cvm_tx_hash(NULL, t, h0, &err) != CVM_OK ||
              cvm_tx_to_bytes(NULL, t, 1, &bytes, &len, &err) != CVM_OK ||
              cvm_tx_from_bytes(NULL, bytes, len, 1, &from_bytes, &err) != CVM_OK ||
              cvm_tx_to_json_text(NULL, t, &json, &err) != CVM_OK ||
              cvm_tx_from_json_text(NULL, json, strlen(json), &from_json, &err) != CVM_OK ||
              cvm_tx_hash(NULL, &from_bytes->tx, h1, &err) != CVM_OK ||
              cvm_tx_hash(NULL, &from_json->tx, h2, &err) != CVM_OK ||
              cvm_tx_verify(NULL, &from_bytes->tx, &v1, &err) != CVM_OK ||
              cvm_tx_verify(NULL, &from_json->tx, &v2, &err) != CVM_OK;
    if (!bad && (memcmp(h0, h1, sizeof h0) != 0 || memcmp(h0, h2, sizeof h0) != 0 || v1 != CVM_TX_VALID ||
                 v2 != CVM_TX_VALID)) {
        snprintf(err.text, sizeof err.text, "a round trip changed the hash or the verdict (%s, %s)",
                 cvm_tx_verdict_name(v1), cvm_tx_verdict_name(v2));
        bad = 1;
    }
    if (!bad)
        printf("tx %02x%02x%02x%02x...: %zu bytes signed, verifies after bytes and JSON\n", h0[0], h0[1], h0[2], h0[3],
               len);
    cvm_tx_owned_free(from_json);
    cvm_tx_owned_free(from_bytes);
    cvm_free(NULL, json);
    cvm_free(NULL, bytes);
    return bad ? fail("round trip", err.text) : 0;
}

static int run(const char *dir)
{
    cvm_errmsg err;
    cvm_store *store = NULL;
    if (cvm_lmdbstore_open(NULL, dir, &store, &err) != CVM_OK)
        return fail("open store", err.text);
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

    cvm_preorder_result *po = NULL;

    /* the signer's key pair, from a fixed seed (cvm_keypair_random for a
     * real one); genesis gives its address some reputation */
    uint8_t seed[CVM_SEED_BYTES], key[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    memset(seed, 0xA1, sizeof seed);
    cvm_keypair_from_seed(seed, key, sk);
    cvm_genesis_account acc = {{0}, 50, 1};
    cvm_address_of_key(key, acc.address);
    if (cvm_vm_genesis(vm, 1, &acc, 1, &b) != CVM_OK || cvm_vm_commit(vm, b) != CVM_OK) {
        fail("genesis", cvm_vm_errmsg(vm));
        goto out;
    }
    cvm_block_result_free(b);
    b = NULL;

    /* the contract's code bytes */
    if (cvm_assemble(NULL, TALLY, strlen(TALLY), "tally.asm", NULL, NULL, &m, NULL) != CVM_OK ||
        cvm_module_encode(m, &code, &len) != CVM_OK) {
        fail("assemble", "the contract does not assemble");
        goto out;
    }

    /* the candidates: deploy, then use it twice, each signed; then one
     * whose argument was changed after signing, one with no signer, and a
     * second copy of a signed one (a replay within the set) */
    cvm_arg deploy[3] = {cvm_arg_stringn("Tally", 5), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE),
                         cvm_arg_bytes(code, len)};
    cvm_arg a7 = cvm_arg_int64(7), a35 = cvm_arg_int64(35), a1000 = cvm_arg_int64(1000);
    enum { NCAND = 6 };
    cvm_transaction cand[NCAND] = {tx(key, "_Deployments", "deployService", deploy, 3),
                                   tx(key, "Tally", "add", &a7, 1), tx(key, "Tally", "add", &a35, 1),
                                   tx(key, "Tally", "add", &a35, 1), tx(key, "Tally", "add", &a7, 1),
                                   tx(key, "Tally", "add", &a7, 1)};
    uint8_t sigs[NCAND][CVM_SIGNATURE_BYTES];
    for (size_t i = 0; i < 4; i++)
        if (sign(&cand[i], sk, sigs[i]))
            goto out;
    cand[3].args = &a1000;                  /* tampered: no longer what was signed */
    cand[4].signer_scheme = CVM_SCHEME_NONE; /* unsigned: fine for a local call, not for a block */
    cand[5] = cand[1];                       /* the same bytes and signature again */
    if (round_trip(&cand[1]))
        goto out;

    /* pre-order admits or refuses each candidate */
    const cvm_preorder_status want[NCAND] = {CVM_PREORDER_VALID, CVM_PREORDER_VALID, CVM_PREORDER_VALID,
                                             CVM_PREORDER_INVALID_SIGNATURE, CVM_PREORDER_INVALID_ADDRESS_SCHEME,
                                             CVM_PREORDER_DUPLICATE};
    uint64_t height = cvm_store_height(store) + 1;
    if (cvm_vm_preorder(vm, cand, NCAND, height, BLOCK_TIME, &po) != CVM_OK) {
        fail("pre-order", cvm_vm_errmsg(vm));
        goto out;
    }
    cvm_transaction txs[NCAND];
    size_t n = 0;
    for (size_t i = 0; i < po->n; i++) {
        printf("candidate %zu: %s%s%s\n", i, cvm_preorder_status_name(po->statuses[i]), po->reasons[i] ? ": " : "",
               po->reasons[i] ? po->reasons[i] : "");
        if (po->statuses[i] != want[i]) {
            fail("pre-order", "a candidate's status is not the expected one");
            goto out;
        }
        if (po->statuses[i] == CVM_PREORDER_VALID)
            txs[n++] = cand[i]; /* only admitted transactions go into the block */
    }

    /* the block: process the admitted set, which checks no signature itself */
    if (cvm_vm_process_transaction_set(vm, height, BLOCK_TIME, txs, n, &b) != CVM_OK) {
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

    /* a committed transaction offered again for the next block is a replay */
    cvm_preorder_result_free(po);
    po = NULL;
    if (cvm_vm_preorder(vm, &cand[1], 1, height + 1, BLOCK_TIME, &po) != CVM_OK) {
        fail("pre-order", cvm_vm_errmsg(vm));
        goto out;
    }
    printf("candidate 1 again at height %llu: %s\n", (unsigned long long)(height + 1),
           cvm_preorder_status_name(po->statuses[0]));
    if (po->statuses[0] != CVM_PREORDER_DUPLICATE) {
        fail("pre-order", "a committed transaction is not refused as DUPLICATE");
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
    cvm_preorder_result_free(po);
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
