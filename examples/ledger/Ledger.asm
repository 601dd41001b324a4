; Ledger.asm — the member shares of the cooperative "shares": its creator
; mints shares, members move them, anyone reads a balance.
;
; Balances are kept under "balance/" + the holder's 20-byte address (the key
; prefix keeps this map apart from "supply"); every change emits Transfer
; with from, to and amount (from is empty for new shares). A refusal says
; why, in words (Assert with a reason, or Abort with a composed one).
;
;   coopvm asm examples/ledger/Ledger.asm
;   coopvm inspect examples/ledger/Ledger.asm
;   coopvm process examples/ledger/scenario.json

.contract Ledger
.cooperative shares purpose="Member shares" storage=5

; _Cooperatives.getInfo's ten outputs: creator, purpose, cpu, memory,
; network, storage, bandwidth, federation, members, quorum
.import _Cooperatives.getInfo params string returns bytes string int int int int int string int int
.import _Cooperatives.isMember params string bytes returns int

.event Transfer from:bytes to:bytes amount:int

.method found returns                  ; the signer founds "shares" and is its creator
    CreateCooperative

.method join returns                   ; the signer becomes a member of "shares"
    JoinCooperative

; mint(to, amount): new shares for to; only the cooperative's creator.
; Result: to's new balance.
.method mint params to:bytes amount:int returns int
    LocalSet 1                         ; amount
    LocalSet 0                         ; to
    Push "shares"
    CallService "_Cooperatives.getInfo"
    Pop                                ; quorum
    Pop                                ; members
    Pop                                ; federation
    Pop                                ; bandwidth
    Pop                                ; storage
    Pop                                ; network
    Pop                                ; memory
    Pop                                ; cpu
    Pop                                ; purpose: the creator is left
    Signer
    Eq
    Assert "only the creator of cooperative shares may mint"
    LocalGet 0
    Len
    Push 20
    Eq
    Assert "an address is 20 bytes"
    LocalGet 1
    Push 0
    Gt
    Assert "the amount must be positive"
    Push "balance/"                    ; balance[to] += amount
    LocalGet 0
    Concat
    Dup
    Load
    LocalGet 1
    Add
    Dup
    LocalSet 2                         ; the new balance, the result
    Store
    Load "supply"
    LocalGet 1
    Add
    Store "supply"
    Push ""                            ; from nobody: new shares
    LocalGet 0
    LocalGet 1
    Emit "Transfer"
    LocalGet 2

; transfer(to, amount): the signer, a member, gives amount of its shares
; to any address. Result: the signer's new balance.
.method transfer params to:bytes amount:int returns int
    LocalSet 1                         ; amount
    LocalSet 0                         ; to
    Push "shares"
    Signer
    CallService "_Cooperatives.isMember"
    JumpIf member
    Push "only members of cooperative shares may transfer; 0x"
    Signer
    Hex
    Concat
    Push " is not one"
    Concat
    Abort
member:
    LocalGet 0
    Len
    Push 20
    Eq
    Assert "an address is 20 bytes"
    LocalGet 1
    Push 0
    Gt
    Assert "the amount must be positive"
    Push "balance/"
    Signer
    Concat
    LocalSet 3                         ; the signer's key
    LocalGet 3
    Load
    LocalSet 2                         ; what the signer has
    LocalGet 2
    LocalGet 1
    Ge
    JumpIf enough
    Push "insufficient balance: has "
    LocalGet 2
    Itoa
    Concat
    Push ", needs "
    Concat
    LocalGet 1
    Itoa
    Concat
    Abort
enough:
    LocalGet 3                         ; balance[signer] -= amount
    LocalGet 2
    LocalGet 1
    Sub
    Store
    Push "balance/"                    ; balance[to] += amount (read after the
    LocalGet 0                         ; write above, so a transfer to oneself
    Concat                             ; changes nothing)
    Dup
    Load
    LocalGet 1
    Add
    Store
    Signer
    LocalGet 0
    LocalGet 1
    Emit "Transfer"
    LocalGet 3
    Load

; balanceOf(who): the shares an address holds (0 when none).
.method balanceOf readonly params who:bytes returns int
    Push "balance/"
    Swap
    Concat
    Load

; totalSupply(): every share minted.
.method totalSupply readonly returns int
    Load "supply"
