/*
 * json_args.c — typed arguments to JSON and back: the values of receipts
 * and events on the way out, scenario arguments on the way in.
 *
 * jansson allocates the JSON values with its own allocator; the few
 * temporary buffers here use the libc allocator through cvm_malloc(NULL).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hex.h"
#include "codec/args.h"
#include "codec/json.h"
#include "codec/utf8.h"
#include "base/count.h"

json_t *cvm_json_hex0x(const uint8_t *p, size_t n)
{
    if (n > (SIZE_MAX - 3) / 2)
        return NULL;
    char small[2 + 2 * 32 + 1];
    char *s = n <= 32 ? small : cvm_malloc(NULL, 2 * n + 3);
    if (!s)
        return NULL;
    s[0] = '0';
    s[1] = 'x';
    cvm_hex_write(s + 2, p, n);
    json_t *j = json_stringn(s, 2 + 2 * n);
    if (s != small)
        cvm_free(NULL, s);
    return j;
}

json_t *cvm_json_name(const uint8_t *p, size_t n)
{
    if (cvm_utf8_valid(p, n, NULL))
        return json_stringn(n ? (const char *)p : "", n);
    return cvm_json_hex0x(p, n);
}

json_t *cvm_json_uint64(uint64_t v)
{
    if (v <= INT64_MAX)
        return json_integer((json_int_t)v);
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return json_string(s);
}

json_t *cvm_arg_to_json(const cvm_arg *a)
{
    switch (a->type) {
    case CVM_ARG_INT64: return json_integer(a->v.i64);
    case CVM_ARG_UINT64: return cvm_json_uint64(a->v.u64);
    case CVM_ARG_STRING:
        return a->v.bytes.len ? json_stringn((const char *)a->v.bytes.ptr, a->v.bytes.len) : json_string("");
    case CVM_ARG_BYTES: return cvm_json_hex0x(a->v.bytes.ptr, a->v.bytes.len);
    case CVM_ARG_BOOL: return json_boolean(a->v.boolean);
    }
    return NULL;
}

json_t *cvm_args_to_json(const cvm_arg *args, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, cvm_arg_to_json(&args[i])) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ------------------------------------------------------------- from JSON */

