/*
 * test_history.c — cvm_store_events_query over both backends: a chain
 * played through the VM (so the records are the ones cvm_vm_commit
 * writes), then each filter and their combinations, the exact fields, the
 * absence of a failed transaction's events, early stop, the history after
 * a close and reopen of an LMDB store (also read-only), what the read-only
 * open refuses, and damaged records.
 *
 * The chain (heights):
 *   1  genesis (accounts 1 admin, 2, 3)
 *   2  _Deployments.deployService Emitter
 *   3  tx 0 Emitter.ping(1)               Emitter.Ping {value 1}
 *      tx 1 _Cooperatives.create garden   _Cooperatives.CooperativeCreated
 *      tx 2 Emitter.boom(2)               fails: ABORTED, no events
 *   4  tx 0 _Cooperatives.join garden (2) _Cooperatives.CooperativeJoined
 *      tx 1 Emitter.twice(5)              Emitter.Ping {value 5}, Emitter.Pong {value 6}
 *   5  tx 0 _Governance.createProposal    _Governance.ProposalCreated
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "codec/event.h"
#include "native/cooptest.h"
#include "state/diff.h"
#include "state/lmdbstore.h"
#include "support/store_dir.h"

static const char emitter_src[] = ".method ping params 1\n"
                                  "  Emit \"Ping\"\n"
                                  ".method twice params 1\n"
                                  "  Dup\n"
                                  "  Emit \"Ping\"\n"
                                  "  Push 1\n"
                                  "  Add\n"
                                  "  Emit \"Pong\"\n"
                                  ".method boom params 1\n"
                                  "  Emit \"Ping\"\n"
                                  "  Push 3\n"
                                  "  Abort\n";

static char tmp[64]; /* the test's temp dir; LMDB stores live in tmp/<name> */

static int setup(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/cvm-history-XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static void remove_store(const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    store_dir_remove(p);
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"chain", "bad", "empty", "foreign", "garbage", "missing"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        remove_store(names[i]);
    rmdir(tmp);
    return 0;
}

static const char *path_of(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    return p;
}

static cvm_store *open_lmdb(const char *name)
{
    cvm_errmsg err;
    cvm_store *s = NULL;
    if (cvm_lmdbstore_open(NULL, path_of(name), &s, &err) != CVM_OK)
        fail_msg("open %s: %s", name, err.text);
    return s;
}

/* Plays the chain above on c. */
static void play(chain *c)
{
    const int64_t reps[] = {200, 150, 120};
    genesis(c, reps, 3);
    deploy(c, "Emitter", emitter_src);

    cvm_arg one = cvm_arg_int64(1), two = cvm_arg_int64(2), five = cvm_arg_int64(5), create[8];
    create_args(create, "garden", "Community garden", 10, 20, 30, 40, 50, "north");
    cvm_arg garden = str("garden");

    cvm_transaction b3[3] = {tx_of(1, "Emitter", "ping", &one, 1), tx_of(1, "_Cooperatives", "create", create, 8),
                             tx_of(2, "Emitter", "boom", &two, 1)};
    cvm_block_result *b = run_block(c, b3, 3);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[2], CVM_ERROR_SMART_CONTRACT, CVM_CODE_ABORTED);
    commit_block(c, b);

    cvm_transaction b4[2] = {tx_of(2, "_Cooperatives", "join", &garden, 1), tx_of(3, "Emitter", "twice", &five, 1)};
    b = run_block(c, b4, 2);
    expect(&b->receipts[0], CVM_SUCCESS, CVM_CODE_NONE);
    expect(&b->receipts[1], CVM_SUCCESS, CVM_CODE_NONE);
    commit_block(c, b);

    ok1(c, 1, "_Governance", "createProposal", &garden, 1);
    assert_int_equal(cvm_store_height(c->store), 5);
}

/* ------------------------------------------------------------ collecting */

/* What a query delivered, one line per event: "H.T Service.Name v", v the
 * value of an int64 field "value" or "-" when there is none. */
typedef struct got {
    char text[1024];
    size_t count;
    size_t stop_after; /* 0: never stop */
} got;

