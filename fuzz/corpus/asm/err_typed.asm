.import Token.transfer params bytes intt returns int
.import Token
.import Token.transfer params 2
.import A.b params int
.import A.b
.import A.b retruns int
.event Transfer from:bytes to:byts
.event Transfer a:int a:int
.event E a:int
.event E b:int
.event F a int
.method m params a:int a:bytes
.method n params to:adress
.method o returns int retruns
.method p params x:int returns intt
.method q params a: 
.event
