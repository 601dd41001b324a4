/*
 * report.h — what `coopvm process` and `coopvm run` print: blocks, receipts
 * and queries as readable text or as JSON (through the codec's JSON views,
 * codec/json.h), and the instruction trace on stderr.
 *
 * process --json prints one object, written as the run goes (one block at a
 * time, so that memory does not grow with the number of blocks):
 *   {"blocks": [{"height", "receipts", "state_diff", "state_diff_hash"}, ...],
 *    "queries": [RECEIPT, ...]}
 * with each receipt in cvm_receipt_to_json's shape; run --json prints one
 * receipt in cvm_bytecode_receipt_to_json's shape plus its block's
 * "state_diff". Every receipt printed, by either command, passes through
 * report_tx_json: the one place that makes a block transaction's JSON.
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

/* The JSON of transaction t of block b: "preorder" (its pre-order verdict)
 * followed by its receipt in the codec's shape (bytecode_shape:
 * cvm_bytecode_receipt_to_json, else cvm_receipt_to_json); a transaction
 * that pre-order rejected has status "REJECTED" and "preorder_reason"
 * instead. A new reference, or NULL when memory ran out. */
json_t *report_tx_json(const cvm_block_result *b, const play_tx *t, bool bytecode_shape);

/* ------------------------------------------------------------- process */

/* A known account: the text shows its name where its address appears. */
typedef struct report_account {
    const char *name; /* borrowed (the scenario's) */
    uint8_t address[CVM_ADDRESS_BYTES];
} report_account;

typedef struct report {
    bool json;
    int part;        /* JSON: 0 nothing written yet, 1 inside "blocks", 2 inside "queries" */
    size_t items;    /* JSON: the elements written in the current array */
    bool oom;        /* an allocation failed: report_finish says so */
    report_account *accounts; /* owned: naccounts, for the text */
    size_t naccounts;
} report;

void report_init(report *r, bool json);
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

/* JSON mode: closes the object. False (after printing why) when memory ran
 * out at any point. After a failure of the chain it is not called, and the
 * JSON printed so far is cut short: the exit status says so. */
bool report_finish(report *r);

/* ----------------------------------------------------------------- run */

/* run's receipt: rc (of transaction t) and its block b's state diff. */
void report_run_text(const cvm_receipt *rc, const cvm_block_result *b);
bool report_run_json(const play_tx *t, const cvm_block_result *b);

/* --------------------------------------------------------------- trace */

/* One executed instruction as one JSON object on a line of stderr; with
 * positioned, "height" and "tx" (the transaction's index) come first. */
void report_trace_step(const cvm_trace_step *s, bool positioned, uint64_t height, size_t tx);

#endif
