/*
 * test_lmdbstore.c — what only the LMDB store promises: it survives close
 * and reopen (height, state, last hash, event history), it creates its
 * directory, and it refuses what it cannot open with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "state/diff.h"
#include "state/lmdbstore.h"
#include "support/store_dir.h"

static char tmp[64];  /* the test's temp dir; the store lives in tmp/chain */
static char dir[96];

static int setup(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/cvm-lmdb-XXXXXX");
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

static cvm_store *open_store(void)
{
    cvm_errmsg err;
    cvm_store *s = NULL;
    cvm_status st = cvm_lmdbstore_open(NULL, dir, &s, &err);
    if (st != CVM_OK)
        fail_msg("open %s: %s", dir, err.text);
    return s;
}

static void add(cvm_state_diff *d, const char *svc, const char *key, const char *val)
{
    assert_int_equal(cvm_state_diff_add(d, (const uint8_t *)svc, strlen(svc), (const uint8_t *)key, strlen(key),
                                        (const uint8_t *)val, strlen(val)),
                     CVM_OK);
}

static void expect(cvm_store *s, const char *svc, const char *key, const char *want)
{
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found;
    assert_int_equal(cvm_store_read(s, cvm_store_height(s), (const uint8_t *)svc, strlen(svc), (const uint8_t *)key,
                                    strlen(key), &b, &found),
                     CVM_OK);
    if (!want) {
        assert_false(found);
    } else {
        assert_true(found);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.data, want, b.len);
    }
    cvm_buf_free(&b);
}

static int count_events(void *ud, uint64_t height, uint64_t index, const uint8_t *data, size_t len)
{
    char *log = ud;
    size_t at = strlen(log);
    snprintf(log + at, 256 - at, "%llu.%llu=%.*s ", (unsigned long long)height, (unsigned long long)index, (int)len,
             (const char *)data);
    return 0;
}

static void test_survives_reopen(void **state)
{
    (void)state;
    struct stat sb;
    assert_int_not_equal(stat(dir, &sb), 0); /* not there yet: open creates it */
    cvm_store *s = open_store();
    assert_int_equal(cvm_store_height(s), 0);

    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    add(&d, "Counter", "count", "\x05");
    add(&d, "Counter", "gone", "x");
    cvm_store_record ev = {(const uint8_t *)"first", 5};
    assert_int_equal(cvm_state_diff_commit(s, &d, &ev, 1, NULL), CVM_OK);
    cvm_state_diff_free(&d);
    add(&d, "Counter", "count", "\x07");
    add(&d, "Counter", "gone", "");
    add(&d, "_Deployments", "k", "bytecode");
    uint8_t h2[CVM_SHA256_BYTES];
    ev = (cvm_store_record){(const uint8_t *)"second", 6};
    assert_int_equal(cvm_state_diff_commit(s, &d, &ev, 1, h2), CVM_OK);
    cvm_state_diff_free(&d);
    cvm_store_close(s);

    s = open_store();
    assert_int_equal(cvm_store_height(s), 2);
    assert_memory_equal(cvm_store_last_hash(s), h2, sizeof h2);
    expect(s, "Counter", "count", "\x07");
    expect(s, "Counter", "gone", NULL);
    expect(s, "_Deployments", "k", "bytecode");
    char log[256] = "";
    assert_int_equal(cvm_store_events(s, 1, 2, count_events, log), CVM_OK);
    assert_string_equal(log, "1.0=first 2.0=second ");

    /* and it goes on from there: height 3, not 1 */
    add(&d, "Counter", "count", "\x08");
    assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = 1, .diff = &d}), CVM_ESTATE);
    assert_int_equal(cvm_state_diff_commit(s, &d, NULL, 0, NULL), CVM_OK);
    assert_int_equal(cvm_store_height(s), 3);
    cvm_state_diff_free(&d);
    cvm_store_close(s);

    s = open_store();
    assert_int_equal(cvm_store_height(s), 3);
    expect(s, "Counter", "count", "\x08");

    /* the transaction index survives a reopen, read-write and read-only,
     * and still refuses a hash committed before it */
    cvm_store_tx t = {.index = 4, .timestamp = 77};
    memset(t.hash, 0x5c, sizeof t.hash);
    assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = 4, .diff = &d, .txs = &t, .ntxs = 1}), CVM_OK);
    cvm_store_close(s);
    for (int ro = 0; ro < 2; ro++) {
        cvm_errmsg err;
        if (ro)
            assert_int_equal(cvm_lmdbstore_open_readonly(NULL, dir, &s, &err), CVM_OK);
        else
            s = open_store();
        cvm_store_tx got;
        bool found = false;
        assert_int_equal(cvm_store_tx_find(s, t.hash, &got, &found), CVM_OK);
        assert_true(found);
        assert_int_equal(got.height, 4);
        assert_int_equal(got.index, 4);
        assert_int_equal(got.timestamp, 77);
        if (!ro) {
            assert_int_equal(cvm_store_commit(s, &(cvm_store_block){.height = 5, .diff = &d, .txs = &t, .ntxs = 1}),
                             CVM_EINPUT);
            assert_non_null(strstr(cvm_store_errmsg(s), "already committed at height 4, index 4"));
            assert_int_equal(cvm_store_height(s), 4);
        }
        cvm_store_close(s);
    }
}

