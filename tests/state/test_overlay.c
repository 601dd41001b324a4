/*
 * test_overlay.c — the transient state over a memory store: read-through
 * caching, read-only refusal, namespaces, checkpoints (a failed middle
 * transaction, nesting, misuse), and the combined diff (last value wins,
 * unchanged values vanish, the same bytes whatever the write order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state/memstore.h"
#include "state/overlay.h"

#define B(s) (const uint8_t *)(s), strlen(s)

typedef struct fixture {
    cvm_store *s;    /* owned */
    cvm_overlay *o;  /* owned: a read-write overlay over s */
} fixture;

/* The store starts at height 1 holding Counter.count = "37" and
 * Other.count = "1". */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (cvm_memstore_open(NULL, &f->s) != CVM_OK)
        return -1;
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    cvm_state_diff_add(&d, B("Counter"), B("count"), B("37"));
    cvm_state_diff_add(&d, B("Other"), B("count"), B("1"));
    if (cvm_state_diff_commit(f->s, &d, NULL, 0, NULL) != CVM_OK)
        return -1;
    cvm_state_diff_free(&d);
    if (cvm_overlay_new(NULL, f->s, false, &f->o) != CVM_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cvm_overlay_free(f->o);
    cvm_store_close(f->s);
    free(f);
    return 0;
}

/* The overlay's value of (svc, key) as a string; NULL when absent. */
static const char *rd(cvm_overlay *o, const char *svc, const char *key)
{
    static char out[128];
    const uint8_t *v;
    size_t n;
    bool found;
    assert_int_equal(cvm_overlay_read(o, B(svc), B(key), &v, &n, &found), CVM_OK);
    assert_int_equal(found, n > 0);
    if (!n)
        return NULL;
    memcpy(out, v, n);
    out[n] = '\0';
    return out;
}

static void wr(cvm_overlay *o, const char *svc, const char *key, const char *val)
{
    assert_int_equal(cvm_overlay_write(o, B(svc), B(key), B(val)), CVM_OK);
}

/* The overlay's diff rendered as "svc/key=value;..." ("" = deleted). */
static const char *diff_str(cvm_overlay *o)
{
    static char out[512];
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_overlay_diff(o, &d), CVM_OK);
    out[0] = '\0';
    for (size_t i = 0; i < d.count; i++) {
        const cvm_diff_entry *e = &d.entries[i];
        size_t at = strlen(out);
        snprintf(out + at, sizeof out - at, "%.*s/%.*s=%.*s;", (int)e->service_len, (const char *)e->service,
                 (int)e->key_len, (const char *)e->key, (int)e->value_len, e->value ? (const char *)e->value : "");
    }
    cvm_state_diff_free(&d);
    return out;
}

static void test_reads_hit_store_once(void **state)
{
    fixture *f = *state;
    uint64_t r0 = cvm_store_reads(f->s);
    assert_string_equal(rd(f->o, "Counter", "count"), "37");
    assert_string_equal(rd(f->o, "Counter", "count"), "37");
    assert_int_equal(cvm_store_reads(f->s), r0 + 1);
    /* absent keys are cached too */
    assert_null(rd(f->o, "Counter", "missing"));
    assert_null(rd(f->o, "Counter", "missing"));
    assert_int_equal(cvm_store_reads(f->s), r0 + 2);
    /* a key written before any read never reaches the store for reads */
    wr(f->o, "Counter", "fresh", "1");
    assert_string_equal(rd(f->o, "Counter", "fresh"), "1");
    assert_int_equal(cvm_store_reads(f->s), r0 + 2);
    /* nothing was written to the store */
    assert_int_equal(cvm_store_height(f->s), 1);
}

