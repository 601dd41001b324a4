/*
 * test_identity.c — a chain's identity (cvm_chain_identity): recorded with
 * the genesis block, its genesis hash computed as documented; a VM for
 * another virtual chain is refused over the store; cvm_vm_check_genesis
 * accepts the same genesis and refuses another, naming both hashes; and
 * each block result carries the state commitment the store then records.
 */
#include "base/hex.h"
#include "state/diff.h"
#include "vm/vmtest.h"

static void accounts(cvm_genesis_account *acc, const int64_t *reps, size_t n)
{
    memset(acc, 0, n * sizeof *acc);
    for (size_t i = 0; i < n; i++) {
        address_of((uint8_t)(i + 1), acc[i].address);
        acc[i].reputation = reps[i];
        acc[i].admin = i == 0;
    }
}

/* Genesis of accounts with reps at timestamp ts on virtual chain vc. */
static void open_genesis(chain *c, uint32_t vc, uint64_t ts, const int64_t *reps, size_t n, uint8_t diff_hash[32])
{
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    c->store = s;
    cvm_vm_options o = {0};
    o.virtual_chain_id = vc;
    assert_int_equal(cvm_vm_new(&o, s, &c->vm), CVM_OK);
    assert_int_equal(cvm_vm_check_genesis(c->vm, ts, NULL, 0), CVM_OK); /* no genesis yet: nothing to compare */
    cvm_genesis_account acc[4];
    accounts(acc, reps, n);
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_genesis(c->vm, ts, acc, n, &b), CVM_OK);
    memcpy(diff_hash, b->diff_hash, 32);
    assert_int_equal(cvm_vm_commit(c->vm, b), CVM_OK);
    assert_memory_equal(cvm_store_last_commitment(s), b->state_commitment, 32);
    cvm_block_result_free(b);
}

static void test_identity_recorded(void **state)
{
    (void)state;
    chain c;
    uint8_t dh[32], want[32];
    const int64_t reps[] = {100, 20};
    open_genesis(&c, 42, 1000000000, reps, 2, dh);
    cvm_chain_identity id;
    assert_int_equal(cvm_store_identity(c.store, &id), 1);
    assert_int_equal(id.virtual_chain_id, 42);
    assert_int_equal(id.protocol_version, CVM_PROTOCOL_VERSION);
    assert_int_equal(id.genesis_timestamp, 1000000000);
    cvm_genesis_hash(42, CVM_PROTOCOL_VERSION, 1000000000, dh, want);
    assert_memory_equal(id.genesis_hash, want, 32);
    /* the hash binds the chain and the time, not only the state */
    uint8_t other[32];
    cvm_genesis_hash(43, CVM_PROTOCOL_VERSION, 1000000000, dh, other);
    assert_memory_not_equal(other, want, 32);
    cvm_genesis_hash(42, CVM_PROTOCOL_VERSION, 2000000000, dh, other);
    assert_memory_not_equal(other, want, 32);

    /* a later block's commitment is the store's after its commit, and
     * differs from genesis' (a state change) */
    uint8_t before[32];
    memcpy(before, cvm_store_last_commitment(c.store), 32);
    cvm_arg a[2] = {cvm_arg_bytes((uint8_t[20]){0}, 20), cvm_arg_int64(5)};
    address_of(2, (uint8_t *)a[0].v.bytes.ptr);
    cvm_transaction t = tx_of(1, "_Reputation", "set", a, 2);
    t.virtual_chain_id = 42;
    cvm_block_result *b = run_block(&c, &t, 1);
    assert_memory_not_equal(b->state_commitment, before, 32);
    uint8_t next[32];
    memcpy(next, b->state_commitment, 32);
    commit_block(&c, b);
    assert_memory_equal(cvm_store_last_commitment(c.store), next, 32);
    chain_close(&c);
}

static void test_other_chain_refused(void **state)
{
    (void)state;
    chain c;
    uint8_t dh[32];
    const int64_t reps[] = {100};
    open_genesis(&c, 42, 1000, reps, 1, dh);
    cvm_vm_options o = {0};
    o.virtual_chain_id = 7;
    cvm_vm *vm = (cvm_vm *)&o; /* must come back NULL */
    assert_int_equal(cvm_vm_new(&o, c.store, &vm), CVM_ESTATE);
    assert_null(vm);
    const char *m = cvm_store_errmsg(c.store);
    if (!strstr(m, "the memory store belongs to virtual chain 42 (protocol 1, genesis ") ||
        !strstr(m, "this VM runs virtual chain 7, protocol 1"))
        fail_msg("%s", m);
    o.virtual_chain_id = 42; /* its own chain: accepted */
    assert_int_equal(cvm_vm_new(&o, c.store, &vm), CVM_OK);
    cvm_vm_free(vm);
    chain_close(&c);
}

static void test_check_genesis(void **state)
{
    (void)state;
    chain c;
    uint8_t dh[32];
    const int64_t reps[] = {100, 20};
    open_genesis(&c, 42, 1000, reps, 2, dh);
    cvm_genesis_account acc[2];
    accounts(acc, reps, 2);
    assert_int_equal(cvm_vm_check_genesis(c.vm, 1000, acc, 2), CVM_OK);
    assert_int_equal(cvm_store_height(c.store), 1); /* nothing was written */

    char stored[65];
    cvm_chain_identity id;
    assert_int_equal(cvm_store_identity(c.store, &id), 1);
    cvm_hex_write(stored, id.genesis_hash, 32);
    stored[16] = '\0';
    const char *what[] = {"a reputation", "an admin flag", "an account", "the time"};
    for (int i = 0; i < 4; i++) {
        accounts(acc, reps, 2);
        size_t n = 2;
        uint64_t ts = 1000;
        if (i == 0)
            acc[1].reputation = 21;
        else if (i == 1)
            acc[1].admin = 1;
        else if (i == 2)
            n = 1;
        else
            ts = 2000;
        assert_int_equal(cvm_vm_check_genesis(c.vm, ts, acc, n), CVM_ESTATE);
        const char *m = cvm_vm_errmsg(c.vm);
        if (!strstr(m, "the memory store belongs to chain 42 with genesis ") || !strstr(m, stored) ||
            !strstr(m, ", this genesis is "))
            fail_msg("%s: %s", what[i], m);
    }
    chain_close(&c);

    /* a store past height 0 that recorded no identity (a bare commit):
     * nothing to compare with */
    cvm_store *st;
    assert_int_equal(cvm_memstore_open(NULL, &st), CVM_OK);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_state_diff_commit(st, &d, NULL, 0, NULL), CVM_OK);
    chain_open_store(&c, st);
    assert_int_equal(cvm_store_identity(st, NULL), 0);
    assert_int_equal(cvm_vm_check_genesis(c.vm, 1000, acc, 2), CVM_ESTATE);
    assert_non_null(strstr(cvm_vm_errmsg(c.vm), "recorded no identity at genesis"));
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_recorded),
        cmocka_unit_test(test_other_chain_refused),
        cmocka_unit_test(test_check_genesis),
    };
    return cmocka_run_group_tests_name("vm identity", tests, NULL, NULL);
}
