; the issue's example contract
.contract Counter
.reputation 50
.cooperative housing purpose="Shared housing" cpu=10 memory=20 network=5 storage=10 bandwidth=5 federation=north
.state count 0
.method increment params 1
    Load "count"
    Add
    Dup
    Store "count"
    Emit "Incremented"
    Halt
.method get readonly
    Load "count"
