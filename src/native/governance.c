/*
 * governance.c — _Governance: proposals in cooperatives, votes on them,
 * each cooperative's quorum, and the chain's proposal threshold (the
 * reputation a member needs to open a proposal). Members and quorums live
 * in _Cooperatives (read directly; the quorum is changed through its
 * system-only setQuorum). Identities are signers (people).
 *
 * A proposal is decided when a vote makes it so, with m the cooperative's
 * members at that vote and q its quorum then: need = max(1, ceil(q*m/100));
 * passed when yes >= need, rejected when yes + (m - yes - no) < need.
 *
 * A proposal may have a title and a voting period of p blocks: created at
 * height h, its deadline is h + p, the last height whose votes count; a
 * vote in a block above it is refused PROPOSAL_CLOSED, and an open
 * proposal past it reads as "expired" (nothing is written when it
 * expires: the status is computed at the height of each call).
 *
 * State (docs/cooperatives.md):
 *   threshold                    i64, always 8 bytes (so 0 can be set); absent: 100
 *   proposals                    i64, the last proposal id given (ids are 1, 2, ...)
 *   proposal:<n>:cooperative     the cooperative id's bytes
 *   proposal:<n>:creator         20 address bytes
 *   proposal:<n>:status          i64 1 open, 2 passed, 3 rejected
 *   proposal:<n>:yes, :no        i64 vote counts
 *   proposal:<n>:title           the title's bytes (absent: none)
 *   proposal:<n>:deadline        i64 the last height votes count (absent: none)
 *   vote:<n>:<address>           i64 1 yes, -1 no
 * <n> is the proposal id in decimal. The title and the deadline are written
 * only when given, so a proposal without them has exactly the bytes it had
 * before they existed.
 */
#include <stdio.h>
#include <string.h>

#include "codec/utf8.h"
#include "native/native.h"
#include "state/value.h"

#define KEY_MAX 64

#define STATUS_OPEN 1
#define STATUS_PASSED 2
#define STATUS_REJECTED 3

typedef struct gov_key {
    uint8_t b[KEY_MAX];
    size_t n;
} gov_key;

static void key_text(gov_key *k, const char *s)
{
    k->n = strlen(s);
    memcpy(k->b, s, k->n);
}

static void key_proposal(gov_key *k, int64_t id, const char *field)
{
    k->n = (size_t)snprintf((char *)k->b, sizeof k->b, "proposal:%lld:%s", (long long)id, field);
}

static void key_vote(gov_key *k, int64_t id, const uint8_t addr[CVM_ADDRESS_BYTES])
{
    k->n = (size_t)snprintf((char *)k->b, sizeof k->b, "vote:%lld:", (long long)id);
    memcpy(k->b + k->n, addr, CVM_ADDRESS_BYTES);
    k->n += CVM_ADDRESS_BYTES;
}

static cvm_code rd_i64(cvm_context *ctx, const gov_key *k, int64_t *v, cvm_error *err)
{
    return cvm_sdk_state_read_i64(ctx, k->b, k->n, v, err);
}

static cvm_code wr_i64(cvm_context *ctx, const gov_key *k, int64_t v, cvm_error *err)
{
    return cvm_native_write_i64(ctx, k->b, k->n, v, err);
}

static cvm_code no_memory(cvm_context *ctx, cvm_error *err)
{
    return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
}