static int collect(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    got *g = ud;
    char v[32] = "-";
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].name, "value") == 0 && ev->fields[i].value.type == CVM_ARG_INT64)
            snprintf(v, sizeof v, "%lld", (long long)ev->fields[i].value.v.i64);
    size_t n = strlen(g->text);
    snprintf(g->text + n, sizeof g->text - n, "%llu.%llu %s.%s %s\n", (unsigned long long)height,
             (unsigned long long)tx_index, ev->service, ev->name, v);
    g->count++;
    return g->stop_after && g->count == g->stop_after;
}

/* Runs q on s and asserts the lines delivered. */
static void query_is(cvm_store *s, const char *service, const char *name, uint64_t from, uint64_t to,
                     const char *want)
{
    cvm_event_query q = {.service = service, .name = name, .from = from, .to = to};
    got g = {"", 0, 0};
    cvm_status st = cvm_store_events_query(s, &q, collect, &g);
    if (st != CVM_OK)
        fail_msg("query: %s: %s", cvm_status_name(st), cvm_store_errmsg(s));
    assert_string_equal(cvm_store_errmsg(s), "");
    if (strcmp(g.text, want) != 0)
        fail_msg("query %s %s %llu..%llu delivered:\n%s\nwanted:\n%s", service ? service : "*", name ? name : "*",
                 (unsigned long long)from, (unsigned long long)to, g.text, want);
}

#define ALL                                       \
    "3.0 Emitter.Ping 1\n"                        \
    "3.1 _Cooperatives.CooperativeCreated -\n"    \
    "4.0 _Cooperatives.CooperativeJoined -\n"     \
    "4.1 Emitter.Ping 5\n"                        \
    "4.1 Emitter.Pong 6\n"                        \
    "5.0 _Governance.ProposalCreated -\n"

/* Every filter and combination, on any store holding the chain. */
static void check_filters(cvm_store *s)
{
    query_is(s, NULL, NULL, 0, 0, ALL);
    query_is(s, NULL, NULL, 1, 5, ALL);
    query_is(s, NULL, NULL, 0, 1000, ALL); /* beyond the latest height is fine */
    /* service */
    query_is(s, "Emitter", NULL, 0, 0, "3.0 Emitter.Ping 1\n4.1 Emitter.Ping 5\n4.1 Emitter.Pong 6\n");
    query_is(s, "_Cooperatives", NULL, 0, 0,
             "3.1 _Cooperatives.CooperativeCreated -\n4.0 _Cooperatives.CooperativeJoined -\n");
    query_is(s, "_Governance", NULL, 0, 0, "5.0 _Governance.ProposalCreated -\n");
    query_is(s, "emitter", NULL, 0, 0, ""); /* exact, case and all */
    query_is(s, "Emit", NULL, 0, 0, "");    /* not a prefix */
    query_is(s, "", NULL, 0, 0, "");
    /* name */
    query_is(s, NULL, "Ping", 0, 0, "3.0 Emitter.Ping 1\n4.1 Emitter.Ping 5\n");
    query_is(s, NULL, "Pong", 0, 0, "4.1 Emitter.Pong 6\n");
    query_is(s, NULL, "CooperativeJoined", 0, 0, "4.0 _Cooperatives.CooperativeJoined -\n");
    query_is(s, NULL, "Nothing", 0, 0, "");
    /* heights */
    query_is(s, NULL, NULL, 4, 0, "4.0 _Cooperatives.CooperativeJoined -\n4.1 Emitter.Ping 5\n4.1 Emitter.Pong 6\n"
                                  "5.0 _Governance.ProposalCreated -\n");
    query_is(s, NULL, NULL, 0, 3, "3.0 Emitter.Ping 1\n3.1 _Cooperatives.CooperativeCreated -\n");
    query_is(s, NULL, NULL, 4, 4, "4.0 _Cooperatives.CooperativeJoined -\n4.1 Emitter.Ping 5\n4.1 Emitter.Pong 6\n");
    query_is(s, NULL, NULL, 5, 5, "5.0 _Governance.ProposalCreated -\n");
    query_is(s, NULL, NULL, 1, 2, ""); /* genesis and the deployment emit nothing */
    query_is(s, NULL, NULL, 6, 0, ""); /* after the latest height */
    query_is(s, NULL, NULL, 6, 9, "");
    /* combinations */
    query_is(s, "Emitter", "Ping", 0, 0, "3.0 Emitter.Ping 1\n4.1 Emitter.Ping 5\n");
    query_is(s, "Emitter", "Ping", 4, 0, "4.1 Emitter.Ping 5\n");
    query_is(s, "Emitter", NULL, 0, 3, "3.0 Emitter.Ping 1\n");
    query_is(s, "_Cooperatives", "Ping", 0, 0, "");
    query_is(s, "_Cooperatives", NULL, 4, 5, "4.0 _Cooperatives.CooperativeJoined -\n");
    query_is(s, NULL, "Pong", 3, 3, "");

    /* a NULL query is everything */
    got g = {"", 0, 0};
    assert_int_equal(cvm_store_events_query(s, NULL, collect, &g), CVM_OK);
    assert_string_equal(g.text, ALL);

    /* stopping early is not an error */
    got g2 = {"", 0, 2};
    cvm_event_query q = {0};
    assert_int_equal(cvm_store_events_query(s, &q, collect, &g2), CVM_OK);
    assert_string_equal(g2.text, "3.0 Emitter.Ping 1\n3.1 _Cooperatives.CooperativeCreated -\n");

    /* from after to */
    cvm_event_query bad = {.from = 4, .to = 3};
    got g3 = {"", 0, 0};
    assert_int_equal(cvm_store_events_query(s, &bad, collect, &g3), CVM_EINPUT);
    assert_string_equal(cvm_store_errmsg(s), "event query: from height 4 is after to height 3");
    assert_int_equal(g3.count, 0);
}

