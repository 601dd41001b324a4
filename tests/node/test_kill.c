/*
 * test_kill.c — the node's kill test (issue 11, "Reliability"): a real
 * `coopvm node` process on 127.0.0.1 (port 0: a free one), loaded by several
 * submitter threads posting transactions signed before the trial starts,
 * killed with SIGKILL at random moments and restarted on the same data
 * directory. At the end of each trial it checks, by program:
 *
 *   - every transaction that got a 202 (or, after a submission the kill cut
 *     off, a 409 DUPLICATE: it was durable) is COMMITTED, and appears exactly
 *     once across all blocks 1..height, at the height and index its receipt
 *     names;
 *   - no transaction hash appears twice in the chain, every block h says
 *     height h, and every prev_hash is the hash of the block before;
 *   - bad input sent to the live process (malformed JSON, invalid UTF-8, an
 *     oversized body, an unknown path, a half request and a hang-up) gets
 *     its 4xx or is closed, and the node keeps serving;
 *   - the node stops cleanly on SIGTERM (exit 0), and `coopvm verify --data
 *     DIR` passes on what the kills left.
 *
 *   build/tests/node/test_kill [--trials N] [--kills K] [--seed S] [--bin PATH]
 *
 * make test runs 3 trials (a few seconds); the full run is --trials 100
 * (docs/node.md, "Crashes"). The node is $COOPVM (as scripts/run-tests.sh
 * sets it), else --bin, else build/coopvm. Ends with "N passed, N failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "coopvm.h"

#define CHAIN 42
#define SUBMITTERS 6
#define TXS_PER_SUBMITTER 50
#define NTX (SUBMITTERS * TXS_PER_SUBMITTER)

static const char counter_src[] = ".contract Counter\n"
                                  ".method add params 1\n"
                                  "    Load \"count\"\n"
                                  "    Add\n"
                                  "    Dup\n"
                                  "    Store \"count\"\n"
                                  "    Halt\n";

enum { TX_UNSENT, TX_ACCEPTED, TX_DURABLE, TX_FAILED };

typedef struct txrec {
    uint8_t *body;   /* owned: the signed canonical encoding (cvm_free) */
    size_t len;
    char hash[2 * CVM_HASH_BYTES + 1];
    int state;       /* TX_* */
    int cut;         /* a submission of it got no answer (the kill cut it) */
    int seen;        /* occurrences across the chain's blocks */
    char why[200];   /* TX_FAILED: the answer */
} txrec;

/* One trial's shared state; url changes on every restart (port 0). */
typedef struct trial {
    const char *bin;  /* borrowed */
    char dir[128];
    char url[96];     /* guarded by mu */
    pthread_mutex_t mu;
    pid_t pid;
    int starts;
    txrec tx[NTX];
} trial;

typedef struct buf {
    char *p; /* owned */
    size_t n;
} buf;

static char errbuf[512];

static void failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t k = size * n;
    char *q = realloc(b->p, b->n + k + 1);
    if (!q)
        return 0;
    memcpy(q + b->n, p, k);
    b->p = q;
    b->n += k;
    b->p[b->n] = '\0';
    return k;
}

/* One request; returns the HTTP status, or -1 when no answer came (*cc says
 * why). body/ctype NULL: a GET. The answer's body is left in *out. */
