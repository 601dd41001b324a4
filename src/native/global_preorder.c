/*
 * global_preorder.c — _GlobalPreOrder, the platform's pre-order contract
 * (docs/preorder.md). Pre-order (vm/preorder.c) calls its `approve` for each
 * transaction that passed the other checks, in a read-only context, as the
 * transaction's signer: a stored subscription problem makes it refuse with
 * that problem as its message, except for transactions addressed to
 * _GlobalPreOrder itself (so the problem can always be managed).
 *
 * The problem is one UTF-8 string under the key "subscriptionProblem";
 * absent means none. Only a system caller may set it
 * (`setSubscriptionProblem`; the host does it with
 * cvm_vm_process_system_set); an empty string clears it.
 */
#include <string.h>

#include "native/native.h"

#define PROBLEM_KEY "subscriptionProblem"

/* The stored problem, borrowed until the next write; len 0 when none. */
static cvm_code read_problem(cvm_context *ctx, const uint8_t **p, size_t *len, cvm_error *err)
{
    return cvm_sdk_state_read(ctx, (const uint8_t *)PROBLEM_KEY, sizeof PROBLEM_KEY - 1, p, len, err);
}

/* approve(service string, method string): succeeds with no output, or
 * fails NOT_APPROVED with the stored problem as the message. */
static cvm_code preorder_approve(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    const cvm_arg *svc = &args[0];
    size_t self_len = sizeof CVM_GLOBAL_PREORDER - 1;
    if (svc->v.bytes.len == self_len && memcmp(svc->v.bytes.ptr, CVM_GLOBAL_PREORDER, self_len) == 0)
        return CVM_CODE_NONE; /* managing the pre-order contract itself is always allowed */
    const uint8_t *p;
    size_t n;
    cvm_code c = read_problem(ctx, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (n == 0)
        return CVM_CODE_NONE;
    cvm_error_set(err, CVM_CODE_NOT_APPROVED, "%.*s", (int)n, (const char *)p);
    return CVM_CODE_NOT_APPROVED;
}

/* getSubscriptionProblem() -> string: "" when none. */
static cvm_code preorder_get(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)args;
    const uint8_t *p;
    size_t n;
    cvm_code c = read_problem(ctx, &p, &n, err);
    if (c != CVM_CODE_NONE)
        return c;
    if (!cvm_out_put(ctx, out, cvm_arg_stringn((const char *)p, n)))
        return cvm_ctx_fail(ctx, CVM_ENOMEM, err, "out of memory for an output");
    return CVM_CODE_NONE;
}

/* setSubscriptionProblem(reason string), system-only: stores reason (at
 * most CVM_PREORDER_REASON_MAX bytes and no NUL, so that it is the whole
 * message of a refusal), or clears the problem when reason is empty. Emits
 * SubscriptionProblem {reason}. */
static cvm_code preorder_set(cvm_context *ctx, const cvm_arg *args, cvm_call_out *out, cvm_error *err)
{
    (void)out;
    const cvm_arg *r = &args[0];
    if (r->v.bytes.len && memchr(r->v.bytes.ptr, '\0', r->v.bytes.len)) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                      "_GlobalPreOrder.setSubscriptionProblem: the reason contains a NUL byte");
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    if (r->v.bytes.len > CVM_PREORDER_REASON_MAX) {
        cvm_error_set(err, CVM_CODE_WRONG_ARGUMENTS,
                      "_GlobalPreOrder.setSubscriptionProblem: the reason is %zu bytes, at most %d allowed",
                      r->v.bytes.len, CVM_PREORDER_REASON_MAX);
        return CVM_CODE_WRONG_ARGUMENTS;
    }
    cvm_code c = cvm_native_write(ctx, (const uint8_t *)PROBLEM_KEY, sizeof PROBLEM_KEY - 1, r->v.bytes.ptr,
                                  r->v.bytes.len, err);
    if (c != CVM_CODE_NONE)
        return c;
    cvm_event_field f = {"reason", cvm_arg_stringn((const char *)r->v.bytes.ptr, r->v.bytes.len)};
    return cvm_native_emit(ctx, "SubscriptionProblem", sizeof "SubscriptionProblem" - 1, &f, 1, err);
}

static const cvm_arg_type approve_params[] = {CVM_ARG_STRING, CVM_ARG_STRING};
static const cvm_arg_type set_params[] = {CVM_ARG_STRING};

static const cvm_native_method methods[] = {
    {"approve", approve_params, 2, 0, preorder_approve},
    {"getSubscriptionProblem", NULL, 0, 0, preorder_get},
    {"setSubscriptionProblem", set_params, 1, CVM_MF_SYSTEM | CVM_MF_WRITES, preorder_set},
};

const cvm_native_service cvm_native_global_preorder = {CVM_GLOBAL_PREORDER, methods,
                                                       sizeof methods / sizeof methods[0]};
