/*
 * json_results.c — JSON views of what execution produces: errors, events,
 * receipts, state diffs, block results and event-history records.
 *
 * Each builder collects its members and returns NULL, having freed what it
 * built, if any allocation failed, so the caller tests one pointer.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "codec/json.h"
#include "codec/utf8.h"

/* Sets o[key] = v (stealing v); on any failure frees o and returns false. */
static bool put(json_t *o, const char *key, json_t *v)
{
    if (v && json_object_set_new(o, key, v) == 0)
        return true;
    json_decref(o);
    return false;
}

/* Appends v (stolen) to arr; on failure frees arr and returns false. */
static bool push(json_t *arr, json_t *v)
{
    if (v && json_array_append_new(arr, v) == 0)
        return true;
    json_decref(arr);
    return false;
}

/* Lowercase hex without a prefix, for state values and hashes. */
static json_t *plain_hex(const uint8_t *p, size_t n)
{
    json_t *j = cvm_json_hex0x(p, n);
    if (!j)
        return NULL;
    json_t *s = json_stringn(json_string_value(j) + 2, json_string_length(j) - 2);
    json_decref(j);
    return s;
}

/* Text that should be UTF-8 (a message): invalid bytes become U+FFFD, so
 * the message stays readable instead of turning into hex. */
static json_t *lossy_text(const char *s, size_t n)
{
    if (cvm_utf8_valid((const uint8_t *)s, n, NULL))
        return json_stringn(s, n);
    char out[sizeof((cvm_error *)0)->message * 3]; /* each byte becomes at most 3 */
    if (n > sizeof((cvm_error *)0)->message)
        n = sizeof((cvm_error *)0)->message;
    size_t k = 0, i = 0;
    while (i < n) {
        size_t bad;
        size_t run = cvm_utf8_valid((const uint8_t *)s + i, n - i, &bad) ? n - i : bad;
        memcpy(out + k, s + i, run); /* the valid run before the bad byte */
        k += run;
        i += run;
        if (i < n) { /* s[i] cannot start a valid sequence: replace that one byte */
            memcpy(out + k, "\xef\xbf\xbd", 3);
            k += 3;
            i++;
        }
    }
    return json_stringn(out, k);
}

static json_t *cstr_name(const char *s)
{
    return cvm_json_name((const uint8_t *)(s ? s : ""), s ? strlen(s) : 0);
}

json_t *cvm_error_to_json(const cvm_error *e)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const char *code = cvm_code_name(e->code);
    if (!put(o, "code", json_string(code ? code : "UNKNOWN_CODE")))
        return NULL;
    /* message and method are fixed arrays filled by snprintf: bound them */
    size_t mlen = strnlen(e->message, sizeof e->message);
    if (!put(o, "message", lossy_text(e->message, mlen)))
        return NULL;
    size_t nlen = strnlen(e->method, sizeof e->method);
    if (nlen && !put(o, "method", lossy_text(e->method, nlen)))
        return NULL;
    if (e->pc >= 0 && !put(o, "pc", json_integer(e->pc)))
        return NULL;
    if (e->line > 0 && !put(o, "line", json_integer(e->line)))
        return NULL;
    /* the contract's own reason, exactly: text when it is UTF-8, else hex */
    if (e->has_reason &&
        !put(o, "reason", cvm_json_name(e->reason, e->reason_len <= CVM_REASON_MAX ? e->reason_len : CVM_REASON_MAX)))
        return NULL;
    return o;
}

json_t *cvm_event_to_json(const cvm_event *e)
{
    json_t *o = json_object();
    if (!o || !put(o, "service", cstr_name(e->service)) || !put(o, "name", cstr_name(e->name)))
        return NULL;
    json_t *fields = json_object();
    for (size_t i = 0; fields && i < e->nfields; i++) {
        json_t *key = cstr_name(e->fields[i].name); /* the key as a valid UTF-8 string */
        json_t *v = cvm_arg_to_json(&e->fields[i].value);
        int rc = key && v ? json_object_setn_new(fields, json_string_value(key), json_string_length(key), v) : -1;
        if (rc != 0 && !key)
            json_decref(v);
        json_decref(key);
        if (rc != 0) {
            json_decref(fields);
            fields = NULL;
        }
    }
    return put(o, "fields", fields) ? o : NULL;
}

