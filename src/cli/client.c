/*
 * client.c — HTTP requests to a node's API for the client commands (see
 * client.h), over libcurl: one easy handle per command, reused so that a
 * command making many requests (events paging, long-polls) keeps one
 * connection. Answers are kept in memory up to CLIENT_REPLY_MAX.
 */
#include "client.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef COOPVM_HAVE_CURL
#include <curl/curl.h>
#endif

#include "base/count.h"
#include "cli.h"

void client_reply_free(client_reply *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

#ifdef COOPVM_HAVE_CURL

int client_open(client *c, const char *cmd, const char *url)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    if (!url || !*url)
        return cli_usage_error(cmd, "--node needs the node's URL (http://127.0.0.1:7070)");
    const char *sep = strstr(url, "://");
    if (sep && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return cli_usage_error(cmd, "--node '%s': only http:// and https:// URLs", url);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    const char *scheme = sep ? "" : "http://";
    c->base = malloc(strlen(scheme) + n + 1);
    if (!c->base) {
        fprintf(stderr, "coopvm %s: out of memory\n", cmd);
        return CLI_FAIL;
    }
    sprintf(c->base, "%s%.*s", scheme, (int)n, url);
    /* the command line is one thread: initialising here, once, is safe */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->curl = curl_easy_init())) {
        fprintf(stderr, "coopvm %s: libcurl could not start\n", cmd);
        free(c->base);
        c->base = NULL;
        return CLI_FAIL;
    }
    return CLI_OK;
}

void client_close(client *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    free(c->base);
    memset(c, 0, sizeof *c);
}

/* The body as it arrives, refused past CLIENT_REPLY_MAX. */
typedef struct sink {
    char *data; /* owned */
    size_t len, cap;
    bool too_big, nomem;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    if (n > CLIENT_REPLY_MAX - s->len) {
        s->too_big = true;
        return 0; /* libcurl stops the transfer */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *d = realloc(s->data, cap);
        if (!d) {
            s->nomem = true;
            return 0;
        }
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

int client_request(client *c, const char *method, const char *path, const char *content_type, const void *body,
                   size_t len, long timeout_s, client_reply *r)
{
    memset(r, 0, sizeof *r);
    size_t ulen = strlen(c->base) + strlen(path) + 1;
    char *url = malloc(ulen), errbuf[CURL_ERROR_SIZE] = "";
    sink s = {0};
    struct curl_slist *headers = NULL;
    if (!url) {
        fprintf(stderr, "coopvm %s: out of memory\n", c->cmd);
        return CLI_FAIL;
    }
    snprintf(url, ulen, "%s%s", c->base, path);
    CURL *h = c->curl;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "coopvm/" COOPVM_VERSION);
    /* only the node's own scheme: a redirect never takes a signed
     * transaction elsewhere */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (strcmp(method, "POST") == 0) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type ? content_type : "application/json");
        headers = curl_slist_append(headers, ct);
        /* no "Expect: 100-continue" round trip for a large body */
        headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK || s.nomem) {
        char n1[CVM_COUNT_BUF];
        if (s.too_big)
            fprintf(stderr, "coopvm %s: %s: the answer is larger than %s bytes, the client's limit\n", c->cmd, url,
                    cvm_count(CLIENT_REPLY_MAX, n1));
        else if (s.nomem)
            fprintf(stderr, "coopvm %s: %s: out of memory reading the answer\n", c->cmd, url);
        else
            fprintf(stderr, "coopvm %s: %s: %s\n", c->cmd, url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
            fprintf(stderr, "coopvm %s: is a node running there? (coopvm node --data DIR --listen HOST:PORT)\n",
                    c->cmd);
        free(s.data);
        free(url);
        return CLI_FAIL;
    }
    free(url);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (!s.data) {
        s.data = calloc(1, 1);
        if (!s.data) {
            fprintf(stderr, "coopvm %s: out of memory\n", c->cmd);
            return CLI_FAIL;
        }
    }
    r->body = s.data;
    r->len = s.len;
    r->json = json_loadb(s.data, s.len, JSON_REJECT_DUPLICATES, NULL);
    return CLI_OK;
}

bool client_add_param(client *c, char **path, const char *name, const char *value)
{
    char *esc = curl_easy_escape(c->curl, value, 0);
    if (!esc)
        return false;
    size_t n = strlen(*path) + strlen(name) + strlen(esc) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%c%s=%s", *path, strchr(*path, '?') ? '&' : '?', name, esc);
    curl_free(esc);
    if (!p)
        return false;
    free(*path);
    *path = p;
    return true;
}

