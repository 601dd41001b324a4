/*
 * test_commitment.c — the state commitment (commitment.h) and the records a
 * store keeps beside the state: the commitment of the same state is the
 * same whatever path led there (order, deletes, backend); the update from
 * a diff equals the whole state recomputed; the overlay's equals the
 * store's; the commitment, the chain's identity and the height records
 * survive a reopen; an identity is recorded with height 1 only; a store of
 * the earlier format is refused with a message saying so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "state/commitment.h"
#include "state/diff.h"
#include "state/lmdbstore.h"
#include "state/memstore.h"
#include "state/overlay.h"
#include "state/verify.h"
#include "support/store_dir.h"

static const uint8_t zeros[32];
static char tmp[64], dir[96];

static int setup(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/cvm-commit-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(dir, sizeof dir, "%s/chain", tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_dir_remove(dir);
    rmdir(tmp);
    return 0;
}

/* Commits the (service, key, value) triples of kv (value "" deletes). */
static void commit(cvm_store *s, const char *const *kv, size_t n)
{
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *sv = kv[3 * i], *k = kv[3 * i + 1], *v = kv[3 * i + 2];
        assert_int_equal(cvm_state_diff_add(&d, (const uint8_t *)sv, strlen(sv), (const uint8_t *)k, strlen(k),
                                            (const uint8_t *)v, strlen(v)),
                         CVM_OK);
    }
    cvm_state_diff_sort(&d);
    if (cvm_state_diff_commit(s, &d, NULL, 0, NULL) != CVM_OK)
        fail_msg("commit: %s", cvm_store_errmsg(s));
    cvm_state_diff_free(&d);
}

static int add_entry(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    const uint8_t *sv, *k;
    size_t svn, kn;
    assert_true(cvm_state_key_split(key, key_len, &sv, &svn, &k, &kn));
    assert_int_equal(cvm_commitment_update(ud, sv, svn, k, kn, NULL, 0, value, value_len), CVM_OK);
    return 0;
}

/* The commitment of everything s holds, from scratch. */
static void recompute(cvm_store *s, uint8_t out[32])
{
    memset(out, 0, 32);
    bool kept;
    assert_int_equal(cvm_store_scan(s, CVM_TABLE_STATE, add_entry, out, &kept), CVM_OK);
    assert_true(kept);
}

static const char *const A[] = {"S", "a", "1", "S", "b", "2", "T", "a", "3"};
static const char *const B1[] = {"T", "a", "3", "S", "b", "x"};
static const char *const B2[] = {"S", "a", "1", "S", "b", "2", "U", "z", "9"};
static const char *const B3[] = {"U", "z", ""};

static void test_same_state_same_commitment(void **state)
{
    (void)state;
    cvm_store *one, *two;
    assert_int_equal(cvm_memstore_open(NULL, &one), CVM_OK);
    assert_int_equal(cvm_memstore_open(NULL, &two), CVM_OK);
    assert_memory_equal(cvm_store_last_commitment(one), zeros, 32); /* the empty state */

    commit(one, A, 3);
    uint8_t c1[32], full[32];
    memcpy(c1, cvm_store_last_commitment(one), 32);
    assert_memory_not_equal(c1, zeros, 32);
    recompute(one, full);
    assert_memory_equal(c1, full, 32);

    /* the same state by another path: other order, an overwrite, a delete */
    commit(two, B1, 2);
    commit(two, B2, 3);
    assert_memory_not_equal(cvm_store_last_commitment(two), c1, 32);
    commit(two, B3, 1);
    assert_memory_equal(cvm_store_last_commitment(two), c1, 32);
    recompute(two, full);
    assert_memory_equal(full, c1, 32);

    /* deleting everything is the empty state again */
    static const char *const none[] = {"S", "a", "", "S", "b", "", "T", "a", ""};
    commit(two, none, 3);
    assert_memory_equal(cvm_store_last_commitment(two), zeros, 32);

    /* (service, key) boundaries count: ("ab","c") is not ("a","bc") */
    uint8_t p1[32], p2[32];
    cvm_commitment_point((const uint8_t *)"ab", 2, (const uint8_t *)"c", 1, (const uint8_t *)"v", 1, p1);
    cvm_commitment_point((const uint8_t *)"a", 1, (const uint8_t *)"bc", 2, (const uint8_t *)"v", 1, p2);
    assert_memory_not_equal(p1, p2, 32);

    /* a damaged commitment is refused, not summed */
    uint8_t bad[32];
    memset(bad, 0xff, sizeof bad);
    assert_int_equal(cvm_commitment_update(bad, (const uint8_t *)"S", 1, (const uint8_t *)"k", 1, NULL, 0,
                                           (const uint8_t *)"v", 1),
                     CVM_ESTATE);
    cvm_store_close(one);
    cvm_store_close(two);
}

