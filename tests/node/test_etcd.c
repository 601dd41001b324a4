/*
 * test_etcd.c — the etcd-ordered producer (src/node/producer_etcd.c) and its
 * client (src/node/etcd.c) against a REAL etcd member (Debian's
 * etcd-server): started here on 127.0.0.1 with free ports and a temporary
 * data directory, killed at the end. Without the etcd binary every test is
 * skipped (cmocka counts them) with a message; .ci/run installs it
 * (scripts/deps.sh etcd).
 *
 * Covered: fencing (a stale leader's write after its lease is gone is
 * refused; a height is written once), endpoint failover, election and
 * failover between nodes, forwarding to the producer, catch-up from etcd of
 * a node started late, restart at height, divergence (a block whose claimed
 * hash differs halts the node before it commits), 503 with no producer.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "node/etcd.h"
#include "node/http_support.h"
#include "node/producer_etcd.h"

typedef struct etcd_member {
    pid_t pid;
    char dir[64];
    char url[64];
} etcd_member;

static etcd_member member; /* the one member every test uses (pid 0: none) */
static bool have_etcd;

static const char *etcd_binary(void)
{
    const char *env = getenv("ETCD");
    if (env && *env)
        return env;
    static const char *const paths[] = {"/usr/bin/etcd", "/usr/local/bin/etcd", NULL};
    for (size_t i = 0; paths[i]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

static unsigned free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        if (s >= 0)
            close(s);
        return 0;
    }
    close(s);
    return ntohs(a.sin_port);
}

static bool etcd_ready(const char *url)
{
    cvm_etcd *e = NULL;
    char err[256];
    if (cvm_etcd_open(url, 500, &e, err, sizeof err) != CVM_OK)
        return false;
    cvm_etcd_kv kv;
    bool found = false;
    bool ok = cvm_etcd_get(e, "/probe", &kv, &found, err, sizeof err) == CVM_OK;
    if (ok && found) {
        free(kv.key);
        free(kv.value);
    }
    cvm_etcd_close(e);
    return ok;
}

static int start_etcd(void **state)
{
    (void)state;
    const char *bin = etcd_binary();
    if (!bin) {
        print_message("etcd not found (install etcd-server: scripts/deps.sh etcd): the etcd tests are skipped\n");
        return 0;
    }
    snprintf(member.dir, sizeof member.dir, "/tmp/coopvm-test-etcd-XXXXXX");
    if (!mkdtemp(member.dir))
        return -1;
    for (int attempt = 0; attempt < 3 && !have_etcd; attempt++) {
        unsigned cport = free_port(), pport = free_port();
        char listen_c[64], listen_p[64], cluster[96], data[96], logpath[96];
        snprintf(member.url, sizeof member.url, "http://127.0.0.1:%u", cport);
        snprintf(listen_c, sizeof listen_c, "http://127.0.0.1:%u", cport);
        snprintf(listen_p, sizeof listen_p, "http://127.0.0.1:%u", pport);
        snprintf(cluster, sizeof cluster, "t=http://127.0.0.1:%u", pport);
        snprintf(data, sizeof data, "%s/data%d", member.dir, attempt);
        snprintf(logpath, sizeof logpath, "%s/etcd%d.log", member.dir, attempt);
        pid_t pid = fork();
        if (pid == 0) {
            /* the member dies with the test, whatever ends it */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            FILE *lf = freopen(logpath, "w", stderr), *nf = freopen("/dev/null", "w", stdout);
            (void)lf;
            (void)nf;
            execl(bin, "etcd", "--name", "t", "--data-dir", data, "--listen-client-urls", listen_c,
                  "--advertise-client-urls", listen_c, "--listen-peer-urls", listen_p,
                  "--initial-advertise-peer-urls", listen_p, "--initial-cluster", cluster, (char *)NULL);
            _exit(127);
        }
        member.pid = pid;
        for (int i = 0; i < 100 && !have_etcd; i++) {
            usleep(100000);
            have_etcd = etcd_ready(member.url);
        }
        if (!have_etcd) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            member.pid = 0;
        }
    }
    if (!have_etcd)
        print_message("etcd did not start (see %s): the etcd tests are skipped\n", member.dir);
    return 0;
}

