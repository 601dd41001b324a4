/* report.c — the output of `coopvm process` and `coopvm run` (see report.h). */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "codec/json.h"
#include "codec/tx.h"
#include "codec/utf8.h"
#include "state/value.h"
#include "value_text.h"

/* ------------------------------------------------------------ receipts */

/* The receipt of t (codec: cvm_tx_receipt_to_json): "tx" names the
 * transaction as signed (faults included) with the signing account's
 * name and address (an unsigned query has neither), then "preorder" for a
 * block's transaction, then the receipt. rc is NULL for a transaction
 * pre-order rejected. */
static json_t *receipt_json(const play_tx *t, const cvm_receipt *rc, bool in_block)
{
    json_t *tx = cvm_tx_summary_to_json(&t->tx, NULL, t->signer, t->signer != NULL);
    if (!tx) /* the scenario was checked: memory */
        return NULL;
    const char *preorder = in_block ? cvm_preorder_status_name(t->preorder) : NULL;
    if (rc)
        return cvm_tx_receipt_to_json(tx, preorder, rc);
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "tx", tx) != 0 ||
        (preorder && json_object_set_new(o, "preorder", json_string(preorder)) != 0)) {
        if (!o)
            json_decref(tx);
        json_decref(o);
        return NULL;
    }
    json_t *r = json_pack("{s:s, s:s, s:I, s:[]}", "status", "REJECTED", "preorder_reason", t->preorder_reason,
                          "gas_used", (json_int_t)0, "events");
    if (!r || json_object_update(o, r) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(r);
    return o;
}

json_t *report_tx_json(const cvm_block_result *b, const play_tx *t)
{
    return receipt_json(t, t->receipt == PLAY_NO_RECEIPT ? NULL : &b->receipts[t->receipt], true);
}

/* ---------------------------------------------------------- state values */

/* Whether the values of service have a known type: an int64, 8 bytes
 * little-endian, 0 never stored. So are a bytecode contract's (every
 * deployed service is bytecode, and only system services' names begin
 * with '_') and _Reputation's. */
static bool int_service(const uint8_t *service, size_t n)
{
    static const char rep[] = "_Reputation";
    return (n && service[0] != '_') || (n == sizeof rep - 1 && memcmp(service, rep, n) == 0);
}

/* *v: the value of change d when its type is known (an absent value reads 0). */
static bool int_value(const cvm_state_change *d, int64_t *v)
{
    *v = 0;
    if (!int_service(d->service, d->service_len))
        return false;
    return d->value_len == 0 || cvm_state_i64_decode(d->value, d->value_len, v, NULL, 0) == CVM_OK;
}

