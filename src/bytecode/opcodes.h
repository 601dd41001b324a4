/*
 * opcodes.h — the instruction set of the ICN VM, listed once.
 *
 * Every other view of the instruction set is derived from CVM_OPCODES: the
 * enum below, the mnemonic table, the assembler and disassembler, the
 * verifier's operand and stack checks, the interpreter's dispatch table and
 * docs/opcodes.md (`coopvm opcodes --markdown`). To add an opcode, add a row
 * here, give it a body in src/interp/ops.h, and regenerate the docs.
 *
 * The row order is the binary encoding (opcode byte = row number): append new
 * rows at the end, never reorder.
 *
 * Columns: X(ENUM, mnemonic, operand kind, pops, pushes, gas, flags, synopsis)
 *   operand kind  NONE, INT (any i64), LOCAL (0..255), STR (constant pool
 *                 index), OPT_STR (a string constant, or none: the key is then
 *                 popped from the stack, one extra pop), LABEL (instruction index
 *                 inside the same method)
 *   pops/pushes   values taken from and left on the stack (with an operand);
 *                 CallService/CallLibrary pop a number known only at run
 *                 time (the interpreter treats what follows as unproved)
 *   gas           charged before the instruction runs
 *   flags         WRITES: changes state (refused in read-only methods);
 *                 ENDS: control never falls through to the next instruction
 */
#ifndef CVM_BYTECODE_OPCODES_H
#define CVM_BYTECODE_OPCODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVM_OPF_NONE 0u
#define CVM_OPF_WRITES 1u
#define CVM_OPF_ENDS 2u

