; counter.asm — benchmark: the state counter, Load "count"; Push 1; Add;
; Store "count", n times (bench/bench.c runs it over the in-memory store and
; its read-write overlay, as `coopvm run` does). Local 0 counts down from n.
; Needs n >= 1. The result is the final count.
.contract BenchCounter
.method main params 1
    LocalSet 0          ; n
loop:
    Load "count"
    Push 1
    Add
    Store "count"       ; count += 1
    LocalGet 0
    Push 1
    Sub
    Dup
    LocalSet 0          ; n -= 1
    JumpIf loop         ; while n != 0
    Load "count"
    Halt
