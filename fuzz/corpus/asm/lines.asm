.contract Lines
.line 100
    Push 7
    Push 0
    Div          ; DIVISION_BY_ZERO at line 101
.line 5
.method keys params 2
    Store        ; key popped from the stack
    Push 1
    Load
    Log
    Push 3
    Abort
