/*
 * test_preorder.c — TransactionSetPreOrder (cvm_vm_preorder): each status
 * and its reason, the order of the checks, the edges of the timestamp
 * window, the _GlobalPreOrder refusal and its exception, identical statuses
 * on 1, 2 and 3 threads over a mixed set, allocation failures; and
 * RunLocalMethod's signature check (the same rule).
 */
#include "support/failing.h"
#include "vm/context.h"
#include "vm/vmtest.h"

#define CHAIN 42
#define T0 1700000000000000000ull /* the block's timestamp in most tests */

/* A chain on virtual chain CHAIN with `threads` pre-order threads, after
 * genesis (accounts 1..3; the zero address has reputation 77). */
static void open_chain(chain *c, unsigned threads, int with_genesis)
{
    assert_int_equal(cvm_memstore_open(NULL, &c->store), CVM_OK);
    cvm_vm_options o = {0};
    o.virtual_chain_id = CHAIN;
    o.threads = threads;
    assert_int_equal(cvm_vm_new(&o, c->store, &c->vm), CVM_OK);
    if (!with_genesis)
        return;
    cvm_genesis_account acc[4];
    memset(acc, 0, sizeof acc);
    for (uint8_t k = 1; k <= 3; k++) {
        address_of(k, acc[k - 1].address);
        acc[k - 1].reputation = 10 * k;
        acc[k - 1].admin = k == 1;
    }
    acc[3].reputation = 77; /* address 0: whoever calls unsigned */
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_genesis(c->vm, 1, acc, 4, &b), CVM_OK);
    commit_block(c, b);
}

/* A transaction of account k on CHAIN at time ts, signed into sig when
 * k != 0. */
static cvm_transaction signed_tx(uint8_t k, const char *service, const char *method, uint64_t ts,
                                 uint8_t sig[CVM_SIGNATURE_BYTES])
{
    cvm_transaction t = tx_of(k, service, method, NULL, 0);
    t.virtual_chain_id = CHAIN;
    t.timestamp = ts;
    if (k)
        sign_as(k, &t, sig);
    return t;
}

static cvm_preorder_result *preorder(chain *c, const cvm_transaction *txs, size_t n, uint64_t ts)
{
    cvm_preorder_result *r = NULL;
    if (cvm_vm_preorder(c->vm, txs, n, cvm_store_height(c->store) + 1, ts, &r) != CVM_OK)
        fail_msg("preorder: %s", cvm_vm_errmsg(c->vm));
    assert_int_equal(r->n, n);
    return r;
}

/* Asserts the status of transaction i, and that its reason contains part
 * (NULL: the reason is NULL, as for VALID). */
static void status_is(const cvm_preorder_result *r, size_t i, cvm_preorder_status want, const char *part)
{
    if (r->statuses[i] != want)
        fail_msg("transaction %zu: expected %s, got %s (%s)", i, cvm_preorder_status_name(want),
                 cvm_preorder_status_name(r->statuses[i]), r->reasons[i] ? r->reasons[i] : "no reason");
    if (!part) {
        assert_null(r->reasons[i]);
    } else if (!r->reasons[i] || !strstr(r->reasons[i], part)) {
        fail_msg("transaction %zu: reason '%s' does not contain '%s'", i, r->reasons[i] ? r->reasons[i] : "(null)",
                 part);
    }
}

/* One status for one transaction. */
static cvm_preorder_status status1(chain *c, cvm_transaction t, uint64_t ts)
{
    cvm_preorder_result *r = preorder(c, &t, 1, ts);
    cvm_preorder_status s = r->statuses[0];
    assert_true(s == CVM_PREORDER_VALID ? r->reasons[0] == NULL : r->reasons[0] != NULL);
    cvm_preorder_result_free(r);
    return s;
}

/* Runs _GlobalPreOrder.setSubscriptionProblem(reason) as a system call
 * in its own block, and commits it. */
