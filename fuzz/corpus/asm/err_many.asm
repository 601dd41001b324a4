; every line here is an error
.contract bad-name
.reputation x
Bogus 1
    Push
    Add 3
    Jump nowhere
    LocalGet 256
.method readonly_writer readonly
    Push 1
    Store "k"
.method readonly_writer
dup: Halt
dup: Halt
    Load "unterminated
