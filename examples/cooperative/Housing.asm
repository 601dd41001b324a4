; Housing.asm — the contract of the "housing" cooperative: a shared house
; whose members book rooms and share an energy budget, and decide together.
;
; Every method is a transaction of the person who signs it: the cooperative
; and governance opcodes act for the signer (docs/cooperatives.md), on the
; cooperative named by .cooperative below.
;
;   coopvm asm examples/cooperative/Housing.asm
;   coopvm run examples/cooperative/Housing.asm --method found --reputation 10

.contract Housing
.reputation 10                 ; anyone with reputation 10 may call it
.cooperative housing purpose="Shared housing" cpu=30 memory=40 network=20 storage=60 bandwidth=30 federation=north

.method found                  ; the signer founds "housing" and is its first member
    CreateCooperative

.method join                   ; the signer joins "housing"
    JoinCooperative

.method rooms params 1         ; book n rooms (resource 1); result: rooms booked through this contract
    Dup
    AllocateResource 1         ; refused (and all undone) unless the signer is a member and n > 0
    Load "rooms"
    Add
    Dup
    Store "rooms"
    Dup
    Emit "RoomsBooked"         ; the contract's own event: the new total

.method energy params 1        ; reserve n kWh of the energy budget (resource 2)
    AllocateResource 2

.method propose                ; result: the new proposal's id
    CreateProposal
    Dup
    Store "lastProposal"
    Load "proposals"
    Push 1
    Add
    Store "proposals"

.method vote params 2          ; proposal id, vote (0 no, anything else yes)
    CastVote

.method quorum params 1        ; the new quorum in percent (creator only)
    UpdateQuorum

.method booked readonly        ; rooms booked through this contract
    Load "rooms"

.method proposalCount readonly ; proposals made through this contract
    Load "proposals"

.method lastProposal readonly
    Load "lastProposal"
