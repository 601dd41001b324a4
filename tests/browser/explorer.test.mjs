// The explorer page in a real browser (make browser-test).
//
// Starts `coopvm node` on 127.0.0.1 with the example cooperative's genesis
// (and tests/browser/Refuser.asm), submits a cooperative's founding, joins,
// an allocation, a proposal and its votes, two refusals with reasons and a
// proposal left to expire as signed transactions over the HTTP API, then
// drives Debian's chromium (playwright-core, headless) through the page: the
// latest blocks, a transaction's receipt found with the search box, a block's
// receipts, a contract's reason, the cooperatives, the proposals' tallies
// against their quorum and the expired one's verdict, the event feed's
// filters, a block arriving live, the phone width and the dark theme. It saves
// build/explorer.png (and one screenshot per view beside it) and ends with
// "N passed, N failed".
//
//   node tests/browser/explorer.test.mjs [BUILD_DIR]     (BUILD_DIR: build)

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = path.resolve(ROOT, process.argv[2] || 'build');
const COOPVM = path.join(BUILD, 'coopvm');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const EXAMPLE = path.join(ROOT, 'examples/cooperative');
const DEADLINE_MS = 90_000;            // the whole run; it takes about 15 s

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log('ok   ' + name); }
  else { failed++; console.log('FAIL ' + name + (detail !== undefined ? ': ' + detail : '')); }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coopvm-browser-'));
let node = null;      // the coopvm node child process
let browser = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (node && node.exitCode === null && node.signalCode === null) {
    node.kill('SIGKILL');
    await new Promise((r) => node.once('exit', r));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.log('FAIL the run took more than ' + DEADLINE_MS / 1000 + ' s');
  failed++;
  await cleanup();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}, DEADLINE_MS);