static void set_problem(chain *c, const char *reason)
{
    cvm_arg a = cvm_arg_stringn(reason, strlen(reason));
    cvm_transaction t = tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1);
    t.virtual_chain_id = CHAIN;
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_system_set(c->vm, cvm_store_height(c->store) + 1, T0, &t, 1, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    commit_block(c, b);
}

static void test_status_names(void **state)
{
    (void)state;
    static const char *const names[] = {"VALID", "INVALID_SIGNATURE", "INVALID_ADDRESS_SCHEME", "NOT_APPROVED",
                                        "WRONG_VIRTUAL_CHAIN", "WRONG_PROTOCOL_VERSION", "TIMESTAMP_OUT_OF_WINDOW",
                                        "DUPLICATE"};
    for (int s = 0; s < 8; s++)
        assert_string_equal(cvm_preorder_status_name((cvm_preorder_status)s), names[s]);
    assert_int_equal(CVM_PREORDER_DUPLICATE, 7); /* appended: the others keep their numbers */
    assert_null(cvm_preorder_status_name((cvm_preorder_status)8));
    assert_int_equal(CVM_PREORDER_WINDOW_NS, 30ull * 60 * 1000000000ull);
}

static void test_each_status(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 2, 1);
    uint8_t sig[12][CVM_SIGNATURE_BYTES];
    cvm_transaction t[12];
    t[0] = signed_tx(1, "Counter", "get", T0, sig[0]);
    t[1] = signed_tx(1, "Counter", "get", T0, sig[1]);
    t[1].protocol_version = 2;
    t[2] = signed_tx(1, "Counter", "get", T0, sig[2]);
    t[2].virtual_chain_id = 7;
    t[3] = signed_tx(1, "Counter", "get", T0 + CVM_PREORDER_WINDOW_NS + 1, sig[3]);
    t[4] = signed_tx(0, "Counter", "get", T0, sig[4]); /* unsigned */
    t[5] = signed_tx(1, "Counter", "get", T0, sig[5]);
    t[5].signer_scheme = 2; /* an unknown scheme */
    t[6] = signed_tx(1, "Counter", "get", T0, sig[6]);
    t[6].signature = NULL;
    t[7] = signed_tx(1, "Counter", "get", T0, sig[7]);
    sig[7][10] ^= 0x01; /* a flipped bit in the signature */
    t[8] = signed_tx(1, "Counter", "get", T0, sig[8]);
    t[8].method = "set"; /* the message changed after signing */
    t[9] = signed_tx(1, "Counter", "get", T0, sig[9]);
    key_of(2, t[9].signer_key); /* the signature of another key */
    t[10] = signed_tx(1, "Counter", "get", T0, sig[10]);
    t[10].service = "\xff"; /* not UTF-8: no canonical encoding */
    t[11] = signed_tx(2, "_Info", "getInfo", T0 - CVM_PREORDER_WINDOW_NS, sig[11]);
    cvm_preorder_result *r = preorder(&c, t, 12, T0);
    status_is(r, 0, CVM_PREORDER_VALID, NULL);
    status_is(r, 1, CVM_PREORDER_WRONG_PROTOCOL_VERSION, "protocol version 2; this VM runs version 1");
    status_is(r, 2, CVM_PREORDER_WRONG_VIRTUAL_CHAIN, "virtual chain 7; this VM runs virtual chain 42");
    status_is(r, 3, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW, "is 1800000000001 ns after the block's");
    status_is(r, 4, CVM_PREORDER_INVALID_ADDRESS_SCHEME, "signer scheme 0 (unsigned)");
    status_is(r, 5, CVM_PREORDER_INVALID_ADDRESS_SCHEME, "signer scheme 2;");
    status_is(r, 6, CVM_PREORDER_INVALID_SIGNATURE, "no signature");
    status_is(r, 7, CVM_PREORDER_INVALID_SIGNATURE, "does not verify");
    status_is(r, 8, CVM_PREORDER_INVALID_SIGNATURE, "does not verify");
    status_is(r, 9, CVM_PREORDER_INVALID_SIGNATURE, "does not verify");
    status_is(r, 10, CVM_PREORDER_INVALID_SIGNATURE, "no canonical encoding");
    status_is(r, 11, CVM_PREORDER_VALID, NULL);
    cvm_preorder_result_free(r);
    /* pre-order wrote nothing */
    assert_int_equal(cvm_store_height(c.store), 1);
    /* an empty set */
    r = preorder(&c, NULL, 0, T0);
    cvm_preorder_result_free(r);
    chain_close(&c);
}