static void test_read_only_refuses_writes(void **state)
{
    fixture *f = *state;
    cvm_overlay *ro;
    assert_int_equal(cvm_overlay_new(NULL, f->s, true, &ro), CVM_OK);
    assert_true(cvm_overlay_read_only(ro));
    assert_string_equal(rd(ro, "Counter", "count"), "37");
    assert_int_equal(cvm_overlay_write(ro, B("Counter"), B("count"), B("38")), CVM_EINPUT);
    assert_string_equal(cvm_overlay_errmsg(ro),
                        "state write refused: the context is read-only (service Counter, key count)");
    assert_int_equal(cvm_overlay_write(ro, B("Counter"), B("count"), NULL, 0), CVM_EINPUT);
    /* binary and long names are shown escaped and cut */
    assert_int_equal(cvm_overlay_write(ro, B("A-service-name-far-too-long-to-show-whole-in-a-message"), B("\x01k\\"), B("1")),
                     CVM_EINPUT);
    assert_string_equal(cvm_overlay_errmsg(ro), "state write refused: the context is read-only "
                                                "(service A-service-name-far-too-long-to-show-whole-in..., key \\x01k\\x5c)");
    assert_string_equal(rd(ro, "Counter", "count"), "37");
    assert_string_equal(diff_str(ro), "");
    cvm_overlay_free(ro);
}

static void test_successive_writes_one_entry(void **state)
{
    fixture *f = *state;
    wr(f->o, "Counter", "count", "38");
    wr(f->o, "Counter", "count", "39");
    assert_string_equal(rd(f->o, "Counter", "count"), "39");
    wr(f->o, "Counter", "count", "40");
    assert_string_equal(diff_str(f->o), "Counter/count=40;");
}

static void test_services_do_not_interfere(void **state)
{
    fixture *f = *state;
    wr(f->o, "Counter", "count", "100");
    assert_string_equal(rd(f->o, "Other", "count"), "1");
    wr(f->o, "Other", "count", "200");
    assert_string_equal(rd(f->o, "Counter", "count"), "100");
    assert_string_equal(rd(f->o, "Other", "count"), "200");
    assert_null(rd(f->o, "Third", "count"));
    /* the service/key boundary is part of the key */
    wr(f->o, "a", "bc", "x");
    assert_null(rd(f->o, "ab", "c"));
    assert_string_equal(diff_str(f->o), "Counter/count=100;Other/count=200;a/bc=x;");
}

static void test_failed_middle_transaction(void **state)
{
    fixture *f = *state;
    size_t m;
    /* tx 1 succeeds */
    assert_int_equal(cvm_overlay_checkpoint(f->o, &m), CVM_OK);
    assert_int_equal(m, 1);
    wr(f->o, "Counter", "count", "38");
    wr(f->o, "Counter", "a", "1");
    assert_int_equal(cvm_overlay_release(f->o, m), CVM_OK);
    /* tx 2 writes, sees its writes, then fails */
    assert_int_equal(cvm_overlay_checkpoint(f->o, &m), CVM_OK);
    wr(f->o, "Counter", "count", "99");
    wr(f->o, "Counter", "count", "98");
    wr(f->o, "Counter", "b", "2");
    assert_int_equal(cvm_overlay_write(f->o, B("Counter"), B("a"), NULL, 0), CVM_OK);
    assert_string_equal(rd(f->o, "Counter", "count"), "98");
    assert_string_equal(rd(f->o, "Counter", "b"), "2");
    assert_null(rd(f->o, "Counter", "a"));
    assert_int_equal(cvm_overlay_rollback(f->o, m), CVM_OK);
    assert_string_equal(rd(f->o, "Counter", "count"), "38");
    assert_string_equal(rd(f->o, "Counter", "a"), "1");
    assert_null(rd(f->o, "Counter", "b"));
    /* tx 3 succeeds */
    assert_int_equal(cvm_overlay_checkpoint(f->o, &m), CVM_OK);
    wr(f->o, "Counter", "c", "3");
    assert_int_equal(cvm_overlay_release(f->o, m), CVM_OK);
    assert_int_equal(cvm_overlay_depth(f->o), 0);
    assert_string_equal(diff_str(f->o), "Counter/a=1;Counter/c=3;Counter/count=38;");
}