json_t *report_state_diff_json(const cvm_block_result *b)
{
    json_t *arr = cvm_state_changes_to_json(b->diff, b->ndiff); /* "value": the hex of the bytes */
    for (size_t i = 0; arr && i < b->ndiff; i++) {
        int64_t v;
        json_t *e = json_array_get(arr, i);
        if (!int_value(&b->diff[i], &v))
            continue;
        json_t *raw = json_incref(json_object_get(e, "value"));
        if (json_object_set_new(e, "value", json_integer(v)) != 0 || json_object_set_new(e, "raw", raw) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* ------------------------------------------------------------ text parts */

/* One argument or output as text (cli_print_value, long bytes shortened),
 * an account's address as its name. */
static void print_arg(const report *r, const cvm_arg *a)
{
    const char *name = NULL;
    for (size_t i = 0; r && a->type == CVM_ARG_BYTES && a->v.bytes.len == CVM_ADDRESS_BYTES && !name && i < r->naccounts;
         i++)
        if (memcmp(a->v.bytes.ptr, r->accounts[i].address, CVM_ADDRESS_BYTES) == 0)
            name = r->accounts[i].name;
    cli_print_value(a, name, true);
}

static void print_args(const report *r, const cvm_arg *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", stdout);
        print_arg(r, &a[i]);
    }
}

/* Bytes as text: the text itself when it is UTF-8 without control
 * characters, else 0x and the hex, long ones shortened. */
static void print_bytes(const uint8_t *p, size_t n)
{
    bool text = n && cvm_utf8_valid(p, n, NULL);
    for (size_t i = 0; text && i < n; i++)
        text = p[i] >= 0x20 && p[i] != 0x7f;
    if (text) {
        fwrite(p, 1, n, stdout);
    } else if (n > CLI_TEXT_BYTES_MAX) {
        char hex[2 * 8 + 1];
        cvm_hex_write(hex, p, 8);
        printf("0x%s...(%zu bytes)", hex, n);
    } else {
        char hex[2 * CLI_TEXT_BYTES_MAX + 1];
        cvm_hex_write(hex, p, n);
        printf("0x%s", hex);
    }
}

/* "Service key = value": a key that is an account's address as its name;
 * a value of known type (report_state_diff_json) as a number, others as
 * bytes; an absent one "deleted". */
static void print_state_change(const report *r, const cvm_state_change *d)
{
    print_bytes(d->service, d->service_len);
    putchar(' ');
    const char *name = NULL;
    for (size_t i = 0; r && d->key_len == CVM_ADDRESS_BYTES && !name && i < r->naccounts; i++)
        if (memcmp(d->key, r->accounts[i].address, CVM_ADDRESS_BYTES) == 0)
            name = r->accounts[i].name;
    if (name)
        fputs(name, stdout);
    else
        print_bytes(d->key, d->key_len);
    int64_t v;
    if (d->value_len == 0) {
        fputs(" deleted", stdout);
    } else if (int_value(d, &v)) {
        printf(" = %" PRId64, v);
    } else {
        fputs(" = ", stdout);
        char hex[2 * CLI_TEXT_BYTES_MAX + 1];
        if (d->value_len > CLI_TEXT_BYTES_MAX) {
            cvm_hex_write(hex, d->value, 8);
            printf("0x%s...(%zu bytes)", hex, d->value_len);
        } else {
            cvm_hex_write(hex, d->value, d->value_len);
            printf("0x%s", hex);
        }
    }
}

/* "Service.Name field=value field=value" */
static void print_event(const report *r, const cvm_event *e)
{
    printf("%s.%s", e->service, e->name);
    for (size_t i = 0; i < e->nfields; i++) {
        printf(" %s=", e->fields[i].name);
        print_arg(r, &e->fields[i].value);
    }
}

bool report_message_shows(const char *msg, size_t ml, const char *reason, size_t rl)
{
    for (size_t at = 0; at + rl <= ml; at++)
        if ((at == 0 || (at >= 2 && msg[at - 2] == ':' && msg[at - 1] == ' ')) && memcmp(msg + at, reason, rl) == 0)
            return true;
    return false;
}

/* The display form of a reason: its text when it is UTF-8 without a NUL,
 * else "0x" + hex (cap >= 2 * CVM_REASON_MAX + 3). */
static void reason_text(const cvm_error *e, char *out, size_t cap)
{
    size_t n = e->reason_len <= CVM_REASON_MAX ? e->reason_len : CVM_REASON_MAX;
    if (cvm_utf8_valid(e->reason, n, NULL) && !memchr(e->reason, '\0', n)) {
        snprintf(out, cap, "%.*s", (int)n, (const char *)e->reason);
    } else if (cap >= 2 * n + 3) {
        memcpy(out, "0x", 2);
        cvm_hex_write(out + 2, e->reason, n);
    }
}

size_t report_error_text(const cvm_error *e, char *buf, size_t cap)
{
    size_t n = cvm_error_format(e, buf, cap);
    if (!e->has_reason)
        return n;
    /* the message shows the reason (after the path of calls, if any)
     * unless it could not hold it: bytes too long for hex in 239 bytes, a
     * NUL; then it follows, whole */
    char r[2 * CVM_REASON_MAX + 3] = "";
    reason_text(e, r, sizeof r);
    if (report_message_shows(e->message, strnlen(e->message, sizeof e->message), r, strlen(r)))
        return n;
    int k = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, " reason %s", r);
    return n + (k < 0 ? 0 : (size_t)k);
}

/* "SUCCESS result 5" / "SUCCESS outputs (...)" / "ERROR_...: CODE: message (where)" */
static void print_outcome(const report *r, const cvm_receipt *rc)
{
    fputs(cvm_exec_status_name(rc->status), stdout);
    if (rc->status != CVM_SUCCESS) {
        char msg[1024];
        report_error_text(&rc->error, msg, sizeof msg);
        printf(" %s", msg);
    } else if (rc->noutputs == 1 && rc->outputs[0].type == CVM_ARG_INT64) {
        printf(" result %" PRId64, rc->outputs[0].v.i64);
    } else if (rc->noutputs) {
        fputs(" outputs (", stdout);
        print_args(r, rc->outputs, rc->noutputs);
        fputs(")", stdout);
    }
}

/* "  alice -> Counter.increment(5): " */
static void print_call(const report *r, const play_tx *t)
{
    printf("  %s -> %s.%s(", t->signer ? t->signer : "(unsigned)", t->tx.service, t->tx.method);
    print_args(r, t->tx.args, t->tx.nargs);
    fputs("): ", stdout);
}

/* One transaction of a block, or a query, and what became of it. */
static void print_receipt(const report *r, const play_tx *t, const cvm_receipt *rc, bool with_gas)
{
    print_call(r, t);
    print_outcome(r, rc);
    if (with_gas)
        printf(", gas %" PRId64, rc->gas_used);
    putchar('\n');
    for (size_t i = 0; i < rc->nevents; i++) {
        fputs("      event ", stdout);
        print_event(r, &rc->events[i]);
        putchar('\n');
    }
    for (size_t i = 0; i < rc->nlogs; i++)
        printf("      log %" PRId64 "\n", rc->logs[i]);
}

/* ------------------------------------------------------------- process */

void report_init(report *r, bool json, bool quiet)
{
    memset(r, 0, sizeof *r);
    r->json = json;
    r->quiet = quiet;
}

/* Counts block b and its transactions into the tally. */
static void tally_block(report_tally *t, const cvm_block_result *b, const play_tx *txs, size_t n)
{
    if (!t->blocks++)
        t->first = b->height;
    t->last = b->height;
    memcpy(t->last_hash, b->diff_hash, sizeof t->last_hash);
    t->txs += n;
    for (size_t i = 0; i < n; i++) {
        if (txs[i].receipt == PLAY_NO_RECEIPT)
            t->rejected++;
        else if (b->receipts[txs[i].receipt].status == CVM_SUCCESS)
            t->succeeded++;
        else if (b->receipts[txs[i].receipt].status == CVM_NOT_EXECUTED)
            t->not_run++;
        else
            t->failed++;
    }
}

void report_free(report *r)
{
    free(r->accounts);
    memset(r, 0, sizeof *r);
}

void report_name_accounts(report *r, const char *const *names, size_t n)
{
    free(r->accounts);
    r->naccounts = 0;
    r->accounts = n ? calloc(n, sizeof *r->accounts) : NULL;
    if (!r->accounts) /* names are a nicety: without memory, addresses show */
        return;
    for (size_t i = 0; i < n; i++) {
        r->accounts[i].name = names[i];
        play_address(names[i], r->accounts[i].address);
    }
    r->naccounts = n;
}

/* The JSON document is written piece by piece, exactly as jansson would
 * write it whole with JSON_INDENT(1): "{", "blocks": [ ... ], "queries": [
 * ... ], "}", each element indented by two spaces. */

/* jansson's text of an element, each line break followed by the element's
 * indentation (a line break inside a JSON string is escaped, so every one
 * is jansson's). */
static int indented(const char *buf, size_t size, void *ud)
{
    (void)ud;
    for (const char *p = buf, *end = buf + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
        if (fwrite(p, 1, n, stdout) != n || (nl && fputs("  ", stdout) == EOF))
            return -1;
        p += n;
    }
    return 0;
}

/* Moves the document on to part (1 "blocks", 2 "queries"), closing what
 * came before. */
static void json_part(report *r, int part)
{
    for (; r->part < part; r->part++, r->items = 0) {
        if (r->part == 0)
            fputs("{\n \"blocks\": [", stdout);
        else
            fputs(r->items ? "\n ],\n \"queries\": [" : "],\n \"queries\": [", stdout);
    }
}

/* Writes v (stolen) as the next element of the current array. */
static bool json_item(report *r, json_t *v)
{
    bool ok = v && !r->oom;
    if (ok) {
        fputs(r->items++ ? ",\n  " : "\n  ", stdout);
        ok = json_dump_callback(v, indented, NULL, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    }
    json_decref(v);
    if (!ok && !r->oom)
        fprintf(stderr, "coopvm: out of memory writing the JSON report\n");
    r->oom |= !ok;
    return ok;
}

/* The codec's block (cvm_block_result_to_json) with the receipts and the
 * state diff as the report shows them, in their places. */
static json_t *block_json(const cvm_block_result *b, const play_tx *txs, size_t n)
{
    json_t *o = cvm_block_result_to_json(b);
    json_t *receipts = json_array();
    for (size_t i = 0; o && receipts && i < n; i++)
        if (json_array_append_new(receipts, report_tx_json(b, &txs[i])) != 0)
            break;
    if (!o || !receipts || json_array_size(receipts) != n || json_object_set_new(o, "receipts", receipts) != 0 ||
        json_object_set_new(o, "state_diff", report_state_diff_json(b)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

bool report_block(report *r, const cvm_block_result *b, const play_tx *txs, size_t n, const char *title)
{
    tally_block(&r->tally, b, txs, n);
    if (r->quiet)
        return true;
    if (r->json) {
        json_part(r, 1);
        return json_item(r, block_json(b, txs, n));
    }
    printf("block %" PRIu64 "%s%s\n", b->height, title ? "  " : "", title ? title : "");
    for (size_t i = 0; i < n; i++) {
        if (txs[i].receipt != PLAY_NO_RECEIPT) {
            print_receipt(r, &txs[i], &b->receipts[txs[i].receipt], true);
            continue;
        }
        print_call(r, &txs[i]);
        printf("REJECTED by pre-order: %s: %s\n", cvm_preorder_status_name(txs[i].preorder),
               txs[i].preorder_reason);
    }
    char hash[2 * CVM_HASH_BYTES + 1];
    cvm_hex_write(hash, b->diff_hash, sizeof b->diff_hash);
    printf("  state diff: %zu change%s, hash %s\n", b->ndiff, b->ndiff == 1 ? "" : "s", hash);
    for (size_t i = 0; i < b->ndiff; i++) {
        fputs("    ", stdout);
        print_state_change(r, &b->diff[i]);
        putchar('\n');
    }
    cvm_hex_write(hash, b->state_commitment, sizeof b->state_commitment);
    printf("  state commitment: %s\n", hash);
    cvm_hex_write(hash, b->header.hash, sizeof b->header.hash);
    printf("  block hash: %s\n", hash);
    return true;
}

void report_queries_begin(report *r, uint64_t height, size_t n)
{
    if (!r->json && !r->quiet && n)
        printf("queries at height %" PRIu64 "\n", height);
}

bool report_query(report *r, const play_tx *q, const cvm_local_result *res)
{
    r->tally.queries++;
    if (r->quiet)
        return true;
    if (!r->json) {
        print_receipt(r, q, &res->receipt, false);
        return true;
    }
    json_part(r, 2);
    return json_item(r, receipt_json(q, &res->receipt, false));
}

static bool summary_json(const report_tally *t, uint64_t height)
{
    char hash[2 * CVM_HASH_BYTES + 1];
    cvm_hex_write(hash, t->last_hash, sizeof t->last_hash);
    json_t *o = json_pack("{s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}}", "summary", "blocks",
                          cvm_json_uint64(t->blocks), "from", cvm_json_uint64(t->first), "to",
                          cvm_json_uint64(t->last), "transactions", cvm_json_uint64(t->txs), "succeeded",
                          cvm_json_uint64(t->succeeded), "failed", cvm_json_uint64(t->failed), "not_run",
                          cvm_json_uint64(t->not_run), "rejected",
                          cvm_json_uint64(t->rejected), "queries", cvm_json_uint64(t->queries), "height",
                          cvm_json_uint64(height), "state_diff_hash", t->blocks ? hash : "");
    bool ok = o && json_dumpf(o, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    json_decref(o);
    if (ok)
        putchar('\n');
    else
        fprintf(stderr, "coopvm: out of memory writing the JSON report\n");
    return ok;
}

static void summary_text(const report_tally *t, uint64_t height)
{
    printf("played %" PRIu64 " block%s", t->blocks, t->blocks == 1 ? "" : "s");
    if (t->blocks && t->first == t->last)
        printf(" (height %" PRIu64 ")", t->first);
    else if (t->blocks)
        printf(" (heights %" PRIu64 "..%" PRIu64 ")", t->first, t->last);
    printf(": %" PRIu64 " transaction%s (%" PRIu64 " succeeded, %" PRIu64 " failed, ", t->txs,
           t->txs == 1 ? "" : "s", t->succeeded, t->failed);
    if (t->not_run)
        printf("%" PRIu64 " not run, ", t->not_run);
    printf("%" PRIu64 " rejected by pre-order), %" PRIu64 " quer%s; the chain is at height %" PRIu64 "\n",
           t->rejected, t->queries, t->queries == 1 ? "y" : "ies", height);
}

bool report_finish(report *r, uint64_t height)
{
    if (r->oom)
        return false;
    if (r->json && r->quiet)
        return summary_json(&r->tally, height);
    if (!r->json) {
        summary_text(&r->tally, height);
        return true;
    }
    json_part(r, 2);
    fputs(r->items ? "\n ]\n}\n" : "]\n}\n", stdout);
    return true;
}

/* ----------------------------------------------------------------- run */

void report_run_text(const cvm_receipt *rc, const cvm_block_result *b)
{
    printf("status    %s\n", cvm_exec_status_name(rc->status));
    if (rc->status == CVM_SUCCESS) {
        /* one integer (every untyped method) as always; a typed method's
         * declared results otherwise, as `process` shows outputs */
        if (rc->noutputs == 1 && rc->outputs[0].type == CVM_ARG_INT64) {
            printf("result    %" PRId64 "\n", rc->outputs[0].v.i64);
        } else {
            fputs("outputs   (", stdout);
            print_args(NULL, rc->outputs, rc->noutputs);
            fputs(")\n", stdout);
        }
    } else {
        char msg[1024];
        report_error_text(&rc->error, msg, sizeof msg);
        printf("error     %s\n", msg);
    }
    printf("gas used  %" PRId64 "\n", rc->gas_used);
    for (size_t i = 0; i < rc->nevents; i++) {
        fputs("event     ", stdout);
        print_event(NULL, &rc->events[i]);
        putchar('\n');
    }
    for (size_t i = 0; i < b->ndiff; i++) {
        fputs("state     ", stdout);
        print_state_change(NULL, &b->diff[i]);
        putchar('\n');
    }
    for (size_t i = 0; i < rc->nlogs; i++)
        printf("log       %" PRId64 "\n", rc->logs[i]);
}

bool report_run_json(const play_tx *t, const cvm_block_result *b)
{
    json_t *o = report_tx_json(b, t);
    /* the block's diff goes before "logs", where `run` has always shown it */
    json_t *logs = o ? json_incref(json_object_get(o, "logs")) : NULL;
    bool ok = logs && json_object_del(o, "logs") == 0 &&
              json_object_set_new(o, "state_diff", report_state_diff_json(b)) == 0 &&
              json_object_set(o, "logs", logs) == 0 &&
              json_dumpf(o, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    json_decref(logs);
    json_decref(o);
    if (!ok) {
        fprintf(stderr, "coopvm run: out of memory writing the receipt\n");
        return false;
    }
    putchar('\n');
    return true;
}

/* --------------------------------------------------------------- trace */

void report_trace_step(const cvm_trace_step *s, bool positioned, uint64_t height, size_t tx)
{
    json_t *o = json_object();
    if (!o)
        return;
    if (positioned) {
        json_object_set_new(o, "height", cvm_json_uint64(height));
        json_object_set_new(o, "tx", json_integer((json_int_t)tx));
    }
    json_object_set_new(o, "method", json_string(s->method));
    json_object_set_new(o, "pc", json_integer(s->pc));
    json_object_set_new(o, "op", json_string(s->op));
    if (s->has_operand)
        json_object_set_new(o, "operand", s->operand_str ? cvm_json_name((const uint8_t *)s->operand_str, s->operand_len)
                                                         : json_integer(s->operand));
    json_object_set_new(o, "depth", json_integer((json_int_t)s->depth));
    json_object_set_new(o, "top", s->top_bytes ? cvm_json_name(s->top_bytes, s->top_len) : json_integer(s->top));
    json_object_set_new(o, "gas_left", json_integer(s->gas_left));
    json_object_set_new(o, "call_depth", json_integer((json_int_t)s->call_depth));
    if (s->line)
        json_object_set_new(o, "line", json_integer(s->line));
    json_object_set_new(o, "dispatch", json_string(s->dispatch == CVM_DISPATCH_GOTO ? "goto" : "switch"));
    json_dumpf(o, stderr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', stderr);
    json_decref(o);
}
