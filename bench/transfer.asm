; transfer.asm — benchmark: a ledger's balances keyed by 20-byte addresses
; (bench/bench.c). Each balance is the state value at "balance/" ‖ address
; (Concat: a computed key, so Load and Store take the keyed path, not the
; constant-key handles). bench.c mints a balance for each of 16 addresses,
; then calls transfer N times through cvm_exec_args — one run a transfer,
; as one transaction would — over the in-memory store and its read-write
; overlay. bench/transfer.lua is the same logic in Lua 5.4.
.contract BenchTransfer

; mint(to, amount): balance[to] += amount; returns the new balance.
.method mint params to:bytes amount:int returns int
    Swap                ; amount to
    PushBytes "balance/"
    Swap
    Concat              ; amount key
    Dup
    Load                ; amount key balance
    Rot                 ; key balance amount
    Add
    Dup
    LocalSet 0
    Store               ; balance[to] = balance + amount
    LocalGet 0
    Halt

; transfer(from, to, amount): moves amount (> 0) from one balance to
; another when the first holds at least that; returns from's new balance.
.method transfer params from:bytes to:bytes amount:int returns int
    LocalSet 0          ; amount
    PushBytes "balance/"
    Swap
    Concat
    LocalSet 2          ; the key of to
    PushBytes "balance/"
    Swap
    Concat
    LocalSet 1          ; the key of from
    LocalGet 0
    Push 0
    Gt
    Assert "the amount must be positive"
    LocalGet 1
    Load                ; from's balance
    Dup
    LocalGet 0
    Ge
    Assert "insufficient balance"
    LocalGet 0
    Sub
    Dup
    LocalSet 3          ; from's new balance
    LocalGet 1
    Swap
    Store               ; balance[from] -= amount
    LocalGet 2
    Dup
    Load
    LocalGet 0
    Add
    Store               ; balance[to] += amount
    LocalGet 3
    Halt