static void test_non_canonical_signature(void **state)
{
    (void)state;
    /* (R, S + L) is refused where (R, S) verifies: libsodium's strict rule */
    static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                  0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
    chain c;
    open_chain(&c, 1, 1);
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_tx(1, "Counter", "get", T0, sig);
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_VALID);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned v = sig[32 + i] + L[i] + carry;
        sig[32 + i] = (uint8_t)v;
        carry = v >> 8;
    }
    assert_int_equal(carry, 0); /* S < 2^253, so S + L fits */
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_INVALID_SIGNATURE);
    chain_close(&c);
}

static void test_order_of_checks(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 1, 1);
    set_problem(&c, "subscription unpaid");
    /* a transaction that fails every check; each fix reveals the next */
    uint8_t sig[CVM_SIGNATURE_BYTES];
    cvm_transaction t = signed_tx(1, "Counter", "get", T0, sig);
    sig[0] ^= 0x80;
    t.signer_scheme = 0;
    t.protocol_version = 9;
    t.virtual_chain_id = 8;
    t.timestamp = 0;
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_WRONG_PROTOCOL_VERSION);
    t.protocol_version = CVM_PROTOCOL_VERSION;
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_WRONG_VIRTUAL_CHAIN);
    t.virtual_chain_id = CHAIN;
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW);
    t.timestamp = T0;
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_INVALID_ADDRESS_SCHEME);
    t.signer_scheme = CVM_SCHEME_ED25519;
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_INVALID_SIGNATURE); /* before the contract */
    sig[0] ^= 0x80;
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_NOT_APPROVED);
    set_problem(&c, "");
    assert_int_equal(status1(&c, t, T0), CVM_PREORDER_VALID);
    chain_close(&c);
}