static void test_nested_checkpoints(void **state)
{
    fixture *f = *state;
    size_t outer, inner;
    assert_int_equal(cvm_overlay_checkpoint(f->o, &outer), CVM_OK);
    wr(f->o, "S", "a", "1");
    assert_int_equal(cvm_overlay_checkpoint(f->o, &inner), CVM_OK);
    assert_int_equal(inner, 2);
    wr(f->o, "S", "a", "2");
    wr(f->o, "S", "b", "2");
    /* closing the outer one first is refused and undoes nothing */
    assert_int_equal(cvm_overlay_rollback(f->o, outer), CVM_EINPUT);
    assert_string_equal(cvm_overlay_errmsg(f->o), "state rollback of checkpoint 1: the innermost open checkpoint is 2");
    assert_string_equal(rd(f->o, "S", "a"), "2");
    /* the failed call inside the transaction */
    assert_int_equal(cvm_overlay_rollback(f->o, inner), CVM_OK);
    assert_string_equal(rd(f->o, "S", "a"), "1");
    assert_null(rd(f->o, "S", "b"));
    /* a successful call inside it: kept by release, still undoable by the outer */
    assert_int_equal(cvm_overlay_checkpoint(f->o, &inner), CVM_OK);
    wr(f->o, "S", "c", "3");
    wr(f->o, "S", "a", "4");
    assert_int_equal(cvm_overlay_release(f->o, inner), CVM_OK);
    assert_string_equal(rd(f->o, "S", "c"), "3");
    assert_string_equal(rd(f->o, "S", "a"), "4");
    assert_int_equal(cvm_overlay_rollback(f->o, outer), CVM_OK);
    assert_null(rd(f->o, "S", "a"));
    assert_null(rd(f->o, "S", "c"));
    assert_string_equal(diff_str(f->o), "");
    assert_int_equal(cvm_overlay_rollback(f->o, outer), CVM_EINPUT);
    assert_string_equal(cvm_overlay_errmsg(f->o), "state rollback of checkpoint 1: no checkpoint is open");
    assert_int_equal(cvm_overlay_release(f->o, 1), CVM_EINPUT);
}

/* Rewrites under one checkpoint journal once; rollbacks still restore the
 * state from before the checkpoint, at every level. */
static void test_rewrites_and_rollbacks(void **state)
{
    fixture *f = *state;
    size_t outer, inner;
    assert_int_equal(cvm_overlay_checkpoint(f->o, &outer), CVM_OK);
    wr(f->o, "Counter", "count", "41");
    wr(f->o, "Counter", "count", "42");
    assert_int_equal(cvm_overlay_checkpoint(f->o, &inner), CVM_OK);
    wr(f->o, "Counter", "count", "43");
    wr(f->o, "Counter", "count", "44");
    assert_int_equal(cvm_overlay_release(f->o, inner), CVM_OK);
    wr(f->o, "Counter", "count", "45");
    assert_int_equal(cvm_overlay_checkpoint(f->o, &inner), CVM_OK);
    wr(f->o, "Counter", "count", "46");
    wr(f->o, "Counter", "count", "4"); /* a different length */
    assert_int_equal(cvm_overlay_rollback(f->o, inner), CVM_OK);
    assert_string_equal(rd(f->o, "Counter", "count"), "45");
    wr(f->o, "Counter", "count", "47");
    assert_int_equal(cvm_overlay_rollback(f->o, outer), CVM_OK);
    assert_string_equal(rd(f->o, "Counter", "count"), "37");
    assert_string_equal(diff_str(f->o), "");
    /* a new transaction after a rolled-back one */
    assert_int_equal(cvm_overlay_checkpoint(f->o, &outer), CVM_OK);
    wr(f->o, "Counter", "count", "50");
    assert_int_equal(cvm_overlay_release(f->o, outer), CVM_OK);
    assert_int_equal(cvm_overlay_checkpoint(f->o, &outer), CVM_OK);
    wr(f->o, "Counter", "count", "51");
    assert_int_equal(cvm_overlay_rollback(f->o, outer), CVM_OK);
    assert_string_equal(rd(f->o, "Counter", "count"), "50");
    assert_string_equal(diff_str(f->o), "Counter/count=50;");
}