/* The receipt; always_result: a bytecode method's receipt, which has a
 * "result" even when it failed (0, as `coopvm run` has always printed). */
static json_t *receipt_json(const cvm_receipt *r, bool always_result)
{
    json_t *o = json_object();
    const char *status = cvm_exec_status_name(r->status);
    if (!o || !put(o, "status", json_string(status ? status : "UNKNOWN_STATUS")))
        return NULL;
    bool one_int = r->noutputs == 1 && r->outputs[0].type == CVM_ARG_INT64;
    if (one_int || (always_result && r->noutputs == 0)) {
        if (!put(o, "result", json_integer(one_int ? r->outputs[0].v.i64 : 0)))
            return NULL;
    } else if (!put(o, "outputs", cvm_args_to_json(r->outputs, r->noutputs))) {
        return NULL;
    }
    if (!put(o, "gas_used", json_integer(r->gas_used)))
        return NULL;
    if (r->status != CVM_SUCCESS && !put(o, "error", cvm_error_to_json(&r->error)))
        return NULL;
    json_t *events = json_array();
    for (size_t i = 0; events && i < r->nevents; i++)
        if (!push(events, cvm_event_to_json(&r->events[i])))
            events = NULL;
    if (!put(o, "events", events))
        return NULL;
    json_t *logs = json_array();
    for (size_t i = 0; logs && i < r->nlogs; i++) {
        char s[24];
        snprintf(s, sizeof s, "%" PRId64, r->logs[i]);
        if (!push(logs, json_string(s)))
            logs = NULL;
    }
    return put(o, "logs", logs) ? o : NULL;
}

json_t *cvm_receipt_to_json(const cvm_receipt *r) { return receipt_json(r, false); }

json_t *cvm_bytecode_receipt_to_json(const cvm_receipt *r) { return receipt_json(r, true); }

json_t *cvm_state_changes_to_json(const cvm_state_change *c, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *e = json_object();
        if (!e || !put(e, "service", cvm_json_name(c[i].service, c[i].service_len)) ||
            !put(e, "key", cvm_json_name(c[i].key, c[i].key_len)) ||
            !put(e, "value", plain_hex(c[i].value, c[i].value_len)))
            e = NULL;
        if (!push(arr, e))
            arr = NULL;
    }
    return arr;
}

json_t *cvm_block_result_to_json(const cvm_block_result *b)
{
    json_t *o = json_object();
    if (!o || !put(o, "height", cvm_json_uint64(b->height)))
        return NULL;
    json_t *receipts = json_array();
    for (size_t i = 0; receipts && i < b->nreceipts; i++)
        if (!push(receipts, cvm_receipt_to_json(&b->receipts[i])))
            receipts = NULL;
    if (!put(o, "receipts", receipts) || !put(o, "state_diff", cvm_state_changes_to_json(b->diff, b->ndiff)) ||
        !put(o, "state_diff_hash", plain_hex(b->diff_hash, sizeof b->diff_hash)) ||
        !put(o, "state_commitment", plain_hex(b->state_commitment, sizeof b->state_commitment)) ||
        !put(o, "block_hash", plain_hex(b->header.hash, sizeof b->header.hash)))
        return NULL;
    return o;
}

json_t *cvm_event_record_to_json(const cvm_event_record *r)
{
    json_t *ev = cvm_event_to_json(&r->event);
    if (!ev)
        return NULL;
    json_t *o = json_object();
    if (!o || !put(o, "height", cvm_json_uint64(r->height)) || !put(o, "tx_index", cvm_json_uint64(r->tx_index))) {
        json_decref(ev);
        return NULL;
    }
    /* the event's members follow height and tx_index, in their order */
    const char *keys[] = {"service", "name", "fields"};
    for (size_t i = 0; i < 3; i++) {
        if (!put(o, keys[i], json_incref(json_object_get(ev, keys[i])))) {
            json_decref(ev);
            return NULL;
        }
    }
    json_decref(ev);
    return o;
}
