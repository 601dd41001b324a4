/*
 * test_blocks.c — blocks and the hash chain (docs/blocks.md): the header
 * ProcessTransactionSet computes (prev hash, tx_root, receipts_root, block
 * hash) recomputed here by the rule of the docs; what cvm_vm_commit stores
 * with it (header, transactions, receipts) read back by height, by
 * transaction hash and by (height, index), after a reopen too; the JSON
 * views of a stored block; and the memory store, which keeps only the last
 * block hash.
 */
#include <unistd.h>

#include "codec/json.h"
#include "codec/receipt.h"
#include "crypto/hash.h"
#include "state/lmdbstore.h"
#include "support/store_dir.h"
#include "vm/vmtest.h"

static const char *COUNTER = ".contract Counter\n"
                             ".state count 0\n"
                             ".method increment params 1\n"
                             "  Load \"count\"\n  Add\n  Dup\n  Store \"count\"\n  Dup\n  Emit \"Counted\"\n  Dup\n"
                             "  Log\n  Halt\n"
                             ".method failing params 1\n"
                             "  Store \"count\"\n  Push 1\n  Abort\n";

typedef struct fixture {
    char dir[64];
    chain c;
    uint8_t sig[3][CVM_SIGNATURE_BYTES];
    cvm_arg arg;
    cvm_transaction txs[3];
} fixture;

static void open_lmdb(fixture *f)
{
    cvm_store *s;
    cvm_errmsg err;
    if (cvm_lmdbstore_open(NULL, f->dir, &s, &err) != CVM_OK)
        fail_msg("open %s: %s", f->dir, err.text);
    chain_open_store(&f->c, s);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/cvm-blocks-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    open_lmdb(f);
    int64_t reps[] = {100, 100};
    genesis(&f->c, reps, 2);           /* height 1 */
    deploy(&f->c, "Counter", COUNTER); /* height 2 */
    f->arg = cvm_arg_int64(5);
    f->txs[0] = tx_of(1, "Counter", "increment", &f->arg, 1);
    sign_as(1, &f->txs[0], f->sig[0]);
    f->txs[1] = tx_of(2, "Counter", "failing", &f->arg, 1);
    sign_as(2, &f->txs[1], f->sig[1]);
    f->txs[2] = tx_of(0, "Counter", "increment", &f->arg, 1); /* unsigned: stored unsigned */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    chain_close(&f->c);
    store_dir_remove(f->dir);
    free(f);
    return 0;
}

/* The header of b recomputed by the rule of docs/blocks.md. */
static void check_header(const cvm_block_result *b, const cvm_transaction *txs, const uint8_t prev[CVM_HASH_BYTES])
{
    const cvm_block_header *h = &b->header;
    assert_int_equal(h->height, b->height);
    assert_int_equal(h->timestamp, b->timestamp);
    assert_int_equal(h->ntxs, b->nreceipts);
    assert_memory_equal(h->prev_hash, prev, CVM_HASH_BYTES);
    assert_memory_equal(h->state_diff_hash, b->diff_hash, CVM_HASH_BYTES);
    assert_memory_equal(h->state_commitment, b->state_commitment, CVM_HASH_BYTES);
    cvm_sha256_ctx tr, rr;
    cvm_sha256_init(&tr);
    cvm_sha256_init(&rr);
    for (size_t i = 0; i < b->nreceipts; i++) {
        uint8_t th[CVM_HASH_BYTES];
        assert_int_equal(cvm_tx_hash(NULL, &txs[i], th, NULL), CVM_OK);
        cvm_sha256_update(&tr, th, sizeof th);
        cvm_buf enc;
        cvm_buf_init(&enc, NULL);
        assert_int_equal(cvm_receipt_encode(&b->receipts[i], &enc, NULL, 0), CVM_OK);
        cvm_sha256_update(&rr, enc.data, enc.len);
        cvm_buf_free(&enc);
    }
    uint8_t root[CVM_HASH_BYTES];
    cvm_sha256_final(&tr, root);
    assert_memory_equal(h->tx_root, root, CVM_HASH_BYTES);
    cvm_sha256_final(&rr, root);
    assert_memory_equal(h->receipts_root, root, CVM_HASH_BYTES);
    /* the hash: SHA-256 of the 188-byte encoding, version 1 first */
    uint8_t enc[CVM_BLOCK_HEADER_BYTES], hash[CVM_HASH_BYTES];
    cvm_block_header_encode(h, enc);
    assert_memory_equal(enc, "\0\0\0\1", 4);
    cvm_sha256(enc, sizeof enc, hash);
    assert_memory_equal(h->hash, hash, CVM_HASH_BYTES);
    cvm_block_hash(h, hash);
    assert_memory_equal(h->hash, hash, CVM_HASH_BYTES);
}

