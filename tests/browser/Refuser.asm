; Refuser.asm — a contract that fails with its own reasons, for the
; explorer's browser test (tests/browser/explorer.test.mjs): one the error
; message shows whole, and one too long for it (200 bytes that are not
; UTF-8: the message holds only the start of their hex).
.contract Refuser

.method refuse returns
    Push 0
    Assert "the door is closed: come back tomorrow"

.method refuseBytes returns
    Push "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7"
    Dup
    Concat                             ; 50 bytes
    Dup
    Concat                             ; 100
    Dup
    Concat                             ; 200: the longest reason kept (CVM_REASON_MAX)
    Abort
