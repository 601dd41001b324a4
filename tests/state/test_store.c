/*
 * test_store.c — the state storage interface, run against both backends
 * (memory and LMDB in a temporary directory): commit, read, height, the
 * height checks, all-or-nothing refusals, event records by height range,
 * the transaction index.
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

#include "state/diff.h"
#include "state/lmdbstore.h"
#include "state/memstore.h"
#include "support/store_dir.h"

typedef struct fixture {
    int lmdb;          /* which backend */
    char dir[64];      /* the LMDB temp dir */
    cvm_store *s;      /* owned */
} fixture;

static const int MEM = 0, LMDB = 1;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->lmdb = *(const int *)*state;
    if (f->lmdb) {
        strcpy(f->dir, "/tmp/cvm-store-XXXXXX");
        if (!mkdtemp(f->dir))
            return -1;
        cvm_errmsg err;
        if (cvm_lmdbstore_open(NULL, f->dir, &f->s, &err) != CVM_OK) {
            fprintf(stderr, "%s\n", err.text);
            return -1;
        }
    } else if (cvm_memstore_open(NULL, &f->s) != CVM_OK) {
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cvm_store_close(f->s);
    if (f->lmdb)
        store_dir_remove(f->dir);
    free(f);
    return 0;
}

static void add(cvm_state_diff *d, const char *svc, const char *key, const char *val)
{
    assert_int_equal(cvm_state_diff_add(d, (const uint8_t *)svc, strlen(svc), (const uint8_t *)key, strlen(key),
                                        (const uint8_t *)val, strlen(val)),
                     CVM_OK);
}

/* Reads (svc, key) at the current height; returns the value as a string,
 * or NULL when absent (static buffer). */
static const char *get(cvm_store *s, const char *svc, const char *key)
{
    static char out[256];
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found = true;
    cvm_status st = cvm_store_read(s, cvm_store_height(s), (const uint8_t *)svc, strlen(svc), (const uint8_t *)key,
                                   strlen(key), &b, &found);
    assert_int_equal(st, CVM_OK);
    if (!found) {
        assert_int_equal(b.len, 0);
        cvm_buf_free(&b);
        return NULL;
    }
    assert_true(b.len < sizeof out);
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    cvm_buf_free(&b);
    return out;
}

static cvm_status commit(cvm_store *s, cvm_state_diff *d, const char *const *events, size_t n)
{
    cvm_store_record rec[8];
    for (size_t i = 0; i < n; i++)
        rec[i] = (cvm_store_record){(const uint8_t *)events[i], strlen(events[i])};
    return cvm_state_diff_commit(s, d, rec, n, NULL);
}

typedef struct seen {
    int n;
    int stop_after;
    char log[512];
} seen;

static int collect(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    seen *s = ud;
    size_t at = strlen(s->log);
    snprintf(s->log + at, sizeof s->log - at, "%llu.%llu=%.*s ", (unsigned long long)height,
             (unsigned long long)index, (int)len, (const char *)data);
    return ++s->n == s->stop_after;
}

static void test_empty_store(void **state)
{
    fixture *f = *state;
    static const uint8_t zeros[CVM_SHA256_BYTES];
    assert_int_equal(cvm_store_height(f->s), 0);
    assert_memory_equal(cvm_store_last_hash(f->s), zeros, sizeof zeros);
    assert_null(get(f->s, "Counter", "count"));
}

static void test_commit_read_height(void **state)
{
    fixture *f = *state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    add(&d, "Counter", "count", "five");
    add(&d, "Counter", "other", "x");
    uint8_t h[CVM_SHA256_BYTES], h2[CVM_SHA256_BYTES];
    assert_int_equal(cvm_state_diff_commit(f->s, &d, NULL, 0, h), CVM_OK);
    assert_int_equal(cvm_state_diff_hash(&d, h2), CVM_OK);
    assert_memory_equal(h, h2, sizeof h);
    assert_memory_equal(cvm_store_last_hash(f->s), h, sizeof h);
    assert_int_equal(cvm_store_height(f->s), 1);
    assert_string_equal(get(f->s, "Counter", "count"), "five");
    assert_string_equal(get(f->s, "Counter", "other"), "x");
    assert_null(get(f->s, "Other", "count"));
    cvm_state_diff_free(&d);

    /* height 2 overwrites one key and deletes the other (empty value) */
    add(&d, "Counter", "count", "six");
    add(&d, "Counter", "other", "");
    add(&d, "Counter", "zz-never-stored", ""); /* deleting an absent key is fine */
    assert_int_equal(commit(f->s, &d, NULL, 0), CVM_OK);
    assert_int_equal(cvm_store_height(f->s), 2);
    assert_string_equal(get(f->s, "Counter", "count"), "six");
    assert_null(get(f->s, "Counter", "other"));
    cvm_state_diff_free(&d);
}