/* clang-format off */
#define CVM_OPCODES(X) CVM_OPCODES_INT(X) CVM_OPCODES_BYTES(X)
/* the instructions of integer-only modules */
#define CVM_OPCODES_INT(X) \
    /* arithmetic (spec) */ \
    X(ADD,   "Add",   NONE, 2, 1, 1, NONE, "pop b, a; push a + b; INTEGER_OVERFLOW on overflow") \
    X(SUB,   "Sub",   NONE, 2, 1, 1, NONE, "pop b, a; push a - b; INTEGER_OVERFLOW on overflow") \
    X(MUL,   "Mul",   NONE, 2, 1, 2, NONE, "pop b, a; push a * b; INTEGER_OVERFLOW on overflow") \
    X(DIV,   "Div",   NONE, 2, 1, 3, NONE, "pop b, a; push a / b truncated toward zero; DIVISION_BY_ZERO, INTEGER_OVERFLOW for INT64_MIN / -1") \
    X(MOD,   "Mod",   NONE, 2, 1, 3, NONE, "pop b, a; push a % b with the sign of a; DIVISION_BY_ZERO, INTEGER_OVERFLOW for INT64_MIN % -1") \
    /* stack (spec) */ \
    X(PUSH,  "Push",  INT,  0, 1, 1, NONE, "push the operand") \
    X(POP,   "Pop",   NONE, 1, 0, 1, NONE, "drop the top value") \
    X(DUP,   "Dup",   NONE, 1, 2, 1, NONE, "a -> a a") \
    X(SWAP,  "Swap",  NONE, 2, 2, 1, NONE, "a b -> b a") \
    /* memory (spec): the contract's state */ \
    X(STORE, "Store", OPT_STR, 1, 0, 100, WRITES, "pop v; state[key] = v: an integer as 8 bytes (0 deletes), bytes as they are (empty deletes; + 10 gas per byte); key = the operand, else popped after v: an integer in decimal, bytes as they are (1 gas per byte); KEY_TOO_LONG for a key over 509 bytes minus the service name's length") \
    X(LOAD,  "Load",  OPT_STR, 0, 1, 50, NONE, "push state[key] as an integer, 0 when absent (TYPE_MISMATCH when it is not 8 bytes); key = the operand, else popped: an integer in decimal, bytes as they are (1 gas per byte); KEY_TOO_LONG as for Store") \
    /* cooperative (spec): calls into _Cooperatives for the module's cooperative */ \
    X(CREATE_COOPERATIVE, "CreateCooperative", NONE, 0, 0, 500, WRITES, "create the cooperative of the .cooperative metadata; the signer becomes its creator; gas: 500 + the service's") \
    X(JOIN_COOPERATIVE,   "JoinCooperative",   NONE, 0, 0, 200, WRITES, "the signer joins the module's cooperative; gas: 200 + the service's") \
    X(ALLOCATE_RESOURCE,  "AllocateResource",  INT,  1, 0, 200, WRITES, "pop amount; allocate it to resource <operand> of the module's cooperative; gas: 200 + the service's") \
    /* governance (spec): calls into _Governance */ \
    X(CREATE_PROPOSAL, "CreateProposal", NONE, 0, 1, 300, WRITES, "open a proposal in the module's cooperative; push its id; gas: 300 + the service's") \
    X(CAST_VOTE,       "CastVote",       NONE, 2, 0, 200, WRITES, "pop vote, then proposal id; vote yes when vote != 0; gas: 200 + the service's") \
    X(UPDATE_QUORUM,   "UpdateQuorum",   NONE, 1, 0, 200, WRITES, "pop quorum (1..100 %); set the module's cooperative's quorum; gas: 200 + the service's") \
    /* control */ \
    X(JUMP,        "Jump",      LABEL, 0, 0, 2, ENDS, "continue at the label") \
    X(JUMP_IF,     "JumpIf",    LABEL, 1, 0, 2, NONE, "pop c; continue at the label when c != 0") \
    X(JUMP_IF_NOT, "JumpIfNot", LABEL, 1, 0, 2, NONE, "pop c; continue at the label when c == 0") \
    X(CALL,        "Call",      LABEL, 0, 0, 3, NONE, "push the return address on the call stack (depth 64) and continue at the label") \
    X(RET,         "Ret",       NONE,  0, 0, 2, ENDS, "return to the last Call; with an empty call stack, end the method") \
    X(HALT,        "Halt",      NONE,  0, 0, 1, ENDS, "end the method; the result is the top of the stack (0 if empty)") \
    /* compare and logic */ \
    X(EQ,  "Eq",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if a == b else 0 (two bytes: same contents); gas: 1, + 1 per 8 bytes of the shorter for two bytes (rounded up)") \
    X(NE,  "Ne",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if a != b else 0 (two bytes: different contents); gas: 1, + 1 per 8 bytes of the shorter for two bytes (rounded up)") \
    X(LT,  "Lt",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if a < b else 0 (two bytes: lexicographic order); gas: 1, + 1 per 8 bytes of the shorter for two bytes (rounded up)") \
    X(LE,  "Le",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if a <= b else 0 (two bytes: lexicographic order); gas: 1, + 1 per 8 bytes of the shorter for two bytes (rounded up)") \
    X(GT,  "Gt",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if a > b else 0 (two bytes: lexicographic order); gas: 1, + 1 per 8 bytes of the shorter for two bytes (rounded up)") \
    X(GE,  "Ge",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if a >= b else 0 (two bytes: lexicographic order); gas: 1, + 1 per 8 bytes of the shorter for two bytes (rounded up)") \
    X(NOT, "Not", NONE, 1, 1, 1, NONE, "pop a; push 1 if a == 0 else 0") \
    X(AND, "And", NONE, 2, 1, 1, NONE, "pop b, a; push 1 if both are non-zero else 0") \
    X(OR,  "Or",  NONE, 2, 1, 1, NONE, "pop b, a; push 1 if either is non-zero else 0") \
    X(NEG, "Neg", NONE, 1, 1, 1, NONE, "pop a; push -a; INTEGER_OVERFLOW for INT64_MIN") \
    /* more stack */ \
    X(OVER,      "Over",     NONE,  2, 3, 1, NONE, "a b -> a b a") \
    X(ROT,       "Rot",      NONE,  3, 3, 1, NONE, "a b c -> b c a") \
    X(LOCAL_GET, "LocalGet", LOCAL, 0, 1, 1, NONE, "push local n (256 per invocation, 0 at entry)") \
    X(LOCAL_SET, "LocalSet", LOCAL, 1, 0, 1, NONE, "pop v; local n = v") \
    /* environment */ \
    X(REPUTATION,   "Reputation",  NONE, 0, 1, 5, NONE, "push the signer's reputation") \
    X(BLOCK_HEIGHT, "BlockHeight", NONE, 0, 1, 1, NONE, "push the block height") \
    X(BLOCK_TIME,   "BlockTime",   NONE, 0, 1, 1, NONE, "push the block timestamp (ns since the Unix epoch)") \
    /* events and logs */ \
    X(EMIT,  "Emit",  STR,  1, 0, 30, NONE, "pop v; emit event <operand> with field value = v; gas: 30 + 10 per byte of the name beyond 32. A declared event (.event) pops its fields instead (the last on top); gas: 30 + 10 per byte of the name beyond 32, of its field names and of its values (8 per integer)") \
    X(LOG,   "Log",   NONE, 1, 0, 10, NONE, "pop v; append it to the execution log") \
    /* failure */ \
    X(ABORT, "Abort", NONE, 1, 0, 1, ENDS, "pop code; fail with ABORTED and the code, or, when it is bytes, with it as the reason") \
    /* service calls (the execution layer's SDK); they pop the callee's parameter count, known at run time */ \
    X(CALL_SERVICE, "CallService", STR, 0, 1, 100, NONE, "pop the arguments of \"Svc.method\" (first deepest), run it in its own namespace, push its int64 result; with an .import of it, pop its declared parameters and push every result (the last on top); gas: 100 + the callee's") \
    X(CALL_LIBRARY, "CallLibrary", STR, 0, 1, 100, NONE, "like CallService, but the callee's code runs in the caller's namespace")