/* The reputation needed to open a proposal: 100 until an admin sets it. */
static cvm_code threshold_of(cvm_context *ctx, int64_t *v, cvm_error *err)
{
    gov_key k;
    const uint8_t *p;
    size_t n;
    key_text(&k, "threshold");
    cvm_code c = cvm_sdk_state_read(ctx, k.b, k.n, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (n == 0) {
        *v = CVM_PROPOSAL_THRESHOLD;
        return CVM_CODE_NONE;
    }
    return rd_i64(ctx, &k, v, err);
}

/* need = max(1, ceil(q*m/100)), without overflow for any m. */
static int64_t votes_needed(int64_t quorum, int64_t members)
{
    int64_t need = (members / 100) * quorum + ((members % 100) * quorum + 99) / 100;
    return need < 1 ? 1 : need;
}

/* The cooperative of args[0]: WRONG_ARGUMENTS, COOPERATIVE_NOT_FOUND. */
static cvm_code find_coop(cvm_context *ctx, const cvm_arg *a, const char *method, cvm_coop_record *rec,
                          cvm_error *err)
{
    char what[48];
    snprintf(what, sizeof what, "_Governance.%s", method);
    if (!cvm_coop_id_ok(a->v.bytes.ptr, a->v.bytes.len, what, err))
        return CVM_CODE_WRONG_ARGUMENTS;
    cvm_code c = cvm_coop_read(ctx, a->v.bytes.ptr, a->v.bytes.len, rec, err);
    if (c == CVM_CODE_NONE && !rec->found) {
        cvm_error_set(err, CVM_CODE_COOPERATIVE_NOT_FOUND, "cooperative %.*s does not exist", (int)a->v.bytes.len,
                      (const char *)a->v.bytes.ptr);
        c = CVM_CODE_COOPERATIVE_NOT_FOUND;
    }
    return c;
}

/* What a proposal holds. */
typedef struct proposal {
    int64_t id;
    char coop[CVM_COOP_ID_MAX + 1];
    size_t cooplen;
    uint8_t creator[CVM_ADDRESS_BYTES];
    int64_t status, yes, no;
    int64_t deadline; /* the last height whose votes count; 0: none */
} proposal;

/* Reads proposal id: PROPOSAL_NOT_FOUND when it was never opened. */
static cvm_code read_proposal(cvm_context *ctx, int64_t id, proposal *pr, cvm_error *err)
{
    memset(pr, 0, sizeof *pr);
    pr->id = id;
    gov_key k;
    const uint8_t *p;
    size_t n;
    key_proposal(&k, id, "cooperative");
    cvm_code c = cvm_sdk_state_read(ctx, k.b, k.n, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (n == 0) {
        cvm_error_set(err, CVM_CODE_PROPOSAL_NOT_FOUND, "proposal %lld does not exist", (long long)id);
        return CVM_CODE_PROPOSAL_NOT_FOUND;
    }
    if (n > CVM_COOP_ID_MAX) {
        cvm_error_set(err, CVM_CODE_HOST_ERROR, "_Governance holds a damaged record for proposal %lld", (long long)id);
        return CVM_CODE_HOST_ERROR;
    }
    memcpy(pr->coop, p, n);
    pr->cooplen = n;
    key_proposal(&k, id, "creator");
    if ((c = cvm_sdk_state_read(ctx, k.b, k.n, &p, &n, err)) != CVM_CODE_NONE)
        return c;
    if (n == CVM_ADDRESS_BYTES)
        memcpy(pr->creator, p, n);
    key_proposal(&k, id, "status");
    if ((c = rd_i64(ctx, &k, &pr->status, err)) != CVM_CODE_NONE)
        return c;
    key_proposal(&k, id, "yes");
    if ((c = rd_i64(ctx, &k, &pr->yes, err)) != CVM_CODE_NONE)
        return c;
    key_proposal(&k, id, "no");
    if ((c = rd_i64(ctx, &k, &pr->no, err)) != CVM_CODE_NONE)
        return c;
    key_proposal(&k, id, "deadline");
    return rd_i64(ctx, &k, &pr->deadline, err);
}

/* Whether votes on pr have ended: it has a deadline and the height of
 * this call (a transaction's block; a query's latest committed height) is
 * above it. */
static bool past_deadline(cvm_context *ctx, const proposal *pr)
{
    return pr->deadline > 0 && cvm_sdk_height(ctx) > (uint64_t)pr->deadline;
}

/* The status a reader sees: an open proposal past its deadline is
 * "expired". */
static const char *status_name(cvm_context *ctx, const proposal *pr)
{
    switch (pr->status) {
    case STATUS_OPEN: return past_deadline(ctx, pr) ? "expired" : "open";
    case STATUS_PASSED: return "passed";
    case STATUS_REJECTED: return "rejected";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------- methods */

/* The optional title and period of createProposal: WRONG_ARGUMENTS
 * unless the title is UTF-8 of at most CVM_PROPOSAL_TITLE_MAX bytes
 * without NUL and the period is >= 0 with height + period in range. */
static cvm_code check_title_period(cvm_context *ctx, const cvm_arg *title, int64_t period, cvm_error *err)
{
    const uint8_t *t = title->v.bytes.ptr;
    size_t n = title->v.bytes.len;
    if (n > CVM_PROPOSAL_TITLE_MAX) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "_Governance.createProposal: a title is at most %d bytes, got %zu",
                      CVM_PROPOSAL_TITLE_MAX, n);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    size_t bad;
    if (n > 0 && (memchr(t, '\0', n) || !cvm_utf8_valid(t, n, &bad))) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                      "_Governance.createProposal: the title must be UTF-8 text without NUL");
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    if (period < 0) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                      "_Governance.createProposal: a voting period is at least 0 blocks (0: no deadline), got %lld",
                      (long long)period);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    uint64_t h = cvm_sdk_height(ctx);
    if (period > 0 && (h > (uint64_t)INT64_MAX || (uint64_t)period > (uint64_t)INT64_MAX - h)) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                      "_Governance.createProposal: a voting period of %lld blocks from height %llu ends past the "
                      "largest height",
                      (long long)period, (unsigned long long)h);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    return CVM_CODE_NONE;
}