/* The exact fields of the cooperative events (addresses are signers'). */
static int check_fields(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    int *seen = ud;
    if (strcmp(ev->name, "CooperativeCreated") == 0) {
        assert_int_equal(height, 3);
        assert_int_equal(tx_index, 1);
        ev_is(ev, "_Cooperatives", "CooperativeCreated", 3);
        field_str(ev, 0, "cooperative_id", "garden");
        field_addr(ev, 1, "creator", 1);
        field_str(ev, 2, "purpose", "Community garden");
    } else if (strcmp(ev->name, "CooperativeJoined") == 0) {
        ev_is(ev, "_Cooperatives", "CooperativeJoined", 2);
        field_str(ev, 0, "cooperative_id", "garden");
        field_addr(ev, 1, "member", 2);
    } else if (strcmp(ev->name, "ProposalCreated") == 0) {
        ev_is(ev, "_Governance", "ProposalCreated", 3);
        field_str(ev, 0, "cooperative_id", "garden");
        field_i64(ev, 1, "proposal_id", 1);
        field_addr(ev, 2, "creator", 1);
    } else {
        ev_is(ev, "Emitter", ev->name, 1);
        assert_string_equal(ev->fields[0].name, "value");
        assert_int_equal(ev->fields[0].value.type, CVM_ARG_INT64);
        /* the failed transaction (height 3, tx 2) emitted Ping 2 before it aborted */
        assert_false(height == 3 && tx_index == 2);
        assert_true(ev->fields[0].value.v.i64 != 2);
    }
    (*seen)++;
    return 0;
}

static void check_exact(cvm_store *s)
{
    int seen = 0;
    assert_int_equal(cvm_store_events_query(s, NULL, check_fields, &seen), CVM_OK);
    assert_int_equal(seen, 6);
}

/* ----------------------------------------------------------------- tests */

static void test_memstore(void **state)
{
    (void)state;
    chain c;
    chain_open(&c);
    play(&c);
    check_filters(c.store);
    check_exact(c.store);
    chain_close(&c);
}

static void test_lmdb_and_reopen(void **state)
{
    (void)state;
    chain c;
    chain_open_store(&c, open_lmdb("chain"));
    play(&c);
    check_filters(c.store);
    chain_close(&c);

    /* the history survives a close and reopen */
    cvm_store *s = open_lmdb("chain");
    assert_int_equal(cvm_store_height(s), 5);
    check_filters(s);
    check_exact(s);
    cvm_store_close(s);

    /* and reads the same through a read-only handle, which refuses commits */
    cvm_errmsg err;
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, path_of("chain"), &s, &err), CVM_OK);
    assert_int_equal(cvm_store_height(s), 5);
    check_filters(s);
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = 6, .diff = &d}), CVM_ESTATE);
    assert_non_null(strstr(cvm_store_errmsg(s), "opened read-only"));
    assert_int_equal(cvm_store_height(s), 5);
    cvm_state_diff_free(&d);
    cvm_store_close(s);
    s = open_lmdb("chain");
    assert_int_equal(cvm_store_height(s), 5);
    cvm_store_close(s);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* What the read-only open refuses, creating nothing. */
