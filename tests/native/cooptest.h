/*
 * cooptest.h — helpers of the cooperative, governance and reputation tests
 * (over vm/vmtest.h): typed arguments, one transaction per block with its
 * receipt kept until the caller frees it, and exact checks of events and
 * their fields.
 */
#ifndef CVM_TESTS_COOPTEST_H
#define CVM_TESTS_COOPTEST_H
#include "vm/vmtest.h"

static inline cvm_arg str(const char *s) { return cvm_arg_stringn(s, strlen(s)); }

/* The 8 arguments of _Cooperatives.create. */
static inline void create_args(cvm_arg a[8], const char *id, const char *purpose, int64_t cpu, int64_t memory,
                               int64_t network, int64_t storage, int64_t bandwidth, const char *federation)
{
    a[0] = str(id);
    a[1] = str(purpose);
    a[2] = cvm_arg_int64(cpu);
    a[3] = cvm_arg_int64(memory);
    a[4] = cvm_arg_int64(network);
    a[5] = cvm_arg_int64(storage);
    a[6] = cvm_arg_int64(bandwidth);
    a[7] = str(federation);
}

/* Runs one transaction of account k as the next block, asserts its status
 * and code, commits; returns the block (free with cvm_block_result_free). */
static inline cvm_block_result *tx1(chain *c, uint8_t k, const char *svc, const char *method, const cvm_arg *args,
                                    size_t n, cvm_exec_status st, cvm_code code)
{
    cvm_transaction t = tx_of(k, svc, method, args, n);
    cvm_block_result *b = run_block(c, &t, 1);
    expect(&b->receipts[0], st, code);
    if (st != CVM_SUCCESS) {
        assert_int_equal(b->receipts[0].nevents, 0);
        assert_int_equal(b->ndiff, 0); /* a failed transaction changes nothing */
    }
    if (cvm_vm_commit(c->vm, b) != CVM_OK)
        fail_msg("commit: %s", cvm_vm_errmsg(c->vm));
    return b;
}

/* The same, freeing the block at once. */
static inline void ok1(chain *c, uint8_t k, const char *svc, const char *method, const cvm_arg *args, size_t n)
{
    cvm_block_result_free(tx1(c, k, svc, method, args, n, CVM_SUCCESS, CVM_CODE_NONE));
}

/* A transaction that must fail with code (ERROR_SMART_CONTRACT) and a
 * message containing part (NULL: any). */
static inline void bad1(chain *c, uint8_t k, const char *svc, const char *method, const cvm_arg *args, size_t n,
                        cvm_code code, const char *part)
{
    cvm_block_result *b = tx1(c, k, svc, method, args, n, CVM_ERROR_SMART_CONTRACT, code);
    if (part && !strstr(b->receipts[0].error.message, part))
        fail_msg("message '%s' does not contain '%s'", b->receipts[0].error.message, part);
    cvm_block_result_free(b);
}

/* A local call's receipt; the caller frees the result. */
static inline cvm_local_result *query(chain *c, const char *svc, const char *method, const cvm_arg *args, size_t n,
                                      cvm_exec_status st, cvm_code code)
{
    cvm_local_result *r = local_call(c, 1, svc, method, args, n);
    expect(&r->receipt, st, code);
    return r;
}

/* "0x" + hex of account k's address. */
static inline void hex_of(uint8_t k, char out[43])
{
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(k, a);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < CVM_ADDRESS_BYTES; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", a[i]);
}

/* Asserts event e is service's name with nfields fields. */
static inline void ev_is(const cvm_event *e, const char *service, const char *name, size_t nfields)
{
    assert_string_equal(e->service, service);
    assert_string_equal(e->name, name);
    assert_int_equal(e->nfields, nfields);
}

static inline void field_i64(const cvm_event *e, size_t i, const char *name, int64_t v)
{
    assert_string_equal(e->fields[i].name, name);
    assert_int_equal(e->fields[i].value.type, CVM_ARG_INT64);
    assert_int_equal(e->fields[i].value.v.i64, v);
}

static inline void field_str(const cvm_event *e, size_t i, const char *name, const char *v)
{
    assert_string_equal(e->fields[i].name, name);
    assert_int_equal(e->fields[i].value.type, CVM_ARG_STRING);
    assert_int_equal(e->fields[i].value.v.bytes.len, strlen(v));
    assert_memory_equal(e->fields[i].value.v.bytes.ptr, v, strlen(v));
}

/* A bytes field holding account k's address. */
static inline void field_addr(const cvm_event *e, size_t i, const char *name, uint8_t k)
{
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(k, a);
    assert_string_equal(e->fields[i].name, name);
    assert_int_equal(e->fields[i].value.type, CVM_ARG_BYTES);
    assert_int_equal(e->fields[i].value.v.bytes.len, CVM_ADDRESS_BYTES);
    assert_memory_equal(e->fields[i].value.v.bytes.ptr, a, CVM_ADDRESS_BYTES);
}

/* Output i of a receipt. */
static inline void out_i64(const cvm_receipt *r, size_t i, int64_t v)
{
    assert_true(i < r->noutputs);
    assert_int_equal(r->outputs[i].type, CVM_ARG_INT64);
    assert_int_equal(r->outputs[i].v.i64, v);
}

static inline void out_str(const cvm_receipt *r, size_t i, const char *v)
{
    assert_true(i < r->noutputs);
    assert_int_equal(r->outputs[i].type, CVM_ARG_STRING);
    assert_int_equal(r->outputs[i].v.bytes.len, strlen(v));
    assert_memory_equal(r->outputs[i].v.bytes.ptr, v, strlen(v));
}

static inline void out_addr(const cvm_receipt *r, size_t i, uint8_t k)
{
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(k, a);
    assert_true(i < r->noutputs);
    assert_int_equal(r->outputs[i].type, CVM_ARG_BYTES);
    assert_int_equal(r->outputs[i].v.bytes.len, CVM_ADDRESS_BYTES);
    assert_memory_equal(r->outputs[i].v.bytes.ptr, a, CVM_ADDRESS_BYTES);
}

/* Does b's diff hold (service, key) with a value of vlen bytes (0: deleted)? */
static inline bool diff_has(const cvm_block_result *b, const char *service, const void *key, size_t keylen,
                            size_t vlen)
{
    for (size_t i = 0; i < b->ndiff; i++) {
        const cvm_state_change *ch = &b->diff[i];
        if (ch->service_len == strlen(service) && memcmp(ch->service, service, ch->service_len) == 0 &&
            ch->key_len == keylen && memcmp(ch->key, key, keylen) == 0)
            return ch->value_len == vlen;
    }
    return false;
}

/* A chain after genesis with accounts 1..n of the given reputations
 * (account 1 is admin). */
static inline void chain_with(chain *c, const int64_t *reps, size_t n)
{
    chain_open(c);
    genesis(c, reps, n);
}

#endif