/* createProposal(id[, title[, period]]) -> int64: a member whose
 * reputation reaches the threshold opens the chain's next proposal in
 * cooperative id, with a title ("" none) and a voting period in blocks
 * (0 none: open until decided). The parameters left out are "" and 0
 * (CVM_MF_OPTIONAL), so createProposal(id) is what it always was. */
static cvm_code gov_create_proposal(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    const cvm_arg *title = &args[1];
    int64_t period = args[2].v.i64;
    cvm_code c = check_title_period(ctx, title, period, err);
    if (c != CVM_CODE_NONE)
        return c;
    cvm_coop_record rec;
    c = find_coop(ctx, &args[0], "createProposal", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    const uint8_t *id = args[0].v.bytes.ptr;
    size_t idlen = args[0].v.bytes.len;
    const uint8_t *who = cvm_sdk_signer(ctx);
    char hex[2 * CVM_ADDRESS_BYTES + 3];
    cvm_address_hex(who, hex);
    bool member;
    if ((c = cvm_coop_is_member(ctx, id, idlen, who, &member, err)) != CVM_CODE_NONE)
        return c;
    if (!member) {
        cvm_error_set(err, CVM_CODE_NOT_A_MEMBER, "account %s is not a member of cooperative %.*s", hex, (int)idlen,
                      (const char *)id);
        return CVM_CODE_NOT_A_MEMBER;
    }
    int64_t rep, threshold;
    if ((c = cvm_reputation_of(ctx, who, &rep, err)) != CVM_CODE_NONE ||
        (c = threshold_of(ctx, &threshold, err)) != CVM_CODE_NONE)
        return c;
    if (rep < threshold) {
        cvm_error_set(err, CVM_CODE_INSUFFICIENT_REPUTATION,
                      "account %s has reputation %lld; a proposal in cooperative %.*s needs %lld", hex, (long long)rep,
                      (int)idlen, (const char *)id, (long long)threshold);
        return CVM_CODE_INSUFFICIENT_REPUTATION;
    }
    gov_key k;
    int64_t last;
    key_text(&k, "proposals");
    if ((c = rd_i64(ctx, &k, &last, err)) != CVM_CODE_NONE)
        return c;
    int64_t pid = last + 1;
    if ((c = wr_i64(ctx, &k, pid, err)) != CVM_CODE_NONE)
        return c;
    key_proposal(&k, pid, "cooperative");
    if ((c = cvm_native_write(ctx, k.b, k.n, id, idlen, err)) != CVM_CODE_NONE)
        return c;
    key_proposal(&k, pid, "creator");
    if ((c = cvm_native_write(ctx, k.b, k.n, who, CVM_ADDRESS_BYTES, err)) != CVM_CODE_NONE)
        return c;
    key_proposal(&k, pid, "status");
    if ((c = wr_i64(ctx, &k, STATUS_OPEN, err)) != CVM_CODE_NONE)
        return c;
    /* the title and the deadline only when given: a proposal without them
     * keeps the keys, bytes, event and gas it always had */
    int64_t deadline = period > 0 ? (int64_t)cvm_sdk_height(ctx) + period : 0;
    if (title->v.bytes.len > 0) {
        key_proposal(&k, pid, "title");
        if ((c = cvm_native_write(ctx, k.b, k.n, title->v.bytes.ptr, title->v.bytes.len, err)) != CVM_CODE_NONE)
            return c;
    }
    if (deadline > 0) {
        key_proposal(&k, pid, "deadline");
        if ((c = wr_i64(ctx, &k, deadline, err)) != CVM_CODE_NONE)
            return c;
    }
    cvm_event_field f[5] = {
        {"cooperative_id", cvm_arg_stringn((const char *)id, idlen)},
        {"proposal_id", cvm_arg_int64(pid)},
        {"creator", cvm_arg_bytes(who, CVM_ADDRESS_BYTES)},
    };
    size_t nf = 3;
    if (title->v.bytes.len > 0)
        f[nf++] = (cvm_event_field){"title", cvm_arg_stringn((const char *)title->v.bytes.ptr, title->v.bytes.len)};
    if (deadline > 0)
        f[nf++] = (cvm_event_field){"deadline", cvm_arg_int64(deadline)};
    if ((c = cvm_native_emit(ctx, "ProposalCreated", 15, f, nf, err)) != CVM_CODE_NONE)
        return c;
    return cvm_out_put(ctx, out, cvm_arg_int64(pid)) ? CVM_CODE_NONE : no_memory(ctx, err);
}

/* castVote(proposal_id, vote): vote != 0 is yes; once per member of the
 * proposal's cooperative, while it is open; may pass or reject it. */
static cvm_code gov_cast_vote(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    int64_t pid = args[0].v.i64;
    bool yes = args[1].v.i64 != 0;
    proposal pr;
    cvm_code c = read_proposal(ctx, pid, &pr, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (pr.status != STATUS_OPEN) {
        cvm_error_set(err, CVM_CODE_PROPOSAL_CLOSED, "proposal %lld in cooperative %s is closed: it %s",
                      (long long)pid, pr.coop, pr.status == STATUS_PASSED ? "passed" : "was rejected");
        return CVM_CODE_PROPOSAL_CLOSED;
    }
    if (past_deadline(ctx, &pr)) {
        cvm_error_set(err, CVM_CODE_PROPOSAL_CLOSED,
                      "proposal %lld in cooperative %s is closed: voting ended at height %lld", (long long)pid, pr.coop,
                      (long long)pr.deadline);
        return CVM_CODE_PROPOSAL_CLOSED;
    }
    cvm_coop_record rec;
    if ((c = cvm_coop_read(ctx, (const uint8_t *)pr.coop, pr.cooplen, &rec, err)) != CVM_CODE_NONE)
        return c;
    const uint8_t *who = cvm_sdk_signer(ctx);
    char hex[2 * CVM_ADDRESS_BYTES + 3];
    cvm_address_hex(who, hex);
    bool member;
    if ((c = cvm_coop_is_member(ctx, (const uint8_t *)pr.coop, pr.cooplen, who, &member, err)) != CVM_CODE_NONE)
        return c;
    if (!member) {
        cvm_error_set(err, CVM_CODE_NOT_A_MEMBER, "account %s is not a member of cooperative %s (proposal %lld)", hex,
                      pr.coop, (long long)pid);
        return CVM_CODE_NOT_A_MEMBER;
    }
    gov_key k;
    int64_t prior;
    key_vote(&k, pid, who);
    if ((c = rd_i64(ctx, &k, &prior, err)) != CVM_CODE_NONE)
        return c;
    if (prior != 0) {
        cvm_error_set(err, CVM_CODE_ALREADY_VOTED, "account %s has already voted on proposal %lld", hex,
                      (long long)pid);
        return CVM_CODE_ALREADY_VOTED;
    }
    if ((c = wr_i64(ctx, &k, yes ? 1 : -1, err)) != CVM_CODE_NONE)
        return c;
    if (yes)
        pr.yes++;
    else
        pr.no++;
    key_proposal(&k, pid, yes ? "yes" : "no");
    if ((c = wr_i64(ctx, &k, yes ? pr.yes : pr.no, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field vf[3] = {
        {"proposal_id", cvm_arg_int64(pid)},
        {"voter", cvm_arg_bytes(who, CVM_ADDRESS_BYTES)},
        {"vote", cvm_arg_int64(yes ? 1 : 0)},
    };
    if ((c = cvm_native_emit(ctx, "VoteCast", 8, vf, 3, err)) != CVM_CODE_NONE)
        return c;
    int64_t need = votes_needed(rec.quorum, rec.members);
    int64_t waiting = rec.members - pr.yes - pr.no;
    if (waiting < 0)
        waiting = 0;
    int64_t status = pr.yes >= need ? STATUS_PASSED : pr.yes + waiting < need ? STATUS_REJECTED : STATUS_OPEN;
    if (status == STATUS_OPEN)
        return CVM_CODE_NONE;
    key_proposal(&k, pid, "status");
    if ((c = wr_i64(ctx, &k, status, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field df[3] = {
        {"proposal_id", cvm_arg_int64(pid)},
        {"yes", cvm_arg_int64(pr.yes)},
        {"no", cvm_arg_int64(pr.no)},
    };
    const char *name = status == STATUS_PASSED ? "ProposalPassed" : "ProposalRejected";
    return cvm_native_emit(ctx, name, strlen(name), df, 3, err);
}

/* updateQuorum(id, quorum): the cooperative's creator sets 1..100. */
static cvm_code gov_update_quorum(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    cvm_coop_record rec;
    cvm_code c = find_coop(ctx, &args[0], "updateQuorum", &rec, err);
    if (c != CVM_CODE_NONE)
        return c;
    const char *id = (const char *)args[0].v.bytes.ptr;
    int idlen = (int)args[0].v.bytes.len;
    const uint8_t *who = cvm_sdk_signer(ctx);
    if (memcmp(who, rec.creator, CVM_ADDRESS_BYTES) != 0) {
        char hex[2 * CVM_ADDRESS_BYTES + 3];
        cvm_address_hex(who, hex);
        cvm_error_set(err, CVM_CODE_PERMISSION_DENIED,
                      "account %s is not the creator of cooperative %.*s; only its creator may change its quorum", hex,
                      idlen, id);
        return CVM_CODE_PERMISSION_DENIED;
    }
    int64_t q = args[1].v.i64;
    if (q < 1 || q > 100) {
        cvm_error_set(err, CVM_CODE_INVALID_QUORUM, "quorum %lld for cooperative %.*s: a quorum is 1..100 (%%)",
                      (long long)q, idlen, id);
        return CVM_CODE_INVALID_QUORUM;
    }
    cvm_call_out sub;
    cvm_arg a[2] = {args[0], cvm_arg_int64(q)};
    cvm_call(ctx, CVM_CALL_SERVICE, CVM_COOPERATIVES, "setQuorum", a, 2, &sub);
    if (sub.status != CVM_SUCCESS) {
        *err = sub.error;
        cvm_error_wrap(err, CVM_COOPERATIVES, "setQuorum"); /* the path names the failed call, as CallService's */
        return sub.error.code ? sub.error.code : CVM_CODE_HOST_ERROR;
    }
    cvm_event_field f[3] = {
        {"cooperative_id", cvm_arg_stringn(id, (size_t)idlen)},
        {"old_quorum", cvm_arg_int64(rec.quorum)},
        {"new_quorum", cvm_arg_int64(q)},
    };
    return cvm_native_emit(ctx, "QuorumUpdated", 13, f, 3, err);
}

/* getProposal(proposal_id) -> cooperative string, creator bytes, status
 * string ("open", "passed", "rejected", "expired"), yes int64, no int64.
 * Five outputs as ever (contracts import it so); the title and the
 * deadline are getProposalInfo's. */
static cvm_code gov_get_proposal(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    proposal pr;
    cvm_code c = read_proposal(ctx, args[0].v.i64, &pr, err);
    if (c != CVM_CODE_NONE)
        return c;
    const char *st = status_name(ctx, &pr);
    if (!cvm_out_put(ctx, out, cvm_arg_stringn(pr.coop, pr.cooplen)) ||
        !cvm_out_put(ctx, out, cvm_arg_bytes(pr.creator, CVM_ADDRESS_BYTES)) ||
        !cvm_out_put(ctx, out, cvm_arg_stringn(st, strlen(st))) || !cvm_out_put(ctx, out, cvm_arg_int64(pr.yes)) ||
        !cvm_out_put(ctx, out, cvm_arg_int64(pr.no)))
        return no_memory(ctx, err);
    return CVM_CODE_NONE;
}

/* getProposalInfo(proposal_id) -> title string ("" none), deadline int64
 * (the last height whose votes count; 0 none). */
static cvm_code gov_get_proposal_info(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    proposal pr;
    cvm_code c = read_proposal(ctx, args[0].v.i64, &pr, err);
    if (c != CVM_CODE_NONE)
        return c;
    gov_key k;
    const uint8_t *t;
    size_t n;
    key_proposal(&k, pr.id, "title");
    if ((c = cvm_sdk_state_read(ctx, k.b, k.n, &t, &n, err)) != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_stringn(n ? (const char *)t : "", n)) ||
        !cvm_out_put(ctx, out, cvm_arg_int64(pr.deadline)))
        return no_memory(ctx, err);
    return CVM_CODE_NONE;
}

/* getThreshold() -> int64 */
static cvm_code gov_get_threshold(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)args;
    int64_t t;
    cvm_code c = threshold_of(ctx, &t, err);
    if (c != CVM_CODE_NONE)
        return c;
    return cvm_out_put(ctx, out, cvm_arg_int64(t)) ? CVM_CODE_NONE : no_memory(ctx, err);
}

/* setThreshold(value >= 0): an admin (marked at genesis) sets the chain's
 * proposal threshold. Emits ThresholdChanged {old, new}. */
static cvm_code gov_set_threshold(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    const uint8_t *who = cvm_sdk_signer(ctx);
    bool admin;
    cvm_code c = cvm_reputation_is_admin(ctx, who, &admin, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!admin) {
        char hex[2 * CVM_ADDRESS_BYTES + 3];
        cvm_address_hex(who, hex);
        cvm_error_set(err, CVM_CODE_PERMISSION_DENIED, "_Governance.setThreshold: account %s is not an admin", hex);
        return CVM_CODE_PERMISSION_DENIED;
    }
    int64_t v = args[0].v.i64, old;
    if (v < 0) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS, "_Governance.setThreshold: a threshold is at least 0, got %lld",
                      (long long)v);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    if ((c = threshold_of(ctx, &old, err)) != CVM_CODE_NONE)
        return c;
    /* always 8 bytes, so that 0 is a value and not the default */
    uint8_t b[CVM_STATE_I64_BYTES];
    size_t n;
    cvm_state_i64_encode(v, b, &n);
    if (n == 0)
        memset(b, 0, sizeof b);
    gov_key k;
    key_text(&k, "threshold");
    if ((c = cvm_native_write(ctx, k.b, k.n, b, sizeof b, err)) != CVM_CODE_NONE)
        return c;
    cvm_event_field f[2] = {{"old", cvm_arg_int64(old)}, {"new", cvm_arg_int64(v)}};
    return cvm_native_emit(ctx, "ThresholdChanged", 16, f, 2, err);
}

static const cvm_arg_type create_params[] = {CVM_ARG_STRING, CVM_ARG_STRING, CVM_ARG_INT64}; /* id[, title[, period]] */
static const cvm_arg_type vote_params[] = {CVM_ARG_INT64, CVM_ARG_INT64};
static const cvm_arg_type quorum_params[] = {CVM_ARG_STRING, CVM_ARG_INT64};
static const cvm_arg_type i64_params[] = {CVM_ARG_INT64};

static const cvm_native_method methods[] = {
    {"createProposal", create_params, 3, CVM_MF_WRITES | CVM_MF_OPTIONAL(2), gov_create_proposal},
    {"castVote", vote_params, 2, CVM_MF_WRITES, gov_cast_vote},
    {"updateQuorum", quorum_params, 2, CVM_MF_WRITES, gov_update_quorum},
    {"getProposal", i64_params, 1, 0, gov_get_proposal},
    {"getProposalInfo", i64_params, 1, 0, gov_get_proposal_info},
    {"getThreshold", NULL, 0, 0, gov_get_threshold},
    {"setThreshold", i64_params, 1, CVM_MF_WRITES, gov_set_threshold},
};

const cvm_native_service cvm_native_governance = {CVM_GOVERNANCE, methods, sizeof methods / sizeof methods[0]};