static void test_service_key_boundary(void **state)
{
    fixture *f = *state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    add(&d, "a", "bc", "first");
    add(&d, "ab", "c", "second");
    assert_int_equal(commit(f->s, &d, NULL, 0), CVM_OK);
    assert_string_equal(get(f->s, "ab", "c"), "second");
    assert_string_equal(get(f->s, "a", "bc"), "first");
    assert_null(get(f->s, "abc", ""));
    cvm_state_diff_free(&d);
}

static void test_wrong_height_changes_nothing(void **state)
{
    fixture *f = *state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    add(&d, "S", "k", "1");
    const char *ev[] = {"e1"};
    assert_int_equal(commit(f->s, &d, ev, 1), CVM_OK);
    uint8_t before[CVM_SHA256_BYTES];
    memcpy(before, cvm_store_last_hash(f->s), sizeof before);
    cvm_state_diff_free(&d);

    add(&d, "S", "k", "2");
    uint8_t h[CVM_SHA256_BYTES];
    assert_int_equal(cvm_state_diff_hash(&d, h), CVM_OK);
    cvm_store_record rec = {(const uint8_t *)"e2", 2};
    for (uint64_t bad = 0; bad < 5; bad++) {
        if (bad == 2)
            continue;
        cvm_store_block b = {.height = bad, .diff = &d, .events = &rec, .nevents = 1};
        memcpy(b.diff_hash, h, sizeof h);
        assert_int_equal(cvm_store_commit(f->s, &b), CVM_ESTATE);
        assert_non_null(strstr(cvm_store_errmsg(f->s), "is at height 1"));
    }
    assert_int_equal(cvm_store_height(f->s), 1);
    assert_memory_equal(cvm_store_last_hash(f->s), before, sizeof before);
    assert_string_equal(get(f->s, "S", "k"), "1");
    cvm_state_diff_free(&d);

    /* an unsorted diff is refused the same way */
    add(&d, "S", "z", "2");
    add(&d, "S", "a", "2");
    assert_int_equal(commit(f->s, &d, NULL, 0), CVM_EINPUT);
    assert_non_null(strstr(cvm_store_errmsg(f->s), "sorts before the previous entry"));
    assert_int_equal(cvm_store_height(f->s), 1);
    assert_null(get(f->s, "S", "z"));
    cvm_state_diff_free(&d);

    /* the refused commits left no events behind */
    seen sn = {0};
    assert_int_equal(cvm_store_events(f->s, 0, 100, collect, &sn), CVM_OK);
    assert_string_equal(sn.log, "1.0=e1 ");
}

static void test_read_other_height(void **state)
{
    fixture *f = *state;
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found = true;
    assert_int_equal(cvm_store_read(f->s, 3, (const uint8_t *)"S", 1, (const uint8_t *)"k", 1, &b, &found),
                     CVM_ESTATE);
    assert_false(found);
    assert_non_null(strstr(cvm_store_errmsg(f->s), "keeps only its latest height, 0"));
    cvm_buf_free(&b);
}

static void test_key_too_long(void **state)
{
    fixture *f = *state;
    uint8_t big[CVM_STATE_KEY_MAX];
    memset(big, 'k', sizeof big);
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found;
    assert_int_equal(cvm_store_read(f->s, 0, (const uint8_t *)"S", 1, big, CVM_STATE_KEY_MAX - 2, &b, &found),
                     CVM_EINPUT);
    assert_non_null(strstr(cvm_store_errmsg(f->s), "too long"));
    /* the longest allowed key is fine */
    assert_int_equal(cvm_store_read(f->s, 0, (const uint8_t *)"S", 1, big, CVM_STATE_KEY_MAX - 3, &b, &found),
                     CVM_OK);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_state_diff_add(&d, (const uint8_t *)"S", 1, big, CVM_STATE_KEY_MAX - 3, (const uint8_t *)"v", 1),
                     CVM_OK);
    assert_int_equal(commit(f->s, &d, NULL, 0), CVM_OK);
    assert_int_equal(cvm_store_read(f->s, 1, (const uint8_t *)"S", 1, big, CVM_STATE_KEY_MAX - 3, &b, &found),
                     CVM_OK);
    assert_true(found);
    cvm_state_diff_free(&d);
    assert_int_equal(cvm_state_diff_add(&d, (const uint8_t *)"S", 1, big, CVM_STATE_KEY_MAX - 2, (const uint8_t *)"v", 1),
                     CVM_OK);
    assert_int_equal(commit(f->s, &d, NULL, 0), CVM_EINPUT);
    assert_int_equal(cvm_store_height(f->s), 1);
    cvm_state_diff_free(&d);
    cvm_buf_free(&b);
}

