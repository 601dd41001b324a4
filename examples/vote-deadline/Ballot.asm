; Ballot — a time-boxed vote of cooperative garden, through typed calls to
; _Governance (examples/vote-deadline/README.md). Every action is the
; signer's: _Governance checks membership and reputation of whoever signs.
.contract Ballot
.import _Governance.createProposal params string string int returns int
.import _Governance.castVote params int int returns
.import _Governance.getProposal params int returns string bytes string int int
.import _Governance.getProposalInfo params int returns string int

; open(title, period) -> the proposal id; votes count in this block and in
; the next `period` blocks, and are refused after them
.method open params title:string period:int returns int
    Push "garden"                               ; title period "garden"
    Rot                                         ; period "garden" title
    Rot                                         ; "garden" title period
    CallService "_Governance.createProposal"    ; id

; vote(id, yes): a late vote fails with the height voting ended at
.method vote params id:int yes:int returns
    CallService "_Governance.castVote"

; status(id) -> "open", "passed", "rejected" or "expired"
.method status readonly params id:int returns string
    CallService "_Governance.getProposal"       ; cooperative creator status yes no
    Pop
    Pop                                         ; cooperative creator status
    Swap
    Pop                                         ; cooperative status
    Swap
    Pop                                         ; status

; deadline(id) -> the last height whose votes count (0: none)
.method deadline readonly params id:int returns int
    CallService "_Governance.getProposalInfo"   ; title deadline
    Swap
    Pop                                         ; deadline