static void same_receipt(const cvm_receipt *a, const cvm_receipt *b)
{
    cvm_buf x, y;
    cvm_buf_init(&x, NULL);
    cvm_buf_init(&y, NULL);
    assert_int_equal(cvm_receipt_encode(a, &x, NULL, 0), CVM_OK);
    assert_int_equal(cvm_receipt_encode(b, &y, NULL, 0), CVM_OK);
    assert_int_equal(x.len, y.len);
    assert_memory_equal(x.data, y.data, x.len);
    cvm_buf_free(&x);
    cvm_buf_free(&y);
}

/* The chain: genesis has a zero prev hash and no transactions; each
 * block's prev hash is the one before; the header is what the docs say. */
static void test_header_and_chain(void **state)
{
    fixture *f = *state;
    cvm_block_header h1, h2;
    int found = 0;
    assert_int_equal(cvm_store_block_header(f->c.store, 1, &h1, &found), CVM_OK);
    assert_true(found);
    uint8_t zero[CVM_HASH_BYTES] = {0}, empty[CVM_HASH_BYTES];
    cvm_sha256("", 0, empty);
    assert_memory_equal(h1.prev_hash, zero, CVM_HASH_BYTES);
    assert_memory_equal(h1.tx_root, empty, CVM_HASH_BYTES);
    assert_memory_equal(h1.receipts_root, empty, CVM_HASH_BYTES);
    assert_int_equal(h1.ntxs, 0);
    uint8_t hash[CVM_HASH_BYTES];
    cvm_block_hash(&h1, hash);
    assert_memory_equal(h1.hash, hash, CVM_HASH_BYTES);
    assert_int_equal(cvm_store_block_header(f->c.store, 2, &h2, &found), CVM_OK);
    assert_memory_equal(h2.prev_hash, h1.hash, CVM_HASH_BYTES);
    assert_memory_equal(cvm_store_last_block_hash(f->c.store), h2.hash, CVM_HASH_BYTES);

    cvm_block_result *b = run_block(&f->c, f->txs, 3);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    check_header(b, f->txs, h2.hash);
    cvm_block_header h3 = b->header;
    commit_block(&f->c, b);
    assert_memory_equal(cvm_store_last_block_hash(f->c.store), h3.hash, CVM_HASH_BYTES);
    cvm_block_header got;
    assert_int_equal(cvm_store_block_header(f->c.store, 3, &got, &found), CVM_OK);
    assert_true(found);
    assert_memory_equal(&got, &h3, sizeof got);
    /* not there */
    assert_int_equal(cvm_store_block_header(f->c.store, 0, &got, &found), CVM_OK);
    assert_false(found);
    assert_int_equal(cvm_store_block_header(f->c.store, 4, &got, &found), CVM_OK);
    assert_false(found);
    /* the last block hash survives a reopen */
    chain_close(&f->c);
    open_lmdb(f);
    assert_memory_equal(cvm_store_last_block_hash(f->c.store), h3.hash, CVM_HASH_BYTES);
    b = run_block(&f->c, NULL, 0);
    assert_memory_equal(b->header.prev_hash, h3.hash, CVM_HASH_BYTES);
    cvm_block_result_free(b);
}

/* A block read back: its transactions (as committed, signed or not) and
 * receipts equal what was processed; a transaction found by hash; a
 * receipt by (height, index). */