/* The overlay's commitment (old values from its cache) equals the store's
 * own (old values read back) and the recomputed one, after the commit. */
static void test_overlay_commitment(void **state)
{
    (void)state;
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    commit(s, A, 3);
    cvm_overlay *o;
    assert_int_equal(cvm_overlay_new(NULL, s, false, &o), CVM_OK);
    const uint8_t *v;
    size_t len;
    bool found;
    assert_int_equal(cvm_overlay_read(o, (const uint8_t *)"S", 1, (const uint8_t *)"a", 1, &v, &len, &found), CVM_OK);
    assert_int_equal(cvm_overlay_write(o, (const uint8_t *)"S", 1, (const uint8_t *)"a", 1, (const uint8_t *)"7", 1),
                     CVM_OK);
    /* written without being read */
    assert_int_equal(cvm_overlay_write(o, (const uint8_t *)"T", 1, (const uint8_t *)"a", 1, NULL, 0), CVM_OK);
    assert_int_equal(cvm_overlay_write(o, (const uint8_t *)"V", 1, (const uint8_t *)"n", 1, (const uint8_t *)"w", 1),
                     CVM_OK);
    /* written back to what the store holds: no change */
    assert_int_equal(cvm_overlay_write(o, (const uint8_t *)"S", 1, (const uint8_t *)"b", 1, (const uint8_t *)"2", 1),
                     CVM_OK);
    uint8_t ov[32], st[32], full[32];
    assert_int_equal(cvm_overlay_commitment(o, cvm_store_last_commitment(s), ov), CVM_OK);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_overlay_diff(o, &d), CVM_OK);
    assert_int_equal(d.count, 3);
    assert_int_equal(cvm_store_commitment_after(s, &d, st), CVM_OK);
    assert_memory_equal(ov, st, 32);
    assert_int_equal(cvm_state_diff_commit(s, &d, NULL, 0, NULL), CVM_OK);
    assert_memory_equal(cvm_store_last_commitment(s), ov, 32);
    recompute(s, full);
    assert_memory_equal(full, ov, 32);
    cvm_state_diff_free(&d);
    cvm_overlay_free(o);
    cvm_store_close(s);
}

static int count_heights(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    cvm_store_height_record r;
    assert_int_equal(key_len, 8);
    assert_true(cvm_store_height_record_decode(value, value_len, &r));
    (*(int *)ud)++;
    return 0;
}

/* LMDB and memory agree; the commitment, the identity and a record per
 * height survive a reopen; the identity goes with height 1 only. */
