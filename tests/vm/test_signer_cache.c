/*
 * test_signer_cache.c — the VM's signer address cache (vm/context.h): for
 * thousands of keys, many sharing a slot, asked in several orders, every
 * address it gives is the key's (cvm_address_of_key); what pre-order puts
 * in it is what it gives back; and a set processed after pre-order runs
 * each transaction as its own signer, with the transaction hashes
 * pre-order computed (the tx root as the transactions' own hashes give it,
 * for one changed after pre-order too).
 */
#include "vm/context.h"
#include "vm/vmtest.h"

#include "crypto/hash.h"

/* Key k: SHA-256 of k; with same_slot, its first two bytes forced, so that
 * every such key falls in one slot and evicts the one before. */
static void key_of_n(uint32_t k, bool same_slot, uint8_t key[CVM_PUBKEY_BYTES])
{
    uint8_t b[4] = {(uint8_t)k, (uint8_t)(k >> 8), (uint8_t)(k >> 16), (uint8_t)(k >> 24)};
    cvm_sha256(b, sizeof b, key);
    if (same_slot)
        key[0] = key[1] = 7;
}

static void test_addresses(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    for (int round = 0; round < 3; round++)
        for (uint32_t k = 0; k < 3000; k++) {
            uint32_t which = round == 1 ? 2999 - k : (k * 7919) % 3000;
            uint8_t key[CVM_PUBKEY_BYTES], got[CVM_ADDRESS_BYTES], want[CVM_ADDRESS_BYTES];
            key_of_n(which, which % 3 == 0, key);
            cvm_vm_signer_address(c.vm, key, got);
            cvm_address_of_key(key, want);
            assert_memory_equal(got, want, CVM_ADDRESS_BYTES);
        }
    /* remembered, then given back; a colliding key evicts it and is right too */
    uint8_t key[CVM_PUBKEY_BYTES], other[CVM_PUBKEY_BYTES], addr[CVM_ADDRESS_BYTES] = {9}, got[CVM_ADDRESS_BYTES];
    key_of_n(1, true, key);
    key_of_n(2, true, other);
    cvm_vm_signer_remember(c.vm, key, addr);
    cvm_vm_signer_address(c.vm, key, got);
    assert_memory_equal(got, addr, CVM_ADDRESS_BYTES);
    uint8_t want[CVM_ADDRESS_BYTES];
    cvm_vm_signer_address(c.vm, other, got);
    cvm_address_of_key(other, want);
    assert_memory_equal(got, want, CVM_ADDRESS_BYTES);
    chain_close(&c);
}

/* 64 transactions of 8 accounts through pre-order and processing: each one's
 * event names its own signer (_Cooperatives.create's creator). */
static void test_set_after_preorder(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[8] = {100, 100, 100, 100, 100, 100, 100, 100};
    genesis(&c, reps, 8);
    enum { N = 64 };
    cvm_transaction txs[N];
    uint8_t sigs[N][CVM_SIGNATURE_BYTES];
    char ids[N][16];
    cvm_arg args[N][8];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "coop%d", i);
        args[i][0] = cvm_arg_stringn(ids[i], strlen(ids[i]));
        args[i][1] = cvm_arg_stringn("p", 1);
        for (int k = 2; k < 7; k++)
            args[i][k] = cvm_arg_int64(10);
        args[i][7] = cvm_arg_stringn("north", 5);
        txs[i] = tx_of((uint8_t)(1 + i % 8), "_Cooperatives", "create", args[i], 8);
        sign_as((uint8_t)(1 + i % 8), &txs[i], sigs[i]);
    }
    cvm_preorder_result *po = NULL;
    assert_int_equal(cvm_vm_preorder(c.vm, txs, N, 2, 5000, &po), CVM_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(po->statuses[i], CVM_PREORDER_VALID);
    cvm_preorder_result_free(po);
    /* pre-order's hashes serve the block's records: the tx root is the one
     * the transactions' own hashes give, also for a transaction pre-order
     * did not see (its last one changed after) */
    cvm_arg other = cvm_arg_stringn("other", 5);
    args[N - 1][0] = other;
    sign_as(8, &txs[N - 1], sigs[N - 1]);
    cvm_block_result *b = run_block(&c, txs, N);
    cvm_sha256_ctx root;
    cvm_sha256_init(&root);
    for (int i = 0; i < N; i++) {
        uint8_t h[CVM_HASH_BYTES];
        assert_int_equal(cvm_tx_hash(NULL, &txs[i], h, NULL), CVM_OK);
        cvm_sha256_update(&root, h, sizeof h);
    }
    uint8_t want_root[CVM_HASH_BYTES];
    cvm_sha256_final(&root, want_root);
    assert_memory_equal(b->header.tx_root, want_root, CVM_HASH_BYTES);
    assert_int_equal(c.vm->prehash.count, 0); /* emptied after the set */
    for (int i = 0; i < N; i++) {
        const cvm_receipt *r = &b->receipts[i];
        if (r->status != CVM_SUCCESS)
            fail_msg("tx %d: %s", i, r->error.message);
        uint8_t want[CVM_ADDRESS_BYTES];
        address_of((uint8_t)(1 + i % 8), want);
        bool seen = false;
        for (size_t e = 0; e < r->nevents; e++)
            for (size_t f = 0; f < r->events[e].nfields; f++) {
                const cvm_event_field *fl = &r->events[e].fields[f];
                if (strcmp(fl->name, "creator") == 0) {
                    assert_int_equal(fl->value.v.bytes.len, CVM_ADDRESS_BYTES);
                    assert_memory_equal(fl->value.v.bytes.ptr, want, CVM_ADDRESS_BYTES);
                    seen = true;
                }
            }
        assert_true(seen);
    }
    commit_block(&c, b);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_set_after_preorder),
    };
    return cmocka_run_group_tests_name("signer cache", tests, NULL, NULL);
}
