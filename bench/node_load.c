/*
 * node_load.c — the node's load bench (issue 11, "Performance"; run by
 * `make bench`, never a timed test). It starts a real `coopvm node` on
 * 127.0.0.1 (port 0) with a counter contract and ACCOUNTS genesis accounts,
 * signs every transaction before the clock starts, then:
 *
 *   1. the ceiling: the machine's bare Ed25519 verification rate on all
 *      cores — libsodium's crypto_sign_verify_detached over the same
 *      signatures and transaction hashes, one thread per online core;
 *   2. the load: CONNECTIONS threads, each with one keep-alive libcurl
 *      connection, POST the signed canonical encodings (binary) as fast as
 *      they are answered; every SAMPLE-th transaction's submit time is handed
 *      to a pool of waiter threads that long-poll
 *      GET /v1/transactions/{hash}?wait=30 until it is COMMITTED:
 *      submit-to-commit latency (from just before the POST to the answer
 *      of the long-poll).
 *
 * It prints the sustained committed transactions per second (all of them,
 * from the first POST to the moment the last is committed), p50 and p99
 * latency against the block interval, and the ratio to the ceiling.
 *
 *   build/bench_node [--bin build/coopvm] [--txs N] [--connections C]
 *                    [--block-interval MS] [--accounts A] [--sample K]
 *
 * Everything the bench starts is stopped (SIGTERM) and its directory removed.
 * docs/bench.md ("The node under load") has the figures and what limits them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "coopvm.h"

#define CHAIN 42

static const char counter_src[] = ".contract Counter\n"
                                  ".method add params 1\n"
                                  "    Load \"count\"\n"
                                  "    Add\n"
                                  "    Dup\n"
                                  "    Store \"count\"\n"
                                  "    Halt\n";

typedef struct txrec {
    uint8_t *body; /* owned: the signed canonical encoding (cvm_free) */
    size_t len;
    uint8_t hash[CVM_HASH_BYTES];
    uint8_t sig[CVM_SIGNATURE_BYTES];
    int signer;    /* index into the bench's keys */
    char hex[2 * CVM_HASH_BYTES + 1];
    double submit_s;  /* monotonic, just before its POST */
    double commit_s;  /* sampled: when the long-poll said COMMITTED */
} txrec;

typedef struct bench {
    char url[96];
    txrec *tx;     /* owned: ntx */
    size_t ntx;
    int connections;
    int sample;
    uint8_t (*pk)[CVM_PUBKEY_BYTES]; /* owned: the accounts' public keys */
    /* the long-poll queue: indexes of sampled transactions, in order */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *queue; /* owned */
    size_t qhead, qtail;
    int done;      /* every submitter finished: waiters drain and stop */
    int errors;    /* guarded by mu */
    size_t next;   /* the next transaction to submit (guarded by mu) */
} bench;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    char *b = ud; /* 512 bytes: only the start of an answer matters */
    size_t k = size * n, have = strlen(b);
    if (have < 511) {
        size_t c = k < 511 - have ? k : 511 - have;
        memcpy(b + have, p, c);
        b[have + c] = '\0';
    }
    return k;
}

static void count_error(bench *b, const char *what, long code, const char *body)
{
    pthread_mutex_lock(&b->mu);
    if (b->errors++ < 5)
        fprintf(stderr, "bench_node: %s: HTTP %ld %.200s\n", what, code, body);
    pthread_mutex_unlock(&b->mu);
}

typedef struct big {
    char *p; /* owned */
    size_t n;
} big;

static size_t on_big(char *p, size_t size, size_t n, void *ud)
{
    big *b = ud;
    size_t k = size * n;
    char *q = realloc(b->p, b->n + k + 1);
    if (!q)
        return 0;
    memcpy(q + b->n, p, k);
    b->p = q;
    b->n += k;
    q[b->n] = '\0';
    return k;
}

/* ------------------------------------------------------------ submitters */

