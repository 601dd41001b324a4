; fib.asm — benchmark: recursive Fibonacci through Call and Ret, the
; argument and the result on the operand stack (bench/bench.c).
; fib(n) = n for n < 2, else fib(n-1) + fib(n-2); fib(n) makes
; 2 * fib(n+1) - 1 calls.
.contract BenchFib
.method main params 1
    Call fib
    Halt
fib:                    ; n -> fib(n)
    Dup
    Push 2
    Lt
    JumpIf done         ; n < 2: fib(n) = n
    Dup
    Push 1
    Sub
    Call fib            ; n fib(n-1)
    Swap
    Push 2
    Sub
    Call fib            ; fib(n-1) fib(n-2)
    Add
done:
    Ret
