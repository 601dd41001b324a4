; counter.asm — a shared counter for a housing cooperative.
;
;   coopvm run examples/counter.asm --method increment --arg 5 --reputation 10 --trace
;   coopvm run examples/counter.asm --method get --state count=41 --reputation 10
;
; `increment` adds its argument to the stored count, refuses a non-positive
; step with Abort, emits a Counted event and logs the new value.
;
; `.reputation 10` below gates every method, `get` too: the signer needs a
; reputation of at least 10, else the call fails with INSUFFICIENT_REPUTATION
; and costs no gas. `coopvm run` signs as an account whose reputation is
; --reputation (default 0), hence the flag in the commands above.

.contract Counter
.reputation 10
.cooperative housing purpose="Shared housing" cpu=10 memory=20 network=5 storage=10 bandwidth=5 federation=north
.state count 0

.method increment params 1
    Dup
    Push 0
    Le
    JumpIf refuse           ; step <= 0 is a mistake, not a no-op
    Load "count"
    Add
    Dup
    Store "count"
    Dup
    Emit "Counted"
    Dup
    Log
    Halt
refuse:
    Push 1
    Abort

.method get readonly
    Load "count"