static void test_readonly_refuses(void **state)
{
    (void)state;
    cvm_errmsg err;
    char p[160];
    cvm_store *s = (cvm_store *)&err; /* must come back NULL */

    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, path_of("missing"), &s, &err), CVM_EIO);
    assert_null(s);
    assert_non_null(strstr(err.text, "/missing does not exist"));
    assert_false(exists(path_of("missing")));

    assert_int_equal(mkdir(path_of("empty"), 0755), 0);
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, path_of("empty"), &s, &err), CVM_ESTATE);
    assert_non_null(strstr(err.text, "/empty is not a coopvm store (no data.mdb)"));
    snprintf(p, sizeof p, "%s/data.mdb", path_of("empty"));
    assert_false(exists(p));

    /* an LMDB environment that is not a coopvm store */
    assert_int_equal(mkdir(path_of("foreign"), 0755), 0);
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, path_of("foreign"), 0, 0644), 0);
    mdb_env_close(env);
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, path_of("foreign"), &s, &err), CVM_ESTATE);
    assert_non_null(strstr(err.text, "/foreign is not a coopvm store"));

    /* a data.mdb that is not LMDB */
    assert_int_equal(mkdir(path_of("garbage"), 0755), 0);
    snprintf(p, sizeof p, "%s/data.mdb", path_of("garbage"));
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    for (int i = 0; i < 8192; i++)
        fputc('x', f);
    fclose(f);
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, path_of("garbage"), &s, &err), CVM_ESTATE);
    assert_non_null(strstr(err.text, "/garbage is damaged: data.mdb is not an LMDB file"));
    assert_null(s);

    snprintf(p, sizeof p, "%s/data.mdb", path_of("garbage"));
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, p, &s, &err), CVM_EIO);
    assert_non_null(strstr(err.text, "data.mdb: not a directory"));
}

/* ------------------------------------------------------- damaged records */

/* Commits, as height 1 of s, a good record (height 1, tx 0, X.Good) then rec. */
static void commit_bad(cvm_store *s, const uint8_t *rec, size_t len)
{
    cvm_buf good;
    cvm_buf_init(&good, NULL);
    cvm_event ev = {"X", "Good", NULL, 0};
    assert_int_equal(cvm_event_record_encode(1, 0, &ev, &good, NULL, 0), CVM_OK);
    cvm_store_record recs[2] = {{good.data, good.len}, {rec, len}};
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = 1, .diff = &d, .events = recs, .nevents = 2}),
                     CVM_OK);
    cvm_state_diff_free(&d);
    cvm_buf_free(&good);
}

/* A query over a damaged history: the good record first, then the error. */
static void damaged_is(cvm_store *s, const char *service, const char *part)
{
    cvm_event_query q = {.service = service};
    got g = {"", 0, 0};
    assert_int_equal(cvm_store_events_query(s, &q, collect, &g), CVM_ESTATE);
    assert_string_equal(g.text, "1.0 X.Good -\n");
    const char *err = cvm_store_errmsg(s);
    if (!strstr(err, "event history: the record at height 1, index 1 is damaged: ") || !strstr(err, part))
        fail_msg("message: %s (wanted %s)", err, part);
}

/* A filtered query reads the index, which files only what begins like a
 * record of its height: it delivers the good one and passes over the
 * damaged one (the full walk and verify name it). */
static void damaged_unfiled(cvm_store *s)
{
    cvm_event_query q = {.service = "X"};
    got g = {"", 0, 0};
    assert_int_equal(cvm_store_events_query(s, &q, collect, &g), CVM_OK);
    assert_string_equal(g.text, "1.0 X.Good -\n");
}