static void test_window_edges(void **state)
{
    (void)state;
    const uint64_t W = CVM_PREORDER_WINDOW_NS;
    chain c;
    open_chain(&c, 1, 1);
    uint8_t sig[CVM_SIGNATURE_BYTES];
    static const struct {
        uint64_t block, tx;
        cvm_preorder_status want;
    } cases[] = {
        {T0, T0 + 1800000000000ull, CVM_PREORDER_VALID},
        {T0, T0 - 1800000000000ull, CVM_PREORDER_VALID},
        {T0, T0 + 1800000000001ull, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
        {T0, T0 - 1800000000001ull, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
        {T0, T0, CVM_PREORDER_VALID},
        /* near 0 and near the top: no wrap-around */
        {0, 1800000000000ull, CVM_PREORDER_VALID},
        {0, 1800000000001ull, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
        {1800000000000ull, 0, CVM_PREORDER_VALID},
        {1800000000001ull, 0, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
        {UINT64_MAX, UINT64_MAX - 1800000000000ull, CVM_PREORDER_VALID},
        {UINT64_MAX, UINT64_MAX - 1800000000001ull, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
        {UINT64_MAX, 0, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
        {0, UINT64_MAX, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW},
    };
    assert_int_equal(W, 1800000000000ull);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cvm_transaction t = signed_tx(1, "Counter", "get", cases[i].tx, sig);
        if (status1(&c, t, cases[i].block) != cases[i].want)
            fail_msg("case %zu: block %llu, transaction %llu: not %s", i, (unsigned long long)cases[i].block,
                     (unsigned long long)cases[i].tx, cvm_preorder_status_name(cases[i].want));
    }
    /* the reason says which way */
    cvm_transaction t = signed_tx(1, "Counter", "get", T0 - W - 5, sig);
    cvm_preorder_result *r = preorder(&c, &t, 1, T0);
    status_is(r, 0, CVM_PREORDER_TIMESTAMP_OUT_OF_WINDOW, "is 1800000000005 ns before the block's");
    cvm_preorder_result_free(r);
    chain_close(&c);
}

static void test_global_preorder_refusal_and_exception(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 2, 1);
    uint8_t sig[4][CVM_SIGNATURE_BYTES];
    cvm_transaction t[4] = {
        signed_tx(1, "Counter", "increment", T0, sig[0]),
        signed_tx(2, "_GlobalPreOrder", "getSubscriptionProblem", T0, sig[1]),
        signed_tx(3, "_Info", "getInfo", T0, sig[2]),
        signed_tx(2, "_GlobalPreOrder", "anything", T0, sig[3]),
    };
    cvm_preorder_result *r = preorder(&c, t, 4, T0);
    for (size_t i = 0; i < 4; i++)
        status_is(r, i, CVM_PREORDER_VALID, NULL);
    cvm_preorder_result_free(r);

    set_problem(&c, "the subscription of virtual chain 42 expired on 2026-11-01");
    r = preorder(&c, t, 4, T0);
    status_is(r, 0, CVM_PREORDER_NOT_APPROVED, "the subscription");
    assert_string_equal(r->reasons[0], "the subscription of virtual chain 42 expired on 2026-11-01");
    status_is(r, 1, CVM_PREORDER_VALID, NULL); /* addressed to _GlobalPreOrder itself */
    assert_string_equal(r->reasons[2], "the subscription of virtual chain 42 expired on 2026-11-01");
    status_is(r, 3, CVM_PREORDER_VALID, NULL);
    cvm_preorder_result_free(r);

    /* an uncommitted system set changes nothing: pre-order reads the
     * committed state */
    cvm_arg a = cvm_arg_stringn("", 0);
    cvm_transaction clear = tx_of(0, "_GlobalPreOrder", "setSubscriptionProblem", &a, 1);
    clear.virtual_chain_id = CHAIN;
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_process_system_set(c.vm, cvm_store_height(c.store) + 1, T0, &clear, 1, &b), CVM_OK);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(status1(&c, t[0], T0), CVM_PREORDER_NOT_APPROVED);
    commit_block(&c, b);
    assert_int_equal(status1(&c, t[0], T0), CVM_PREORDER_VALID);
    chain_close(&c);
}

static void test_no_preorder_contract_without_genesis(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 1, 0);
    uint8_t sig[CVM_SIGNATURE_BYTES];
    assert_int_equal(status1(&c, signed_tx(1, "Counter", "get", T0, sig), T0), CVM_PREORDER_VALID);
    /* the first system call deploys it; from then on it is asked */
    set_problem(&c, "unpaid");
    assert_int_equal(status1(&c, signed_tx(1, "Counter", "get", T0, sig), T0), CVM_PREORDER_NOT_APPROVED);
    chain_close(&c);
}

/* A set of 64 transactions mixing every status, on a chain with a stored
 * problem. */
#define MIXED 64
typedef struct mixed {
    cvm_transaction tx[MIXED];
    uint8_t sig[MIXED][CVM_SIGNATURE_BYTES];
    cvm_arg arg[MIXED];
} mixed;

static void make_mixed(mixed *m)
{
    for (size_t i = 0; i < MIXED; i++) {
        uint8_t k = (uint8_t)(1 + i % 3);
        m->arg[i] = cvm_arg_int64((int64_t)i);
        const char *svc = i % 5 == 0 ? "_GlobalPreOrder" : "Counter";
        m->tx[i] = signed_tx(k, svc, "add", T0 + i * 1000, m->sig[i]);
        m->tx[i].args = &m->arg[i];
        m->tx[i].nargs = 1;
        sign_as(k, &m->tx[i], m->sig[i]);
        switch (i % 11) {
        case 1: m->sig[i][i % 64] ^= 4; break;
        case 3: m->tx[i].virtual_chain_id = 1; break;
        case 4: m->tx[i].signer_scheme = 0; break;
        case 6: m->tx[i].timestamp = T0 + CVM_PREORDER_WINDOW_NS + i; break;
        case 7: m->tx[i].protocol_version = 0; break;
        case 9: key_of((uint8_t)(k % 3 + 1), m->tx[i].signer_key); break;
        default: break;
        }
    }
}

static void test_threads_give_identical_statuses(void **state)
{
    (void)state;
    mixed *m = calloc(1, sizeof *m);
    assert_non_null(m);
    make_mixed(m);
    cvm_preorder_result *r[3];
    static const unsigned threads[3] = {1, 2, 3};
    size_t seen[7] = {0};
    for (int k = 0; k < 3; k++) {
        chain c;
        open_chain(&c, threads[k], 1);
        set_problem(&c, "unpaid");
        r[k] = preorder(&c, m->tx, MIXED, T0);
        chain_close(&c);
    }
    for (size_t i = 0; i < MIXED; i++) {
        seen[r[0]->statuses[i]]++;
        for (int k = 1; k < 3; k++) {
            assert_int_equal(r[k]->statuses[i], r[0]->statuses[i]);
            if (r[0]->reasons[i])
                assert_string_equal(r[k]->reasons[i], r[0]->reasons[i]);
            else
                assert_null(r[k]->reasons[i]);
        }
    }
    for (int s = 0; s < 7; s++)
        if (!seen[s])
            fail_msg("the mixed set has no %s", cvm_preorder_status_name((cvm_preorder_status)s));
    /* the same set, one transaction at a time, gives the same statuses */
    chain c;
    open_chain(&c, 2, 1);
    set_problem(&c, "unpaid");
    for (size_t i = 0; i < MIXED; i++)
        assert_int_equal(status1(&c, m->tx[i], T0), r[0]->statuses[i]);
    chain_close(&c);
    for (int k = 0; k < 3; k++)
        cvm_preorder_result_free(r[k]);
    free(m);
}

/* ------------------------------------------------- allocation failures */

static void test_allocation_failures(void **state)
{
    (void)state;
    mixed *m = calloc(1, sizeof *m);
    assert_non_null(m);
    make_mixed(m);
    chain ref;
    open_chain(&ref, 1, 1);
    set_problem(&ref, "unpaid");
    cvm_preorder_result *want = preorder(&ref, m->tx, MIXED, T0);
    /* the same chain's store under a VM whose allocator fails at the k-th
     * allocation of the pre-order call */
    failing f = {.left = -1};
    cvm_allocator al = failing_allocator(&f);
    cvm_vm_options o = {0};
    o.al = &al;
    o.virtual_chain_id = CHAIN;
    o.threads = 2;
    cvm_vm *vm = NULL;
    assert_int_equal(cvm_vm_new(&o, ref.store, &vm), CVM_OK);
    long base = f.live;
    for (long k = 0;; k++) {
        f.left = k;
        cvm_preorder_result *r = NULL;
        cvm_status st = cvm_vm_preorder(vm, m->tx, MIXED, 3, T0, &r);
        f.left = -1;
        if (st == CVM_OK) {
            for (size_t i = 0; i < MIXED; i++)
                assert_int_equal(r->statuses[i], want->statuses[i]);
            cvm_preorder_result_free(r);
            /* the VM keeps the hashes it computed for the set processed
             * next (cvm_vm.prehash): nothing else is left */
            cvm_vm_prehash_clear(vm);
            assert_int_equal(f.live, base);
            break;
        }
        assert_int_equal(st, CVM_ENOMEM);
        assert_null(r);
        assert_non_null(strstr(cvm_vm_errmsg(vm), "memory"));
        assert_int_equal(f.live, base);
        assert_true(k < 10000);
    }
    cvm_vm_free(vm);
    assert_int_equal(f.live, 0);
    /* creating the VM (and its pool) under failures */
    for (long k = 0;; k++) {
        f.left = k;
        cvm_status st = cvm_vm_new(&o, ref.store, &vm);
        f.left = -1;
        if (st == CVM_OK) {
            cvm_vm_free(vm);
            break;
        }
        assert_int_equal(st, CVM_ENOMEM);
        assert_int_equal(f.live, 0);
    }
    cvm_preorder_result_free(want);
    chain_close(&ref);
    free(m);
}

static void test_bad_calls(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 1, 1);
    cvm_preorder_result *r = (cvm_preorder_result *)1;
    assert_int_equal(cvm_vm_preorder(NULL, NULL, 0, 2, T0, &r), CVM_EINPUT);
    assert_int_equal(cvm_vm_preorder(c.vm, NULL, 0, 2, T0, NULL), CVM_EINPUT);
    assert_int_equal(cvm_vm_preorder(c.vm, NULL, 3, 2, T0, &r), CVM_EINPUT);
    assert_null(r);
    cvm_preorder_result_free(NULL);
    chain_close(&c);
}

/* -------------------------------------- RunLocalMethod checks signatures */

static cvm_local_result *local_raw(chain *c, cvm_transaction t)
{
    t.virtual_chain_id = CHAIN;
    return local(c, t);
}

static void test_local_method_signatures(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 1, 1);
    /* Rep.me returns the signer's reputation */
    size_t len;
    uint8_t *code = code_of(".contract Rep\n.method me readonly\n  Reputation\n", &len);
    cvm_arg d[3] = {cvm_arg_stringn("Rep", 3), cvm_arg_uint64(CVM_PROCESSOR_BYTECODE), cvm_arg_bytes(code, len)};
    cvm_transaction dep = tx_of(1, "_Deployments", "deployService", d, 3);
    dep.virtual_chain_id = CHAIN;
    run1(&c, dep, CVM_SUCCESS, CVM_CODE_NONE, NULL);
    free_code(code);

    uint8_t sig[CVM_SIGNATURE_BYTES];
    /* signed and valid: runs as account 2 (reputation 20) */
    cvm_local_result *r = local_raw(&c, signed_tx(2, "Rep", "me", T0, sig));
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].v.i64, 20);
    cvm_local_result_free(r);
    /* unsigned: runs with the zero signer address (reputation 77) */
    r = local_raw(&c, signed_tx(0, "Rep", "me", T0, sig));
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    assert_int_equal(r->receipt.outputs[0].v.i64, 77);
    cvm_local_result_free(r);
    /* signed without a signature */
    cvm_transaction t = signed_tx(2, "Rep", "me", T0, sig);
    t.signature = NULL;
    r = local_raw(&c, t);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_INVALID_SIGNATURE);
    assert_non_null(strstr(r->receipt.error.message, "carries no signature"));
    assert_int_equal(r->receipt.noutputs, 0);
    cvm_local_result_free(r);
    /* a flipped bit in the signature; in the message; another key */
    t = signed_tx(2, "Rep", "me", T0, sig);
    sig[63] ^= 0x01;
    r = local_raw(&c, t);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_INVALID_SIGNATURE);
    assert_non_null(strstr(r->receipt.error.message, "does not verify"));
    cvm_local_result_free(r);
    t = signed_tx(2, "Rep", "me", T0, sig);
    t.timestamp++;
    r = local_raw(&c, t);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_INVALID_SIGNATURE);
    cvm_local_result_free(r);
    t = signed_tx(2, "Rep", "me", T0, sig);
    key_of(3, t.signer_key);
    r = local_raw(&c, t);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_INVALID_SIGNATURE);
    cvm_local_result_free(r);
    /* no canonical encoding to verify */
    t = signed_tx(2, "Rep", "me", T0, sig);
    t.method = "m\xc3";
    r = local_raw(&c, t);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_INVALID_SIGNATURE);
    assert_non_null(strstr(r->receipt.error.message, "no canonical encoding"));
    cvm_local_result_free(r);
    /* an unknown scheme is refused before any signature check */
    t = signed_tx(2, "Rep", "me", T0, sig);
    t.signer_scheme = 9;
    r = local_raw(&c, t);
    expect(&r->receipt, CVM_ERROR_INPUT, CVM_CODE_INVALID_TRANSACTION);
    cvm_local_result_free(r);
    /* the local call's timestamp is not held to the pre-order window */
    r = local_raw(&c, signed_tx(2, "Rep", "me", 5, sig));
    expect(&r->receipt, CVM_SUCCESS, CVM_CODE_NONE);
    cvm_local_result_free(r);
    chain_close(&c);
}