/* Counts allocations (frees are free). */
static void *counting_realloc(void *ud, void *p, size_t n)
{
    if (n == 0) {
        free(p);
        return NULL;
    }
    ++*(long *)ud;
    return realloc(p, n);
}

/* A counter loop inside a transaction: after the first Store of the key,
 * the rest allocate nothing and the journal does not grow. */
static void test_counter_loop_allocates_nothing(void **state)
{
    fixture *f = *state;
    long allocs = 0;
    cvm_allocator al = {counting_realloc, &allocs};
    cvm_overlay *o;
    assert_int_equal(cvm_overlay_new(&al, f->s, false, &o), CVM_OK);
    size_t m;
    assert_int_equal(cvm_overlay_checkpoint(o, &m), CVM_OK);
    uint8_t v[8] = {0};
    assert_int_equal(cvm_overlay_write(o, B("Counter"), B("i"), v, 8), CVM_OK);
    long before = allocs;
    for (int i = 1; i <= 1000; i++) {
        const uint8_t *cur;
        size_t n;
        assert_int_equal(cvm_overlay_read(o, B("Counter"), B("i"), &cur, &n, NULL), CVM_OK);
        assert_int_equal(n, 8);
        assert_int_equal(cur[0] | cur[1] << 8, i - 1);
        v[0] = (uint8_t)i;
        v[1] = (uint8_t)(i >> 8);
        assert_int_equal(cvm_overlay_write(o, B("Counter"), B("i"), v, 8), CVM_OK);
    }
    assert_int_equal(allocs, before);
    assert_int_equal(cvm_overlay_rollback(o, m), CVM_OK);
    const uint8_t *cur;
    size_t n;
    assert_int_equal(cvm_overlay_read(o, B("Counter"), B("i"), &cur, &n, NULL), CVM_OK);
    assert_int_equal(n, 0);
    cvm_overlay_free(o);
}

static void test_write_back_leaves_no_entry(void **state)
{
    fixture *f = *state;
    wr(f->o, "Counter", "count", "50");
    wr(f->o, "Counter", "count", "37"); /* the stored value again */
    /* written then deleted, never stored */
    wr(f->o, "Counter", "temp", "9");
    assert_int_equal(cvm_overlay_write(f->o, B("Counter"), B("temp"), NULL, 0), CVM_OK);
    /* deleting an absent key changes nothing either */
    assert_int_equal(cvm_overlay_write(f->o, B("Counter"), B("never"), NULL, 0), CVM_OK);
    assert_string_equal(diff_str(f->o), "");
    /* deleting a stored key is an entry with an empty value */
    assert_int_equal(cvm_overlay_write(f->o, B("Other"), B("count"), NULL, 0), CVM_OK);
    assert_string_equal(diff_str(f->o), "Other/count=;");
}

static void test_blind_write_diff_reads_store(void **state)
{
    fixture *f = *state;
    /* written without a read: the diff has to ask the store what was there */
    wr(f->o, "Counter", "count", "37");
    wr(f->o, "Other", "count", "2");
    uint64_t r0 = cvm_store_reads(f->s);
    assert_string_equal(diff_str(f->o), "Other/count=2;");
    assert_int_equal(cvm_store_reads(f->s), r0 + 2);
    /* and only once */
    assert_string_equal(diff_str(f->o), "Other/count=2;");
    assert_int_equal(cvm_store_reads(f->s), r0 + 2);
}

