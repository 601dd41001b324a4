/*
 * etcd.c — the etcd v3 JSON gateway client of etcd.h: libcurl for HTTP,
 * jansson for JSON, libsodium for the gateway's base64 keys and values.
 */
#include "node/etcd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#ifdef COOPVM_HAVE_CURL
#include <curl/curl.h>
#endif

void cvm_etcd_kv_free(cvm_etcd_kv *kv, size_t n)
{
    for (size_t i = 0; kv && i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

#ifndef COOPVM_HAVE_CURL

/* without libcurl: open says so, and nothing else is reachable */
struct cvm_etcd {
    int unused;
};

cvm_status cvm_etcd_open(const char *endpoints, long timeout_ms, cvm_etcd **out, char *err, size_t errcap)
{
    (void)endpoints;
    (void)timeout_ms;
    *out = NULL;
    snprintf(err, errcap, "--etcd: this coopvm was built without libcurl (no etcd-ordered producer)");
    return CVM_EINPUT;
}
void cvm_etcd_close(cvm_etcd *e) { (void)e; }
const char *cvm_etcd_endpoint(const cvm_etcd *e) { (void)e; return ""; }
int64_t cvm_etcd_revision(const cvm_etcd *e) { (void)e; return 0; }
#define NOCURL                                                                                                         \
    {                                                                                                                  \
        (void)e;                                                                                                       \
        snprintf(err, errcap, "etcd: built without libcurl");                                                          \
        return CVM_EINPUT;                                                                                             \
    }
cvm_status cvm_etcd_get(cvm_etcd *e, const char *key, cvm_etcd_kv *kv, bool *found, char *err, size_t errcap)
{ (void)key; (void)kv; (void)found; NOCURL }
cvm_status cvm_etcd_range(cvm_etcd *e, const char *from, const char *to, size_t limit, cvm_etcd_kv **kvs,
                          size_t *n, char *err, size_t errcap)
{ (void)from; (void)to; (void)limit; (void)kvs; (void)n; NOCURL }
cvm_status cvm_etcd_put(cvm_etcd *e, const char *key, const uint8_t *value, size_t len, int64_t lease, char *err,
                        size_t errcap)
{ (void)key; (void)value; (void)len; (void)lease; NOCURL }
cvm_status cvm_etcd_delete_range(cvm_etcd *e, const char *from, const char *to, char *err, size_t errcap)
{ (void)from; (void)to; NOCURL }
cvm_status cvm_etcd_create(cvm_etcd *e, const char *key, const uint8_t *value, size_t len, int64_t lease,
                           bool *created, int64_t *revision, char *err, size_t errcap)
{ (void)key; (void)value; (void)len; (void)lease; (void)created; (void)revision; NOCURL }
cvm_status cvm_etcd_create_fenced(cvm_etcd *e, const char *key, const uint8_t *value, size_t len,
                                  const char *fence_key, int64_t fence_revision, bool *written, char *err,
                                  size_t errcap)
{ (void)key; (void)value; (void)len; (void)fence_key; (void)fence_revision; (void)written; NOCURL }
cvm_status cvm_etcd_lease_grant(cvm_etcd *e, int64_t ttl_s, int64_t *id, char *err, size_t errcap)
{ (void)ttl_s; (void)id; NOCURL }
cvm_status cvm_etcd_lease_keepalive(cvm_etcd *e, int64_t id, int64_t *ttl, char *err, size_t errcap)
{ (void)id; (void)ttl; NOCURL }
cvm_status cvm_etcd_lease_revoke(cvm_etcd *e, int64_t id, char *err, size_t errcap) { (void)id; NOCURL }
cvm_status cvm_etcd_watch_once(cvm_etcd *e, const char *from_key, const char *to_key, int64_t start_revision,
                               long timeout_ms, bool *changed, char *err, size_t errcap)
{ (void)from_key; (void)to_key; (void)start_revision; (void)timeout_ms; (void)changed; NOCURL }

#else

#define MAX_ENDPOINTS 16
/* an answer larger than this is refused (memory stays bounded): blocks of
 * 1,000 transactions are a few hundred KiB */
#define MAX_ANSWER ((size_t)64 << 20)

struct cvm_etcd {
    char *urls[MAX_ENDPOINTS]; /* owned; without a final '/' */
    size_t nurls, cur;
    long timeout_ms;
    int64_t revision;          /* the store revision of the last answer */
    CURL *curl;                /* owned */
};

typedef struct buf {
    char *p;
    size_t len, cap;
    bool stop_at_event; /* watch: stop once an event arrived */
    bool event;
} buf;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n + 1 > MAX_ANSWER)
        return 0;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
    if (b->stop_at_event && strstr(b->p, "\"events\"")) {
        b->event = true;
        return 0; /* enough: ends the stream */
    }
    return n;
}