static void test_lmdb_records(void **state)
{
    (void)state;
    cvm_errmsg err;
    cvm_store *l, *m;
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &l, &err), CVM_OK);
    assert_int_equal(cvm_memstore_open(NULL, &m), CVM_OK);
    cvm_chain_identity id = {7, CVM_PROTOCOL_VERSION, 1000, {0}}, got;
    cvm_genesis_hash(7, CVM_PROTOCOL_VERSION, 1000, zeros, id.genesis_hash);
    assert_int_equal(cvm_store_identity(l, &got), 0);

    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_state_diff_add(&d, (const uint8_t *)"S", 1, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1),
                     CVM_OK);
    cvm_store_block b = {.height = 1, .diff = &d, .timestamp = 1000, .identity = &id};
    assert_int_equal(cvm_state_diff_hash(&d, b.diff_hash), CVM_OK);
    assert_int_equal(cvm_store_commitment_after(l, &d, b.commitment), CVM_OK);
    assert_int_equal(cvm_store_commit(l, &b), CVM_OK);
    assert_int_equal(cvm_store_commit(m, &b), CVM_OK);
    assert_int_equal(cvm_store_identity(l, &got), 1);
    assert_memory_equal(&got, &id, sizeof id);
    commit(l, A, 3);
    commit(m, A, 3);
    assert_memory_equal(cvm_store_last_commitment(l), cvm_store_last_commitment(m), 32);

    b.height = 3; /* an identity with any other height is refused */
    assert_int_equal(cvm_store_commit(l, &b), CVM_EINPUT);
    assert_non_null(strstr(cvm_store_errmsg(l), "an identity is recorded with height 1 only"));
    uint8_t last[32];
    memcpy(last, cvm_store_last_commitment(l), 32);
    cvm_store_close(l);
    cvm_store_close(m);
    cvm_state_diff_free(&d);

    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, dir, &l, &err), CVM_OK);
    assert_int_equal(cvm_store_height(l), 2);
    assert_memory_equal(cvm_store_last_commitment(l), last, 32);
    assert_int_equal(cvm_store_identity(l, &got), 1);
    assert_memory_equal(&got, &id, sizeof id);
    int n = 0;
    bool kept;
    assert_int_equal(cvm_store_scan(l, CVM_TABLE_HEIGHTS, count_heights, &n, &kept), CVM_OK);
    assert_true(kept);
    assert_int_equal(n, 2);
    cvm_store_close(l);
}

/* A store of format 1 (no identity, no commitments) is refused, saying so. */
static void test_format_1_refused(void **state)
{
    (void)state;
    cvm_errmsg err;
    cvm_store *s;
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &err), CVM_OK);
    cvm_store_close(s);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val k = {6, (void *)"format"}, v = {14, (void *)"coopvm-state-1"};
    assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &err), CVM_ESTATE);
    assert_non_null(strstr(err.text, "was written by an earlier coopvm (format \"coopvm-state-1\""));
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, dir, &s, &err), CVM_ESTATE);
    assert_non_null(strstr(err.text, "play its scenario again into a new directory"));
}

static void collect(void *ud, const char *problem) { snprintf(ud, 400, "%s", problem); }

/* cvm_store_verify on both backends: a good store passes with its counts;
 * the memory store keeps no height records, and says so. */
static void test_verify_counts(void **state)
{
    (void)state;
    cvm_errmsg err;
    char found[400] = "";
    cvm_store *l, *m;
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &l, &err), CVM_OK);
    assert_int_equal(cvm_memstore_open(NULL, &m), CVM_OK);
    cvm_store_record ev = {(const uint8_t *)"x", 1}; /* not an event record: verify says so */
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    commit(l, A, 3);
    commit(m, A, 3);
    assert_int_equal(cvm_state_diff_commit(m, &d, &ev, 1, NULL), CVM_OK);
    cvm_verify_report r;
    assert_int_equal(cvm_store_verify(l, collect, found, &r), CVM_OK);
    assert_int_equal(r.problems, 0);
    assert_int_equal(r.height, 1);
    assert_int_equal(r.keys, 3);
    assert_true(r.heights_kept);
    assert_int_equal(r.heights, 1);
    assert_false(r.has_identity);
    assert_memory_equal(r.commitment, cvm_store_last_commitment(l), 32);
    assert_int_equal(cvm_store_verify(m, collect, found, &r), CVM_OK);
    assert_false(r.heights_kept);
    assert_int_equal(r.keys, 3);
    assert_int_equal(r.problems, 1);
    assert_non_null(strstr(found, "event history: the record at height 2, index 0 does not decode"));
    cvm_state_diff_free(&d);
    cvm_store_close(l);
    cvm_store_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_state_same_commitment),
        cmocka_unit_test(test_overlay_commitment),
        cmocka_unit_test_setup_teardown(test_lmdb_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_1_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_counts, setup, teardown),
    };
    return cmocka_run_group_tests_name("state commitment", tests, NULL, NULL);
}
