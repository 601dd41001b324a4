/*
 * test_event_index.c — the event history's indexes by service and by name
 * (docs/events.md) and paging, on both backends: a history of 40 blocks
 * committed through the store directly (3 services, 3 names, several
 * transactions and several events per transaction, empty blocks between),
 * then every filter and height range answered through an index compared
 * with the full walk filtered here; pages of every size resumed from their
 * cursor, concatenated, equal to the whole answer (no gap, no repeat), with
 * `more` set exactly when something follows; a cursor before `from`; and
 * an index entry whose record is gone (LMDB) reported, not skipped.
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

#include "codec/event.h"
#include "state/diff.h"
#include "state/lmdbstore.h"
#include "support/store_dir.h"

static char dir[64];

static const char *SERVICES[] = {"Alpha", "Beta", "_Gamma"};
static const char *NAMES[] = {"Joined", "Left", "Paid"};

/* Commits the test history into s: at height h (1..40), unless h % 5 == 0
 * (an empty block), h % 3 + 1 transactions with (h + tx) % 4 events each;
 * event j of transaction t at h is service (h + t + j) % 3, name
 * (h * 7 + j) % 3, with one field "n" = h * 100 + t * 10 + j. */
static void build(cvm_store *s)
{
    for (uint64_t h = 1; h <= 40; h++) {
        cvm_buf buf;
        cvm_buf_init(&buf, NULL);
        size_t ends[64], n = 0;
        for (uint64_t t = 0; h % 5 && t < h % 3 + 1; t++)
            for (uint64_t j = 0; j < (h + t) % 4; j++) {
                cvm_event_field f = {"n", cvm_arg_int64((int64_t)(h * 100 + t * 10 + j))};
                cvm_event ev = {SERVICES[(h + t + j) % 3], NAMES[(h * 7 + j) % 3], &f, 1};
                assert_int_equal(cvm_event_record_encode(h, t, &ev, &buf, NULL, 0), CVM_OK);
                ends[n++] = buf.len;
            }
        cvm_store_record recs[64];
        for (size_t i = 0; i < n; i++)
            recs[i] = (cvm_store_record){buf.data + (i ? ends[i - 1] : 0), ends[i] - (i ? ends[i - 1] : 0)};
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        cvm_store_block b = {.height = h, .diff = &d, .events = recs, .nevents = n};
        if (cvm_store_commit(s, &b) != CVM_OK)
            fail_msg("commit %llu: %s", (unsigned long long)h, cvm_store_errmsg(s));
        cvm_state_diff_free(&d);
        cvm_buf_free(&buf);
    }
}

/* What a query delivered: "height.tx.index service.name n" lines. */
typedef struct seen {
    char text[65536];
    size_t n;
    cvm_event_pos last;
} seen;

static int collect(void *ud, const cvm_event_pos *p, const cvm_event *ev)
{
    seen *s = ud;
    size_t at = strlen(s->text);
    snprintf(s->text + at, sizeof s->text - at, "%llu.%llu.%llu %s.%s %lld\n", (unsigned long long)p->height,
             (unsigned long long)p->tx_index, (unsigned long long)p->index, ev->service, ev->name,
             (long long)ev->fields[0].value.v.i64);
    s->n++;
    s->last = *p;
    return 0;
}

/* The answer to q by the full walk (no filter), filtered here. */
static void brute(cvm_store *st, const cvm_event_query *q, seen *out)
{
    cvm_event_query all = {.from = q->from, .to = q->to};
    seen every;
    memset(&every, 0, sizeof every);
    memset(out, 0, sizeof *out);
    assert_int_equal(cvm_store_events_page(st, &all, collect, &every, NULL), CVM_OK);
    for (char *line = every.text; *line;) {
        char *nl = strchr(line, '\n');
        char svc[32], name[32];
        assert_int_equal(sscanf(strchr(line, ' ') + 1, "%31[^.].%31s", svc, name), 2);
        if ((!q->service || strcmp(q->service, svc) == 0) && (!q->name || strcmp(q->name, name) == 0)) {
            size_t at = strlen(out->text);
            memcpy(out->text + at, line, (size_t)(nl + 1 - line));
            out->text[at + (size_t)(nl + 1 - line)] = '\0';
            out->n++;
        }
        line = nl + 1;
    }
}

