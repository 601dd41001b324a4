/*
 * forward.c — POST /v1/transactions on a node that does not produce (the
 * etcd-ordered producer's followers): the same body goes to the producer's
 * URL with libcurl, and its answer (status, body, Retry-After) is this
 * node's. With no producer known, 503 with Retry-After (api_tx.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/http_internal.h"

#ifdef COOPVM_HAVE_CURL
#include <curl/curl.h>

typedef struct fwd_buf {
    char *p;
    size_t len;
} fwd_buf;

/* a producer's answer to one transaction is small: more is refused */
#define FWD_MAX_ANSWER ((size_t)1 << 20)

static size_t fwd_data(char *data, size_t size, size_t nmemb, void *ud)
{
    fwd_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n > FWD_MAX_ANSWER)
        return 0;
    char *p = realloc(b->p, b->len + n + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, data, n);
    b->p = p;
    b->len += n;
    return n;
}

static size_t fwd_header(char *data, size_t size, size_t nmemb, void *ud)
{
    char *retry = ud; /* 16 bytes */
    size_t n = size * nmemb;
    if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        size_t i = 12, k = 0;
        while (i < n && data[i] == ' ')
            i++;
        while (i < n && k < 15 && data[i] >= '0' && data[i] <= '9')
            retry[k++] = data[i++];
        retry[k] = 0;
    }
    return n;
}

enum MHD_Result cvm_api_tx_forward(cvm_http *h, struct MHD_Connection *c, http_request *r, const char *leader)
{
    char url[512], retry[16] = "";
    snprintf(url, sizeof url, "%s/v1/transactions", leader);
    CURL *curl = curl_easy_init();
    if (!curl)
        return cvm_http_reply_error(h, c, 503, "UNAVAILABLE", "transactions: cannot reach the producer (libcurl)");
    fwd_buf b = {NULL, 0};
    struct curl_slist *hd = curl_slist_append(NULL, r->media == CVM_MEDIA_BINARY
                                                        ? "Content-Type: application/octet-stream"
                                                        : "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r->body.len ? (const char *)r->body.data : "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fwd_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, fwd_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, retry);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || status < 200 || status > 599) {
        free(b.p);
        /* the producer is gone (a new one will be elected): try again soon */
        return cvm_http_reply_error(h, c, 503, "UNAVAILABLE", "transactions: the producer at %s did not answer (%s)",
                                    leader, rc != CURLE_OK ? curl_easy_strerror(rc) : "a bad status");
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(b.len, b.p ? b.p : (void *)"", b.p ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(b.p);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (retry[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    return cvm_http_send(h, c, (unsigned)status, resp);
}

#else

enum MHD_Result cvm_api_tx_forward(cvm_http *h, struct MHD_Connection *c, http_request *r, const char *leader)
{
    (void)r;
    return cvm_http_reply_error(h, c, 503, "UNAVAILABLE",
                                "transactions: this node was built without libcurl and cannot forward to %s", leader);
}

#endif
