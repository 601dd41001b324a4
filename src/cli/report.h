/*
 * report.h — what `coopvm process` and `coopvm run` print: blocks, receipts
 * and queries as readable text or as JSON (through the codec's JSON views,
 * codec/json.h), and the instruction trace on stderr.
 *
 * process --json prints one object, written as the run goes (one block at a
 * time, so that memory does not grow with the number of blocks):
 *   {"blocks": [{"height", "receipts", "state_diff", "state_diff_hash", "state_commitment"}, ...],
 *    "queries": [RECEIPT, ...]}
 * with each receipt in report_tx_json's shape; run --json prints one
 * receipt in the same shape plus its block's "state_diff". Every receipt
 * printed, by either command, passes through report.c's receipt_json: the
 * one place that makes a receipt's JSON.
 */
#ifndef CVM_CLI_REPORT_H
#define CVM_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "coopvm.h"
#include "play.h"

/* ------------------------------------------------------------ receipts */

/* The JSON of transaction t of block b, the one shape of a receipt in
 * process and run:
 *   {"tx": {"hash", "signer", "address", "contract", "method", "args"},
 *    "preorder", "status", "result" | "outputs", "gas_used", "error",
 *    "events", "logs"}
 * "tx" names the transaction (its hash as cvm_tx_hash, the signing account
 * and its address); "preorder" is its pre-order verdict; then the codec's
 * receipt (cvm_receipt_to_json), "result" when the outputs are one int64,
 * neither "result" nor "outputs" when it failed ("error" says why). A
 * transaction that pre-order rejected has status "REJECTED" and
 * "preorder_reason" instead. A query's receipt is the same without
 * "preorder" (and, unsigned, without "signer" and "address"). A new
 * reference, or NULL when memory ran out. */
json_t *report_tx_json(const cvm_block_result *b, const play_tx *t);

/* b's state diff as cvm_state_changes_to_json writes it, except where the
 * value's type is known — a bytecode contract's and _Reputation's values
 * are int64s — "value" is the number (0 for a deleted key, which reads 0)
 * and "raw" the bytes in hex: {"service", "key", "value": 1000, "raw":
 * "e803000000000000"}. Others keep "value": the bytes in hex. */
json_t *report_state_diff_json(const cvm_block_result *b);

/* An error as text: cvm_error_format's "CODE: message (where)", then
 * " reason R" when the error has a reason the message does not show
 * whole (R: the text when UTF-8, else "0x" + hex). snprintf's return. */
size_t report_error_text(const cvm_error *e, char *buf, size_t cap);
/* Whether the message msg[0..ml) shows the reason whole: the message, or
 * what follows the path of calls (after a ": "), starts with it (a reason
 * cut to CVM_REASON_MAX may be shorter than the message showing it). */
bool report_message_shows(const char *msg, size_t ml, const char *reason, size_t rl);

/* ------------------------------------------------------------- process */

/* A known account: the text shows its name where its address appears. */
typedef struct report_account {
    const char *name; /* borrowed (the scenario's) */
    uint8_t address[CVM_ADDRESS_BYTES];
} report_account;

/* What a run did, for the final summary. */
typedef struct report_tally {
    uint64_t blocks;      /* committed by this run */
    uint64_t first, last; /* their heights (0 when none) */
    uint64_t txs, succeeded, failed, rejected; /* failed: executed, not SUCCESS; rejected: by pre-order */
    uint64_t not_run;                          /* NOT_EXECUTED: beyond the block limits, or a replay */
    uint64_t queries;
    uint8_t last_hash[CVM_HASH_BYTES]; /* the state-diff hash of the last block committed */
} report_tally;

typedef struct report {
    bool json;
    bool quiet;      /* only the summary (report_finish) is printed */
    report_tally tally;
    int part;        /* JSON: 0 nothing written yet, 1 inside "blocks", 2 inside "queries" */
    size_t items;    /* JSON: the elements written in the current array */
    bool oom;        /* an allocation failed: report_finish says so */
    report_account *accounts; /* owned: naccounts, for the text */
    size_t naccounts;
} report;

void report_init(report *r, bool json, bool quiet);
void report_free(report *r);

/* Names the accounts of names[0..n) (borrowed; they must outlive r) in the
 * text: an address argument, output or event field that is one of theirs
 * prints as the bare name (a string prints quoted). */
void report_name_accounts(report *r, const char *const *names, size_t n);

/* A committed block, printed at once: txs[i] is the transaction of receipt
 * i (may be NULL when b has no receipts). title ("genesis", "deployments")
 * may be NULL. False (after printing why) when memory ran out. */
bool report_block(report *r, const cvm_block_result *b, const play_tx *txs, size_t n, const char *title);

/* The heading of the queries (text only), then each query's result. */
void report_queries_begin(report *r, uint64_t height, size_t n);
bool report_query(report *r, const play_tx *q, const cvm_local_result *res);

/* The end: the text's summary line,
 *   played 4 blocks (heights 1..4): 3 transactions (1 succeeded, 1 failed,
 *   1 rejected by pre-order), 1 query; the chain is at height 4
 * ("N not run, " before "N rejected" when some were NOT_EXECUTED), or
 * closes the JSON object; quiet, the summary alone (in JSON:
 * {"summary": {"blocks", "from", "to", "transactions", "succeeded",
 * "failed", "not_run", "rejected", "queries", "height",
 * "state_diff_hash"}}). height
 * is the chain's. False (after printing why) when memory ran out at any
 * point. After a failure of the chain it is not called, and the JSON
 * printed so far is cut short: the exit status says so. */
bool report_finish(report *r, uint64_t height);

/* ----------------------------------------------------------------- run */

/* run's receipt: rc (of transaction t) and its block b's state diff. */
void report_run_text(const cvm_receipt *rc, const cvm_block_result *b);
bool report_run_json(const play_tx *t, const cvm_block_result *b);

/* --------------------------------------------------------------- trace */

/* One executed instruction as one JSON object on a line of stderr; with
 * positioned, "height" and "tx" (the transaction's index) come first. */
void report_trace_step(const cvm_trace_step *s, bool positioned, uint64_t height, size_t tx);

#endif