static void test_read_counter(void **state)
{
    fixture *f = *state;
    assert_int_equal(cvm_store_reads(f->s), 0);
    get(f->s, "S", "k");
    get(f->s, "S", "k");
    assert_int_equal(cvm_store_reads(f->s), 2);
}

static void test_events_by_height(void **state)
{
    fixture *f = *state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    const char *b1[] = {"a", "b"}, *b3[] = {"c", "", "d"};
    assert_int_equal(commit(f->s, &d, b1, 2), CVM_OK);
    assert_int_equal(commit(f->s, &d, NULL, 0), CVM_OK);
    assert_int_equal(commit(f->s, &d, b3, 3), CVM_OK);
    assert_int_equal(cvm_store_height(f->s), 3);

    seen s = {0};
    assert_int_equal(cvm_store_events(f->s, 0, 100, collect, &s), CVM_OK);
    assert_string_equal(s.log, "1.0=a 1.1=b 3.0=c 3.1= 3.2=d ");
    memset(&s, 0, sizeof s);
    assert_int_equal(cvm_store_events(f->s, 2, 3, collect, &s), CVM_OK);
    assert_string_equal(s.log, "3.0=c 3.1= 3.2=d ");
    memset(&s, 0, sizeof s);
    assert_int_equal(cvm_store_events(f->s, 1, 1, collect, &s), CVM_OK);
    assert_string_equal(s.log, "1.0=a 1.1=b ");
    memset(&s, 0, sizeof s);
    assert_int_equal(cvm_store_events(f->s, 2, 2, collect, &s), CVM_OK);
    assert_string_equal(s.log, "");
    memset(&s, 0, sizeof s);
    assert_int_equal(cvm_store_events(f->s, 3, 1, collect, &s), CVM_OK);
    assert_string_equal(s.log, "");
    /* the callback stops early */
    memset(&s, 0, sizeof s);
    s.stop_after = 3;
    assert_int_equal(cvm_store_events(f->s, 1, 3, collect, &s), CVM_OK);
    assert_string_equal(s.log, "1.0=a 1.1=b 3.0=c ");

    /* a refused commit stores none of its events */
    cvm_store_record r = {(const uint8_t *)"zz", 2};
    assert_int_equal(cvm_store_commit(f->s, &(cvm_store_block){.height = 7, .diff = &d, .events = &r, .nevents = 1}),
                     CVM_ESTATE);
    memset(&s, 0, sizeof s);
    assert_int_equal(cvm_store_events(f->s, 0, UINT64_MAX, collect, &s), CVM_OK);
    assert_string_equal(s.log, "1.0=a 1.1=b 3.0=c 3.1= 3.2=d ");
    cvm_state_diff_free(&d);
}

/* A transaction index entry whose hash is 32 copies of byte c. */
static cvm_store_tx tx_entry(uint8_t c, uint64_t index, uint64_t timestamp)
{
    cvm_store_tx t;
    memset(&t, 0, sizeof t);
    memset(t.hash, c, sizeof t.hash);
    t.index = index;
    t.timestamp = timestamp;
    return t;
}

/* Finds the entry of hash byte c: its "height.index@timestamp", or "-". */
static const char *find_tx(cvm_store *s, uint8_t c)
{
    static char out[80];
    uint8_t h[CVM_SHA256_BYTES];
    memset(h, c, sizeof h);
    cvm_store_tx t;
    bool found = true;
    assert_int_equal(cvm_store_tx_find(s, h, &t, &found), CVM_OK);
    if (!found)
        return "-";
    assert_memory_equal(t.hash, h, sizeof h);
    snprintf(out, sizeof out, "%llu.%llu@%llu", (unsigned long long)t.height, (unsigned long long)t.index,
             (unsigned long long)t.timestamp);
    return out;
}