static void test_read_back(void **state)
{
    fixture *f = *state;
    cvm_block_result *b = run_block(&f->c, f->txs, 3);
    cvm_block_result *keep = b;
    if (cvm_vm_commit(f->c.vm, b) != CVM_OK)
        fail_msg("commit: %s", cvm_vm_errmsg(f->c.vm));
    cvm_block *blk = NULL;
    assert_int_equal(cvm_store_block_get(f->c.store, 3, &blk), CVM_OK);
    assert_non_null(blk);
    assert_memory_equal(&blk->header, &keep->header, sizeof blk->header);
    assert_int_equal(blk->ntxs, 3);
    for (size_t i = 0; i < 3; i++) {
        uint8_t th[CVM_HASH_BYTES];
        assert_int_equal(cvm_tx_hash(NULL, &f->txs[i], th, NULL), CVM_OK);
        assert_memory_equal(blk->txs[i].hash, th, CVM_HASH_BYTES);
        assert_int_equal(blk->txs[i].is_signed, i < 2);
        assert_string_equal(blk->txs[i].tx.method, f->txs[i].method);
        assert_int_equal(blk->txs[i].tx.timestamp, f->txs[i].timestamp);
        if (i < 2)
            assert_memory_equal(blk->txs[i].tx.signature, f->sig[i], CVM_SIGNATURE_BYTES);
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(cvm_tx_to_bytes(NULL, &f->txs[i], i < 2, &bytes, &len, NULL), CVM_OK);
        assert_int_equal(blk->txs[i].len, len);
        assert_memory_equal(blk->txs[i].bytes, bytes, len);
        cvm_free(NULL, bytes);
        same_receipt(&blk->receipts[i], &keep->receipts[i]);
    }
    assert_int_equal(blk->receipts[0].nevents, 1);
    assert_string_equal(blk->receipts[0].events[0].name, "Counted");
    assert_string_equal(blk->receipts[1].error.message, keep->receipts[1].error.message);

    /* by hash, then by position */
    cvm_tx_location at;
    int found = 0;
    assert_int_equal(cvm_store_tx_lookup(f->c.store, blk->txs[1].hash, &at, &found), CVM_OK);
    assert_true(found);
    assert_int_equal(at.height, 3);
    assert_int_equal(at.index, 1);
    cvm_tx_receipt *r = NULL;
    assert_int_equal(cvm_store_receipt_get(f->c.store, at.height, at.index, &r), CVM_OK);
    assert_non_null(r);
    assert_memory_equal(r->tx.hash, blk->txs[1].hash, CVM_HASH_BYTES);
    same_receipt(&r->receipt, &keep->receipts[1]);
    cvm_tx_receipt_free(r);
    assert_int_equal(cvm_store_receipt_get(f->c.store, 3, 0, &r), CVM_OK);
    same_receipt(&r->receipt, &keep->receipts[0]);
    cvm_tx_receipt_free(r);
    assert_int_equal(cvm_store_receipt_get(f->c.store, 3, 3, &r), CVM_OK);
    assert_null(r);
    assert_int_equal(cvm_store_receipt_get(f->c.store, 9, 0, &r), CVM_OK);
    assert_null(r);
    uint8_t nohash[CVM_HASH_BYTES] = {1};
    assert_int_equal(cvm_store_tx_lookup(f->c.store, nohash, &at, &found), CVM_OK);
    assert_false(found);
    cvm_block *none = NULL;
    assert_int_equal(cvm_store_block_get(f->c.store, 4, &none), CVM_OK);
    assert_null(none);

    /* the JSON view of the node's API */
    json_t *j = cvm_block_to_json(blk);
    assert_non_null(j);
    json_t *hdr = json_object_get(j, "header");
    assert_int_equal(json_integer_value(json_object_get(hdr, "height")), 3);
    char hex[2 * CVM_HASH_BYTES + 1];
    for (size_t i = 0; i < CVM_HASH_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", keep->header.hash[i]);
    assert_string_equal(json_string_value(json_object_get(hdr, "hash")), hex);
    assert_int_equal(json_object_size(hdr), 8);
    assert_int_equal(json_array_size(json_object_get(j, "transactions")), 3);
    json_t *r0 = json_array_get(json_object_get(j, "receipts"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "status")), "SUCCESS");
    assert_int_equal(json_integer_value(json_object_get(r0, "result")), 5);
    json_t *tx0 = json_object_get(r0, "tx");
    assert_string_equal(json_string_value(json_object_get(tx0, "contract")), "Counter");
    assert_non_null(json_object_get(tx0, "address"));
    json_t *r1 = json_array_get(json_object_get(j, "receipts"), 1);
    assert_null(json_object_get(r1, "result"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(r1, "error"), "code")), "ABORTED");
    json_t *tx2 = json_object_get(json_array_get(json_object_get(j, "receipts"), 2), "tx");
    assert_null(json_object_get(tx2, "address")); /* unsigned */
    json_decref(j);
    cvm_block_free(blk);
    cvm_block_result_free(keep);
}

/* The memory store keeps the last block hash for the chain, not blocks. */
static void test_memstore_keeps_no_blocks(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    int64_t reps[] = {100};
    genesis(&c, reps, 1);
    uint8_t zero[CVM_HASH_BYTES] = {0};
    assert_memory_not_equal(cvm_store_last_block_hash(c.store), zero, CVM_HASH_BYTES);
    uint8_t h1[CVM_HASH_BYTES];
    memcpy(h1, cvm_store_last_block_hash(c.store), sizeof h1);
    cvm_block_result *b = run_block(&c, NULL, 0);
    assert_memory_equal(b->header.prev_hash, h1, CVM_HASH_BYTES);
    commit_block(&c, b);
    cvm_block_header h;
    int found = 1;
    assert_int_equal(cvm_store_block_header(c.store, 1, &h, &found), CVM_ESTATE);
    assert_false(found);
    assert_non_null(strstr(cvm_store_errmsg(c.store), "keeps no blocks"));
    cvm_block *blk = NULL;
    assert_int_equal(cvm_store_block_get(c.store, 1, &blk), CVM_ESTATE);
    assert_null(blk);
    chain_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_header_and_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_back, setup, teardown),
        cmocka_unit_test(test_memstore_keeps_no_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
