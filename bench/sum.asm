; sum.asm — benchmark: the sum 1 + 2 + ... + n in locals (bench/bench.c).
; A do-while loop with its test at the bottom, as a stack machine writes it
; naturally. Locals: 0 = n, 1 = i, 2 = the sum. Needs n >= 1.
.contract BenchSum
.method main params 1
    LocalSet 0          ; n
    Push 1
    LocalSet 1          ; i = 1 (the sum, local 2, starts at 0)
loop:
    LocalGet 2
    LocalGet 1
    Add
    LocalSet 2          ; sum += i
    LocalGet 1
    Push 1
    Add
    Dup
    LocalSet 1          ; i += 1
    LocalGet 0
    Le
    JumpIf loop         ; while i <= n
    LocalGet 2
    Halt