static void test_diff_commit_then_new_overlay(void **state)
{
    fixture *f = *state;
    wr(f->o, "Counter", "count", "38");
    assert_int_equal(cvm_overlay_write(f->o, B("Other"), B("count"), NULL, 0), CVM_OK);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_overlay_diff(f->o, &d), CVM_OK);
    assert_int_equal(cvm_state_diff_commit(f->s, &d, NULL, 0, NULL), CVM_OK);
    cvm_state_diff_free(&d);
    assert_int_equal(cvm_store_height(f->s), 2);
    /* the old overlay read at height 1, which is gone: a clear error */
    const uint8_t *v;
    size_t n;
    assert_int_equal(cvm_overlay_read(f->o, B("Counter"), B("unread"), &v, &n, NULL), CVM_ESTATE);
    assert_non_null(strstr(cvm_overlay_errmsg(f->o), "latest height, 2"));
    cvm_overlay *o2;
    assert_int_equal(cvm_overlay_new(NULL, f->s, false, &o2), CVM_OK);
    assert_int_equal(cvm_overlay_height(o2), 2);
    assert_string_equal(rd(o2, "Counter", "count"), "38");
    assert_null(rd(o2, "Other", "count"));
    cvm_overlay_free(o2);
}

static void test_key_too_long(void **state)
{
    fixture *f = *state;
    uint8_t big[CVM_STATE_KEY_MAX];
    memset(big, 'k', sizeof big);
    assert_int_equal(cvm_overlay_write(f->o, B("Svc"), big, sizeof big, B("1")), CVM_EINPUT);
    /* in the user's terms: what is left for the key once the service's name is counted */
    assert_string_equal(cvm_overlay_errmsg(f->o),
                        "state key too long in service Svc: the key is 511 bytes; its keys hold at most 506");
    const uint8_t *v;
    size_t n;
    assert_int_equal(cvm_overlay_read(f->o, B("Svc"), big, sizeof big, &v, &n, NULL), CVM_EINPUT);
}

/* The last-slot shortcut compares (service, key) piece by piece: the same
 * bytes split differently, or one length apart, are other keys. */
static void test_last_slot_split_keys(void **state)
{
    fixture *f = *state;
    wr(f->o, "Ab", "c", "1");
    assert_null(rd(f->o, "A", "bc"));
    wr(f->o, "A", "bc", "2");
    assert_string_equal(rd(f->o, "Ab", "c"), "1");
    assert_null(rd(f->o, "Abc", ""));
    assert_null(rd(f->o, "Ab", "cd"));
    assert_null(rd(f->o, "Ab", ""));
    assert_string_equal(rd(f->o, "A", "bc"), "2");
    assert_string_equal(diff_str(f->o), "A/bc=2;Ab/c=1;");
}

/* The overlay's value of a slot handle as a string; NULL when absent. */
static const char *rd_at(cvm_overlay *o, cvm_overlay_slot *s)
{
    static char out[128];
    const uint8_t *v;
    size_t n;
    bool found;
    assert_int_equal(cvm_overlay_read_at(o, s, &v, &n, &found), CVM_OK);
    assert_int_equal(found, n > 0);
    if (!n)
        return NULL;
    memcpy(out, v, n);
    out[n] = '\0';
    return out;
}

/* A handle reads and writes exactly what the keyed calls do; two services
 * with the same key get different slots. */