static void check_damaged(cvm_store *(*open)(int), int which)
{
    static const uint8_t truncated[] = {0x01, 0x00, 0x05, 'a'};          /* a service name cut short */
    static const uint8_t trailing[] = {0x01, 0x00, 0x01, 'X', 0x01, 'Y', 0x00, 0xff};
    uint8_t elsewhere[64];                                                /* a valid record of height 9 */
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    cvm_event ev = {"X", "Moved", NULL, 0};
    assert_int_equal(cvm_event_record_encode(9, 0, &ev, &b, NULL, 0), CVM_OK);
    memcpy(elsewhere, b.data, b.len);
    size_t elsewhere_len = b.len;
    cvm_buf_free(&b);

    const struct {
        const uint8_t *rec;
        size_t len;
        const char *part;
        bool filed; /* it begins like a record of height 1, service X: the index files it */
    } cases[] = {
        {truncated, sizeof truncated, "service at offset 2", false},
        {trailing, sizeof trailing, "trailing bytes", true},
        {elsewhere, elsewhere_len, "it says height 9", false},
        {NULL, 0, "height", false}, /* an empty record */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cvm_store *s = open(which);
        commit_bad(s, cases[i].rec, cases[i].len);
        damaged_is(s, NULL, cases[i].part);
        if (cases[i].filed)
            damaged_is(s, "X", cases[i].part); /* what the index names is read, and its damage reported */
        else
            damaged_unfiled(s);
        cvm_store_close(s);
        if (which)
            remove_store("bad");
    }
}

/* What fuzz/fuzz_store.c found: a damaged key of the service index (a height
 * rewritten to an earlier one whose record exists, with the same service
 * and transaction) delivered the history out of height order, and
 * `coopvm verify` does not read the index. The index walk now refuses an
 * entry that does not follow the one before it. */
static void test_damaged_index_out_of_order_refused(void **state)
{
    (void)state;
    cvm_store *s = open_lmdb("order");
    for (uint64_t h = 1; h <= 3; h++) {
        cvm_buf b;
        cvm_buf_init(&b, NULL);
        cvm_event ev = {"Svc", "Evt", NULL, 0};
        assert_int_equal(cvm_event_record_encode(h, 0, &ev, &b, NULL, 0), CVM_OK);
        cvm_store_record rec = {b.data, b.len};
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = h, .diff = &d, .events = &rec, .nevents = 1}),
                         CVM_OK);
        cvm_buf_free(&b);
    }
    cvm_store_close(s);

    /* the service index's key of height 3: len "Svc" height tx event */
    uint8_t key[2 + 3 + 24] = {0, 3, 'S', 'v', 'c'};
    key[5 + 7] = 3;
    char path[160];
    snprintf(path, sizeof path, "%s/data.mdb", path_of("order"));
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    static uint8_t file[1 << 20];
    size_t n = fread(file, 1, sizeof file, f);
    size_t at = 0, found = 0;
    for (size_t i = 0; i + sizeof key <= n; i++)
        if (memcmp(file + i, key, sizeof key) == 0)
            at = i, found++;
    assert_int_equal(found, 1);
    file[at + 5 + 7] = 1; /* height 3 -> 1: record (1, 0) exists, is Svc's, of transaction 0 */
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    assert_int_equal(fwrite(file, 1, n, f), n);
    fclose(f);

    s = NULL;
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, path_of("order"), &s, NULL), CVM_OK);
    cvm_event_query q = {.service = "Svc"};
    got g = {"", 0, 0};
    assert_int_equal(cvm_store_events_query(s, &q, collect, &g), CVM_ESTATE);
    assert_string_equal(g.text, "1.0 Svc.Evt -\n2.0 Svc.Evt -\n");
    const char *err = cvm_store_errmsg(s);
    if (!strstr(err, "the service index is out of order at height 1, transaction 0, event 0 (after height 2)"))
        fail_msg("message: %s", err);
    cvm_store_close(s);
    remove_store("order");
}

static cvm_store *open_fresh(int lmdb)
{
    if (lmdb)
        return open_lmdb("bad");
    cvm_store *s;
    assert_int_equal(cvm_memstore_open(NULL, &s), CVM_OK);
    return s;
}

static void test_damaged_memstore(void **state)
{
    (void)state;
    check_damaged(open_fresh, 0);
}

static void test_damaged_lmdb(void **state)
{
    (void)state;
    check_damaged(open_fresh, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memstore),
        cmocka_unit_test(test_lmdb_and_reopen),
        cmocka_unit_test(test_readonly_refuses),
        cmocka_unit_test(test_damaged_memstore),
        cmocka_unit_test(test_damaged_lmdb),
        cmocka_unit_test(test_damaged_index_out_of_order_refused),
    };
    return cmocka_run_group_tests_name("state history", tests, setup, teardown);
}