/* Every filter and range: the index's answer is the walk's. Then paged. */
static void check_all(cvm_store *st)
{
    const char *svcs[] = {NULL, "Alpha", "Beta", "_Gamma", "Nobody"};
    const char *names[] = {NULL, "Joined", "Left", "Paid", "Nothing"};
    const uint64_t ranges[][2] = {{0, 0}, {1, 40}, {7, 7}, {5, 5}, {12, 30}, {38, 0}, {41, 0}};
    size_t total = 0;
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 5; b++)
            for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
                cvm_event_query q = {.service = svcs[a], .name = names[b], .from = ranges[r][0], .to = ranges[r][1]};
                seen want, got;
                brute(st, &q, &want);
                memset(&got, 0, sizeof got);
                int more = 7;
                if (cvm_store_events_page(st, &q, collect, &got, &more) != CVM_OK)
                    fail_msg("query: %s", cvm_store_errmsg(st));
                assert_int_equal(more, 0);
                if (strcmp(got.text, want.text) != 0)
                    fail_msg("%s.%s %llu..%llu:\ngot\n%s\nwant\n%s", svcs[a] ? svcs[a] : "*", names[b] ? names[b] : "*",
                             (unsigned long long)q.from, (unsigned long long)q.to, got.text, want.text);
                total += got.n;
                /* paged: pages of k, each resumed after the last one's cursor */
                for (size_t k = 1; k <= 4 && want.n; k++) {
                    seen pages;
                    memset(&pages, 0, sizeof pages);
                    cvm_event_query pq = q;
                    pq.limit = k;
                    for (size_t guard = 0;; guard++) {
                        assert_true(guard <= want.n);
                        size_t before = pages.n;
                        assert_int_equal(cvm_store_events_page(st, &pq, collect, &pages, &more), CVM_OK);
                        assert_true(pages.n - before <= k);
                        assert_int_equal(more, pages.n < want.n);
                        if (!more)
                            break;
                        assert_int_equal(pages.n - before, k);
                        pq.after_height = pages.last.height;
                        pq.after_tx = pages.last.tx_index;
                        pq.after_index = pages.last.index;
                    }
                    assert_string_equal(pages.text, want.text);
                }
            }
    assert_true(total > 500); /* the filters matched something */
}

/* A cursor before `from` is no cursor; one after `to` finds nothing; the
 * positions are what build wrote. */
static void check_cursor_edges(cvm_store *st)
{
    seen got;
    memset(&got, 0, sizeof got);
    cvm_event_query q = {.service = "Beta", .from = 20, .after_height = 3, .after_tx = 0, .after_index = 0};
    assert_int_equal(cvm_store_events_page(st, &q, collect, &got, NULL), CVM_OK);
    seen want;
    cvm_event_query plain = {.service = "Beta", .from = 20};
    brute(st, &plain, &want);
    assert_string_equal(got.text, want.text);
    memset(&got, 0, sizeof got);
    cvm_event_query late = {.name = "Paid", .to = 10, .after_height = 11};
    assert_int_equal(cvm_store_events_page(st, &late, collect, &got, NULL), CVM_OK);
    assert_int_equal(got.n, 0);
    /* height 7: 2 transactions (7 % 3 + 1), 3 and 0 events ((7 + t) % 4) */
    memset(&got, 0, sizeof got);
    cvm_event_query h7 = {.from = 7, .to = 7};
    assert_int_equal(cvm_store_events_page(st, &h7, collect, &got, NULL), CVM_OK);
    assert_string_equal(got.text, "7.0.0 Beta.Left 700\n7.0.1 _Gamma.Paid 701\n7.0.2 Alpha.Joined 702\n");
}

static void test_memstore(void **state)
{
    (void)state;
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    build(s);
    check_all(s);
    check_cursor_edges(s);
    cvm_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/cvm-evindex-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_dir_remove(dir);
    return 0;
}

static void test_lmdb(void **state)
{
    (void)state;
    cvm_store *s;
    cvm_errmsg err;
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &err), CVM_OK);
    build(s);
    check_all(s);
    cvm_store_close(s);
    /* read back after a reopen, read-only */
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, dir, &s, &err), CVM_OK);
    check_cursor_edges(s);
    cvm_store_close(s);
}

/* An index entry whose record was removed: the query says so. */
static void test_lmdb_index_names_missing_record(void **state)
{
    (void)state;
    cvm_store *s;
    cvm_errmsg err;
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &err), CVM_OK);
    build(s);
    cvm_store_close(s);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "events", 0, &dbi), 0);
    uint8_t k7[16] = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1}; /* 7.0.1 _Gamma.Paid */
    MDB_val k = {sizeof k7, k7};
    assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, dir, &s, &err), CVM_OK);
    seen got;
    memset(&got, 0, sizeof got);
    cvm_event_query q = {.service = "_Gamma", .from = 7, .to = 7};
    assert_int_equal(cvm_store_events_page(s, &q, collect, &got, NULL), CVM_ESTATE);
    assert_non_null(strstr(cvm_store_errmsg(s), "the service index names record 1 of height 7, which is missing"));
    cvm_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memstore),
        cmocka_unit_test_setup_teardown(test_lmdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lmdb_index_names_missing_record, setup, teardown),
    };
    return cmocka_run_group_tests_name("event indexes", tests, NULL, NULL);
}
