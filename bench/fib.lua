-- fib.lua — benchmark: recursive Fibonacci, the Lua 5.4 twin of fib.asm.
-- Usage: lua5.4 fib.lua N REPS. Prints "RESULT NS_PER_CALL", the best of
-- REPS timings (os.clock: process CPU time); fib(n) makes 2*fib(n+1)-1 calls.
local n, reps = tonumber(arg[1]), tonumber(arg[2] or "5")

local function fib(k)
  if k < 2 then return k end
  return fib(k - 1) + fib(k - 2)
end

local function calls(k)
  local a, b = 0, 1 -- fib(0), fib(1)
  for _ = 1, k + 1 do a, b = b, a + b end
  return 2 * a - 1 -- 2 * fib(k+1) - 1
end

local best, result = math.huge, nil
for _ = 1, reps do
  local t0 = os.clock()
  result = fib(n)
  local dt = os.clock() - t0
  if dt < best then best = dt end
end
print(string.format("%d %.4f", result, best * 1e9 / calls(n)))