static long http(const char *method, const char *url, const char *ctype, const void *body, size_t len, long timeout_s,
                 buf *out, CURLcode *cc)
{
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    struct curl_slist *h = NULL;
    out->p = NULL;
    out->n = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body) {
        char line[96];
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        h = curl_slist_append(h, line);
        h = curl_slist_append(h, "Expect:");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    long code = -1;
    CURLcode r = curl_easy_perform(c);
    if (cc)
        *cc = r;
    if (r == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return code;
}

static json_t *get_json(const char *url, long timeout_s, long *code)
{
    buf b;
    *code = http(NULL, url, NULL, NULL, 0, timeout_s, &b, NULL);
    json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
    free(b.p);
    return j;
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* ------------------------------------------------------------- the node */

/* Starts the node on t->dir (genesis on the first start) and waits for its
 * URL; 0 or -1 (errbuf says why). */
static int node_start(trial *t)
{
    char log[192], genesis[160];
    snprintf(log, sizeof log, "%s/node-%d.log", t->dir, t->starts);
    snprintf(genesis, sizeof genesis, "%s/genesis.json", t->dir);
    char data[160];
    snprintf(data, sizeof data, "%s/data", t->dir);
    pid_t pid = fork();
    if (pid < 0) {
        failf("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(t->bin, t->bin, "node", "--data", data, "--genesis", genesis, "--listen", "127.0.0.1:0",
              "--block-interval", "20ms", (char *)NULL);
        _exit(127);
    }
    t->pid = pid;
    t->starts++;
    for (int tries = 0; tries < 1000; tries++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            t->pid = 0;
            failf("the node exited (status %d) on start %d; see %s", st, t->starts, log);
            return -1;
        }
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            char *u = strstr(line, "serving the API on http://");
            if (u) {
                u += strlen("serving the API on ");
                char *e = strstr(u, "/v1");
                if (e && (size_t)(e - u) < sizeof t->url) {
                    pthread_mutex_lock(&t->mu);
                    memcpy(t->url, u, (size_t)(e - u));
                    t->url[e - u] = '\0';
                    pthread_mutex_unlock(&t->mu);
                    fclose(f);
                    return 0;
                }
            }
        }
        if (f)
            fclose(f);
        sleep_ms(10);
    }
    failf("the node printed no URL in 10 s (start %d; see %s)", t->starts, log);
    return -1;
}

static void node_kill(trial *t)
{
    if (t->pid > 0) {
        kill(t->pid, SIGKILL);
        waitpid(t->pid, NULL, 0);
        t->pid = 0;
    }
}

