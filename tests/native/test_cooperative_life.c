/*
 * test_cooperative_life.c — the example of examples/cooperative/ played
 * through the library: the contracts assembled from their .asm files and
 * deployed, the blocks of scenario.json processed and committed one by one,
 * each transaction's outcome checked against the table below, then the
 * final state (members, allocations, proposals, quorum, the contract's own
 * state) and the event history.
 *
 * The table is the expected story; the test first checks that scenario.json
 * holds exactly these transactions (signer, contract, method, args), so the
 * file and the table cannot drift apart. `coopvm process` must give the same
 * outcomes (examples/cooperative/README.md tells the story).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/arena.h"
#include "codec/json.h"
#include "native/cooptest.h"

#define DIR "examples/cooperative/"

/* The people of the story; account k of the test keys is accounts[k - 1]. */
static const struct {
    const char *name;
    int64_t reputation;
    bool admin;
} accounts[] = {
    {"alice", 200, true}, /* founds housing; its creator */
    {"bob", 150, false},  /* founds compute, joins housing, makes proposal 1 */
    {"carol", 120, false},
    {"dave", 40, false},  /* below the proposal threshold (100) */
};
enum { ALICE = 1, BOB, CAROL, DAVE, NACCOUNTS = DAVE };

/* One transaction of the scenario and what it must give. */
typedef struct step {
    int block;            /* the scenario's block, 1-based */
    const char *signer;
    const char *contract;
    const char *method;
    const char *args;     /* the scenario's args, as JSON */
    cvm_code code;        /* NONE: SUCCESS; else ERROR_SMART_CONTRACT with this code */
    int64_t result;       /* on success: the method's result */
    const char *event;    /* on success: the name of the receipt's last event */
} step;

#define OK CVM_CODE_NONE
static const step story[] = {
    /* 1: founding */
    {1, "alice", "Housing", "found", "[]", OK, 0, "CooperativeCreated"},
    {1, "bob", "Compute", "found", "[]", OK, 0, "CooperativeCreated"},
    /* 2: members join (dave directly through the native service) */
    {2, "bob", "Housing", "join", "[]", OK, 0, "CooperativeJoined"},
    {2, "carol", "Housing", "join", "[]", OK, 0, "CooperativeJoined"},
    {2, "dave", "_Cooperatives", "join", "[{\"string\": \"housing\"}]", OK, 0, "CooperativeJoined"},
    {2, "carol", "Housing", "join", "[]", CVM_CODE_ALREADY_MEMBER, 0, NULL},
    /* 3: allocations; compute's impact is too high */
    {3, "alice", "Housing", "rooms", "[3]", OK, 3, "RoomsBooked"},
    {3, "carol", "Housing", "rooms", "[2]", OK, 5, "RoomsBooked"},
    {3, "bob", "Housing", "energy", "[40]", OK, 0, "ResourceAllocated"},
    {3, "bob", "Compute", "reserve", "[8]", CVM_CODE_RESOURCE_IMPACT_TOO_HIGH, 0, NULL},
    /* 4: proposal 1 (4 members, quorum 50: 2 yes pass it) */
    {4, "bob", "Housing", "propose", "[]", OK, 1, "ProposalCreated"},
    /* 5: yes 1, no 1: still open (2 members may still say yes) */
    {5, "alice", "Housing", "vote", "[1, 1]", OK, 0, "VoteCast"},
    {5, "carol", "Housing", "vote", "[1, 0]", OK, 0, "VoteCast"},
    /* 6: the second yes passes it; a later vote finds it closed */
    {6, "dave", "Housing", "vote", "[1, 1]", OK, 0, "ProposalPassed"},
    {6, "bob", "Housing", "vote", "[1, 1]", CVM_CODE_PROPOSAL_CLOSED, 0, NULL},
    /* 7: the quorum: only the creator, only 1..100 */
    {7, "carol", "Housing", "quorum", "[75]", CVM_CODE_PERMISSION_DENIED, 0, NULL},
    {7, "alice", "Housing", "quorum", "[0]", CVM_CODE_INVALID_QUORUM, 0, NULL},
    {7, "alice", "Housing", "quorum", "[75]", OK, 0, "QuorumUpdated"},
    /* 8: proposal 2 (quorum 75: 3 yes of 4 needed) */
    {8, "carol", "Housing", "propose", "[]", OK, 2, "ProposalCreated"},
    /* 9: the first no leaves 3 possible yes; the second makes 3 impossible */
    {9, "alice", "Housing", "vote", "[2, 0]", OK, 0, "VoteCast"},
    {9, "bob", "Housing", "vote", "[2, 0]", OK, 0, "ProposalRejected"},
    /* 10: dave's reputation 40 is below the threshold 100 */
    {10, "dave", "Housing", "propose", "[]", CVM_CODE_INSUFFICIENT_REPUTATION, 0, NULL},
};
#define NSTEPS (sizeof story / sizeof story[0])
#define NBLOCKS 10
#define FIRST_HEIGHT 4 /* genesis is 1, the two deployments 2 and 3 */