/* cvm_vm_preorder_ex: a transaction the host marked verified skips the
 * Ed25519 check (a flipped signature byte passes: proof that it was not
 * checked), an unmarked one is checked as ever, and every other check
 * still runs, in its order, for marked ones. NULL options and NULL flags
 * are cvm_vm_preorder. */
static void test_verified_flags(void **state)
{
    (void)state;
    chain c;
    open_chain(&c, 2, 1);
    uint8_t sig[5][CVM_SIGNATURE_BYTES];
    cvm_transaction t[5];
    t[0] = signed_tx(1, "Counter", "get", T0, sig[0]);
    t[1] = signed_tx(2, "Counter", "get", T0, sig[1]);
    sig[1][0] ^= 1; /* a forged signature the host claims it verified */
    t[2] = signed_tx(2, "Counter", "get", T0 + 1, sig[2]);
    sig[2][0] ^= 1; /* the same forgery, not marked */
    t[3] = signed_tx(3, "Counter", "get", T0, sig[3]);
    t[3].virtual_chain_id = CHAIN + 1; /* marked, but of another chain */
    t[4] = signed_tx(3, "Counter", "get", T0 + 2, sig[4]);
    t[4].signature = NULL; /* marked, but no signature at all */
    const uint8_t verified[5] = {1, 1, 0, 1, 1};
    cvm_preorder_options o = {.verified = verified};
    cvm_preorder_result *r = NULL;
    assert_int_equal(cvm_vm_preorder_ex(c.vm, t, 5, 2, T0, &o, &r), CVM_OK);
    status_is(r, 0, CVM_PREORDER_VALID, NULL);
    status_is(r, 1, CVM_PREORDER_VALID, NULL);
    status_is(r, 2, CVM_PREORDER_INVALID_SIGNATURE, "signature");
    status_is(r, 3, CVM_PREORDER_WRONG_VIRTUAL_CHAIN, "virtual chain");
    status_is(r, 4, CVM_PREORDER_INVALID_SIGNATURE, "no signature");
    cvm_preorder_result_free(r);
    cvm_preorder_options none = {0};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(cvm_vm_preorder_ex(c.vm, t, 5, 2, T0, k ? &none : NULL, &r), CVM_OK);
        status_is(r, 0, CVM_PREORDER_VALID, NULL);
        status_is(r, 1, CVM_PREORDER_INVALID_SIGNATURE, "signature");
        cvm_preorder_result_free(r);
    }
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_each_status),
        cmocka_unit_test(test_non_canonical_signature),
        cmocka_unit_test(test_order_of_checks),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_global_preorder_refusal_and_exception),
        cmocka_unit_test(test_no_preorder_contract_without_genesis),
        cmocka_unit_test(test_threads_give_identical_statuses),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_bad_calls),
        cmocka_unit_test(test_local_method_signatures),
        cmocka_unit_test(test_verified_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
