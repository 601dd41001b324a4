-- transfer.lua — benchmark: a ledger's balances in a table keyed by 20-byte
-- address strings, the Lua 5.4 twin of transfer.asm (the same 16
-- addresses, mints, transfers and checks). Usage: lua5.4 transfer.lua N
-- REPS. Prints "RESULT NS_PER_TRANSFER", the best of REPS timings
-- (os.clock) of the N transfers; RESULT is the checksum bench.c expects:
-- the sum of transfer's results plus the sum of (k + 1) * balance of
-- address k.
local n, reps = tonumber(arg[1]), tonumber(arg[2] or "5")

local ADDRS, MINT = 16, 1000000000

-- address k: byte j is (37k + 101j + 13) mod 256
local addrs = {}
for k = 0, ADDRS - 1 do
  local b = {}
  for j = 0, 19 do b[j + 1] = string.char((37 * k + 101 * j + 13) % 256) end
  addrs[k] = table.concat(b)
end

local function mint(balances, to, amount)
  local b = (balances[to] or 0) + amount
  balances[to] = b
  return b
end

local function transfer(balances, from, to, amount)
  if not (amount > 0) then error("the amount must be positive") end
  local b = balances[from] or 0
  if not (b >= amount) then error("insufficient balance") end
  b = b - amount
  balances[from] = b
  balances[to] = (balances[to] or 0) + amount
  return b
end

local best, result = math.huge, nil
for _ = 1, reps do
  local balances = {}
  for k = 0, ADDRS - 1 do mint(balances, addrs[k], MINT) end
  local sum = 0
  local t0 = os.clock()
  for i = 0, n - 1 do
    sum = sum + transfer(balances, addrs[i % ADDRS], addrs[(5 * i + 3) % ADDRS], i % 97 + 1)
  end
  local dt = os.clock() - t0
  if dt < best then best = dt end
  for k = 0, ADDRS - 1 do sum = sum + (k + 1) * (balances[addrs[k]] or 0) end
  result = sum
end
print(string.format("%d %.4f", result, best * 1e9 / n))