static cvm_status input_error(char *err, size_t errcap, size_t index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cvm_status input_error(char *err, size_t errcap, size_t index, const char *fmt, ...)
{
    if (err && errcap) {
        int k = snprintf(err, errcap, "args[%zu]: ", index);
        if (k >= 0 && (size_t)k < errcap) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errcap - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return CVM_EINPUT;
}

/* Parses a string of decimal digits (and a leading '-' when negative_ok)
 * into a magnitude and sign; false on anything else or on overflow of
 * 64 bits. */
static bool parse_decimal(const char *s, size_t n, bool negative_ok, bool *negative, uint64_t *mag)
{
    size_t i = 0;
    *negative = false;
    if (negative_ok && n > 0 && s[0] == '-') {
        *negative = true;
        i = 1;
    }
    if (i == n)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *mag = v;
    return true;
}

static cvm_status take_uint64(const json_t *v, size_t index, cvm_arg *out, char *err, size_t errcap)
{
    bool neg;
    uint64_t u;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = cvm_arg_uint64((uint64_t)json_integer_value(v));
        return CVM_OK;
    }
    if (json_is_string(v) && parse_decimal(json_string_value(v), json_string_length(v), false, &neg, &u)) {
        *out = cvm_arg_uint64(u);
        return CVM_OK;
    }
    return input_error(err, errcap, index,
                       "\"uint64\" needs a string of decimal digits from 0 to 18446744073709551615");
}

static cvm_status take_int64(const json_t *v, size_t index, cvm_arg *out, char *err, size_t errcap)
{
    bool neg;
    uint64_t u;
    if (json_is_integer(v)) {
        *out = cvm_arg_int64(json_integer_value(v));
        return CVM_OK;
    }
    if (json_is_string(v) && parse_decimal(json_string_value(v), json_string_length(v), true, &neg, &u) &&
        u <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
        *out = cvm_arg_int64(neg ? (int64_t)(0 - u) : (int64_t)u);
        return CVM_OK;
    }
    return input_error(err, errcap, index,
                       "\"int64\" needs an integer from -9223372036854775808 to 9223372036854775807");
}

/* A string value copied into the arena. jansson's strings are valid UTF-8. */
static cvm_status take_string(const json_t *v, size_t index, cvm_arena *arena, cvm_arg *out, char *err,
                              size_t errcap)
{
    size_t n = json_string_length(v);
    char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
    if (n > CVM_ARG_BYTES_MAX)
        return input_error(err, errcap, index, "the string is %s bytes; an argument carries at most %s",
                           cvm_count(n, n1), cvm_count(CVM_ARG_BYTES_MAX, n2));
    const uint8_t *p = n ? cvm_arena_memdup(arena, json_string_value(v), n) : NULL;
    if (n && !p)
        return CVM_ENOMEM;
    *out = cvm_arg_stringn((const char *)p, n);
    return CVM_OK;
}

/* Hex digits (after any "0x") decoded into the arena. */
static cvm_status take_hex(const char *s, size_t n, size_t index, cvm_arena *arena, cvm_arg *out, char *err,
                           size_t errcap)
{
    const char *orig = s;
    if (n >= 2 && s[0] == '0' && s[1] == 'x') {
        s += 2;
        n -= 2;
    }
    if (n % 2)
        return input_error(err, errcap, index, "\"%.40s%s\" has an odd number of hex digits", orig,
                           strlen(orig) > 40 ? "..." : "");
    char n1[CVM_COUNT_BUF], n2[CVM_COUNT_BUF];
    if (n / 2 > CVM_ARG_BYTES_MAX)
        return input_error(err, errcap, index, "the bytes value is %s bytes; an argument carries at most %s",
                           cvm_count(n / 2, n1), cvm_count(CVM_ARG_BYTES_MAX, n2));
    uint8_t *p = NULL;
    if (n) {
        p = cvm_arena_alloc(arena, n / 2);
        if (!p)
            return CVM_ENOMEM;
        if (!cvm_hex_decode(s, n, p, n / 2))
            return input_error(err, errcap, index, "\"%.40s%s\" is not hex", orig, strlen(orig) > 40 ? "..." : "");
    }
    *out = cvm_arg_bytes(p, n / 2);
    return CVM_OK;
}

static cvm_status from_object(const json_t *j, size_t index, cvm_arena *arena, cvm_arg *out, char *err,
                              size_t errcap)
{
    if (json_object_size(j) != 1)
        return input_error(err, errcap, index,
                           "an explicitly typed argument is an object with one key (int64, uint64, string, bytes "
                           "or bool), this one has %zu",
                           json_object_size(j));
    void *it = json_object_iter((json_t *)j);
    const char *key = json_object_iter_key(it);
    const json_t *v = json_object_iter_value(it);
    if (strcmp(key, "int64") == 0)
        return take_int64(v, index, out, err, errcap);
    if (strcmp(key, "uint64") == 0)
        return take_uint64(v, index, out, err, errcap);
    if (strcmp(key, "string") == 0) {
        if (!json_is_string(v))
            return input_error(err, errcap, index, "\"string\" needs a JSON string");
        return take_string(v, index, arena, out, err, errcap);
    }
    if (strcmp(key, "bytes") == 0) {
        if (!json_is_string(v))
            return input_error(err, errcap, index, "\"bytes\" needs a string of hex digits");
        return take_hex(json_string_value(v), json_string_length(v), index, arena, out, err, errcap);
    }
    if (strcmp(key, "bool") == 0) {
        if (!json_is_boolean(v))
            return input_error(err, errcap, index, "\"bool\" needs true or false");
        *out = cvm_arg_bool(json_is_true(v));
        return CVM_OK;
    }
    return input_error(err, errcap, index, "unknown type \"%.40s\" (int64, uint64, string, bytes or bool)", key);
}

cvm_status cvm_arg_from_json(const json_t *j, size_t index, cvm_arena *arena, cvm_arg *out, char *err,
                             size_t errcap)
{
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        *out = cvm_arg_int64(json_integer_value(j));
        return CVM_OK;
    case JSON_TRUE:
    case JSON_FALSE:
        *out = cvm_arg_bool(json_is_true(j));
        return CVM_OK;
    case JSON_STRING: {
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        if (n >= 2 && s[0] == '0' && s[1] == 'x')
            return take_hex(s, n, index, arena, out, err, errcap);
        return take_string(j, index, arena, out, err, errcap);
    }
    case JSON_OBJECT:
        return from_object(j, index, arena, out, err, errcap);
    case JSON_REAL:
        return input_error(err, errcap, index, "%g is not an integer", json_real_value(j));
    case JSON_ARRAY:
        return input_error(err, errcap, index, "an array is not an argument");
    case JSON_NULL:
        return input_error(err, errcap, index, "null is not an argument");
    }
    return input_error(err, errcap, index, "not an argument");
}

cvm_status cvm_args_from_json(const json_t *arr, cvm_arena *arena, cvm_arg **out, size_t *n, char *err,
                              size_t errcap)
{
    *out = NULL;
    *n = 0;
    if (!arr)
        return CVM_OK;
    if (!json_is_array(arr)) {
        if (err && errcap)
            snprintf(err, errcap, "args: expected an array of arguments");
        return CVM_EINPUT;
    }
    size_t count = json_array_size(arr);
    if (count > CVM_ARGS_MAX) {
        if (err && errcap)
            snprintf(err, errcap, "args: %zu arguments exceed the limit of %d", count, CVM_ARGS_MAX);
        return CVM_EINPUT;
    }
    if (count == 0)
        return CVM_OK;
    cvm_arg *args = cvm_arena_calloc(arena, count, sizeof *args);
    if (!args)
        return CVM_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        cvm_status st = cvm_arg_from_json(json_array_get(arr, i), i, arena, &args[i], err, errcap);
        if (st != CVM_OK)
            return st;
    }
    *out = args;
    *n = count;
    return CVM_OK;
}
