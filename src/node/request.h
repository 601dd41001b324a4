/*
 * request.h — decoding what an HTTP request carries before a handler acts on
 * it: the request target (path and query parameters), the parameters' values
 * (integers, hashes), the body's media type and its text.
 *
 * Pure functions over bytes, with no server: http.c calls them for every
 * request and fuzz/fuzz_http.c drives the same calls with arbitrary input.
 * Every refusal is CVM_EINPUT with a message naming the parameter or the
 * byte (the server answers it as 400 BAD_REQUEST).
 */
#ifndef CVM_NODE_REQUEST_H
#define CVM_NODE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coopvm.h"

/* The most query parameters a request may carry; the API's widest endpoint
 * (GET /v1/events) takes six. */
#define CVM_HTTP_MAX_PARAMS 8
/* The longest request target read (longer ones are refused, not cut). */
#define CVM_HTTP_MAX_TARGET 4096

typedef struct cvm_http_param {
    const char *name;  /* borrowed from the target's buffer, percent-decoded */
    const char *value; /* borrowed likewise; "" for "?name" and "?name=" */
} cvm_http_param;

typedef struct cvm_http_target {
    char *buf;         /* owned: the decoded path and parameters, NUL-separated */
    const char *path;  /* borrowed from buf: percent-decoded, starts with '/' */
    size_t nparams;
    cvm_http_param params[CVM_HTTP_MAX_PARAMS];
} cvm_http_target;

/* Splits the request target as received (origin form "/path?a=1&b=2") into
 * the path and its parameters, each percent-decoded ('+' in a parameter is a
 * space, as in forms). Refused: a target that is empty, longer than
 * CVM_HTTP_MAX_TARGET, not starting with '/', decoding to a NUL byte or to
 * text that is not UTF-8, with more than CVM_HTTP_MAX_PARAMS parameters, an
 * empty parameter name or a name given twice. *out owns its buffer (free with
 * cvm_http_target_free) only when CVM_OK; CVM_ENOMEM when memory ran out. */
cvm_status cvm_http_target_parse(const char *raw, cvm_http_target *out, char *err, size_t errcap);
void cvm_http_target_free(cvm_http_target *t);

/* The value of parameter name, or NULL when absent. Borrowed from t. */
const char *cvm_http_param_get(const cvm_http_target *t, const char *name);

/* Refuses a parameter whose name is not in allowed (NULL-terminated), so a
 * misspelt filter is an error rather than silently ignored. */
cvm_status cvm_http_params_only(const cvm_http_target *t, const char *const *allowed, char *err, size_t errcap);

/* A decimal integer in [min, max] (digits only: no sign, no spaces, no
 * leading '+'). what names it in the message ("parameter 'limit'"). */
cvm_status cvm_http_parse_uint(const char *text, const char *what, uint64_t min, uint64_t max, uint64_t *out,
                               char *err, size_t errcap);

/* Parameter name as cvm_http_parse_uint, or def when it is absent. */
cvm_status cvm_http_param_uint(const cvm_http_target *t, const char *name, uint64_t def, uint64_t min,
                               uint64_t max, uint64_t *out, char *err, size_t errcap);

/* A transaction hash: 64 hex digits (either case, an optional "0x"). */
cvm_status cvm_http_parse_hash(const char *text, uint8_t out[CVM_HASH_BYTES], char *err, size_t errcap);

/* The media types a POST body may have. */
typedef enum cvm_http_media {
    CVM_MEDIA_JSON,   /* application/json (also when Content-Type is absent) */
    CVM_MEDIA_BINARY, /* application/octet-stream */
    CVM_MEDIA_OTHER   /* anything else: 415 */
} cvm_http_media;

/* Classifies a Content-Type header (NULL when absent). The type is matched
 * without regard to case; parameters are allowed, but a charset other than
 * utf-8 makes JSON "other". */
cvm_http_media cvm_http_media_type(const char *content_type);

/* A JSON body's text: refused when it is empty or not UTF-8 (the message
 * gives the offset of the first bad byte). what names the endpoint
 * ("transactions"). The JSON itself is read by the node, which names the
 * JSON path of what it refuses. */
cvm_status cvm_http_text_body(const uint8_t *body, size_t len, const char *what, char *err, size_t errcap);

#endif