static void *submit_main(void *p)
{
    bench *b = p;
    CURL *c = curl_easy_init();
    char url[128], ans[512];
    snprintf(url, sizeof url, "%s/v1/transactions", b->url);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    for (;;) {
        pthread_mutex_lock(&b->mu);
        size_t i = b->next < b->ntx ? b->next++ : b->ntx;
        pthread_mutex_unlock(&b->mu);
        if (i == b->ntx)
            break;
        txrec *x = &b->tx[i];
        for (;;) {
            ans[0] = '\0';
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)x->len);
            x->submit_s = mono_s();
            long code = -1;
            if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
            if (code == 429 || code == 503) { /* a full mempool: back off */
                usleep(2000);
                continue;
            }
            if (code != 202)
                count_error(b, "POST /v1/transactions", code, ans);
            break;
        }
        if (i % (size_t)b->sample == 0 || i == b->ntx - 1) {
            pthread_mutex_lock(&b->mu);
            b->queue[b->qtail++] = i;
            pthread_cond_signal(&b->cv);
            pthread_mutex_unlock(&b->mu);
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

/* ------------------------------------------------------------- waiters */

static void *wait_main(void *p)
{
    bench *b = p;
    CURL *c = curl_easy_init();
    char url[192], ans[512];
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 40L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    for (;;) {
        pthread_mutex_lock(&b->mu);
        while (b->qhead == b->qtail && !b->done)
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->qhead == b->qtail) {
            pthread_mutex_unlock(&b->mu);
            break;
        }
        size_t i = b->queue[b->qhead++];
        pthread_mutex_unlock(&b->mu);
        txrec *x = &b->tx[i];
        snprintf(url, sizeof url, "%s/v1/transactions/%s?wait=30", b->url, x->hex);
        curl_easy_setopt(c, CURLOPT_URL, url);
        ans[0] = '\0';
        long code = -1;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        x->commit_s = mono_s();
        if (code != 200 || !strstr(ans, "\"COMMITTED\"")) {
            x->commit_s = 0;
            count_error(b, "GET /v1/transactions/HASH?wait=30", code, ans);
        }
    }
    curl_easy_cleanup(c);
    return NULL;
}

/* ------------------------------------------------------------ the ceiling */

typedef struct verifier {
    const bench *b;
    double seconds;
    uint64_t count;
    int bad;
} verifier;

static void *verify_main(void *p)
{
    verifier *v = p;
    const bench *b = v->b;
    double end = mono_s() + v->seconds;
    size_t i = 0;
    while (mono_s() < end) {
        for (int k = 0; k < 256; k++, i = (i + 1) % b->ntx) {
            const txrec *x = &b->tx[i];
            if (crypto_sign_verify_detached(x->sig, x->hash, sizeof x->hash, b->pk[x->signer]) != 0)
                v->bad++;
            v->count++;
        }
    }
    return NULL;
}

static double ceiling(const bench *b, int *cores)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *cores = n > 0 ? (int)n : 1;
    verifier *v = calloc((size_t)*cores, sizeof *v);
    pthread_t *th = calloc((size_t)*cores, sizeof *th);
    double t0 = mono_s();
    for (int i = 0; i < *cores; i++) {
        v[i] = (verifier){b, 2.0, 0, 0};
        pthread_create(&th[i], NULL, verify_main, &v[i]);
    }
    uint64_t total = 0;
    int bad = 0;
    for (int i = 0; i < *cores; i++) {
        pthread_join(th[i], NULL);
        total += v[i].count;
        bad += v[i].bad;
    }
    double t = mono_s() - t0;
    free(v);
    free(th);
    if (bad)
        fprintf(stderr, "bench_node: %d signatures did not verify\n", bad);
    return (double)total / t;
}