static json_t *load_scenario(void)
{
    json_error_t je;
    json_t *j = json_load_file(DIR "scenario.json", JSON_REJECT_DUPLICATES, &je);
    if (!j)
        fail_msg(DIR "scenario.json:%d:%d: %s", je.line, je.column, je.text);
    return j;
}

static uint8_t account_of(const char *name)
{
    for (size_t i = 0; i < NACCOUNTS; i++)
        if (strcmp(accounts[i].name, name) == 0)
            return (uint8_t)(i + 1);
    fail_msg("unknown account %s", name);
    return 0;
}

/* scenario.json holds exactly the accounts, contracts and transactions above. */
static void check_scenario_matches(const json_t *sc)
{
    const json_t *acc = json_object_get(sc, "accounts");
    assert_int_equal(json_object_size(acc), NACCOUNTS);
    for (size_t i = 0; i < NACCOUNTS; i++) {
        const json_t *a = json_object_get(acc, accounts[i].name);
        assert_non_null(a);
        assert_int_equal(json_integer_value(json_object_get(a, "reputation")), accounts[i].reputation);
        assert_int_equal(json_is_true(json_object_get(a, "admin")), accounts[i].admin);
    }
    const json_t *con = json_object_get(sc, "contracts");
    assert_int_equal(json_object_size(con), 2);
    assert_string_equal(json_string_value(json_object_get(con, "Housing")), "Housing.asm");
    assert_string_equal(json_string_value(json_object_get(con, "Compute")), "Compute.asm");

    const json_t *blocks = json_object_get(sc, "blocks");
    assert_int_equal(json_array_size(blocks), NBLOCKS);
    size_t k = 0;
    for (size_t b = 0; b < NBLOCKS; b++) {
        const json_t *txs = json_array_get(blocks, b);
        for (size_t t = 0; t < json_array_size(txs); t++, k++) {
            const json_t *tx = json_array_get(txs, t);
            if (k >= NSTEPS || story[k].block != (int)b + 1)
                fail_msg("scenario block %zu tx %zu is not in the table", b + 1, t);
            const step *s = &story[k];
            assert_string_equal(json_string_value(json_object_get(tx, "signer")), s->signer);
            assert_string_equal(json_string_value(json_object_get(tx, "contract")), s->contract);
            assert_string_equal(json_string_value(json_object_get(tx, "method")), s->method);
            json_t *want = json_loads(s->args, 0, NULL);
            if (!json_equal(json_object_get(tx, "args"), want))
                fail_msg("block %d %s.%s: scenario args differ from the table's %s", s->block, s->contract,
                         s->method, s->args);
            json_decref(want);
        }
    }
    assert_int_equal(k, NSTEPS);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Genesis with the accounts, then Housing and Compute assembled from their
 * files and deployed (heights 1, 2, 3). */
static void found_chain(chain *c)
{
    chain_open(c);
    cvm_genesis_account acc[NACCOUNTS];
    for (size_t i = 0; i < NACCOUNTS; i++) {
        address_of((uint8_t)(i + 1), acc[i].address);
        acc[i].reputation = accounts[i].reputation;
        acc[i].admin = accounts[i].admin;
    }
    cvm_block_result *b = NULL;
    assert_int_equal(cvm_vm_genesis(c->vm, 1, acc, NACCOUNTS, &b), CVM_OK);
    commit_block(c, b);
    deploy(c, "Housing", read_text(DIR "Housing.asm"));
    deploy(c, "Compute", read_text(DIR "Compute.asm"));
    assert_int_equal(cvm_store_height(c->store), FIRST_HEIGHT - 1);
}

/* Plays the table's blocks, each as one transaction set, checking every receipt. */
static void play_story(chain *c)
{
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    size_t k = 0;
    for (int blk = 1; blk <= NBLOCKS; blk++) {
        cvm_transaction txs[8];
        const step *steps = &story[k];
        size_t n = 0;
        for (; k < NSTEPS && story[k].block == blk; k++, n++) {
            const step *s = &story[k];
            json_t *j = json_loads(s->args, 0, NULL);
            cvm_arg *args;
            size_t nargs;
            char err[256];
            if (cvm_args_from_json(j, &arena, &args, &nargs, err, sizeof err) != CVM_OK)
                fail_msg("%s", err);
            json_decref(j);
            txs[n] = tx_of(account_of(s->signer), s->contract, s->method, args, nargs);
        }
        cvm_block_result *b = run_block(c, txs, n);
        assert_int_equal(b->height, (uint64_t)(FIRST_HEIGHT + blk - 1));
        for (size_t i = 0; i < n; i++) {
            const step *s = &steps[i];
            const cvm_receipt *r = &b->receipts[i];
            if (s->code == OK) {
                if (r->status != CVM_SUCCESS)
                    fail_msg("block %d: %s %s.%s: %s %s: %s", blk, s->signer, s->contract, s->method,
                             cvm_exec_status_name(r->status), cvm_code_name(r->error.code), r->error.message);
                bool bytecode = s->contract[0] != '_'; /* native methods here have no outputs */
                if (bytecode && (r->noutputs != 1 || r->outputs[0].v.i64 != s->result))
                    fail_msg("block %d: %s.%s gave %lld, expected %lld", blk, s->contract, s->method,
                             (long long)(r->noutputs ? r->outputs[0].v.i64 : -1), (long long)s->result);
                assert_true(r->nevents >= 1);
                assert_string_equal(r->events[r->nevents - 1].name, s->event);
            } else {
                if (r->status != CVM_ERROR_SMART_CONTRACT || r->error.code != s->code)
                    fail_msg("block %d: %s %s.%s: expected %s, got %s %s: %s", blk, s->signer, s->contract,
                             s->method, cvm_code_name(s->code), cvm_exec_status_name(r->status),
                             cvm_code_name(r->error.code), r->error.message);
                assert_int_equal(r->nevents, 0);
            }
        }
        commit_block(c, b);
        cvm_arena_free(&arena);
    }
}

static cvm_local_result *ask(chain *c, const char *svc, const char *method, const cvm_arg *args, size_t n)
{
    return query(c, svc, method, args, n, CVM_SUCCESS, CVM_CODE_NONE);
}

static void member_is(chain *c, const char *coop, uint8_t k, bool want)
{
    uint8_t a[CVM_ADDRESS_BYTES];
    address_of(k, a);
    cvm_arg args[2] = {str(coop), cvm_arg_bytes(a, sizeof a)};
    cvm_local_result *r = ask(c, "_Cooperatives", "isMember", args, 2);
    assert_int_equal(r->receipt.outputs[0].type, CVM_ARG_BOOL);
    assert_int_equal(r->receipt.outputs[0].v.boolean, want);
    cvm_local_result_free(r);
}

static void allocation_is(chain *c, const char *coop, int64_t resource, int64_t want)
{
    cvm_arg args[2] = {str(coop), cvm_arg_int64(resource)};
    cvm_local_result *r = ask(c, "_Cooperatives", "allocation", args, 2);
    out_i64(&r->receipt, 0, want);
    cvm_local_result_free(r);
}

static void proposal_is(chain *c, int64_t id, uint8_t creator, const char *status, int64_t yes, int64_t no)
{
    cvm_arg arg = cvm_arg_int64(id);
    cvm_local_result *r = ask(c, "_Governance", "getProposal", &arg, 1);
    out_str(&r->receipt, 0, "housing");
    out_addr(&r->receipt, 1, creator);
    out_str(&r->receipt, 2, status);
    out_i64(&r->receipt, 3, yes);
    out_i64(&r->receipt, 4, no);
    cvm_local_result_free(r);
}

static void getter_is(chain *c, const char *method, int64_t want)
{
    cvm_local_result *r = ask(c, "Housing", method, NULL, 0);
    out_i64(&r->receipt, 0, want);
    cvm_local_result_free(r);
}

/* getInfo: creator, purpose, cpu, memory, network, storage, bandwidth, federation, members, quorum. */
static void info_is(chain *c, const char *coop, uint8_t creator, const char *purpose, const int64_t impacts[5],
                    int64_t members, int64_t quorum)
{
    cvm_arg id = str(coop);
    cvm_local_result *r = ask(c, "_Cooperatives", "getInfo", &id, 1);
    assert_int_equal(r->receipt.noutputs, 10);
    out_addr(&r->receipt, 0, creator);
    out_str(&r->receipt, 1, purpose);
    for (size_t i = 0; i < 5; i++)
        out_i64(&r->receipt, 2 + i, impacts[i]);
    out_str(&r->receipt, 7, "north");
    out_i64(&r->receipt, 8, members);
    out_i64(&r->receipt, 9, quorum);
    cvm_local_result_free(r);
}

static void check_final_state(chain *c)
{
    const int64_t housing[5] = {30, 40, 20, 60, 30}, compute[5] = {95, 85, 90, 20, 70};
    info_is(c, "housing", ALICE, "Shared housing", housing, 4, 75);
    info_is(c, "compute", BOB, "GPU sharing", compute, 1, 50);
    for (uint8_t k = ALICE; k <= DAVE; k++)
        member_is(c, "housing", k, true);
    member_is(c, "compute", BOB, true);
    member_is(c, "compute", ALICE, false);

    allocation_is(c, "housing", 1, 5);  /* rooms: alice 3 + carol 2 */
    allocation_is(c, "housing", 2, 40); /* energy: bob */
    allocation_is(c, "compute", 1, 0);  /* refused */

    proposal_is(c, 1, BOB, "passed", 2, 1);
    proposal_is(c, 2, CAROL, "rejected", 0, 2);
    cvm_arg three = cvm_arg_int64(3); /* dave's refused proposal used no id */
    cvm_local_result_free(
        query(c, "_Governance", "getProposal", &three, 1, CVM_ERROR_SMART_CONTRACT, CVM_CODE_PROPOSAL_NOT_FOUND));

    getter_is(c, "booked", 5);
    getter_is(c, "proposalCount", 2);
    getter_is(c, "lastProposal", 2);
}

/* Every query of scenario.json runs as a local call and succeeds. */
static void check_scenario_queries(chain *c, const json_t *sc)
{
    const json_t *qs = json_object_get(sc, "queries");
    assert_int_equal(json_array_size(qs), 9);
    cvm_arena arena;
    cvm_arena_init(&arena, NULL);
    for (size_t i = 0; i < json_array_size(qs); i++) {
        const json_t *q = json_array_get(qs, i);
        cvm_arg *args;
        size_t nargs;
        char err[256];
        if (cvm_args_from_json(json_object_get(q, "args"), &arena, &args, &nargs, err, sizeof err) != CVM_OK)
            fail_msg("queries[%zu]: %s", i, err);
        const json_t *signer = json_object_get(q, "signer");
        cvm_transaction t = tx_of(signer ? account_of(json_string_value(signer)) : 0,
                                  json_string_value(json_object_get(q, "contract")),
                                  json_string_value(json_object_get(q, "method")), args, nargs);
        uint8_t sig[CVM_SIGNATURE_BYTES];
        if (signer)
            sign_as(account_of(json_string_value(signer)), &t, sig);
        cvm_local_result *r = local(c, t);
        if (r->receipt.status != CVM_SUCCESS)
            fail_msg("queries[%zu] %s.%s: %s: %s", i, t.service, t.method, cvm_code_name(r->receipt.error.code),
                     r->receipt.error.message);
        cvm_local_result_free(r);
    }
    cvm_arena_free(&arena);
}

/* The history holds the story's decisive events, and nothing of the failures. */
typedef struct tally {
    size_t events, joined, passed, rejected;
    uint64_t passed_at, rejected_at;
} tally;

static int count(void *ud, uint64_t height, uint64_t tx_index, const cvm_event *ev)
{
    tally *t = ud;
    t->events++;
    if (strcmp(ev->name, "CooperativeJoined") == 0)
        t->joined++;
    if (strcmp(ev->name, "ProposalPassed") == 0) {
        t->passed++;
        t->passed_at = height * 100 + tx_index;
        field_i64(ev, 0, "proposal_id", 1);
        field_i64(ev, 1, "yes", 2);
        field_i64(ev, 2, "no", 1);
    }
    if (strcmp(ev->name, "ProposalRejected") == 0) {
        t->rejected++;
        t->rejected_at = height * 100 + tx_index;
        field_i64(ev, 0, "proposal_id", 2);
        field_i64(ev, 1, "yes", 0);
        field_i64(ev, 2, "no", 2);
    }
    return 0;
}

static void check_history(chain *c)
{
    tally t = {0};
    cvm_event_query q = {.service = "_Governance"};
    assert_int_equal(cvm_store_events_query(c->store, &q, count, &t), CVM_OK);
    assert_int_equal(t.passed, 1);
    assert_int_equal(t.rejected, 1);
    assert_int_equal(t.passed_at, (FIRST_HEIGHT + 5) * 100 + 0);   /* block 6, dave's vote */
    assert_int_equal(t.rejected_at, (FIRST_HEIGHT + 8) * 100 + 1); /* block 9, bob's vote */
    q.service = "_Cooperatives";
    q.name = "CooperativeJoined";
    assert_int_equal(cvm_store_events_query(c->store, &q, count, &t), CVM_OK);
    assert_int_equal(t.joined, 3); /* carol's second join failed */

    /* 20 events in all, none of the six failed transactions' (README.md) */
    tally all = {0};
    assert_int_equal(cvm_store_events_query(c->store, NULL, count, &all), CVM_OK);
    assert_int_equal(all.events, 20);
}

static void test_cooperative_life(void **state)
{
    (void)state;
    json_t *sc = load_scenario();
    check_scenario_matches(sc);
    chain c;
    found_chain(&c);
    play_story(&c);
    check_final_state(&c);
    check_scenario_queries(&c, sc);
    check_history(&c);
    chain_close(&c);
    json_decref(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cooperative_life),
    };
    return cmocka_run_group_tests_name("cooperative life (examples/cooperative)", tests, NULL, NULL);
}