/* SIGTERM and wait: 0 when it exited 0. */
static int node_stop(trial *t)
{
    int st = 0;
    if (t->pid <= 0)
        return 0;
    kill(t->pid, SIGTERM);
    waitpid(t->pid, &st, 0);
    t->pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        failf("the node did not stop cleanly on SIGTERM (wait status %d)", st);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ submitters */

typedef struct submitter {
    trial *t;
    size_t from, to;
} submitter;

static void *submit_main(void *p)
{
    submitter *s = p;
    trial *t = s->t;
    for (size_t i = s->from; i < s->to; i++) {
        txrec *x = &t->tx[i];
        for (int attempt = 0; x->state == TX_UNSENT; attempt++) {
            if (attempt > 3000) {
                x->state = TX_FAILED;
                snprintf(x->why, sizeof x->why, "no answer after %d attempts", attempt);
                break;
            }
            char url[128];
            pthread_mutex_lock(&t->mu);
            snprintf(url, sizeof url, "%s/v1/transactions", t->url);
            pthread_mutex_unlock(&t->mu);
            buf b;
            CURLcode cc;
            long code = http(NULL, url, "application/octet-stream", x->body, x->len, 10, &b, &cc);
            if (code == 202) {
                x->state = TX_ACCEPTED;
            } else if (code == 409 && b.p && strstr(b.p, "\"DUPLICATE\"")) {
                /* a duplicate is only right when an earlier submission of
                 * this very transaction was cut off: it was durable */
                if (x->cut) {
                    x->state = TX_DURABLE;
                } else {
                    x->state = TX_FAILED;
                    snprintf(x->why, sizeof x->why, "409 on its first answered submission: %.150s", b.p);
                }
            } else if (code == 429 || code == 503) {
                sleep_ms(20);
            } else if (code < 0) {
                /* no answer: the kill cut the connection, or the node is down */
                if (cc != CURLE_COULDNT_CONNECT)
                    x->cut = 1;
                sleep_ms(5);
            } else {
                x->state = TX_FAILED;
                snprintf(x->why, sizeof x->why, "HTTP %ld: %.150s", code, b.p ? b.p : "");
            }
            free(b.p);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------- the checks */

static int cmp_hash(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The chain: every block, heights and links, each transaction once. */
static int check_chain(trial *t)
{
    long code;
    char url[192];
    snprintf(url, sizeof url, "%s/v1/status", t->url);
    json_t *st = get_json(url, 10, &code);
    json_int_t height = json_integer_value(json_object_get(st, "height"));
    json_decref(st);
    if (code != 200 || height < 2) {
        failf("GET /v1/status: HTTP %ld, height %" JSON_INTEGER_FORMAT, code, height);
        return -1;
    }
    size_t cap = 64, n = 0;
    char **all = malloc(cap * sizeof *all);
    char prev[2 * CVM_HASH_BYTES + 1] = "";
    int rc = 0;
    for (json_int_t h = 1; h <= height && rc == 0; h++) {
        snprintf(url, sizeof url, "%s/v1/blocks/%" JSON_INTEGER_FORMAT, t->url, h);
        json_t *b = get_json(url, 10, &code);
        json_t *hd = json_object_get(b, "header");
        const char *hash = json_string_value(json_object_get(hd, "hash"));
        const char *ph = json_string_value(json_object_get(hd, "prev_hash"));
        json_t *txs = json_object_get(b, "transactions");
        if (code != 200 || !hash || !ph || !json_is_array(txs)) {
            failf("GET /v1/blocks/%" JSON_INTEGER_FORMAT ": HTTP %ld, not a block", h, code);
            rc = -1;
        } else if (json_integer_value(json_object_get(hd, "height")) != h) {
            failf("block %" JSON_INTEGER_FORMAT " says height %" JSON_INTEGER_FORMAT, h,
                  json_integer_value(json_object_get(hd, "height")));
            rc = -1;
        } else if (h > 1 && strcmp(ph, prev) != 0) {
            failf("block %" JSON_INTEGER_FORMAT "'s prev_hash %.16s… is not block %" JSON_INTEGER_FORMAT
                  "'s hash %.16s…",
                  h, ph, h - 1, prev);
            rc = -1;
        } else {
            snprintf(prev, sizeof prev, "%s", hash);
            size_t i;
            json_t *v;
            json_array_foreach(txs, i, v)
            {
                const char *th = json_string_value(v);
                if (!th)
                    continue;
                if (n == cap)
                    all = realloc(all, (cap *= 2) * sizeof *all);
                all[n++] = strdup(th);
            }
        }
        json_decref(b);
    }
    qsort(all, n, sizeof *all, cmp_hash);
    for (size_t i = 1; i < n && rc == 0; i++)
        if (strcmp(all[i - 1], all[i]) == 0) {
            failf("transaction %.16s… is in the chain twice", all[i]);
            rc = -1;
        }
    for (size_t i = 0; i < NTX && rc == 0; i++) {
        txrec *x = &t->tx[i];
        const char *key = x->hash;
        x->seen = bsearch(&key, all, n, sizeof *all, cmp_hash) ? 1 : 0;
        if ((x->state == TX_ACCEPTED || x->state == TX_DURABLE) && x->seen != 1) {
            failf("transaction %.16s… got a %s but is in no block", x->hash,
                  x->state == TX_ACCEPTED ? "202" : "409 DUPLICATE");
            rc = -1;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(all[i]);
    free(all);
    return rc;
}

/* Each accepted transaction's own record: COMMITTED (long-poll). */
static int check_receipts(trial *t)
{
    for (size_t i = 0; i < NTX; i++) {
        txrec *x = &t->tx[i];
        if (x->state == TX_FAILED) {
            failf("transaction %zu (%.16s…): %s", i, x->hash, x->why);
            return -1;
        }
        char url[192];
        snprintf(url, sizeof url, "%s/v1/transactions/%s?wait=10", t->url, x->hash);
        long code;
        json_t *j = get_json(url, 15, &code);
        const char *status = json_string_value(json_object_get(j, "status"));
        int ok = code == 200 && status && strcmp(status, "COMMITTED") == 0;
        if (!ok)
            failf("transaction %.16s… (%s): HTTP %ld, status %s", x->hash,
                  x->state == TX_ACCEPTED ? "202" : "409 DUPLICATE", code, status ? status : "none");
        json_decref(j);
        if (!ok)
            return -1;
    }
    return 0;
}

/* A request line and half a header, then a hang-up. */
static void half_request(const char *base)
{
    unsigned port = 0;
    if (sscanf(base, "http://127.0.0.1:%u", &port) != 1)
        return;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        static const char half[] = "POST /v1/transactions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le";
        ssize_t w = write(fd, half, sizeof half - 1);
        (void)w;
    }
    close(fd);
}

/* Bad input against the live process: each its 4xx, and the node serves on. */
static int check_bad_input(trial *t)
{
    char url[192];
    static const char bad_utf8[] = "{\"service\": \"\xff\xfe\"}";
    size_t big = (1u << 20) + 1; /* one over the transaction limit (docs/node-api.md) */
    char *huge = malloc(big);
    memset(huge, '{', big);
    struct {
        const char *method, *path, *ctype, *body;
        size_t len;
        long want;
    } cases[] = {
        {NULL, "/v1/transactions", "application/json", "{\"service\": ", 12, 400},
        {NULL, "/v1/transactions", "application/json", bad_utf8, sizeof bad_utf8 - 1, 400},
        {NULL, "/v1/transactions", "application/octet-stream", "\x01\x02\x03", 3, 400},
        {NULL, "/v1/transactions", "application/json", huge, big, 413},
        {NULL, "/v1/query", "application/json", huge, (64u << 10) + 1, 413},
        {NULL, "/v1/query", "application/json", "[1, 2", 5, 400},
        {NULL, "/v1/no/such/path", NULL, NULL, 0, 404},
        {"DELETE", "/v1/status", NULL, NULL, 0, 405},
        {NULL, "/v1/transactions/zz", NULL, NULL, 0, 400},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && rc == 0; i++) {
        snprintf(url, sizeof url, "%s%s", t->url, cases[i].path);
        buf b;
        CURLcode cc;
        long code = http(cases[i].method, url, cases[i].ctype, cases[i].body, cases[i].len, 10, &b, &cc);
        /* an oversized body may be refused by closing the connection */
        int closed = code < 0 && cases[i].want == 413;
        if (code != cases[i].want && !closed) {
            failf("bad input %zu (%s %s): HTTP %ld (%s), expected %ld", i, cases[i].method ? cases[i].method : "",
                  cases[i].path, code, code < 0 ? curl_easy_strerror(cc) : (b.p ? b.p : ""), cases[i].want);
            rc = -1;
        } else if (code >= 400 && (!b.p || !strstr(b.p, "\"error\""))) {
            failf("bad input %zu (%s): HTTP %ld without an error body", i, cases[i].path, code);
            rc = -1;
        }
        free(b.p);
    }
    free(huge);
    for (int i = 0; i < 8 && rc == 0; i++)
        half_request(t->url);
    snprintf(url, sizeof url, "%s/v1/status", t->url);
    long code;
    json_t *j = get_json(url, 10, &code);
    json_decref(j);
    if (rc == 0 && code != 200) {
        failf("after bad input, GET /v1/status: HTTP %ld", code);
        rc = -1;
    }
    return rc;
}

/* ---------------------------------------------------------------- a trial */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void rm_rf(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

static int sign_all(trial *t)
{
    uint8_t pk[CVM_PUBKEY_BYTES], sk[CVM_SECRETKEY_BYTES];
    cvm_dev_keypair("alice", pk, sk);
    uint64_t ts = now_ns();
    for (size_t i = 0; i < NTX; i++) {
        cvm_arg arg = cvm_arg_int64((int64_t)i + 1);
        cvm_transaction tx = {.protocol_version = CVM_PROTOCOL_VERSION,
                              .virtual_chain_id = CHAIN,
                              .timestamp = ts + i, /* distinct hashes */
                              .signer_scheme = CVM_SCHEME_ED25519,
                              .service = "Counter",
                              .method = "add",
                              .args = &arg,
                              .nargs = 1};
        memcpy(tx.signer_key, pk, sizeof pk);
        uint8_t sig[CVM_SIGNATURE_BYTES], h[CVM_HASH_BYTES];
        tx.signature = sig;
        if (cvm_tx_sign(NULL, &tx, sk, sig, NULL) != CVM_OK || cvm_tx_hash(NULL, &tx, h, NULL) != CVM_OK ||
            cvm_tx_to_bytes(NULL, &tx, 1, &t->tx[i].body, &t->tx[i].len, NULL) != CVM_OK) {
            failf("signing transaction %zu failed", i);
            return -1;
        }
        hex_of(h, sizeof h, t->tx[i].hash);
    }
    return 0;
}

/* One trial: a fresh chain, SUBMITTERS threads, kills at random moments. */
static int run_trial(const char *bin, int kills, unsigned *seed, int *nacc, int *ndur, int *ncut)
{
    static trial t; /* large: not on the stack */
    memset(&t, 0, sizeof t);
    pthread_mutex_init(&t.mu, NULL);
    t.bin = bin;
    snprintf(t.dir, sizeof t.dir, "%s/coopvm-kill-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(t.dir)) {
        failf("mkdtemp: %s", strerror(errno));
        return -1;
    }
    char path[192];
    snprintf(path, sizeof path, "%s/counter.asm", t.dir);
    int rc = write_file(path, counter_src);
    snprintf(path, sizeof path, "%s/genesis.json", t.dir);
    rc |= write_file(path, "{\"accounts\": {\"alice\": {\"reputation\": 200, \"admin\": true}},\n"
                           " \"contracts\": {\"Counter\": \"counter.asm\"}}\n");
    if (rc != 0)
        failf("writing %s failed", path);
    if (rc == 0)
        rc = node_start(&t);
    if (rc == 0)
        rc = sign_all(&t);
    if (rc == 0) {
        submitter s[SUBMITTERS];
        pthread_t th[SUBMITTERS];
        for (int i = 0; i < SUBMITTERS; i++) {
            s[i] = (submitter){&t, (size_t)i * TXS_PER_SUBMITTER, (size_t)(i + 1) * TXS_PER_SUBMITTER};
            pthread_create(&th[i], NULL, submit_main, &s[i]);
        }
        /* the kills: each at a random moment 0-250 ms after the last start */
        for (int k = 0; k < kills && rc == 0; k++) {
            sleep_ms((long)(rand_r(seed) % 250));
            node_kill(&t);
            rc = node_start(&t);
        }
        for (int i = 0; i < SUBMITTERS; i++)
            pthread_join(th[i], NULL);
    }
    /* a last kill and restart once everything is answered: the 202s that
     * are still pending must survive it too */
    if (rc == 0) {
        node_kill(&t);
        rc = node_start(&t);
    }
    if (rc == 0)
        rc = check_receipts(&t);
    if (rc == 0)
        rc = check_chain(&t);
    if (rc == 0)
        rc = check_bad_input(&t);
    if (rc == 0)
        rc = node_stop(&t);
    else
        node_kill(&t);
    if (rc == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "'%s' verify --data '%s/data' >'%s/verify.log' 2>&1", bin, t.dir, t.dir);
        int st = system(cmd);
        if (st != 0) {
            failf("coopvm verify --data %s/data failed (see %s/verify.log)", t.dir, t.dir);
            rc = -1;
        }
    }
    for (size_t i = 0; i < NTX; i++) {
        *nacc += t.tx[i].state == TX_ACCEPTED;
        *ndur += t.tx[i].state == TX_DURABLE;
        *ncut += t.tx[i].cut;
        cvm_free(NULL, t.tx[i].body);
    }
    if (rc == 0)
        rm_rf(t.dir); /* a failed trial's directory is kept for a look */
    pthread_mutex_destroy(&t.mu);
    return rc;
}

int main(int argc, char **argv)
{
    int trials = 3, kills = 2;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    const char *bin = getenv("COOPVM") ? getenv("COOPVM") : "build/coopvm";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc)
            trials = atoi(argv[++i]);
        else if (strcmp(argv[i], "--kills") == 0 && i + 1 < argc)
            kills = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--bin") == 0 && i + 1 < argc)
            bin = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--trials N] [--kills K] [--seed S] [--bin PATH]\n", argv[0]);
            return 2;
        }
    }
    if (trials < 1 || kills < 0) {
        fprintf(stderr, "test_kill: --trials must be at least 1 and --kills at least 0\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    printf("kill test: %d trials of %d transactions from %d submitters, %d SIGKILLs each, seed %u, node %s\n",
           trials, NTX, SUBMITTERS, kills, seed, bin);
    int passed = 0, failed = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < trials; i++) {
        int acc = 0, dur = 0, cut = 0;
        errbuf[0] = '\0';
        if (run_trial(bin, kills, &seed, &acc, &dur, &cut) == 0) {
            passed++;
            if (trials <= 10)
                printf("  trial %d: ok (%d answered 202, %d 409 after a cut submission, %d submissions cut)\n",
                       i + 1, acc, dur, cut);
        } else {
            failed++;
            printf("  trial %d: FAILED: %s\n", i + 1, errbuf);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("kill test: %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("%d passed, %d failed\n", passed, failed);
    curl_global_cleanup();
    return failed == 0 ? 0 : 1;
}