static void test_slot_handles_are_keys(void **state)
{
    fixture *f = *state;
    cvm_overlay_slot *c, *c2, *other;
    uint64_t r0 = cvm_store_reads(f->s);
    assert_int_equal(cvm_overlay_ref(f->o, B("Counter"), B("count"), &c), CVM_OK);
    assert_int_equal(cvm_overlay_ref(f->o, B("Other"), B("count"), &other), CVM_OK);
    assert_int_equal(cvm_overlay_ref(f->o, B("Counter"), B("count"), &c2), CVM_OK);
    assert_ptr_equal(c, c2);
    assert_ptr_not_equal(c, other);
    assert_int_equal(cvm_store_reads(f->s), r0); /* resolving reads nothing */
    assert_string_equal(rd_at(f->o, c), "37");
    assert_string_equal(rd_at(f->o, other), "1");
    assert_int_equal(cvm_store_reads(f->s), r0 + 2);
    assert_int_equal(cvm_overlay_write_at(f->o, c, B("40")), CVM_OK);
    assert_string_equal(rd(f->o, "Counter", "count"), "40");
    assert_string_equal(rd(f->o, "Other", "count"), "1");
    wr(f->o, "Counter", "count", "41");
    assert_string_equal(rd_at(f->o, c), "41");
    assert_int_equal(cvm_overlay_write_at(f->o, other, NULL, 0), CVM_OK);
    assert_null(rd(f->o, "Other", "count"));
    assert_string_equal(rd_at(f->o, c), "41");
    /* a handle on a key written blind: the diff still reads the store */
    cvm_overlay_slot *n;
    assert_int_equal(cvm_overlay_ref(f->o, B("Counter"), B("new"), &n), CVM_OK);
    assert_int_equal(cvm_overlay_write_at(f->o, n, B("7")), CVM_OK);
    assert_string_equal(diff_str(f->o), "Counter/count=41;Counter/new=7;Other/count=;");
    /* too long: no handle */
    uint8_t big[CVM_STATE_KEY_MAX];
    memset(big, 'k', sizeof big);
    cvm_overlay_slot *bad = c;
    assert_int_equal(cvm_overlay_ref(f->o, B("Svc"), big, sizeof big, &bad), CVM_EINPUT);
    assert_null(bad);
    assert_non_null(strstr(cvm_overlay_errmsg(f->o), "state key too long in service Svc"));
}

/* A handle outlives checkpoints: a rollback restores what its slot holds,
 * at every level, and later writes through it are journaled again. Many
 * other keys made meanwhile (the map grows and rehashes) do not move it. */
static void test_slot_handles_across_rollbacks(void **state)
{
    fixture *f = *state;
    cvm_overlay_slot *c;
    assert_int_equal(cvm_overlay_ref(f->o, B("Counter"), B("count"), &c), CVM_OK);
    size_t outer, inner;
    assert_int_equal(cvm_overlay_checkpoint(f->o, &outer), CVM_OK);
    assert_int_equal(cvm_overlay_write_at(f->o, c, B("50")), CVM_OK);
    assert_int_equal(cvm_overlay_checkpoint(f->o, &inner), CVM_OK);
    assert_int_equal(cvm_overlay_write_at(f->o, c, B("51")), CVM_OK);
    assert_int_equal(cvm_overlay_write_at(f->o, c, B("52")), CVM_OK);
    char k[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(k, sizeof k, "k%d", i);
        wr(f->o, "Counter", k, "1");
    }
    assert_string_equal(rd_at(f->o, c), "52");
    assert_int_equal(cvm_overlay_rollback(f->o, inner), CVM_OK);
    assert_string_equal(rd_at(f->o, c), "50");
    assert_null(rd(f->o, "Counter", "k1999"));
    assert_int_equal(cvm_overlay_checkpoint(f->o, &inner), CVM_OK);
    assert_int_equal(cvm_overlay_write_at(f->o, c, B("60")), CVM_OK);
    assert_int_equal(cvm_overlay_release(f->o, inner), CVM_OK);
    assert_string_equal(rd_at(f->o, c), "60");
    assert_int_equal(cvm_overlay_rollback(f->o, outer), CVM_OK);
    assert_string_equal(rd_at(f->o, c), "37");
    assert_string_equal(rd(f->o, "Counter", "count"), "37");
    assert_string_equal(diff_str(f->o), "");
    /* after everything closed, in place again */
    assert_int_equal(cvm_overlay_write_at(f->o, c, B("38")), CVM_OK);
    assert_string_equal(diff_str(f->o), "Counter/count=38;");
}

/* A handle on a read-only overlay reads, and its writes are refused with
 * the keyed call's message. */