/* ---------------------------------------------------------------- the node */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static pid_t node_start(const char *bin, const char *dir, const char *interval, char *url, size_t urlsize)
{
    char log[192], genesis[192], data[192];
    snprintf(log, sizeof log, "%s/node.log", dir);
    snprintf(genesis, sizeof genesis, "%s/genesis.json", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(bin, bin, "node", "--data", data, "--genesis", genesis, "--listen", "127.0.0.1:0", "--block-interval",
              interval, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    for (int tries = 0; tries < 3000; tries++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            fprintf(stderr, "bench_node: the node exited at start; see %s\n", log);
            return -1;
        }
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            char *u = strstr(line, "serving the API on http://");
            char *e = u ? strstr(u, "/v1") : NULL;
            if (e) {
                u += strlen("serving the API on ");
                snprintf(url, urlsize, "%.*s", (int)(e - u), u);
                fclose(f);
                return pid;
            }
        }
        if (f)
            fclose(f);
        usleep(10000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    fprintf(stderr, "bench_node: the node printed no URL in 30 s; see %s\n", log);
    return -1;
}

/* CPU seconds (user + system) a process has used so far, from /proc; 0 when
 * there is no /proc. */
static double cpu_of(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *p = strrchr(line, ')'); /* the command name may hold spaces */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_node [--bin PATH] [--txs N] [--connections C] [--block-interval MS]\n"
                    "                  [--accounts A] [--sample K]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *bin = "build/coopvm";
    long ntx = 20000, conns = 128, interval_ms = 200, accounts = 64, sample = 10;
    for (int i = 1; i < argc; i++) {
        long *target = NULL;
        if (strcmp(argv[i], "--bin") == 0 && i + 1 < argc) {
            bin = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--txs") == 0)
            target = &ntx;
        else if (strcmp(argv[i], "--connections") == 0)
            target = &conns;
        else if (strcmp(argv[i], "--block-interval") == 0)
            target = &interval_ms;
        else if (strcmp(argv[i], "--accounts") == 0)
            target = &accounts;
        else if (strcmp(argv[i], "--sample") == 0)
            target = &sample;
        if (!target || i + 1 >= argc)
            return usage();
        *target = strtol(argv[++i], NULL, 10);
    }
    if (ntx < 1 || conns < 1 || conns > 192 || interval_ms < 1 || accounts < 1 || accounts > 1000 || sample < 1)
        return usage();
    if (sodium_init() < 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    char dir[128];
    snprintf(dir, sizeof dir, "%s/coopvm-bench-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench_node: mkdtemp");
        return 1;
    }
    /* genesis: the counter contract and ACCOUNTS accounts a0, a1, ... */
    char path[256];
    snprintf(path, sizeof path, "%s/counter.asm", dir);
    write_file(path, counter_src);
    size_t gcap = 64 + (size_t)accounts * 64;
    char *g = malloc(gcap);
    size_t gl = (size_t)snprintf(g, gcap, "{\"accounts\": {");
    for (long a = 0; a < accounts; a++)
        gl += (size_t)snprintf(g + gl, gcap - gl, "%s\"a%ld\": {\"reputation\": 200}", a ? ", " : "", a);
    snprintf(g + gl, gcap - gl, "}, \"contracts\": {\"Counter\": \"counter.asm\"}}\n");
    snprintf(path, sizeof path, "%s/genesis.json", dir);
    write_file(path, g);
    free(g);

    bench b = {.ntx = (size_t)ntx, .connections = (int)conns, .sample = (int)sample};
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    b.tx = calloc(b.ntx, sizeof *b.tx);
    b.queue = calloc(b.ntx, sizeof *b.queue);
    b.pk = calloc((size_t)accounts, sizeof *b.pk);
    uint8_t (*sk)[CVM_SECRETKEY_BYTES] = calloc((size_t)accounts, sizeof *sk);
    for (long a = 0; a < accounts; a++) {
        char name[32];
        snprintf(name, sizeof name, "a%ld", a);
        cvm_dev_keypair(name, b.pk[a], sk[a]);
    }

    char interval[32];
    snprintf(interval, sizeof interval, "%ldms", interval_ms);
    pid_t pid = node_start(bin, dir, interval, b.url, sizeof b.url);
    if (pid < 0)
        return 1;

    /* every transaction signed before any clock starts; timestamps now, so
     * they stay inside pre-order's window for the run */
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    uint64_t ts = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
    for (size_t i = 0; i < b.ntx; i++) {
        txrec *x = &b.tx[i];
        x->signer = (int)(i % (size_t)accounts);
        cvm_arg arg = cvm_arg_int64(1);
        cvm_transaction tx = {.protocol_version = CVM_PROTOCOL_VERSION,
                              .virtual_chain_id = CHAIN,
                              .timestamp = ts + i,
                              .signer_scheme = CVM_SCHEME_ED25519,
                              .service = "Counter",
                              .method = "add",
                              .args = &arg,
                              .nargs = 1,
                              .signature = x->sig};
        memcpy(tx.signer_key, b.pk[x->signer], CVM_PUBKEY_BYTES);
        if (cvm_tx_sign(NULL, &tx, sk[x->signer], x->sig, NULL) != CVM_OK ||
            cvm_tx_hash(NULL, &tx, x->hash, NULL) != CVM_OK ||
            cvm_tx_to_bytes(NULL, &tx, 1, &x->body, &x->len, NULL) != CVM_OK) {
            fprintf(stderr, "bench_node: signing failed\n");
            return 1;
        }
        for (size_t k = 0; k < CVM_HASH_BYTES; k++)
            sprintf(x->hex + 2 * k, "%02x", x->hash[k]);
    }
    free(sk);

    int cores = 1;
    double ceil_rate = ceiling(&b, &cores);

    /* the load */
    int nwait = 64; /* with at most 192 submitters: within the node's 256 connections per address */
    pthread_t *sub = calloc((size_t)conns, sizeof *sub), *wt = calloc((size_t)nwait, sizeof *wt);
    double node_cpu0 = cpu_of(pid), self_cpu0 = cpu_of(getpid());
    double t0 = mono_s();
    for (int i = 0; i < nwait; i++)
        pthread_create(&wt[i], NULL, wait_main, &b);
    for (long i = 0; i < conns; i++)
        pthread_create(&sub[i], NULL, submit_main, &b);
    for (long i = 0; i < conns; i++)
        pthread_join(sub[i], NULL);
    double t_admitted = mono_s();
    pthread_mutex_lock(&b.mu);
    b.done = 1;
    pthread_cond_broadcast(&b.cv);
    pthread_mutex_unlock(&b.mu);
    for (int i = 0; i < nwait; i++)
        pthread_join(wt[i], NULL);

    /* the last transaction submitted is committed last or with the last
     * block: the end of the run is the latest commit seen */
    double t_end = t_admitted;
    size_t nlat = 0;
    double *lat = calloc(b.qtail + 1, sizeof *lat);
    for (size_t q = 0; q < b.qtail; q++) {
        const txrec *x = &b.tx[b.queue[q]];
        if (x->commit_s > 0) {
            lat[nlat++] = (x->commit_s - x->submit_s) * 1000.0;
            if (x->commit_s > t_end)
                t_end = x->commit_s;
        }
    }
    double node_cpu = cpu_of(pid) - node_cpu0, self_cpu = cpu_of(getpid()) - self_cpu0;
    qsort(lat, nlat, sizeof *lat, cmp_double);
    double p50 = nlat ? lat[nlat / 2] : 0, p99 = nlat ? lat[(size_t)((double)(nlat - 1) * 0.99)] : 0;
    double rate = (double)b.ntx / (t_end - t0);
    double admit = (double)b.ntx / (t_admitted - t0);

    /* the node's own count of fsyncs, for the group size */
    double fsyncs = 0, writes = 0;
    {
        CURL *c = curl_easy_init();
        char url[160];
        big m = {0};
        snprintf(url, sizeof url, "%s/metrics", b.url);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_big);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
        curl_easy_perform(c);
        curl_easy_cleanup(c);
        const char *f = m.p ? strstr(m.p, "\ncoopvm_mempool_fsyncs_total ") : NULL;
        const char *w = m.p ? strstr(m.p, "\ncoopvm_mempool_writes_total ") : NULL;
        if (f)
            fsyncs = strtod(f + strlen("\ncoopvm_mempool_fsyncs_total "), NULL);
        if (w)
            writes = strtod(w + strlen("\ncoopvm_mempool_writes_total "), NULL);
        free(m.p);
    }
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);

    printf("node under load: %zu transactions (Counter.add, %ld signers), %ld connections, blocks every %ld ms\n",
           b.ntx, accounts, conns, interval_ms);
    printf("  ceiling: bare Ed25519 verification on %d cores   %10.0f /s\n", cores, ceil_rate);
    printf("  admitted (202)                                   %10.0f /s\n", admit);
    printf("  committed, sustained                             %10.0f /s   %.2f of the ceiling\n", rate,
           rate / ceil_rate);
    printf("  submit-to-commit latency (%zu sampled)  p50 %.0f ms   p99 %.0f ms   (%.1f and %.1f block intervals)\n",
           nlat, p50, p99, p50 / (double)interval_ms, p99 / (double)interval_ms);
    printf("  CPU during the load: the node %.2f cores, this load generator %.2f cores (of %d)\n",
           node_cpu / (t_end - t0), self_cpu / (t_end - t0), cores);
    if (fsyncs > 0)
        printf("  mempool group commit: %.0f admissions in %.0f fsyncs, %.1f per fsync\n", writes, fsyncs,
               writes / fsyncs);
    if (b.errors)
        printf("  %d requests failed (the first are above)\n", b.errors);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("  the node did not stop cleanly (wait status %d); its log is in %s\n", st, dir);
    else {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_node: could not remove %s\n", dir);
    }
    for (size_t i = 0; i < b.ntx; i++)
        cvm_free(NULL, b.tx[i].body);
    free(b.tx);
    free(b.queue);
    free(b.pk);
    free(lat);
    free(sub);
    free(wt);
    curl_global_cleanup();
    return b.errors ? 1 : 0;
}