static int stop_etcd(void **state)
{
    (void)state;
    if (member.pid) {
        kill(member.pid, SIGKILL);
        waitpid(member.pid, NULL, 0);
    }
    if (member.dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", member.dir);
        if (system(cmd) != 0)
            print_message("could not remove %s\n", member.dir);
    }
    return 0;
}

#define NEED_ETCD()                                                                                                    \
    do {                                                                                                               \
        if (!have_etcd) {                                                                                              \
            print_message("no etcd: skipped\n");                                                                       \
            skip();                                                                                                    \
        }                                                                                                              \
    } while (0)

static cvm_etcd *client(void)
{
    cvm_etcd *e = NULL;
    char err[256];
    if (cvm_etcd_open(member.url, 2000, &e, err, sizeof err) != CVM_OK)
        fail_msg("%s", err);
    return e;
}

/* ------------------------------------------------------------- fencing */

static void test_client_fencing(void **state)
{
    (void)state;
    NEED_ETCD();
    char err[512] = "";
    cvm_etcd *e = NULL;
    /* a bad endpoint list is refused by name */
    assert_int_equal(cvm_etcd_open("127.0.0.1:2379", 100, &e, err, sizeof err), CVM_EINPUT);
    assert_non_null(strstr(err, "127.0.0.1:2379"));
    /* failover: a dead endpoint first, the member second */
    char both[160];
    snprintf(both, sizeof both, "http://127.0.0.1:1,%s", member.url);
    assert_int_equal(cvm_etcd_open(both, 1000, &e, err, sizeof err), CVM_OK);
    const char *lk = "/t-fence/leader";
    int64_t l1 = 0, l2 = 0, rev1 = 0, rev2 = 0, ttl = 0;
    bool created = false, written = false;
    assert_int_equal(cvm_etcd_lease_grant(e, 5, &l1, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_etcd_create(e, lk, (const uint8_t *)"a", 1, l1, &created, &rev1, err, sizeof err), CVM_OK);
    assert_true(created);
    assert_string_equal(cvm_etcd_endpoint(e), member.url);
    /* a second candidate cannot take a held key */
    assert_int_equal(cvm_etcd_lease_grant(e, 5, &l2, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_etcd_create(e, lk, (const uint8_t *)"b", 1, l2, &created, &rev2, err, sizeof err), CVM_OK);
    assert_false(created);
    /* the holder writes a height once */
    assert_int_equal(cvm_etcd_create_fenced(e, "/t-fence/blocks/5", (const uint8_t *)"x", 1, lk, rev1, &written, err,
                                            sizeof err),
                     CVM_OK);
    assert_true(written);
    assert_int_equal(cvm_etcd_create_fenced(e, "/t-fence/blocks/5", (const uint8_t *)"y", 1, lk, rev1, &written, err,
                                            sizeof err),
                     CVM_OK);
    assert_false(written);
    /* its lease ends (as by TTL); another node takes the key; the stale
     * holder's next write is refused, the new holder's goes through */
    assert_int_equal(cvm_etcd_lease_revoke(e, l1, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_etcd_lease_keepalive(e, l1, &ttl, err, sizeof err), CVM_OK);
    assert_int_equal(ttl, 0);
    assert_int_equal(cvm_etcd_create_fenced(e, "/t-fence/blocks/6", (const uint8_t *)"x", 1, lk, rev1, &written, err,
                                            sizeof err),
                     CVM_OK);
    assert_false(written); /* no holder at all: still refused */
    assert_int_equal(cvm_etcd_create(e, lk, (const uint8_t *)"b", 1, l2, &created, &rev2, err, sizeof err), CVM_OK);
    assert_true(created);
    assert_int_equal(cvm_etcd_create_fenced(e, "/t-fence/blocks/6", (const uint8_t *)"x", 1, lk, rev1, &written, err,
                                            sizeof err),
                     CVM_OK);
    assert_false(written);
    assert_int_equal(cvm_etcd_create_fenced(e, "/t-fence/blocks/6", (const uint8_t *)"z", 1, lk, rev2, &written, err,
                                            sizeof err),
                     CVM_OK);
    assert_true(written);
    cvm_etcd_kv kv;
    bool found = false;
    assert_int_equal(cvm_etcd_get(e, "/t-fence/blocks/6", &kv, &found, err, sizeof err), CVM_OK);
    assert_true(found);
    assert_int_equal(kv.len, 1);
    assert_int_equal(kv.value[0], 'z');
    free(kv.key);
    free(kv.value);
    assert_int_equal(cvm_etcd_lease_keepalive(e, l2, &ttl, err, sizeof err), CVM_OK);
    assert_true(ttl > 0);
    /* range and delete */
    cvm_etcd_kv *kvs = NULL;
    size_t n = 0;
    assert_int_equal(cvm_etcd_range(e, "/t-fence/blocks/", "/t-fence/blocks0", 0, &kvs, &n, err, sizeof err), CVM_OK);
    assert_int_equal(n, 2);
    cvm_etcd_kv_free(kvs, n);
    assert_int_equal(cvm_etcd_delete_range(e, "/t-fence/", "/t-fence0", err, sizeof err), CVM_OK);
    assert_int_equal(cvm_etcd_range(e, "/t-fence/", "/t-fence0", 0, &kvs, &n, err, sizeof err), CVM_OK);
    assert_int_equal(n, 0);
    cvm_etcd_kv_free(kvs, n);
    cvm_etcd_close(e);
}

/* --------------------------------------------------------------- nodes */

typedef struct cnode {
    fixture *f;
    cvm_producer *p; /* owned */
    pthread_mutex_t mu;
    char log[8192];  /* what the node and its producer logged */
} cnode;

static void capture(void *ud, const char *line)
{
    cnode *c = ud;
    pthread_mutex_lock(&c->mu);
    size_t l = strlen(c->log);
    if (l + strlen(line) + 2 < sizeof c->log)
        snprintf(c->log + l, sizeof c->log - l, "%s\n", line);
    pthread_mutex_unlock(&c->mu);
}

static bool logged(cnode *c, const char *part)
{
    pthread_mutex_lock(&c->mu);
    bool r = strstr(c->log, part) != NULL;
    pthread_mutex_unlock(&c->mu);
    return r;
}

/* A node of chain `chain` named id in dir (NULL = a new one), ordered by the
 * member; campaigns only when campaign (its URL is given to the producer). */
static cnode *cnode_start(uint32_t chain, const char *id, const char *dir, bool campaign)
{
    cnode *c = calloc(1, sizeof *c);
    assert_non_null(c);
    pthread_mutex_init(&c->mu, NULL);
    c->f = fixture_new();
    if (dir) {
        rmdir(c->f->dir);
        snprintf(c->f->dir, sizeof c->f->dir, "%s", dir);
        c->f->o.data_dir = c->f->dir;
    }
    char err[512] = "";
    cvm_etcd_producer_options eo = {.endpoints = member.url, .node_id = id, .chain_id = chain, .ttl_s = 1,
                                    .log = capture, .log_ud = c};
    assert_int_equal(cvm_etcd_producer_new(&eo, &c->p, err, sizeof err), CVM_OK);
    c->f->o.chain_id = chain;
    c->f->o.manual = false;
    c->f->o.block_interval_ms = 50;
    c->f->o.genesis_timestamp = CVM_ETCD_GENESIS_TIMESTAMP;
    c->f->o.producer = c->p;
    c->f->o.log = capture;
    c->f->o.log_ud = c;
    fixture_start(c->f);
    if (campaign)
        cvm_etcd_producer_set_url(c->p, c->f->url);
    return c;
}

/* Stops the node; keep: its directory stays (*dir gets it). */
static void cnode_stop(cnode *c, char *dir, size_t cap)
{
    if (dir) {
        snprintf(dir, cap, "%s", c->f->dir);
        snprintf(c->f->dir, sizeof c->f->dir, "/tmp/coopvm-test-etcd-none"); /* fixture_free removes it */
    }
    fixture_free(c->f);
    cvm_etcd_producer_free(c->p);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static bool wait_for(bool (*cond)(void *), void *ud, uint64_t ms)
{
    uint64_t end = mono_ms() + ms;
    while (mono_ms() < end) {
        if (cond(ud))
            return true;
        usleep(20000);
    }
    return cond(ud);
}

static bool is_leader(void *ud) { return cvm_etcd_producer_is_leader(((cnode *)ud)->p); }

/* the block hash of n at height h, hex ("" when not committed) */
static void block_hash(cvm_node *n, uint64_t h, char out[65])
{
    char *json = NULL, err[256];
    bool found = false;
    out[0] = 0;
    assert_int_equal(cvm_node_block_json(n, h, &json, &found, err, sizeof err), CVM_OK);
    if (!found)
        return;
    json_t *j = json_loads(json, 0, NULL);
    const char *s = json_string_value(json_object_get(json_object_get(j, "header"), "hash"));
    assert_non_null(s);
    snprintf(out, 65, "%s", s);
    json_decref(j);
    free(json);
}

static void wait_height(cnode *c, uint64_t h)
{
    uint64_t got = cvm_node_wait_height(c->f->n, h - 1, 10000);
    if (got < h)
        fail_msg("node stayed at height %llu (wanted %llu); log:\n%s", (unsigned long long)got,
                 (unsigned long long)h, c->log);
}

static void same_chain(cnode *a, cnode *b, uint64_t upto)
{
    for (uint64_t h = 1; h <= upto; h++) {
        char x[65], y[65];
        block_hash(a->f->n, h, x);
        block_hash(b->f->n, h, y);
        assert_true(x[0]);
        assert_string_equal(x, y);
    }
}

/* a transaction submitted over HTTP to c: 202 expected (503 retried for
 * a few seconds, as a client does while a producer is elected) */
static void submit_to(cnode *c, uint32_t chain, int64_t v, uint8_t hash[CVM_HASH_BYTES])
{
    char *text = signed_add(v, chain, hash, NULL, NULL);
    uint64_t end = mono_ms() + 8000;
    for (;;) {
        reply r = post_json(c->f, "/v1/transactions", text);
        if (r.status == 202) {
            reply_free(&r);
            break;
        }
        if (r.status != 503 || mono_ms() > end)
            fail_msg("POST /v1/transactions: %ld %s", r.status, r.body ? r.body : "");
        reply_free(&r);
        usleep(200000);
    }
    cvm_free(NULL, text);
}

static uint64_t committed_at(cnode *c, const uint8_t hash[CVM_HASH_BYTES], uint64_t wait_ms)
{
    uint64_t end = mono_ms() + wait_ms;
    for (;;) {
        char *json = NULL, err[256];
        bool found = false;
        assert_int_equal(cvm_node_tx_json(c->f->n, hash, 0, &json, &found, err, sizeof err), CVM_OK);
        uint64_t h = 0;
        if (found) {
            json_t *j = json_loads(json, 0, NULL);
            const char *st = json_string_value(json_object_get(j, "status"));
            if (st && strcmp(st, "COMMITTED") == 0)
                h = (uint64_t)json_integer_value(json_object_get(j, "height"));
            json_decref(j);
        }
        free(json);
        if (h || mono_ms() > end)
            return h;
        usleep(20000);
    }
}

static void test_cluster(void **state)
{
    (void)state;
    NEED_ETCD();
    const uint32_t chain = 7001;
    cnode *a = cnode_start(chain, "a", NULL, true);
    assert_true(wait_for(is_leader, a, 5000));
    cnode *b = cnode_start(chain, "b", NULL, true);
    assert_false(cvm_etcd_producer_is_leader(b->p));
    /* forwarding: b is not the producer, a answers */
    uint8_t h1[CVM_HASH_BYTES], h2[CVM_HASH_BYTES], h3[CVM_HASH_BYTES];
    usleep(300000); /* b reads the leader key */
    submit_to(b, chain, 5, h1);
    submit_to(a, chain, 6, h2);
    uint64_t at1 = committed_at(b, h1, 10000), at2 = committed_at(b, h2, 10000);
    if (!(at1 > 2 && at2 > 2))
        fail_msg("not committed (%llu, %llu); a:\n%s\nb:\n%s", (unsigned long long)at1, (unsigned long long)at2,
                 a->log, b->log);
    assert_int_equal(committed_at(a, h1, 10000), at1);
    uint64_t top = at1 > at2 ? at1 : at2;
    wait_height(a, top);
    wait_height(b, top);
    same_chain(a, b, top);
    /* a node started late catches up from etcd */
    cnode *c = cnode_start(chain, "c", NULL, false);
    wait_height(c, top);
    same_chain(a, c, top);
    /* the producer stops: another takes over and orders the next block */
    char adir[64];
    cnode_stop(a, adir, sizeof adir);
    assert_true(wait_for(is_leader, b, 8000));
    submit_to(c, chain, 7, h3); /* forwarded to b */
    uint64_t at3 = committed_at(c, h3, 10000);
    assert_true(at3 > top);
    wait_height(b, at3);
    same_chain(b, c, at3);
    /* the old producer restarts at its height and catches up */
    a = cnode_start(chain, "a", adir, true);
    wait_height(a, at3);
    same_chain(a, b, at3);
    assert_int_equal(committed_at(a, h3, 1000), at3);
    /* each transaction once */
    assert_int_equal(committed_at(a, h1, 0), at1);
    cnode_stop(c, NULL, 0);
    cnode_stop(b, NULL, 0);
    cnode_stop(a, NULL, 0);
}

/* A leader key held by a lease that is not any node's: the node follows. */
static int64_t hold_leader(cvm_etcd *e, uint32_t chain, const char *url)
{
    char lk[64], err[256], v[160];
    int64_t lease = 0, rev = 0;
    bool created = false;
    snprintf(lk, sizeof lk, "/coopvm/%u/leader", chain);
    snprintf(v, sizeof v, "{\"node\":\"fake\",\"url\":\"%s\"}", url);
    assert_int_equal(cvm_etcd_lease_grant(e, 60, &lease, err, sizeof err), CVM_OK);
    assert_int_equal(cvm_etcd_create(e, lk, (const uint8_t *)v, strlen(v), lease, &created, &rev, err, sizeof err),
                     CVM_OK);
    assert_true(created);
    return lease;
}

static bool is_stopping(void *ud) { return cvm_node_stopping(((cnode *)ud)->f->n); }

static void test_divergence_halts(void **state)
{
    (void)state;
    NEED_ETCD();
    const uint32_t chain = 7002;
    cvm_etcd *e = client();
    char err[256];
    /* no producer: a submission is 503 with Retry-After */
    cnode *d = cnode_start(chain, "d", NULL, false);
    uint8_t h[CVM_HASH_BYTES];
    char *text = signed_add(1, chain, h, NULL, NULL);
    reply r = post_json(d->f, "/v1/transactions", text);
    assert_non_null(strstr(r.headers, "Retry-After"));
    expect_error(r, 503, "UNAVAILABLE", "no producer");
    /* a producer that does not answer: 503 too */
    int64_t lease = hold_leader(e, chain, "http://127.0.0.1:1");
    usleep(800000);
    r = post_json(d->f, "/v1/transactions", text);
    expect_error(r, 503, "UNAVAILABLE", "did not answer");
    cvm_free(NULL, text);
    /* a block whose claimed hashes differ from what the node computes */
    uint64_t height = cvm_node_height(d->f->n);
    char prev[65], bk[96], v[512];
    block_hash(d->f->n, height, prev);
    snprintf(bk, sizeof bk, "/coopvm/%u/blocks/%020llu", chain, (unsigned long long)height + 1);
    snprintf(v, sizeof v,
             "{\"height\":%llu,\"timestamp\":\"%llu\",\"producer\":\"fake\",\"txs\":[],\"prev_hash\":\"%s\","
             "\"block_hash\":\"%064d\",\"state_diff_hash\":\"%s\"}",
             (unsigned long long)height + 1, (unsigned long long)CVM_ETCD_GENESIS_TIMESTAMP + 1000000000ull, prev, 0,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_int_equal(cvm_etcd_put(e, bk, (const uint8_t *)v, strlen(v), 0, err, sizeof err), CVM_OK);
    assert_true(wait_for(is_stopping, d, 5000));
    char want[128];
    snprintf(want, sizeof want, "block %llu: state diff hash ", (unsigned long long)height + 1);
    if (!logged(d, want) || !logged(d, "the producer's aaaaaaaa"))
        fail_msg("no divergence error in the log:\n%s", d->log);
    assert_int_equal(cvm_node_height(d->f->n), height); /* never committed */
    cvm_etcd_lease_revoke(e, lease, err, sizeof err);
    cvm_etcd_close(e);
    cnode_stop(d, NULL, 0);
}

/* A paused producer (lease lost) that resumes cannot write a height. */
static void test_stale_producer_refused(void **state)
{
    (void)state;
    NEED_ETCD();
    const uint32_t chain = 7003;
    cnode *a = cnode_start(chain, "a", NULL, true);
    assert_true(wait_for(is_leader, a, 5000));
    /* its lease is revoked behind its back (as a pause past the TTL does)
     * and another holder takes the key before a notices */
    cvm_etcd *e = client();
    char lk[64], err[256];
    snprintf(lk, sizeof lk, "/coopvm/%u/leader", chain);
    cvm_etcd_kv kv;
    bool found = false;
    assert_int_equal(cvm_etcd_get(e, lk, &kv, &found, err, sizeof err), CVM_OK);
    assert_true(found);
    assert_int_equal(cvm_etcd_lease_revoke(e, kv.lease, err, sizeof err), CVM_OK);
    free(kv.key);
    free(kv.value);
    int64_t lease = hold_leader(e, chain, "http://127.0.0.1:1");
    uint64_t before = cvm_node_height(a->f->n);
    uint8_t h[CVM_HASH_BYTES];
    char *text = signed_add(3, chain, h, NULL, NULL);
    cvm_admission ad;
    /* admitted locally if a still believes it leads; its block is refused */
    cvm_node_submit(a->f->n, (const uint8_t *)text, strlen(text), false, &ad);
    cvm_free(NULL, text);
    assert_true(wait_for(is_stopping, a, 1500) == false);
    usleep(1500000);
    assert_false(cvm_etcd_producer_is_leader(a->p));
    assert_int_equal(cvm_node_height(a->f->n), before);
    char bk[96];
    snprintf(bk, sizeof bk, "/coopvm/%u/blocks/%020llu", chain, (unsigned long long)before + 1);
    assert_int_equal(cvm_etcd_get(e, bk, &kv, &found, err, sizeof err), CVM_OK);
    assert_false(found);
    /* the other holder goes; a new producer is elected: the transaction a
     * admitted while it was stale is handed to it and committed once */
    cvm_etcd_lease_revoke(e, lease, err, sizeof err);
    cnode *b = cnode_start(chain, "b", NULL, true);
    uint64_t at = committed_at(b, h, 10000);
    if (at <= before)
        fail_msg("not committed; a:\n%s\nb:\n%s", a->log, b->log);
    assert_int_equal(committed_at(a, h, 10000), at);
    cvm_etcd_close(e);
    cnode_stop(b, NULL, 0);
    cnode_stop(a, NULL, 0);
}

/* A node further behind than etcd keeps (stopped while the chain went on
 * and the blocks it needs were compacted away) fetches them from a peer's
 * GET /v1/blocks/{h}?raw=1, refusing a peer whose block does not link. */
static void test_catch_up_from_peer(void **state)
{
    (void)state;
    NEED_ETCD();
    const uint32_t chain = 7004, other = 7005;
    char err[256], k1[96], k2[96];
    /* a node of another chain: its blocks do not link to this chain's */
    cnode *x = cnode_start(other, "x", NULL, true);
    assert_true(wait_for(is_leader, x, 5000));
    uint8_t hx[CVM_HASH_BYTES], h[4][CVM_HASH_BYTES];
    submit_to(x, other, 1, hx);
    assert_true(committed_at(x, hx, 10000) >= 2);
    cnode *a = cnode_start(chain, "a", NULL, true);
    assert_true(wait_for(is_leader, a, 5000));
    cnode *b = cnode_start(chain, "b", NULL, true);
    submit_to(a, chain, 10, h[0]);
    uint64_t low = committed_at(a, h[0], 10000);
    wait_height(b, low);
    char bdir[64];
    cnode_stop(b, bdir, sizeof bdir);
    /* the chain goes on without b, then etcd is compacted to one block */
    submit_to(a, chain, 11, h[1]);
    assert_true(committed_at(a, h[1], 10000) > low);
    submit_to(a, chain, 12, h[2]);
    uint64_t top = committed_at(a, h[2], 10000);
    assert_true(top > low + 1);
    cvm_etcd *e = client();
    snprintf(k1, sizeof k1, "/coopvm/%u/blocks/", chain);
    snprintf(k2, sizeof k2, "/coopvm/%u/blocks/%020llu", chain, (unsigned long long)top);
    assert_int_equal(cvm_etcd_delete_range(e, k1, k2, err, sizeof err), CVM_OK);
    /* the wrong chain's node (as high) is the first peer b tries */
    for (int64_t v = 2; cvm_node_height(x->f->n) < top; v++) {
        submit_to(x, other, v, hx);
        assert_true(committed_at(x, hx, 10000) > 0);
    }
    snprintf(k1, sizeof k1, "/coopvm/%u/peers/0bad", chain);
    assert_int_equal(cvm_etcd_put(e, k1, (const uint8_t *)x->f->url, strlen(x->f->url), 0, err, sizeof err), CVM_OK);
    b = cnode_start(chain, "b", bdir, true);
    wait_height(b, top);
    same_chain(a, b, top);
    char want[320];
    snprintf(want, sizeof want, "error: peer %s block %llu: previous block hash ", x->f->url,
             (unsigned long long)low + 1);
    if (!logged(b, want) || !logged(b, "does not link to this node's last block") ||
        !logged(b, "was compacted away; fetching blocks from peers"))
        fail_msg("no refusal of the bad peer in b's log:\n%s", b->log);
    /* back on etcd: the next block comes from there */
    submit_to(b, chain, 13, h[3]);
    uint64_t at = committed_at(b, h[3], 10000);
    assert_true(at > top);
    assert_true(logged(b, "caught up from peers"));
    wait_height(a, at);
    same_chain(a, b, at);
    /* the raw form a peer serves: 400 for a bad raw, 404 beyond the top */
    reply r = get(a->f, "/v1/blocks/1?raw=2");
    expect_error(r, 400, "BAD_REQUEST", "raw");
    r = get(a->f, "/v1/blocks/999999?raw=1");
    expect_error(r, 404, "NOT_FOUND", "999999");
    cvm_etcd_close(e);
    cnode_stop(b, NULL, 0);
    cnode_stop(a, NULL, 0);
    cnode_stop(x, NULL, 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_fencing),
        cmocka_unit_test(test_cluster),
        cmocka_unit_test(test_divergence_halts),
        cmocka_unit_test(test_stale_producer_refused),
        cmocka_unit_test(test_catch_up_from_peer),
    };
    int rc = cmocka_run_group_tests(tests, start_etcd, stop_etcd);
    curl_global_cleanup();
    return rc;
}