#else /* built without libcurl (make cross's foreign builds): the commands say so */

int client_open(client *c, const char *cmd, const char *url)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    fprintf(stderr, "coopvm %s: this coopvm was built without libcurl, so it has no client commands "
                    "(install libcurl4-openssl-dev and rebuild)\n", cmd);
    return CLI_FAIL;
}

void client_close(client *c) { memset(c, 0, sizeof *c); }

int client_request(client *c, const char *method, const char *path, const char *content_type, const void *body,
                   size_t len, long timeout_s, client_reply *r)
{
    memset(r, 0, sizeof *r);
    fprintf(stderr, "coopvm %s: built without libcurl\n", c->cmd);
    return CLI_FAIL;
}

bool client_add_param(client *c, char **path, const char *name, const char *value) { return false; }

#endif

/* Prints why r is not the answer wanted: the API's error, or what the
 * answer is instead. */
static void print_failure(client *c, const char *path, const client_reply *r)
{
    const json_t *e = json_object_get(r->json, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (c->raw && r->json && e) /* --json: the error as the API answered it, too */
        printf("%s\n", r->body);
    if (code)
        fprintf(stderr, "coopvm %s: %s%s: %ld %s: %s\n", c->cmd, c->base, path, r->status, code, msg ? msg : "");
    else if (r->status < 200 || r->status > 299)
        fprintf(stderr, "coopvm %s: %s%s: HTTP %ld, and not the API's error shape: %.120s\n", c->cmd, c->base, path,
                r->status, r->body);
    else
        fprintf(stderr, "coopvm %s: %s%s: HTTP %ld but the answer is not a JSON object: %.120s\n", c->cmd, c->base,
                path, r->status, r->body);
}

int client_call(client *c, const char *method, const char *path, const char *content_type, const void *body,
                size_t len, long timeout_s, json_t **out, char **raw_out, long *http_status)
{
    *out = NULL;
    if (raw_out)
        *raw_out = NULL;
    if (http_status)
        *http_status = 0;
    client_reply r;
    if (client_request(c, method, path, content_type, body, len, timeout_s, &r) != CLI_OK)
        return CLI_FAIL;
    if (http_status)
        *http_status = r.status;
    if (r.status < 200 || r.status > 299 || !json_is_object(r.json)) {
        print_failure(c, path, &r);
        client_reply_free(&r);
        return CLI_FAIL;
    }
    *out = r.json;
    r.json = NULL;
    if (raw_out) {
        *raw_out = r.body;
        r.body = NULL;
    }
    client_reply_free(&r);
    return CLI_OK;
}

int client_chain_id(client *c, uint32_t *out)
{
    json_t *st;
    if (client_call(c, "GET", "/v1/status", NULL, NULL, 0, CLIENT_TIMEOUT_S, &st, NULL, NULL) != CLI_OK)
        return CLI_FAIL;
    const json_t *id = json_object_get(st, "chain_id");
    bool ok = json_is_integer(id) && json_integer_value(id) >= 0 && json_integer_value(id) <= UINT32_MAX;
    if (ok)
        *out = (uint32_t)json_integer_value(id);
    else
        fprintf(stderr, "coopvm %s: %s/v1/status: no \"chain_id\" from 0 to 4294967295 in the answer\n", c->cmd,
                c->base);
    json_decref(st);
    return ok ? CLI_OK : CLI_FAIL;
}

/* The node holds a long-poll at most this long (docs/node-api.md). */
#define NODE_WAIT_MAX_S 60

int client_tx_status(client *c, const char *hash, uint64_t wait_s, json_t **out, char **raw_out)
{
    *out = NULL;
    *raw_out = NULL;
    for (;;) {
        uint64_t w = wait_s > NODE_WAIT_MAX_S ? NODE_WAIT_MAX_S : wait_s;
        char path[160];
        if (w)
            snprintf(path, sizeof path, "/v1/transactions/%s?wait=%" PRIu64, hash, w);
        else
            snprintf(path, sizeof path, "/v1/transactions/%s", hash);
        json_decref(*out);
        free(*raw_out);
        if (client_call(c, "GET", path, NULL, NULL, 0, CLIENT_TIMEOUT_S + (long)w, out, raw_out, NULL) != CLI_OK)
            return CLI_FAIL;
        const char *st = json_string_value(json_object_get(*out, "status"));
        wait_s -= w;
        if (!st || strcmp(st, "PENDING") != 0 || wait_s == 0)
            return CLI_OK;
    }
}