cvm_status cvm_etcd_open(const char *endpoints, long timeout_ms, cvm_etcd **out, char *err, size_t errcap)
{
    *out = NULL;
    cvm_etcd *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    e->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
    const char *p = endpoints ? endpoints : "";
    while (*p) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        while (n && p[n - 1] == '/')
            n--;
        if (n) {
            if (e->nurls == MAX_ENDPOINTS || (strncmp(p, "http://", 7) && strncmp(p, "https://", 8))) {
                snprintf(err, errcap, "--etcd: '%.*s' is not an http:// URL (or more than %d endpoints)", (int)n, p,
                         MAX_ENDPOINTS);
                cvm_etcd_close(e);
                return CVM_EINPUT;
            }
            if (!(e->urls[e->nurls] = strndup(p, n))) {
                cvm_etcd_close(e);
                snprintf(err, errcap, "out of memory");
                return CVM_ENOMEM;
            }
            e->nurls++;
        }
        p = c ? c + 1 : p + strlen(p);
    }
    if (!e->nurls) {
        snprintf(err, errcap, "--etcd: no endpoint URL");
        cvm_etcd_close(e);
        return CVM_EINPUT;
    }
    if (!(e->curl = curl_easy_init())) {
        snprintf(err, errcap, "etcd: cannot start libcurl");
        cvm_etcd_close(e);
        return CVM_ENOMEM;
    }
    *out = e;
    return CVM_OK;
}

void cvm_etcd_close(cvm_etcd *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nurls; i++)
        free(e->urls[i]);
    if (e->curl)
        curl_easy_cleanup(e->curl);
    free(e);
}

const char *cvm_etcd_endpoint(const cvm_etcd *e) { return e->urls[e->cur]; }

static int64_t num(json_t *j);

int64_t cvm_etcd_revision(const cvm_etcd *e) { return e->revision; }

/* POSTs req to path on the current endpoint, failing over to the next ones
 * when one cannot answer. *resp owned by the caller. A watch (stop_at_event)
 * ends at its first event or at timeout_ms (then *resp is NULL, CVM_OK). */
static cvm_status call(cvm_etcd *e, const char *path, json_t *req, long timeout_ms, bool watch, bool *event,
                       json_t **resp, char *err, size_t errcap)
{
    *resp = NULL;
    char *body = json_dumps(req, JSON_COMPACT);
    if (!body) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = CVM_EIO;
    char last[256] = "";
    for (size_t tries = 0; tries < e->nurls; tries++) {
        char url[1024];
        snprintf(url, sizeof url, "%s%s", e->urls[e->cur], path);
        buf b = {.stop_at_event = watch};
        CURL *c = e->curl;
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 1000 ? timeout_ms : 1000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        CURLcode rc = curl_easy_perform(c);
        curl_slist_free_all(h);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (watch && (b.event || (rc == CURLE_OPERATION_TIMEDOUT && code == 200))) {
            *event = b.event;
            free(b.p);
            st = CVM_OK;
            break;
        }
        if (rc == CURLE_OK && code == 200) {
            json_error_t je;
            *resp = json_loadb(b.p ? b.p : "", b.len, 0, &je);
            free(b.p);
            if (!*resp) {
                snprintf(err, errcap, "etcd %s%s: the answer is not JSON: %s", e->urls[e->cur], path, je.text);
                st = CVM_EIO;
            } else {
                st = CVM_OK;
            }
            break;
        }
        if (rc == CURLE_OK && code >= 400 && code < 500) {
            /* etcd refused the request itself: another member would too */
            snprintf(err, errcap, "etcd %s%s: HTTP %ld: %.200s", e->urls[e->cur], path, code, b.p ? b.p : "");
            free(b.p);
            st = CVM_EINPUT;
            break;
        }
        snprintf(last, sizeof last, "%s: %s", e->urls[e->cur],
                 rc != CURLE_OK ? curl_easy_strerror(rc) : "an HTTP error status");
        free(b.p);
        e->cur = (e->cur + 1) % e->nurls; /* fail over */
    }
    if (st == CVM_EIO && !*resp && last[0])
        snprintf(err, errcap, "etcd: no endpoint answered (last: %s)", last);
    free(body);
    return st;
}

static cvm_status rpc(cvm_etcd *e, const char *path, json_t *req, json_t **resp, char *err, size_t errcap)
{
    if (!req) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    cvm_status st = call(e, path, req, e->timeout_ms, false, NULL, resp, err, errcap);
    json_decref(req);
    if (st == CVM_OK) {
        json_t *r = *resp, *inner = json_object_get(r, "result");
        if (json_is_object(inner)) { /* streaming RPCs (keepalive) wrap their answer */
            *resp = json_incref(inner);
            json_decref(r);
        }
        int64_t rev = num(json_object_get(json_object_get(*resp, "header"), "revision"));
        if (rev > e->revision)
            e->revision = rev;
        if (json_object_get(*resp, "error")) {
            const char *m = json_string_value(json_object_get(*resp, "error"));
            snprintf(err, errcap, "etcd %s: %.200s", path, m ? m : "an error");
            json_decref(*resp);
            *resp = NULL;
            st = CVM_EIO;
        }
    }
    return st;
}

static json_t *b64(const void *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (!s)
        return NULL;
    sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *b64s(const char *s) { return b64(s, strlen(s)); }

/* the gateway writes int64s as strings */
static int64_t num(json_t *j)
{
    if (json_is_integer(j))
        return (int64_t)json_integer_value(j);
    if (json_is_string(j))
        return (int64_t)strtoll(json_string_value(j), NULL, 10);
    return 0;
}

static json_t *numj(int64_t v)
{
    char s[32];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

/* base64 text j into a new NUL-terminated buffer */
static bool unb64(json_t *j, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(j);
    size_t sl = s ? strlen(s) : 0;
    *out = malloc(sl + 1);
    if (!*out)
        return false;
    size_t n = 0;
    if (sl && sodium_base642bin(*out, sl, s, sl, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(*out);
        *out = NULL;
        return false;
    }
    (*out)[n] = 0;
    if (len)
        *len = n;
    return true;
}

static bool read_kv(json_t *j, cvm_etcd_kv *kv)
{
    memset(kv, 0, sizeof *kv);
    uint8_t *k = NULL;
    if (!unb64(json_object_get(j, "key"), &k, NULL) || !unb64(json_object_get(j, "value"), &kv->value, &kv->len)) {
        free(k);
        return false;
    }
    kv->key = (char *)k;
    kv->create_revision = num(json_object_get(j, "create_revision"));
    kv->mod_revision = num(json_object_get(j, "mod_revision"));
    kv->lease = num(json_object_get(j, "lease"));
    return true;
}

static cvm_status read_kvs(json_t *resp, cvm_etcd_kv **kvs, size_t *n, char *err, size_t errcap)
{
    json_t *a = json_object_get(resp, "kvs");
    size_t k = json_is_array(a) ? json_array_size(a) : 0;
    *kvs = calloc(k ? k : 1, sizeof **kvs);
    *n = 0;
    if (!*kvs) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        if (!read_kv(json_array_get(a, i), &(*kvs)[i])) {
            cvm_etcd_kv_free(*kvs, i);
            *kvs = NULL;
            snprintf(err, errcap, "etcd: a key or value is not base64 (or memory ran out)");
            return CVM_EIO;
        }
        (*n)++;
    }
    return CVM_OK;
}

cvm_status cvm_etcd_range(cvm_etcd *e, const char *from, const char *to, size_t limit, cvm_etcd_kv **kvs,
                          size_t *n, char *err, size_t errcap)
{
    *kvs = NULL;
    *n = 0;
    json_t *req = json_pack("{s:o}", "key", b64s(from));
    if (req && to)
        json_object_set_new(req, "range_end", b64s(to));
    if (req && limit)
        json_object_set_new(req, "limit", numj((int64_t)limit));
    json_t *resp = NULL;
    cvm_status st = rpc(e, "/v3/kv/range", req, &resp, err, errcap);
    if (st == CVM_OK)
        st = read_kvs(resp, kvs, n, err, errcap);
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_get(cvm_etcd *e, const char *key, cvm_etcd_kv *kv, bool *found, char *err, size_t errcap)
{
    cvm_etcd_kv *kvs = NULL;
    size_t n = 0;
    *found = false;
    cvm_status st = cvm_etcd_range(e, key, NULL, 0, &kvs, &n, err, errcap);
    if (st == CVM_OK && n == 1) {
        *kv = kvs[0];
        *found = true;
        free(kvs);
    } else {
        cvm_etcd_kv_free(kvs, n);
    }
    return st;
}

static json_t *put_req(const char *key, const uint8_t *value, size_t len, int64_t lease)
{
    json_t *p = json_pack("{s:o,s:o}", "key", b64s(key), "value", b64(value, len));
    if (p && lease)
        json_object_set_new(p, "lease", numj(lease));
    return p;
}

cvm_status cvm_etcd_put(cvm_etcd *e, const char *key, const uint8_t *value, size_t len, int64_t lease, char *err,
                        size_t errcap)
{
    json_t *resp = NULL;
    cvm_status st = rpc(e, "/v3/kv/put", put_req(key, value, len, lease), &resp, err, errcap);
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_delete_range(cvm_etcd *e, const char *from, const char *to, char *err, size_t errcap)
{
    json_t *resp = NULL;
    cvm_status st = rpc(e, "/v3/kv/deleterange", json_pack("{s:o,s:o}", "key", b64s(from), "range_end", b64s(to)),
                        &resp, err, errcap);
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_create(cvm_etcd *e, const char *key, const uint8_t *value, size_t len, int64_t lease,
                           bool *created, int64_t *revision, char *err, size_t errcap)
{
    *created = false;
    *revision = 0;
    json_t *req = json_pack("{s:[{s:s,s:o,s:s}],s:[{s:o}]}", "compare", "target", "CREATE", "key", b64s(key),
                            "create_revision", "0", "success", "request_put", put_req(key, value, len, lease));
    json_t *resp = NULL;
    cvm_status st = rpc(e, "/v3/kv/txn", req, &resp, err, errcap);
    if (st == CVM_OK) {
        *created = json_is_true(json_object_get(resp, "succeeded"));
        *revision = num(json_object_get(json_object_get(resp, "header"), "revision"));
    }
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_create_fenced(cvm_etcd *e, const char *key, const uint8_t *value, size_t len,
                                  const char *fence_key, int64_t fence_revision, bool *written, char *err,
                                  size_t errcap)
{
    *written = false;
    json_t *req = json_pack("{s:[{s:s,s:o,s:s},{s:s,s:o,s:o}],s:[{s:o}]}", "compare", "target", "CREATE", "key",
                            b64s(key), "create_revision", "0", "target", "MOD", "key", b64s(fence_key),
                            "mod_revision", numj(fence_revision), "success", "request_put",
                            put_req(key, value, len, 0));
    json_t *resp = NULL;
    cvm_status st = rpc(e, "/v3/kv/txn", req, &resp, err, errcap);
    if (st == CVM_OK)
        *written = json_is_true(json_object_get(resp, "succeeded"));
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_lease_grant(cvm_etcd *e, int64_t ttl_s, int64_t *id, char *err, size_t errcap)
{
    json_t *resp = NULL;
    *id = 0;
    cvm_status st = rpc(e, "/v3/lease/grant", json_pack("{s:o}", "TTL", numj(ttl_s)), &resp, err, errcap);
    if (st == CVM_OK && !(*id = num(json_object_get(resp, "ID")))) {
        snprintf(err, errcap, "etcd /v3/lease/grant: no lease ID in the answer");
        st = CVM_EIO;
    }
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_lease_keepalive(cvm_etcd *e, int64_t id, int64_t *ttl, char *err, size_t errcap)
{
    json_t *resp = NULL;
    *ttl = 0;
    cvm_status st = rpc(e, "/v3/lease/keepalive", json_pack("{s:o}", "ID", numj(id)), &resp, err, errcap);
    if (st == CVM_OK)
        *ttl = num(json_object_get(resp, "TTL")); /* absent: the lease expired */
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_lease_revoke(cvm_etcd *e, int64_t id, char *err, size_t errcap)
{
    json_t *resp = NULL;
    cvm_status st = rpc(e, "/v3/lease/revoke", json_pack("{s:o}", "ID", numj(id)), &resp, err, errcap);
    json_decref(resp);
    return st;
}

cvm_status cvm_etcd_watch_once(cvm_etcd *e, const char *from_key, const char *to_key, int64_t start_revision,
                               long timeout_ms, bool *changed, char *err, size_t errcap)
{
    *changed = false;
    json_t *cr = json_pack("{s:o,s:o}", "key", b64s(from_key), "range_end", b64s(to_key));
    if (cr && start_revision)
        json_object_set_new(cr, "start_revision", numj(start_revision));
    json_t *req = cr ? json_pack("{s:o}", "create_request", cr) : NULL;
    if (!req) {
        snprintf(err, errcap, "out of memory");
        return CVM_ENOMEM;
    }
    json_t *resp = NULL;
    cvm_status st = call(e, "/v3/watch", req, timeout_ms, true, changed, &resp, err, errcap);
    json_decref(resp);
    json_decref(req);
    return st;
}

#endif