static void test_slot_handle_read_only(void **state)
{
    fixture *f = *state;
    cvm_overlay *ro;
    assert_int_equal(cvm_overlay_new(NULL, f->s, true, &ro), CVM_OK);
    cvm_overlay_slot *c;
    assert_int_equal(cvm_overlay_ref(ro, B("Counter"), B("count"), &c), CVM_OK);
    assert_string_equal(rd_at(ro, c), "37");
    assert_int_equal(cvm_overlay_write_at(ro, c, B("38")), CVM_EINPUT);
    assert_string_equal(cvm_overlay_errmsg(ro),
                        "state write refused: the context is read-only (service Counter, key count)");
    assert_string_equal(rd_at(ro, c), "37");
    assert_string_equal(diff_str(ro), "");
    /* a key too long for the store: the handle is refused, and so is the
     * keyed write, for the same reason (a host's Store traps alike) */
    uint8_t big[CVM_STATE_KEY_MAX];
    memset(big, 'k', sizeof big);
    cvm_overlay_slot *bad = c;
    assert_int_equal(cvm_overlay_ref(ro, B("Svc"), big, sizeof big, &bad), CVM_EINPUT);
    char why[300];
    snprintf(why, sizeof why, "%s", cvm_overlay_errmsg(ro));
    assert_non_null(strstr(why, "state key too long in service Svc"));
    assert_int_equal(cvm_overlay_write(ro, B("Svc"), big, sizeof big, B("1")), CVM_EINPUT);
    assert_string_equal(cvm_overlay_errmsg(ro), why);
    cvm_overlay_free(ro);
}

/* Writes the same five changes in every order (Heap's algorithm, 120
 * permutations), each in a fresh overlay, and compares the encodings. */
static void test_diff_independent_of_write_order(void **state)
{
    fixture *f = *state;
    static const char *const w[5][3] = {
        {"Counter", "count", "41"}, {"Counter", "a", "x"}, {"Other", "count", ""},
        {"B", "zz", "long value"},  {"Counter", "", "empty key"},
    };
    int perm[5] = {0, 1, 2, 3, 4}, c[5] = {0};
    cvm_buf first;
    cvm_buf_init(&first, NULL);
    uint8_t first_hash[CVM_SHA256_BYTES];
    int runs = 0;
    for (int i = 0;;) {
        /* run the current permutation */
        cvm_overlay *o;
        assert_int_equal(cvm_overlay_new(NULL, f->s, false, &o), CVM_OK);
        for (int k = 0; k < 5; k++)
            wr(o, w[perm[k]][0], w[perm[k]][1], w[perm[k]][2]);
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        assert_int_equal(cvm_overlay_diff(o, &d), CVM_OK);
        cvm_buf enc;
        cvm_buf_init(&enc, NULL);
        assert_int_equal(cvm_state_diff_encode(&d, &enc), CVM_OK);
        uint8_t h[CVM_SHA256_BYTES];
        assert_int_equal(cvm_state_diff_hash(&d, h), CVM_OK);
        if (runs++ == 0) {
            assert_int_equal(d.count, 5);
            assert_int_equal(cvm_state_diff_encode(&d, &first), CVM_OK);
            memcpy(first_hash, h, sizeof h);
        } else {
            assert_int_equal(enc.len, first.len);
            assert_memory_equal(enc.data, first.data, enc.len);
            assert_memory_equal(h, first_hash, sizeof h);
        }
        cvm_buf_free(&enc);
        cvm_state_diff_free(&d);
        cvm_overlay_free(o);
        /* next permutation */
        while (i < 5 && c[i] >= i) {
            c[i] = 0;
            i++;
        }
        if (i == 5)
            break;
        int j = (i % 2) ? c[i] : 0, t = perm[j];
        perm[j] = perm[i];
        perm[i] = t;
        c[i]++;
        i = 0;
    }
    assert_int_equal(runs, 120);
    /* and the order is service then key, shorter first */
    wr(f->o, "Counter", "count", "41");
    wr(f->o, "Counter", "a", "x");
    wr(f->o, "Other", "count", "");
    wr(f->o, "B", "zz", "long value");
    wr(f->o, "Counter", "", "empty key");
    assert_string_equal(diff_str(f->o), "B/zz=long value;Counter/=empty key;Counter/a=x;Counter/count=41;Other/count=;");
    cvm_buf_free(&first);
}

