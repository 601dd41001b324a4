-- sum.lua — benchmark: the sum 1 + 2 + ... + n in locals, the Lua 5.4 twin
-- of sum.asm. Usage: lua5.4 sum.lua N REPS. Prints "RESULT NS_PER_ITER",
-- the best of REPS timings of the loop alone (os.clock: process CPU time).
local n, reps = tonumber(arg[1]), tonumber(arg[2] or "5")

local function run(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end

local best, result = math.huge, nil
for _ = 1, reps do
  local t0 = os.clock()
  result = run(n)
  local dt = os.clock() - t0
  if dt < best then best = dt end
end
print(string.format("%d %.4f", result, best * 1e9 / n))