static void test_open_failures(void **state)
{
    (void)state;
    cvm_errmsg err;
    cvm_store *s = (cvm_store *)&err; /* must come back NULL */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/parent", tmp);
    assert_int_equal(cvm_lmdbstore_open(NULL, bad, &s, &err), CVM_EIO);
    assert_null(s);
    assert_non_null(strstr(err.text, "cannot create it"));
    assert_non_null(strstr(err.text, bad));

    /* a plain file where the directory should be */
    FILE *f = fopen(dir, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &err), CVM_EIO);
    assert_null(s);
    assert_non_null(strstr(err.text, dir));
    unlink(dir);
}

/* Another process commits behind this handle's back: this handle's reads
 * and commits notice and refuse, rather than mixing heights. */
static void test_second_writer_detected(void **state)
{
    (void)state;
    cvm_store *s = open_store();
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    add(&d, "S", "k", "1");
    assert_int_equal(cvm_state_diff_commit(s, &d, NULL, 0, NULL), CVM_OK);
    cvm_state_diff_free(&d);
    expect(s, "S", "k", "1");

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the child never touches the parent's handle */
        cvm_errmsg err;
        cvm_store *c;
        if (cvm_lmdbstore_open(NULL, dir, &c, &err) != CVM_OK)
            _exit(2);
        cvm_state_diff cd;
        cvm_state_diff_init(&cd, NULL);
        cvm_state_diff_add(&cd, (const uint8_t *)"S", 1, (const uint8_t *)"k", 1, (const uint8_t *)"2", 1);
        int rc = cvm_store_height(c) == 1 && cvm_state_diff_commit(c, &cd, NULL, 0, NULL) == CVM_OK ? 0 : 3;
        cvm_state_diff_free(&cd);
        cvm_store_close(c);
        _exit(rc);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found;
    assert_int_equal(cvm_store_height(s), 1);
    assert_int_equal(cvm_store_read(s, 1, (const uint8_t *)"S", 1, (const uint8_t *)"k", 1, &b, &found), CVM_ESTATE);
    assert_non_null(strstr(cvm_store_errmsg(s), "the directory is now at height 2 (another writer?)"));
    cvm_buf_free(&b);
    add(&d, "S", "k", "3");
    assert_int_equal(cvm_state_diff_commit(s, &d, NULL, 0, NULL), CVM_ESTATE);
    /* found when the commitment reads the old value, before the commit's own check */
    assert_non_null(strstr(cvm_store_errmsg(s), "the directory is now at height 2 (another writer?)"));
    cvm_store_block blk = {.height = 2, .diff = &d};
    assert_int_equal(cvm_store_commit(s, &blk), CVM_ESTATE);
    assert_non_null(strstr(cvm_store_errmsg(s), "refused: the directory is at height 2 (another writer?)"));
    cvm_state_diff_free(&d);
    cvm_store_close(s);

    s = open_store();
    assert_int_equal(cvm_store_height(s), 2);
    expect(s, "S", "k", "2");
    cvm_store_close(s);
}

/* Opens dir both ways and expects each refused with CVM_ESTATE and a
 * message holding want. */
static void refused(const char *want)
{
    cvm_errmsg err;
    cvm_store *s = NULL;
    assert_int_equal(cvm_lmdbstore_open_readonly(NULL, dir, &s, &err), CVM_ESTATE);
    assert_null(s);
    if (!strstr(err.text, want) || !strstr(err.text, dir))
        fail_msg("read-only open: %s (wanted \"%s\")", err.text, want);
    assert_int_equal(cvm_lmdbstore_open(NULL, dir, &s, &err), CVM_ESTATE);
    assert_null(s);
    if (!strstr(err.text, want))
        fail_msg("read-write open: %s (wanted \"%s\")", err.text, want);
}

/* A data.mdb cut short, emptied or overwritten is refused by both opens
 * before LMDB maps it: no SIGBUS (this test would die of it), no new chain
 * in its place (the empty file stays empty). */
static void test_damaged_files(void **state)
{
    (void)state;
    cvm_store *s = open_store();
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    char key[16], val[600];
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        add(&d, "S", key, val);
    }
    cvm_state_diff_sort(&d);
    assert_int_equal(cvm_state_diff_commit(s, &d, NULL, 0, NULL), CVM_OK);
    cvm_state_diff_free(&d);
    cvm_store_close(s);

    char path[160];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > 4 * 4096);

    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    refused("data.mdb holds");
    refused("the file was truncated");

    assert_int_equal(truncate(path, 3000), 0); /* not even both meta pages */
    refused("too few for LMDB meta page 1");

    assert_int_equal(truncate(path, 0), 0);
    refused("data.mdb is empty (0 bytes)");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 0); /* nothing was started in its place */

    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 3 * 4096; i++)
        fputc('x', f);
    fclose(f);
    refused("is not an LMDB file, or its meta page 0 is damaged");
}

/* What fuzz/fuzz_store.c found: one damaged byte in a B-tree page near the
 * end of data.mdb (a node offset, a key or value size) made LMDB, or the
 * reader of the value it returned, read past the end of the file: SIGBUS
 * (this test would die of it). Every page of a small store that looks like
 * a B-tree page is damaged in turn, each way: both opens must refuse the
 * file naming the database and the page, unless the page is an old copy no
 * tree reaches (LMDB keeps those for reuse), and then the whole history
 * reads. The pristine file opens again afterwards. */
static void test_damaged_page_past_eof_refused_not_sigbus(void **state)
{
    (void)state;
    cvm_store *s = open_store();
    for (int h = 1; h <= 6; h++) { /* state (a 5,000-byte value on overflow pages), events, deletions */
        cvm_state_diff d;
        cvm_state_diff_init(&d, NULL);
        char key[16], big[5000];
        memset(big, 'b', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        for (int i = 0; i < 30; i++) {
            snprintf(key, sizeof key, "k%d", i);
            add(&d, "S", key, (i + h) % 3 ? "v" : "");
        }
        add(&d, "T", "big", h % 2 ? big : "x");
        cvm_state_diff_sort(&d);
        cvm_store_record ev[2] = {{(const uint8_t *)"event one", 9}, {(const uint8_t *)"event two", 9}};
        assert_int_equal(cvm_state_diff_commit(s, &d, ev, 2, NULL), CVM_OK);
        cvm_state_diff_free(&d);
    }
    cvm_store_close(s);

    char path[160];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t pristine[1 << 20];
    size_t size = fread(pristine, 1, sizeof pristine, f);
    fclose(f);
    const size_t ps = 4096;
    assert_true(size >= 8 * ps && size < sizeof pristine && size % ps == 0);
    /* (offset in the page, bytes written there, what the refusal says) */
    static const struct {
        size_t at;
        uint16_t value;
        const char *want;
    } damage[] = {
        {16, 0xfff0, "is outside the page"},     /* the first node's offset */
        {12, 0xfff8, "has bounds"},              /* the page's lower bound */
    };
    int checked = 0;
    for (size_t pg = 2; pg < size / ps; pg++) {
        size_t pgno;
        uint16_t flags, off, ksize;
        memcpy(&pgno, pristine + pg * ps, sizeof pgno);
        memcpy(&flags, pristine + pg * ps + 10, 2);
        memcpy(&off, pristine + pg * ps + 16, 2);
        if (pgno != pg || !(flags & 3) || off < 18 || (size_t)off + 8 > ps)
            continue; /* not a branch or leaf page with a node (free, or an overflow page) */
        for (size_t k = 0; k < sizeof damage / sizeof damage[0] + 1; k++) {
            static uint8_t copy[1 << 20];
            memcpy(copy, pristine, size);
            const char *want;
            if (k < sizeof damage / sizeof damage[0]) {
                memcpy(copy + pg * ps + damage[k].at, &damage[k].value, 2);
                want = damage[k].want;
            } else { /* the first node's key size */
                ksize = 0xff00;
                memcpy(copy + pg * ps + off + 6, &ksize, 2);
                want = "runs past the page";
            }
            f = fopen(path, "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(copy, 1, size, f), size);
            fclose(f);
            char page[32];
            snprintf(page, sizeof page, "page %zu", pg);
            cvm_errmsg err;
            cvm_store *r = NULL;
            if (cvm_lmdbstore_open_readonly(NULL, dir, &r, &err) == CVM_OK) {
                char log[256] = "";
                assert_int_equal(cvm_store_events(r, 1, cvm_store_height(r), count_events, log), CVM_OK);
                assert_int_equal(strlen(log), 6 * 2 * strlen("1.0=event one "));
                cvm_store_close(r);
                continue;
            }
            refused(want);
            if (!strstr(err.text, page) || !strstr(err.text, "database "))
                fail_msg("%s does not name %s and its database", err.text, page);
            checked++;
        }
    }
    assert_true(checked >= 6);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pristine, 1, size, f), size);
    fclose(f);
    s = open_store();
    assert_int_equal(cvm_store_height(s), 6);
    expect(s, "T", "big", "x");
    cvm_store_close(s);
}

