.method a
here:
    Jump there
.method b
there:
    Jump here
end:
