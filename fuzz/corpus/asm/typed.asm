.contract Token
.import Token.transfer params bytes int returns int
.import _Governance.getProposal params int returns string bytes string int int
.import "2fast.go"
.event Transfer from:bytes to:bytes amount:int
.event Ping
.method transfer params to:bytes amount:int returns int
    Push 1
    Halt
.method balanceOf readonly params who:bytes returns int
    Push 0
.method info returns string int
.method none returns
.method old params 2
    Add
.method add params 2 returns int
    Add
