-- counter.lua — benchmark: a table field counter, t.count = t.count + 1,
-- n times: the Lua 5.4 twin of counter.asm. Usage: lua5.4 counter.lua N
-- REPS. Prints "RESULT NS_PER_ITER", the best of REPS timings (os.clock).
local n, reps = tonumber(arg[1]), tonumber(arg[2] or "5")

local function run(n)
  local t = { count = 0 }
  for _ = 1, n do
    t.count = t.count + 1
  end
  return t.count
end

local best, result = math.huge, nil
for _ = 1, reps do
  local t0 = os.clock()
  result = run(n)
  local dt = os.clock() - t0
  if dt < best then best = dt end
end
print(string.format("%d %.4f", result, best * 1e9 / n))
