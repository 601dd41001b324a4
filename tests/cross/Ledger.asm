; Ledger.asm — a contract for `make cross` (scripts/cross.sh): one method per
; part of the interpreter whose result could depend on the machine — 64-bit
; arithmetic at its edges, state values written as integers, computed state
; keys, locals, calls, events, logs, traps, service and library calls, and the
; cooperative and governance opcodes — so the generated scenario
; (tests/cross/gen-scenario.sh) exercises each of them on every architecture.

.contract Ledger
.reputation 5
.cooperative garden purpose="Shared garden" cpu=10 memory=20 network=30 storage=40 bandwidth=50 federation="north\teast"
.state total 0
.state "edge" -0x8000000000000000
.state "\xff\x00key" 0x7fffffffffffffff

.method add params 1           ; total += n; the new total as event, log and result
    Load "total"
    Add
    Dup
    Store "total"
    Dup
    Emit "Added"
    Dup
    Log

.method mix params 2           ; a, b -> a*b + a/b - a%b, -a, and a key made from the height
    LocalSet 1
    LocalSet 0
    LocalGet 0
    LocalGet 1
    Mul
    LocalGet 0
    LocalGet 1
    Div
    Add
    LocalGet 0
    LocalGet 1
    Mod
    Sub
    Dup
    Log
    LocalGet 0
    Neg
    Log
    Dup
    BlockHeight                ; state["<height>"] = the value: a key written in decimal
    Swap
    Store
    Dup
    Emit "Mixed"

.method sum params 1           ; 1 + 2 + ... + n with a loop and a subroutine
    LocalSet 0
    Push 0
    LocalSet 1
loop:
    LocalGet 0
    Push 0
    Le
    JumpIf done
    Call step
    Jump loop
done:
    LocalGet 1
    Dup
    Store "sum"
    Halt
step:
    LocalGet 1
    LocalGet 0
    Add
    LocalSet 1
    LocalGet 0
    Push 1
    Sub
    LocalSet 0
    Ret

.method compare params 2       ; every comparison and logic opcode, folded into one number
    LocalSet 1
    LocalSet 0
    LocalGet 0
    LocalGet 1
    Lt
    LocalGet 0
    LocalGet 1
    Ge
    Push 2
    Mul
    Add
    LocalGet 0
    LocalGet 1
    Eq
    Push 4
    Mul
    Add
    LocalGet 0
    LocalGet 1
    Ne
    Push 8
    Mul
    Add
    LocalGet 0
    LocalGet 1
    Le
    Push 16
    Mul
    Add
    LocalGet 0
    LocalGet 1
    Gt
    Push 32
    Mul
    Add
    LocalGet 0
    Not
    LocalGet 1
    Or
    Push 64
    Mul
    Add
    LocalGet 0
    LocalGet 1
    And
    Push 128
    Mul
    Add
    Dup                        ; r -> r r r -> r: Over, Rot and Swap too
    Over
    Rot
    Swap
    Pop
    Pop

.method edges                  ; the extreme values stored under binary keys
    Load "edge"
    Push 1
    Add
    Store "edge"
    Load "\xff\x00key"
    Push -1
    Add
    Dup
    Store "\xff\x00key"
    Emit "Edge"
    Push -0x7fffffffffffffff
    Push 3
    Div
    Push -7
    Push 3
    Mod
    Add

.method env                    ; who and when: reputation, height, time
    Reputation
    Emit "Reputation"
    BlockHeight
    Emit "Height"
    BlockTime
    Dup
    Log
    Store "lastTime"
    BlockTime
    Push 1000000000
    Div

.method overflow params 1      ; INTEGER_OVERFLOW for n > 0 (after a write that is undone)
    Push 1
    Store "touched"
    Push 0x7fffffffffffffff
    Add

.method divide params 2        ; DIVISION_BY_ZERO when b = 0
    Div

.method abort params 1         ; ABORTED with code n
    Push 7
    Store "touched"
    Abort

.method forever                ; OUT_OF_GAS
spin:
    Jump spin

.method counter params 1       ; Counter.increment(n) through CallService: its own namespace
    CallService "Counter.increment"
    Dup
    Emit "Called"

.method library params 1       ; Counter.increment(n) through CallLibrary: this contract's namespace
    CallLibrary "Counter.increment"

.method found                  ; the cooperative and governance opcodes act for the signer
    CreateCooperative
.method join
    JoinCooperative
.method alloc params 1
    AllocateResource 3
.method propose
    CreateProposal
.method vote params 2
    CastVote
.method quorum params 1
    UpdateQuorum

.method total readonly
    Load "total"
