.contract Strings
.nolines
.state "with space" -1
.state "\x00nul" 9223372036854775807
    Push 1
    Store "quote\" backslash\\ newline\n tab\t byte\xff"
    Push 2
    Emit ""
.method coop
    CreateCooperative
    JoinCooperative
    Push 5
    AllocateResource 2
    CreateProposal
    Push 1
    CastVote
    Push 51
    UpdateQuorum