// A free port on 127.0.0.1: bind port 0, read it back, let it go.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// The genesis: the example's genesis.json when there is one, else the
// scenario's accounts and contracts (the same format), with absolute paths
// and tests/browser/Refuser.asm (a contract that fails with reasons) added.
function genesisFile() {
  const g = path.join(EXAMPLE, 'genesis.json');
  const sc = JSON.parse(fs.readFileSync(fs.existsSync(g) ? g : path.join(EXAMPLE, 'scenario.json'), 'utf8'));
  const contracts = {};
  for (const [k, v] of Object.entries(sc.contracts)) contracts[k] = path.join(EXAMPLE, v);
  contracts.Refuser = path.join(ROOT, 'tests/browser/Refuser.asm');
  const out = path.join(tmp, 'genesis.json');
  fs.writeFileSync(out, JSON.stringify({ accounts: sc.accounts, contracts }, null, 1));
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function getJson(base, p, opts) {
  const res = await fetch(base + p, opts);
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

// A signed transaction from a development key (coopvm keygen --name), sent
// to the node and waited for until committed; answers its hash and status.
function keyOf(name) {
  const f = path.join(tmp, name + '.json');
  if (!fs.existsSync(f)) fs.writeFileSync(f, execFileSync(COOPVM, ['keygen', '--name', name, '--json']));
  return f;
}
async function submit(base, signer, contract, method, args) {
  const argv = ['tx', 'build', '--service', contract, '--method', method, '--key', keyOf(signer)];
  for (const a of args || []) argv.push('--arg', JSON.stringify(a));
  const tx = execFileSync(COOPVM, argv);
  const res = await fetch(base + '/v1/transactions', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: tx,
  });
  const body = await res.json();
  if (res.status !== 202) throw new Error(`${contract}.${method} by ${signer}: ${res.status} ${JSON.stringify(body)}`);
  const done = await getJson(base, '/v1/transactions/' + body.tx_hash + '?wait=10');
  return { hash: body.tx_hash, ...done.body };
}

async function main() {
  // ---- the node --------------------------------------------------------
  const port = await freePort();
  const base = 'http://127.0.0.1:' + port;
  const log = fs.openSync(path.join(tmp, 'node.log'), 'w');
  node = spawn(COOPVM, ['node', '--data', path.join(tmp, 'data'), '--genesis', genesisFile(),
    '--listen', '127.0.0.1:' + port, '--block-interval', '100ms'],
  { stdio: ['ignore', log, log] });
  let up = false;
  for (let i = 0; i < 100 && !up && node.exitCode === null; i++) {
    try { up = (await getJson(base, '/v1/status')).status === 200; } catch { await sleep(100); }
  }
  check('the node answers /v1/status', up, fs.readFileSync(path.join(tmp, 'node.log'), 'utf8').slice(-2000));
  if (!up) return;

  // ---- the cooperative's life, in signed transactions ----------------------
  const life = [
    ['alice', 'Housing', 'found', []],
    ['bob', 'Housing', 'join', []],
    ['carol', 'Housing', 'join', []],
    ['dave', '_Cooperatives', 'join', [{ string: 'housing' }]],
    ['alice', 'Housing', 'rooms', [3]],
    ['carol', 'Housing', 'join', []],           // ALREADY_MEMBER: a failed receipt
    ['bob', 'Housing', 'propose', []],
    ['alice', 'Housing', 'vote', [1, 1]],
    ['carol', 'Housing', 'vote', [1, 0]],
    ['dave', 'Housing', 'vote', [1, 1]],         // the second yes of 2 needed: passed
  ];
  const done = [];
  for (const [signer, contract, method, args] of life) done.push(await submit(base, signer, contract, method, args));
  const committed = done.every((t) => t.status === 'COMMITTED');
  check('the transactions are committed', committed, JSON.stringify(done.map((t) => t.status)));
  const rooms = done[4];
  const failedJoin = done[5];
  check('the failed join has its error in the receipt',
    failedJoin.receipt && failedJoin.receipt.error && failedJoin.receipt.error.code === 'ALREADY_MEMBER',
    JSON.stringify(failedJoin.receipt));
  // Two refusals with the contract's reason (error.reason): one the message
  // shows whole, one 200 bytes that are not UTF-8 (too long for the message).
  const refused = await submit(base, 'bob', 'Refuser', 'refuse', []);
  const refusedBytes = await submit(base, 'bob', 'Refuser', 'refuseBytes', []);
  const REASON = 'the door is closed: come back tomorrow';
  const longReason = refusedBytes.receipt && refusedBytes.receipt.error && refusedBytes.receipt.error.reason;
  check('the refusals carry their reasons',
    refused.receipt && refused.receipt.error && refused.receipt.error.reason === REASON
      && typeof longReason === 'string' && longReason.length === 402
      && !refusedBytes.receipt.error.message.includes(longReason),
    JSON.stringify([refused.receipt, refusedBytes.receipt]));
  // A proposal with a voting period of 1 block, left to expire.
  const late = await submit(base, 'alice', '_Governance', 'createProposal',
    [{ string: 'housing' }, { string: 'Paint the hall' }, 1]);
  // The node makes a block only for transactions: two more pass the deadline.
  for (let i = 0; i < 2; i++) await submit(base, 'carol', 'Refuser', 'refuse', []);
  check('the short proposal is committed', late.status === 'COMMITTED' && late.receipt.status === 'SUCCESS',
    JSON.stringify(late.receipt));
  const tip = (await getJson(base, '/v1/status')).body.height;

  // ---- the browser ---------------------------------------------------------
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const pageErrors = [];
  const outside = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) outside.push(r.url()); });
  const shot = (name) => page.screenshot({ path: path.join(BUILD, name), fullPage: true });
  const text = async (sel) => (await page.locator(sel).first().innerText()).replace(/\s+/g, ' ');

  // The latest blocks, the newest first.
  await page.goto(base + '/');
  const tipRow = `#blocks-table tbody tr[data-height="${tip}"]`;
  let blocksOk = true;
  try { await page.waitForSelector(tipRow); } catch { blocksOk = false; }
  const heights = await page.$$eval('#blocks-table tbody tr[data-height]', (rows) => rows.map((r) => Number(r.dataset.height)));
  check('the blocks list shows the latest block first', blocksOk && heights[0] === tip,
    `tip ${tip}, rows ${heights.join(',')}`);
  check('the blocks list is newest first', heights.every((h, i) => i === 0 || h < heights[i - 1]), heights.join(','));
  await page.waitForFunction(() => document.querySelectorAll('#home-feed .event').length > 0).catch(() => {});
  check('the home view shows recent events', (await page.locator('#home-feed .event').count()) > 0);
  await shot('explorer.png');

  // A transaction's receipt, found with the search box.
  await page.fill('#search-input', rooms.hash);
  await page.press('#search-input', 'Enter');
  let receipt = '';
  try { await page.waitForSelector('#receipt'); receipt = await text('#receipt'); } catch { /* checked below */ }
  check('the search box opens the transaction', page.url().endsWith('#/tx/' + rooms.hash), page.url());
  check('the receipt shows the call, status and event',
    receipt.includes('Housing.rooms(3)') && receipt.includes('SUCCESS') && receipt.includes('ResourceAllocated'),
    receipt);
  const summary = await text('#tx-summary').catch(() => '');
  check('the transaction shows its block', summary.includes('COMMITTED') || (await text('main')).includes('COMMITTED'), summary);
  await shot('explorer-tx.png');

  // The block of the failed join: its receipts, the error among them.
  await page.goto(base + '/#/block/' + failedJoin.height);
  let blockText = '';
  try { await page.waitForSelector('#block-txs .tx-item'); blockText = await text('#block-txs'); } catch { /* below */ }
  check('a block shows its receipts with the error', blockText.includes('ALREADY_MEMBER') && blockText.includes('Housing.join()'),
    blockText);

  // A refusal's reason: its own row in the receipt; in a block's list only
  // when the message does not show it whole.
  await page.goto(base + '/#/tx/' + refused.hash);
  let reasonRow = '';
  try { await page.waitForSelector('#tx-reason'); reasonRow = await text('#tx-reason'); } catch { /* below */ }
  check('the receipt shows the contract\'s reason', reasonRow === REASON, reasonRow);
  await shot('explorer-reason.png');
  await page.goto(base + '/#/block/' + refused.height);
  await page.waitForSelector('#block-txs .tx-item').catch(() => {});
  const shown = await page.locator('#block-txs .tx-reason').count();
  check('a reason the message shows is not shown twice', shown === 0, shown + ' .tx-reason');
  await page.goto(base + '/#/block/' + refusedBytes.height);
  let longText = '';
  try { await page.waitForSelector('#block-txs .tx-reason'); longText = await text('#block-txs .tx-reason'); } catch { /* below */ }
  check('a block shows a reason the message cuts', longText === 'reason ' + longReason, longText);

  // The cooperatives.
  await page.click('nav.tabs a[data-tab="cooperatives"]');
  let coop = '';
  try { await page.waitForSelector('#coop-housing'); coop = await text('#coop-housing'); } catch { /* below */ }
  check('the cooperative shows its members and allocation',
    coop.toLowerCase().includes('members (4)') && coop.includes('Resource 1') && coop.includes('Shared housing'), coop);

  // The proposal's tally against the quorum it needs.
  await page.click('nav.tabs a[data-tab="proposals"]');
  let prop = '';
  try { await page.waitForSelector('#proposal-1'); prop = await text('#proposal-1'); } catch { /* below */ }
  check('the proposal shows its tally and quorum',
    prop.includes('passed') && prop.includes('2 yes') && prop.includes('1 no') && prop.includes('need 2 of 4'), prop);
  const yesWidth = await page.$eval('#proposal-1 .seg.yes', (e) => e.style.width).catch(() => '');
  check('the tally bar draws the yes votes', yesWidth === '50%', yesWidth);
  // The proposal whose voting period ended undecided.
  let expired = '';
  try { await page.waitForSelector('#proposal-2'); expired = await text('#proposal-2'); } catch { /* below */ }
  const badge = await page.$eval('#proposal-2 header .badge', (e) => e.className + ' ' + e.textContent).catch(() => '');
  check('an expired proposal has its badge and verdict',
    badge === 'badge bad expired' && expired.includes('Expired: voting ended with 0 yes, 2 needed.')
      && expired.includes('4 did not vote'),
    badge + ' | ' + expired);
  await shot('explorer-proposals.png');

  // The event feed, filtered by name.
  await page.click('nav.tabs a[data-tab="events"]');
  await page.waitForSelector('#event-filters');
  await page.fill('#event-filters input[name="name"]', 'VoteCast');
  await page.press('#event-filters input[name="name"]', 'Enter');
  await page.waitForFunction(() => location.hash.includes('name=VoteCast'));
  await page.waitForFunction(() => document.querySelectorAll('#event-list .event').length === 3).catch(() => {});
  const names = await page.$$eval('#event-list .ev-name', (els) => els.map((e) => e.textContent));
  check('the event filter keeps only VoteCast', names.length === 3 && names.every((n) => n === 'VoteCast'), names.join(','));

  // A new block appears on the home view without a reload.
  await page.goto(base + '/');
  await page.waitForSelector(tipRow);
  const more = await submit(base, 'carol', 'Housing', 'rooms', [2]);
  let live = true;
  try { await page.waitForSelector(`#blocks-table tbody tr[data-height="${more.height}"]`, { timeout: 8000 }); } catch { live = false; }
  check('a new block appears live', live, 'block ' + more.height);

  // A phone's width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(base + '/#/proposals');
  await page.waitForSelector('#proposal-1');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check('the page fits a phone width', width <= 390, 'scrollWidth ' + width);
  await shot('explorer-phone.png');

  // The dark theme follows prefers-color-scheme.
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check('the dark theme follows prefers-color-scheme', bg === 'rgb(15, 18, 22)', bg);

  check('no script errors on the page', pageErrors.length === 0, pageErrors.join(' | '));
  check('nothing is fetched from outside the node', outside.length === 0, outside.join(' '));
  await browser.close();
  browser = null;

  // The node stops cleanly on SIGTERM.
  node.kill('SIGTERM');
  const code = await new Promise((r) => node.once('exit', (c) => r(c)));
  check('the node exits 0 on SIGTERM', code === 0, 'exit ' + code);
}

try {
  await main();
} catch (e) {
  failed++;
  console.log('FAIL ' + (e.stack || e.message));
  const logf = path.join(tmp, 'node.log');
  if (fs.existsSync(logf)) console.log('node log:\n' + fs.readFileSync(logf, 'utf8').slice(-3000));
}
await cleanup();
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