static void test_tx_index(void **state)
{
    fixture *f = *state;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    add(&d, "S", "k", "1");
    /* height 1 runs transactions 0 and 2 of its set (1 was not run) */
    cvm_store_tx t1[2] = {tx_entry(0xa1, 0, 100), tx_entry(0xa2, 2, 200)};
    t1[1].height = 99; /* ignored: the block's height is the entry's */
    cvm_store_block b = {.height = 1, .diff = &d, .txs = t1, .ntxs = 2};
    assert_int_equal(cvm_store_commit(f->s, &b), CVM_OK);
    assert_string_equal(find_tx(f->s, 0xa1), "1.0@100");
    assert_string_equal(find_tx(f->s, 0xa2), "1.2@200");
    assert_string_equal(find_tx(f->s, 0xa3), "-");

    /* a hash already committed refuses the whole block: no state, no events, no entries */
    cvm_state_diff_free(&d);
    add(&d, "S", "k", "2");
    cvm_store_tx t2[2] = {tx_entry(0xa3, 0, 300), tx_entry(0xa1, 1, 100)};
    cvm_store_record ev = {(const uint8_t *)"e", 1};
    b = (cvm_store_block){.height = 2, .diff = &d, .events = &ev, .nevents = 1, .txs = t2, .ntxs = 2};
    assert_int_equal(cvm_store_commit(f->s, &b), CVM_EINPUT);
    assert_non_null(strstr(cvm_store_errmsg(f->s), "is already committed at height 1, index 0"));
    assert_non_null(strstr(cvm_store_errmsg(f->s), "a1a1a1a1"));
    assert_int_equal(cvm_store_height(f->s), 1);
    assert_string_equal(get(f->s, "S", "k"), "1");
    assert_string_equal(find_tx(f->s, 0xa3), "-");
    seen sn;
    memset(&sn, 0, sizeof sn);
    assert_int_equal(cvm_store_events(f->s, 0, UINT64_MAX, collect, &sn), CVM_OK);
    assert_string_equal(sn.log, "");

    /* so does one repeated within the block */
    cvm_store_tx t3[2] = {tx_entry(0xa3, 0, 300), tx_entry(0xa3, 1, 300)};
    b.txs = t3;
    assert_int_equal(cvm_store_commit(f->s, &b), CVM_EINPUT);
    assert_non_null(strstr(cvm_store_errmsg(f->s), "appears twice in the block"));
    assert_string_equal(find_tx(f->s, 0xa3), "-");

    /* and indexes that do not increase */
    cvm_store_tx t4[2] = {tx_entry(0xa3, 1, 300), tx_entry(0xa4, 1, 300)};
    b.txs = t4;
    assert_int_equal(cvm_store_commit(f->s, &b), CVM_EINPUT);
    assert_non_null(strstr(cvm_store_errmsg(f->s), "not after the previous entry's 1"));

    /* a good block goes in, and an empty one (no transactions) after it */
    t4[0].index = 0;
    assert_int_equal(cvm_store_commit(f->s, &b), CVM_OK);
    assert_string_equal(cvm_store_errmsg(f->s), "");
    assert_string_equal(find_tx(f->s, 0xa3), "2.0@300");
    assert_string_equal(find_tx(f->s, 0xa4), "2.1@300");
    assert_string_equal(find_tx(f->s, 0xa1), "1.0@100");
    assert_int_equal(cvm_state_diff_commit(f->s, &d, NULL, 0, NULL), CVM_OK);
    assert_int_equal(cvm_store_height(f->s), 3);
    assert_string_equal(find_tx(f->s, 0xa4), "2.1@300");
    cvm_state_diff_free(&d);
}

/* each test twice, named by backend */
#define BOTH(fn) {"memory: " #fn, fn, setup, teardown, (void *)&MEM}, {"lmdb: " #fn, fn, setup, teardown, (void *)&LMDB}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_empty_store),
        BOTH(test_commit_read_height),
        BOTH(test_service_key_boundary),
        BOTH(test_wrong_height_changes_nothing),
        BOTH(test_read_other_height),
        BOTH(test_key_too_long),
        BOTH(test_read_counter),
        BOTH(test_events_by_height),
        BOTH(test_tx_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