/* Commits n values of len bytes under service S, keys prefix0..prefix{n-1}. */
static cvm_status commit_values(cvm_store *s, const char *prefix, int n, size_t len)
{
    cvm_state_diff d;
    cvm_state_diff_init(&d, NULL);
    char key[32];
    char *val = malloc(len);
    assert_non_null(val);
    memset(val, 'g', len);
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s%06d", prefix, i);
        assert_int_equal(cvm_state_diff_add(&d, (const uint8_t *)"S", 1, (const uint8_t *)key, strlen(key),
                                            (const uint8_t *)val, len),
                         CVM_OK);
    }
    cvm_state_diff_sort(&d);
    cvm_status st = cvm_state_diff_commit(s, &d, NULL, 0, NULL);
    cvm_state_diff_free(&d);
    free(val);
    return st;
}

/* The map grows with the chain: a store opened with a 64 KiB map takes
 * commits far larger than it (one of 1 MB at once), never MDB_MAP_FULL,
 * and a reopen starts from the size it grew to. */
static void test_map_grows(void **state)
{
    (void)state;
    cvm_errmsg err;
    cvm_store *s = NULL;
    assert_int_equal(cvm_lmdbstore_open_map(NULL, dir, 64 << 10, &s, &err), CVM_OK);
    size_t first = cvm_lmdbstore_map_size(s);
    assert_true(first < (256 << 10));
    for (int i = 0; i < 5; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "a%d-", i);
        if (commit_values(s, prefix, 50, 1000) != CVM_OK)
            fail_msg("commit %d: %s", i, cvm_store_errmsg(s));
    }
    if (commit_values(s, "big-", 1000, 1000) != CVM_OK) /* about 1 MB in one transaction */
        fail_msg("big commit: %s", cvm_store_errmsg(s));
    assert_int_equal(cvm_store_height(s), 6);
    assert_true(cvm_lmdbstore_grows(s) >= 4);
    size_t grown = cvm_lmdbstore_map_size(s);
    assert_true(grown >= ((size_t)1 << 20));
    cvm_store_close(s);

    assert_int_equal(cvm_lmdbstore_open_map(NULL, dir, 64 << 10, &s, &err), CVM_OK);
    assert_true(cvm_lmdbstore_map_size(s) >= grown);
    assert_int_equal(cvm_store_height(s), 6);
    char want[1001];
    memset(want, 'g', 1000);
    want[1000] = '\0';
    expect(s, "S", "big-000999", want);
    expect(s, "S", "a0-000000", want);
    cvm_store_close(s);
}

