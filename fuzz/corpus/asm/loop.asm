; counts down from 10 with a local, calls a helper
    Push 10
    LocalSet 0
top:
    LocalGet 0
    JumpIfNot done
    LocalGet 0
    Push 0x1
    Sub
    LocalSet 0
    Call helper
    Jump top
helper: Push -9223372036854775808
    Pop
    Ret
done:
    BlockHeight
    BlockTime
    Reputation
    Over
    Rot
    Swap
    Halt
