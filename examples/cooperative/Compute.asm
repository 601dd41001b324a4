; Compute.asm — the contract of the "compute" cooperative: shared GPU
; machines. Its resource impact is high (cpu 95, memory 85, network 90), so
; the VM refuses every allocation it asks for with RESOURCE_IMPACT_TOO_HIGH
; (cpu, memory or network above 80; docs/cooperatives.md).
;
;   coopvm asm examples/cooperative/Compute.asm

.contract Compute
.cooperative compute purpose="GPU sharing" cpu=95 memory=85 network=90 storage=20 bandwidth=70 federation=north

.method found                  ; the signer founds "compute"
    CreateCooperative

.method join
    JoinCooperative

.method reserve params 1       ; reserve n GPU hours (resource 1): always refused for impact
    AllocateResource 1