/* While a scan is open (its cursor maps pages), another process grows the
 * map: a read nested in the scan must not remap the file under the cursor.
 * It fails cleanly (MDB_MAP_RESIZED), the scan goes on to its end, and the
 * next read after it adopts the new size and sees the other process' block. */
typedef struct resize_probe {
    cvm_store *s;
    int seen;
    cvm_status nested;
    char msg[256]; /* the nested read's message */
} resize_probe;

static int on_state_record(void *ud, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    resize_probe *p = ud;
    if (p->seen++ == 0) {
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) { /* another process: grows the map with a 1 MB block */
            cvm_errmsg cerr;
            cvm_store *o = NULL;
            if (cvm_lmdbstore_open_map(NULL, dir, 64 << 10, &o, &cerr) != CVM_OK)
                _exit(2);
            _exit(commit_values(o, "big-", 1000, 1000) == CVM_OK && cvm_lmdbstore_grows(o) > 0 ? 0 : 3);
        }
        int status = 0;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        cvm_buf b;
        cvm_buf_init(&b, NULL);
        bool found;
        p->nested = cvm_store_read(p->s, cvm_store_height(p->s), (const uint8_t *)"S", 1, (const uint8_t *)"a0-000000",
                                   9, &b, &found);
        snprintf(p->msg, sizeof p->msg, "%s", cvm_store_errmsg(p->s));
        cvm_buf_free(&b);
    }
    return 0;
}

static void test_map_resized_by_another_process_during_a_scan(void **state)
{
    (void)state;
    cvm_errmsg err;
    cvm_store *s = NULL;
    assert_int_equal(cvm_lmdbstore_open_map(NULL, dir, 64 << 10, &s, &err), CVM_OK);
    assert_int_equal(commit_values(s, "a0-", 20, 100), CVM_OK);
    resize_probe p = {s, 0, CVM_OK, ""};
    bool kept = false;
    assert_int_equal(cvm_store_scan(s, CVM_TABLE_STATE, on_state_record, &p, &kept), CVM_OK);
    assert_int_equal(p.seen, 20);
    assert_int_equal(p.nested, CVM_EIO); /* refused, not remapped under the scan */
    assert_non_null(strstr(p.msg, "MDB_MAP_RESIZED"));
    /* after the scan the new size is adopted: a read no longer meets the
     * resize (it meets the other writer's height instead) */
    cvm_buf b;
    cvm_buf_init(&b, NULL);
    bool found;
    (void)cvm_store_read(s, cvm_store_height(s), (const uint8_t *)"S", 1, (const uint8_t *)"a0-000019", 9, &b, &found);
    cvm_buf_free(&b);
    assert_null(strstr(cvm_store_errmsg(s), "MDB_MAP_RESIZED"));
    cvm_store_close(s);
}

/* A full disk (here the file-size limit of a child process: writes past it
 * fail as they would on a full file system) is an error that names it,
 * with nothing committed: the height and the state stay as they were. */
static void test_full_disk(void **state)
{
    (void)state;
    cvm_store *s = open_store();
    assert_int_equal(commit_values(s, "x", 10, 100), CVM_OK);
    cvm_store_close(s);
    char path[160];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {(rlim_t)sb.st_size + 8192, (rlim_t)sb.st_size + 8192};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(2);
        cvm_errmsg err;
        cvm_store *c;
        if (cvm_lmdbstore_open(NULL, dir, &c, &err) != CVM_OK)
            _exit(3);
        cvm_status st = commit_values(c, "y", 200, 1000); /* 200 KB: past the limit */
        const char *m = cvm_store_errmsg(c);
        int rc = st == CVM_EIO && strstr(m, "nothing was changed") && cvm_store_height(c) == 1 ? 0 : 4;
        if (rc)
            fprintf(stderr, "status %d: %s\n", (int)st, m);
        cvm_store_close(c);
        _exit(rc);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    s = open_store();
    assert_int_equal(cvm_store_height(s), 1);
    expect(s, "S", "y000000", NULL);
    char want[101];
    memset(want, 'g', 100);
    want[100] = '\0';
    expect(s, "S", "x000009", want);
    assert_int_equal(commit_values(s, "z", 3, 10), CVM_OK); /* and the chain goes on */
    assert_int_equal(cvm_store_height(s), 2);
    cvm_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_writer_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_page_past_eof_refused_not_sigbus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_resized_by_another_process_during_a_scan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