/* The overlay against a plain model (16 keys in 4 services, a stack of
 * saved copies for checkpoints) over random writes, deletes, reads,
 * checkpoints, rollbacks and releases; the diff at the end must be the
 * model's changes against the store. Fixed seed, repeatable. */
enum { NSVC = 4, NKEY = 4, NVAL = 5 };
static const char *const svcs[NSVC] = {"A", "AB", "B", "Counter"};
static const char *const keys[NKEY] = {"", "count", "k", "kk"};
/* value 0 is absent; 2 and 3 have the same length (in-place overwrites);
 * the last one, never written, is what the store holds for Counter.count */
static const char *const vals[NVAL + 1] = {"", "a", "bb", "cc", "ddd", "37"};

static void check_model(cvm_overlay *o, int si, int ki, int want)
{
    const char *v = rd(o, svcs[si], keys[ki]);
    if (want == 0) {
        if (v)
            fail_msg("%s/%s: overlay has \"%s\", model has it absent", svcs[si], keys[ki], v);
    } else {
        if (!v)
            fail_msg("%s/%s: overlay has it absent, model has \"%s\"", svcs[si], keys[ki], vals[want]);
        assert_string_equal(v, vals[want]);
    }
}

static void test_random_against_model(void **state)
{
    fixture *f = *state;
    /* the store (height 1) holds Counter.count = "37" and nothing else of these keys */
    int base[NSVC][NKEY] = {{0}};
    base[3][1] = NVAL;
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 200; round++) {
        cvm_overlay *o;
        assert_int_equal(cvm_overlay_new(NULL, f->s, false, &o), CVM_OK);
        int cur[NSVC][NKEY], saved[8][NSVC][NKEY];
        int depth = 0;
        memcpy(cur, base, sizeof cur);
        for (int step = 0; step < 200; step++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int op = (int)(x % 10), si = (int)((x >> 8) % NSVC), ki = (int)((x >> 16) % NKEY);
            int vi = (int)((x >> 24) % NVAL);
            if (op < 5) {
                assert_int_equal(cvm_overlay_write(o, B(svcs[si]), B(keys[ki]), B(vals[vi])), CVM_OK);
                cur[si][ki] = vi;
            } else if (op < 7) {
                check_model(o, si, ki, cur[si][ki]);
            } else if (op == 7 && depth < 8) {
                size_t m;
                assert_int_equal(cvm_overlay_checkpoint(o, &m), CVM_OK);
                memcpy(saved[depth++], cur, sizeof cur);
                assert_int_equal(m, (size_t)depth);
            } else if (op == 8 && depth > 0) {
                assert_int_equal(cvm_overlay_rollback(o, (size_t)depth), CVM_OK);
                memcpy(cur, saved[--depth], sizeof cur);
            } else if (op == 9 && depth > 0) {
                assert_int_equal(cvm_overlay_release(o, (size_t)depth), CVM_OK);
                depth--;
            }
        }
        while (depth > 0) {
            assert_int_equal(cvm_overlay_release(o, (size_t)depth), CVM_OK);
            depth--;
        }
        for (int si = 0; si < NSVC; si++)
            for (int ki = 0; ki < NKEY; ki++)
                check_model(o, si, ki, cur[si][ki]);
        /* the diff: exactly the keys whose value differs from the store's */
        char want[512] = "";
        for (int si = 0; si < NSVC; si++)
            for (int ki = 0; ki < NKEY; ki++) {
                if (cur[si][ki] == base[si][ki])
                    continue;
                size_t at = strlen(want);
                snprintf(want + at, sizeof want - at, "%s/%s=%s;", svcs[si], keys[ki], vals[cur[si][ki]]);
            }
        assert_string_equal(diff_str(o), want);
        cvm_overlay_free(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_hit_store_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_successive_writes_one_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_services_do_not_interfere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_middle_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrites_and_rollbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counter_loop_allocates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_back_leaves_no_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_write_diff_reads_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_commit_then_new_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_independent_of_write_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_slot_split_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_handles_are_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_handles_across_rollbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_handle_read_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