/* bytes (typed values: docs/vm.md "Values"); longer than 65536 bytes traps
 * BYTES_TOO_LONG, past 4 MiB in a run MEMORY_LIMIT. A module using any of
 * these runs the interpreter's typed loops. */
#define CVM_OPCODES_BYTES(X) \
    X(PUSH_BYTES, "PushBytes",  STR,  0, 1, 1, NONE, "push the constant as bytes") \
    X(CONCAT,     "Concat",     NONE, 2, 1, 3, NONE, "pop b, a (bytes); push a followed by b; gas: 3 + 1 per 8 bytes of the result") \
    X(LEN,        "Len",        NONE, 1, 1, 1, NONE, "pop bytes; push its length") \
    X(SLICE,      "Slice",      NONE, 3, 1, 3, NONE, "pop length, start, then bytes; push its bytes start..start+length; OUT_OF_RANGE unless 0 <= start <= start+length <= its length; gas: 3 + 1 per 8 bytes taken") \
    X(SHA256,     "Sha256",     NONE, 1, 1, 30, NONE, "pop bytes; push their SHA-256 (32 bytes); gas: 30 + 6 per 64-byte block") \
    X(ITOA,       "Itoa",       NONE, 1, 1, 3, NONE, "pop an integer; push its decimal text") \
    X(HEX,        "Hex",        NONE, 1, 1, 3, NONE, "pop bytes; push them as lowercase hex text; gas: 3 + 1 per 4 bytes") \
    X(SIGNER,     "Signer",     NONE, 0, 1, 2, NONE, "push the transaction signer's address (20 bytes; empty for an unsigned call)") \
    X(CALLER,     "Caller",     NONE, 0, 1, 2, NONE, "push the address of the service that called this method, or the signer's at the top of the service stack") \
    X(SELF,       "Self",       NONE, 0, 1, 2, NONE, "push this service's own address") \
    X(LOAD_BYTES, "LoadBytes",  OPT_STR, 0, 1, 50, NONE, "push state[key] as bytes, empty when absent; key as for Load (a popped bytes key is the bytes, 1 gas per byte; KEY_TOO_LONG as for Store); gas: 50 + 1 per 8 bytes read") \
    X(ASSERT,     "Assert",     STR,  1, 0, 1, NONE, "pop c (an integer); when c == 0 fail with ABORTED and the operand as the reason")
/* clang-format on */

typedef enum cvm_op {
#define CVM_X_ENUM(e, m, k, po, pu, g, f, s) CVM_OP_##e,
    CVM_OPCODES(CVM_X_ENUM)
#undef CVM_X_ENUM
    CVM_OP_COUNT
} cvm_op;

_Static_assert(CVM_OP_COUNT <= 128, "opcode numbers must fit in 7 bits (the 8th marks an operand)");

typedef enum cvm_operand_kind {
    CVM_OPK_NONE,
    CVM_OPK_INT,
    CVM_OPK_LOCAL,
    CVM_OPK_STR,
    CVM_OPK_OPT_STR,
    CVM_OPK_LABEL
} cvm_operand_kind;

typedef struct cvm_opinfo {
    const char *mnemonic;
    cvm_operand_kind operand;
    uint8_t pops, pushes; /* with the operand present */
    uint32_t gas;
    unsigned flags;       /* CVM_OPF_* */
    const char *synopsis;
} cvm_opinfo;

/* The table row of op; op must be < CVM_OP_COUNT. */
extern const cvm_opinfo cvm_opinfo_table[CVM_OP_COUNT];
static inline const cvm_opinfo *cvm_opinfo_of(unsigned op) { return &cvm_opinfo_table[op]; }

/* The name of op as users write and read it: the mnemonic, except that
 * PushBytes (always with its operand) is the assembler's `Push "text"`,
 * which disasm prints, and so messages and traces name it Push. */
static inline const char *cvm_op_written(unsigned op)
{
    return op == CVM_OP_PUSH_BYTES ? "Push" : cvm_opinfo_of(op)->mnemonic;
}

/* The opcode whose mnemonic is name[0..len), compared case-insensitively;
 * -1 when there is none. */
int cvm_op_lookup(const char *name, size_t len);

/* "none", "integer", "local", "string", "optional string", "label". */
const char *cvm_operand_kind_name(cvm_operand_kind k);

/* Values popped by op: one more for OPT_STR without an operand. */
static inline unsigned cvm_op_pops(unsigned op, bool has_operand)
{
    const cvm_opinfo *i = cvm_opinfo_of(op);
    return i->pops + (i->operand == CVM_OPK_OPT_STR && !has_operand ? 1u : 0u);
}

#endif
