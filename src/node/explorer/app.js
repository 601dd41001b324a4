/* The explorer page's logic: hash routes (#/, #/block/12, #/tx/HASH,
 * #/cooperatives, #/proposals, #/events?service=&name=), each rendered from the
 * node's /v1 API (docs/node-api.md). The chain's height is polled from
 * /v1/status and committed events arrive over /v1/events/stream, so the open
 * view follows the chain without a reload.
 *
 * Everything the chain says is put into the page as text nodes (never as
 * HTML): purposes, event fields and error messages are written by anyone who
 * signs a transaction. */
'use strict';

(function () {
  const API = '/v1';
  const LATEST = 20;            // blocks on the home view
  const FEED_PAGE = 100;        // events per page of the feed
  const HISTORY_PAGES = 50;     // at most 50 pages of 1000 events for cooperatives/proposals

  const state = {
    status: null,               // the last /v1/status
    blocks: new Map(),          // height -> block JSON (blocks never change once committed)
    live: [],                   // the newest events seen on the stream (at most 50)
    stream: null,               // the EventSource
    route: null,                // the route being shown
    token: 0,                   // bumps on every render, so a late answer of an old view is dropped
    dirty: false,               // new events arrived since the view was drawn
  };

  // ---- small DOM helpers ------------------------------------------------

  /* h('a', {href: '#/'}, 'text', child) — an element whose string children are text nodes. */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else if (k === 'style') setStyle(el, v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    append(el, kids);
    return el;
  }
  /* 'width:40%;margin:0' through the CSSOM: the node's Content-Security-Policy
     (style-src 'self') refuses style attributes, not the CSSOM. */
  function setStyle(el, css) {
    for (const decl of css.split(';')) {
      const i = decl.indexOf(':');
      if (i > 0) el.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
    }
  }
  function append(el, kids) {
    for (const k of kids) {
      if (k === undefined || k === null || k === false) continue;
      if (Array.isArray(k)) append(el, k);
      else el.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    }
  }
  function svg(path) {
    const ns = 'http://www.w3.org/2000/svg';
    const s = document.createElementNS(ns, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', path);
    s.appendChild(p);
    return s;
  }
  const ICON_COPY = 'M9 9h10v10H9z M5 15V5h10';
  const ICON_OK = 'M5 12l4 4 10-10';

  function fmtInt(n) {
    return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
  }

  /* Timestamps are ns since the epoch (docs/node-api.md); precision past the
     millisecond is lost in a JS number, which is fine for showing them. */
  function toMs(ns) { return Number(ns) / 1e6; }
  function fmtTime(ns) {
    if (ns === undefined || ns === null) return '—';
    const d = new Date(toMs(ns));
    if (isNaN(d)) return String(ns);
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }
  function ago(ns) {
    if (ns === undefined || ns === null) return '—';
    const s = Math.round((Date.now() - toMs(ns)) / 1000);
    if (s < 2) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  function shorten(hex, keep) {
    const k = keep || 8;
    const prefix = hex.startsWith('0x') ? 2 : 0;
    if (hex.length <= prefix + 2 * k + 1) return hex;
    return hex.slice(0, prefix + k) + '…' + hex.slice(-k + 2);
  }

  /* A hash or an address, shortened: a click on it shows it whole (or follows
     the link, when it is one), the button beside it copies it. */
  function hashEl(full, opts) {
    const o = opts || {};
    const wrap = h('span', {class: 'hash'});
    const short = shorten(full, o.keep || (full.startsWith('0x') ? 6 : 8));
    let label;
    if (o.href) {
      label = h('a', {class: 'code', href: o.href, title: full}, short);
    } else {
      label = h('code', {title: full + ' (click to expand)', tabindex: '0', role: 'button',
                         'aria-expanded': 'false'}, short);
      const toggle = () => {
        const open = label.getAttribute('aria-expanded') === 'true';
        label.textContent = open ? short : full;
        label.setAttribute('aria-expanded', open ? 'false' : 'true');
      };
      label.addEventListener('click', toggle);
      label.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
      });
    }
    const btn = h('button', {class: 'copy', type: 'button', title: 'Copy', 'aria-label': 'Copy ' + full},
                  svg(ICON_COPY));
    btn.addEventListener('click', (e) => {
      e.stopPropagation();
      copyText(full).then(() => {
        wrap.classList.add('copied');
        btn.replaceChildren(svg(ICON_OK));
        setTimeout(() => { wrap.classList.remove('copied'); btn.replaceChildren(svg(ICON_COPY)); }, 1200);
      });
    });
    wrap.append(label, btn);
    return wrap;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(() => fallbackCopy(text));
    }
    return Promise.resolve(fallbackCopy(text));
  }
  function fallbackCopy(text) {
    const ta = h('textarea', {style: 'position:fixed;left:-9999px', 'aria-hidden': 'true'});
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand('copy'); } catch (e) { /* nothing more to try */ }
    ta.remove();
  }

  function isAddress(v) { return typeof v === 'string' && /^0x[0-9a-f]{40}$/i.test(v); }
  function isHash(v) { return typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v); }

  /* A value of an event field, an argument or an output. */
  function valueEl(v) {
    if (isAddress(v)) return hashEl(v);
    if (typeof v === 'string' && /^0x[0-9a-f]{34,}$/i.test(v)) return hashEl(v);
    if (typeof v === 'string') return h('span', {class: 'v'}, JSON.stringify(v));
    if (v !== null && typeof v === 'object') return h('span', {class: 'v'}, JSON.stringify(v));
    return h('span', {class: 'v'}, String(v));
  }

  function fieldsEl(fields) {
    const box = h('span', {class: 'fields'});
    for (const [k, v] of Object.entries(fields || {})) {
      box.appendChild(h('span', {class: 'field'}, h('span', {class: 'k'}, k + ' '), valueEl(v)));
    }
    return box;
  }

  function eventEl(ev, withWhere) {
    return h('div', {class: 'event'},
      withWhere ? h('a', {href: '#/block/' + ev.height, class: 'small'}, '#' + ev.height) : null,
      h('span', {class: 'ev-name'}, ev.name),
      h('span', {class: 'ev-svc'}, ev.service),
      fieldsEl(ev.fields));
  }

  function statusBadge(s) {
    const cls = s === 'SUCCESS' || s === 'COMMITTED' || s === 'passed' ? 'ok'
      : s === 'PENDING' || s === 'open' ? 'warn'
        : s === 'rejected' || s === 'expired' || s === 'REJECTED' || (s && s.startsWith('ERROR')) ? 'bad'
          : s === 'NOT_EXECUTED' ? 'warn' : '';
    return h('span', {class: 'badge ' + cls}, s || '?');
  }

  function callEl(tx) {
    const args = (tx.args || []).map((a) => (isAddress(a) ? shorten(a, 6) : JSON.stringify(a)));
    return h('span', {class: 'call'},
      h('span', {class: 'svc'}, tx.contract || tx.service || '?'), '.', tx.method || '?',
      '(' + args.join(', ') + ')');
  }

  /* Whether a receipt's error message shows the contract's reason whole:
     the message, or what follows the path of calls (after a ': '), starts
     with it (the CLI's rule, report_message_shows in src/cli/report.c). */
  function messageShows(msg, reason) {
    for (let at = 0; at + reason.length <= msg.length; at++) {
      if ((at === 0 || (at >= 2 && msg.slice(at - 2, at) === ': ')) && msg.startsWith(reason, at)) return true;
    }
    return false;
  }

  /* A failed receipt's error: "CODE — message", then the contract's own
     reason (error.reason: its text, or 0x hex when not UTF-8) when the
     message does not show it whole (a long one, a hex one cut short). */
  function receiptError(err) {
    const reason = typeof err.reason === 'string' ? err.reason : null;
    return h('div', {class: 'tx-err'}, (err.code ? err.code + ' — ' : '') + (err.message || ''),
      reason !== null && !messageShows(err.message || '', reason)
        ? h('div', {class: 'tx-reason'}, h('span', {class: 'muted'}, 'reason '), reason) : null);
  }

  function errorBox(err) {
    return h('div', {class: 'error-box', role: 'alert'}, err.message || String(err));
  }

  // ---- the API -----------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  async function api(path, opts) {
    let res;
    try {
      res = await fetch(API + path, Object.assign({headers: {Accept: 'application/json'}}, opts));
    } catch (e) {
      throw new ApiError(0, 'NETWORK', 'The node does not answer (' + e.message + ')');
    }
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      const err = body && body.error;
      throw new ApiError(res.status, err ? err.code : 'HTTP_' + res.status,
        err ? err.code + ': ' + err.message : 'HTTP ' + res.status + ' for ' + path);
    }
    return body;
  }

  /* A query's outputs as an array: a receipt has `outputs`, or `result` when
     the method returns one value (docs/scenarios.md). */
  async function query(contract, method, args) {
    const r = await api('/query', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', Accept: 'application/json'},
      body: JSON.stringify({contract, method, args}),
    });
    const rc = r.receipt || r;
    if (rc.status !== 'SUCCESS') {
      const e = rc.error || {};
      throw new ApiError(200, e.code || rc.status, (e.code || rc.status) + ': ' + (e.message || contract + '.' + method));
    }
    if (Array.isArray(rc.outputs)) return rc.outputs;
    return 'result' in rc ? [rc.result] : [];
  }

  async function getBlock(height) {
    if (state.blocks.has(height)) return state.blocks.get(height);
    const b = await api('/blocks/' + height);
    state.blocks.set(height, b);
    return b;
  }

  /* The newest headers; /v1/blocks may give bare headers or blocks, as an
     array or under `blocks`. The transaction count comes from the block when
     the list does not carry it. */
  async function latestBlocks(n) {
    const j = await api('/blocks?limit=' + n);
    const list = Array.isArray(j) ? j : (j.blocks || j.headers || []);
    const rows = list.map((it) => {
      const hd = it.header || it;
      let count = it.tx_count ?? hd.tx_count ?? it.transaction_count ?? hd.transaction_count;
      if (count === undefined && Array.isArray(it.transactions)) count = it.transactions.length;
      return {header: hd, count, rejected: it.rejected_count ?? hd.rejected_count, calls: null};
    });
    await Promise.all(rows.map(async (r) => {
      if (r.count !== undefined) return;
      try {
        const b = await getBlock(r.header.height);
        r.count = (b.transactions || []).length;
        r.rejected = (b.rejected || []).length;
        r.calls = (b.receipts || []).map((rc) => rc.tx ? (rc.tx.contract || '?') + '.' + (rc.tx.method || '?') : '?');
      } catch (e) { r.count = '?'; }
    }));
    return rows;
  }

  /* Every event of a service, in chain order, following the cursors. */
  async function allEvents(service) {
    const out = [];
    let cursor = null;
    for (let i = 0; i < HISTORY_PAGES; i++) {
      const q = '?service=' + encodeURIComponent(service) + '&limit=1000' +
        (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
      const j = await api('/events' + q);
      out.push(...(j.events || []));
      if (!j.next_cursor) break;
      cursor = j.next_cursor;
    }
    return out;
  }

  // ---- the header: chain status, live dot ---------------------------------

  function setLive(on, text) {
    const dot = document.getElementById('live-dot');
    dot.className = 'live-dot ' + (on ? 'on' : 'off');
    dot.title = on ? 'Live' : 'Not connected';
    if (text !== undefined) document.getElementById('chain-text').textContent = text;
  }

  async function pollStatus() {
    try {
      const s = await api('/status');
      const grew = !state.status || s.height !== state.status.height;
      state.status = s;
      setLive(true, 'height ' + fmtInt(s.height) + ' · chain ' + s.chain_id +
        (s.mempool ? ' · ' + s.mempool + ' pending' : ''));
      document.getElementById('foot-version').textContent = s.version ? 'coopvm ' + s.version : '';
      if (!state.stream) openStream(s.height + 1);
      if (grew) onNewHeight();
    } catch (e) {
      setLive(false, 'node unreachable');
    }
    const every = Math.min(5000, Math.max(1000, (state.status && state.status.block_interval_ms) || 1000));
    setTimeout(pollStatus, every);
  }

  /* Committed events, live. EventSource reconnects by itself with
     Last-Event-ID, which the node resumes from without gaps or repeats. */
  function openStream(from) {
    if (!window.EventSource) return;
    const es = new EventSource(API + '/events/stream?from=' + from);
    state.stream = es;
    es.addEventListener('chain-event', (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      state.live.unshift(ev);
      if (state.live.length > 50) state.live.length = 50;
      onLiveEvent(ev);
    });
  }

  // ---- views ---------------------------------------------------------------

  const views = {};

  /* #/ — the chain at a glance: the latest blocks, and the newest events. */
  views.home = async function (ctx) {
    const table = h('table', {id: 'blocks-table'},
      h('caption', {class: 'visually-hidden'}, 'Latest blocks'),
      h('thead', null, h('tr', null,
        h('th', {scope: 'col'}, 'Height'), h('th', {scope: 'col'}, 'Hash'),
        h('th', {scope: 'col', class: 'hide-md'}, 'Calls'),
        h('th', {scope: 'col', class: 'num'}, 'Txs'), h('th', {scope: 'col', class: 'hide-sm'}, 'Time'))),
      h('tbody'));
    const feed = h('ul', {class: 'feed', id: 'home-feed'});
    const stats = h('div', {class: 'stats', id: 'stats'});
    const page = h('div', null,
      stats,
      h('div', {class: 'grid-2'},
        h('section', {class: 'card', 'aria-labelledby': 'latest-h'},
          h('header', null, h('h2', {id: 'latest-h'}, 'Latest blocks'), h('span', {class: 'spacer'}),
            h('span', {class: 'badge info'}, 'live')),
          table),
        h('section', {class: 'card', 'aria-labelledby': 'recent-h'},
          h('header', null, h('h2', {id: 'recent-h'}, 'Recent events'), h('span', {class: 'spacer'}),
            h('a', {href: '#/events', class: 'small'}, 'All events →')),
          feed)));
    ctx.show(page);
    await ctx.refresh();
  };
  views.home.refresh = async function (ctx) {
    const tbody = document.querySelector('#blocks-table tbody');
    if (!tbody) return;
    const rows = await latestBlocks(LATEST);
    if (!ctx.current()) return;
    const before = new Set([...tbody.querySelectorAll('tr')].map((tr) => tr.dataset.height));
    const first = before.size === 0;
    tbody.replaceChildren(...rows.map((r) => {
      const hd = r.header;
      const tr = h('tr', {class: 'clickable' + (!first && !before.has(String(hd.height)) ? ' fresh' : ''),
                          'data-height': hd.height},
        h('td', null, h('a', {href: '#/block/' + hd.height}, fmtInt(hd.height))),
        h('td', {class: 'nowrap'}, hd.hash ? hashEl(hd.hash, {href: '#/block/' + hd.height, keep: 6}) : '—'),
        h('td', {class: 'hide-md calls'}, callsText(r.calls)),
        h('td', {class: 'num'}, String(r.count), r.rejected ? h('span', {class: 'muted small'}, ' +' + r.rejected + ' rej.') : null),
        h('td', {class: 'hide-sm muted nowrap', title: fmtTime(hd.timestamp)}, ago(hd.timestamp)));
      tr.addEventListener('click', (e) => {
        if (e.target.closest('a, button, code')) return;
        location.hash = '#/block/' + hd.height;
      });
      return tr;
    }));
    if (rows.length === 0) tbody.appendChild(h('tr', null, h('td', {colspan: 5, class: 'empty'}, 'No blocks yet.')));

    const s = state.status || {};
    const txs = rows.reduce((a, r) => a + (typeof r.count === 'number' ? r.count : 0), 0);
    document.getElementById('stats').replaceChildren(
      stat('Height', fmtInt(s.height ?? (rows[0] ? rows[0].header.height : 0))),
      stat('Transactions in ' + rows.length + ' blocks', fmtInt(txs)),
      stat('Pending', fmtInt(s.mempool ?? 0)),
      stat('Last block', rows[0] ? ago(rows[0].header.timestamp) : '—'));

    // The newest events: the stream's, else the history's last ones.
    const feed = document.getElementById('home-feed');
    let evs = state.live.slice(0, 12);
    if (evs.length < 12 && s.height) {
      const from = Math.max(1, s.height - 200);
      try {
        const j = await api('/events?from=' + from + '&limit=1000');
        evs = (j.events || []).slice(-12).reverse();
      } catch (e) { /* the feed stays as the stream has it */ }
    }
    if (!ctx.current()) return;
    feed.replaceChildren(...evs.map((ev) => h('li', null, eventEl(ev, true))));
    if (evs.length === 0) feed.appendChild(h('li', {class: 'empty'}, 'No events yet.'));
  };
  /* "Housing.vote ×2, Housing.join" — what a block's transactions called. */
  function callsText(calls) {
    if (!calls || !calls.length) return '';
    const n = new Map();
    for (const c of calls) n.set(c, (n.get(c) || 0) + 1);
    const parts = [...n.entries()].map(([c, k]) => c + (k > 1 ? ' ×' + k : ''));
    return parts.slice(0, 2).join(', ') + (parts.length > 2 ? ' +' + (parts.length - 2) : '');
  }
  function stat(k, v) { return h('div', {class: 'stat'}, h('div', {class: 'k'}, k), h('div', {class: 'v'}, v)); }

  /* #/block/H — the header and every transaction with its receipt. */
  views.block = async function (ctx, height) {
    const b = await getBlock(height);
    if (!ctx.current()) return;
    const hd = b.header || {};
    const receipts = b.receipts || [];
    const txs = b.transactions || [];
    const tip = state.status ? state.status.height : hd.height;
    const nav = h('div', {class: 'pager'},
      height > 1 ? h('a', {class: 'btn btn-quiet', href: '#/block/' + (height - 1)}, '← ' + (height - 1)) : null,
      height < tip ? h('a', {class: 'btn btn-quiet', href: '#/block/' + (height + 1)}, (height + 1) + ' →') : null);
    const kv = h('dl', {class: 'kv'},
      dt('Height'), h('dd', null, fmtInt(hd.height)),
      dt('Time'), h('dd', null, fmtTime(hd.timestamp), h('span', {class: 'muted small'}, ' · ' + ago(hd.timestamp))),
      dt('Block hash'), h('dd', null, hd.hash ? hashEl(hd.hash, {keep: 12}) : '—'),
      dt('Previous'), h('dd', null, hd.prev_hash ? hashEl(hd.prev_hash, {keep: 12, href: height > 1 ? '#/block/' + (height - 1) : null}) : '—'),
      dt('Transactions root'), h('dd', null, hd.tx_root ? hashEl(hd.tx_root, {keep: 12}) : '—'),
      dt('Receipts root'), h('dd', null, hd.receipts_root ? hashEl(hd.receipts_root, {keep: 12}) : '—'),
      dt('State diff hash'), h('dd', null, hd.state_diff_hash ? hashEl(hd.state_diff_hash, {keep: 12}) : '—'),
      dt('State commitment'), h('dd', null, hd.state_commitment ? hashEl(hd.state_commitment, {keep: 12}) : '—'));
    const list = h('ul', {class: 'tx-list', id: 'block-txs'});
    receipts.forEach((rc, i) => list.appendChild(txItem(rc, i, txs[i])));
    for (const rj of b.rejected || []) {
      list.appendChild(h('li', {class: 'tx-item'},
        h('div', {class: 'tx-line'}, h('span', {class: 'tx-idx'}, '—'), statusBadge('REJECTED'),
          hashEl(rj.tx_hash, {href: '#/tx/' + rj.tx_hash})),
        h('div', {class: 'tx-err'}, rj.reason || rj.preorder)));
    }
    if (!list.children.length) list.appendChild(h('li', {class: 'empty'}, 'No transactions in this block.'));
    ctx.show(h('div', null,
      h('div', {class: 'page-head'}, h('h1', null, 'Block ' + fmtInt(height)),
        h('span', {class: 'sub'}, receipts.length + ' transaction' + (receipts.length === 1 ? '' : 's')),
        h('span', {class: 'spacer'}), nav),
      h('div', {class: 'grid-2'},
        h('section', {class: 'card', 'aria-labelledby': 'txs-h'},
          h('header', null, h('h2', {id: 'txs-h'}, 'Transactions and receipts')), list),
        h('section', {class: 'card', 'aria-labelledby': 'hdr-h'},
          h('header', null, h('h2', {id: 'hdr-h'}, 'Header')), h('div', {class: 'card-body'}, kv)))));
  };
  function dt(t) { return h('dt', null, t); }

  function txItem(rc, i, hashFromBlock) {
    const tx = rc.tx || {};
    const hash = tx.hash || hashFromBlock;
    return h('li', {class: 'tx-item'},
      h('div', {class: 'tx-line'},
        h('span', {class: 'tx-idx'}, String(i)),
        statusBadge(rc.status),
        callEl(tx),
        outputText(rc)),
      h('div', {class: 'tx-meta'},
        hash ? h('span', null, 'tx ', hashEl(hash, {href: '#/tx/' + hash})) : null,
        tx.address ? h('span', null, 'signer ', hashEl(tx.address)) : null,
        rc.gas_used !== undefined ? h('span', null, 'gas ' + fmtInt(rc.gas_used)) : null),
      rc.error ? receiptError(rc.error) : null,
      (rc.events && rc.events.length)
        ? h('div', {class: 'event-chips'}, rc.events.map((ev) => eventEl(ev, false))) : null);
  }

  function outputText(rc) {
    if ('result' in rc) return h('span', {class: 'muted small'}, '→ ' + JSON.stringify(rc.result));
    if (Array.isArray(rc.outputs) && rc.outputs.length) {
      return h('span', {class: 'muted small'}, '→ ' + rc.outputs.map((o) => JSON.stringify(o)).join(', '));
    }
    return null;
  }

  /* #/tx/HASH — where the transaction is, and its receipt. */
  views.tx = async function (ctx, hash) {
    let t = await api('/transactions/' + hash);
    if (!ctx.current()) return;
    const draw = () => {
      const rc = t.receipt || {};
      const tx = rc.tx || {};
      const kv = h('dl', {class: 'kv', id: 'tx-summary'},
        dt('Hash'), h('dd', null, hashEl(t.tx_hash || hash, {keep: 14})),
        t.height !== undefined ? [dt('Block'), h('dd', null, h('a', {href: '#/block/' + t.height}, fmtInt(t.height)),
          t.index !== undefined ? h('span', {class: 'muted'}, ' · position ' + t.index) : null)] : null,
        t.reason ? [dt('Reason'), h('dd', null, t.reason)] : null);
      const parts = [h('div', {class: 'page-head'}, h('h1', null, 'Transaction'), statusBadge(t.status)),
        h('section', {class: 'card'}, h('div', {class: 'card-body'}, kv))];
      if (t.receipt) {
        const rk = h('dl', {class: 'kv', id: 'receipt'},
          dt('Call'), h('dd', null, callEl(tx)),
          tx.address ? [dt('Signer'), h('dd', null, hashEl(tx.address))] : null,
          dt('Result'), h('dd', null, statusBadge(rc.status)),
          'result' in rc ? [dt('Output'), h('dd', null, valueEl(rc.result))] : null,
          Array.isArray(rc.outputs) && rc.outputs.length
            ? [dt('Outputs'), h('dd', null, h('span', {class: 'fields'}, rc.outputs.map((o) => valueEl(o))))] : null,
          rc.error ? [dt('Error'), h('dd', null, receiptError(rc.error))] : null,
          rc.error && typeof rc.error.reason === 'string'
            ? [dt('Reason'), h('dd', {id: 'tx-reason', class: 'reason'},
              rc.error.reason || h('span', {class: 'muted'}, '(empty)'))] : null,
          dt('Gas used'), h('dd', null, fmtInt(rc.gas_used ?? 0)),
          dt('Events'), h('dd', null, (rc.events && rc.events.length)
            ? h('div', {class: 'event-chips'}, rc.events.map((ev) => eventEl(ev, false)))
            : h('span', {class: 'muted'}, 'none')),
          rc.logs && rc.logs.length ? [dt('Logs'), h('dd', null, rc.logs.map((l) => h('div', {class: 'mono small'}, typeof l === 'string' ? l : JSON.stringify(l))))] : null);
        const raw = h('details', null, h('summary', {class: 'small muted'}, 'Receipt JSON'),
          h('pre', {class: 'json'}, JSON.stringify(t.receipt, null, 2)));
        parts.push(h('section', {class: 'card', style: 'margin-top:16px', 'aria-labelledby': 'rc-h'},
          h('header', null, h('h2', {id: 'rc-h'}, 'Receipt')),
          h('div', {class: 'card-body'}, rk), h('div', {class: 'card-body'}, raw)));
      }
      ctx.show(h('div', null, parts));
    };
    draw();
    // A pending transaction: wait for it here (long-poll), then draw it again.
    while (t.status === 'PENDING' && ctx.current()) {
      t = await api('/transactions/' + hash + '?wait=20');
      if (ctx.current()) draw();
    }
  };

  /* The cooperatives, from the _Cooperatives event history, each completed
     by its getInfo query (impacts, federation, quorum, member count). */
  async function loadCooperatives() {
    const evs = await allEvents('_Cooperatives');
    const coops = new Map();
    for (const ev of evs) {
      const f = ev.fields || {};
      const id = f.cooperative_id;
      if (!id) continue;
      if (ev.name === 'CooperativeCreated') {
        coops.set(id, {id, creator: f.creator, purpose: f.purpose, height: ev.height,
          members: [{address: f.creator, height: ev.height}], alloc: new Map()});
      }
      const c = coops.get(id);
      if (!c) continue;
      if (ev.name === 'CooperativeJoined') c.members.push({address: f.member, height: ev.height});
      if (ev.name === 'ResourceAllocated') {
        const r = c.alloc.get(f.resource_id) || {total: 0, by: new Map()};
        r.total += Number(f.amount);
        r.by.set(f.member, (r.by.get(f.member) || 0) + Number(f.amount));
        c.alloc.set(f.resource_id, r);
      }
    }
    await Promise.all([...coops.values()].map(async (c) => {
      try {
        const o = await query('_Cooperatives', 'getInfo', [{string: c.id}]);
        c.info = {creator: o[0], purpose: o[1], cpu: o[2], memory: o[3], network: o[4], storage: o[5],
          bandwidth: o[6], federation: o[7], members: o[8], quorum: o[9]};
      } catch (e) { c.infoError = e.message; }
    }));
    return {coops, events: evs};
  }

  views.cooperatives = async function (ctx) {
    const {coops} = await loadCooperatives();
    if (!ctx.current()) return;
    const cards = [...coops.values()].map(coopCard);
    ctx.show(h('div', null,
      h('div', {class: 'page-head'}, h('h1', null, 'Cooperatives'),
        h('span', {class: 'sub'}, coops.size + ' on this chain')),
      cards.length ? h('div', {class: 'cards', id: 'coops'}, cards)
        : h('p', {class: 'empty card'}, 'No cooperative has been created yet.')));
  };

  function coopCard(c) {
    const i = c.info || {};
    const impact = (label, v, capped) => h('div', {class: 'meter'},
      h('span', {class: 'label'}, label),
      h('div', {class: 'track', role: 'meter', 'aria-label': label + ' impact', 'aria-valuemin': 0,
                'aria-valuemax': 100, 'aria-valuenow': v ?? 0},
        h('div', {class: 'fill' + (capped && v > 80 ? ' hot' : ''), style: 'width:' + Math.min(100, v || 0) + '%'})),
      h('span', {class: 'val'}, v ?? '—'));
    // Each resource's total, and each member's share of it as a bar.
    const allocs = [...c.alloc.entries()].sort((a, b) => a[0] - b[0]).map(([rid, r]) =>
      h('div', {class: 'alloc-res'},
        h('div', {class: 'alloc-head'}, h('span', null, 'Resource ' + rid), h('b', null, fmtInt(r.total))),
        h('ul', {class: 'alloc-by'}, [...r.by.entries()].map(([m, a]) => h('li', null, hashEl(m),
          h('div', {class: 'track', 'aria-hidden': 'true'},
            h('div', {class: 'fill', style: 'width:' + (r.total ? 100 * a / r.total : 0) + '%'})),
          h('span', {class: 'amt'}, fmtInt(a)))))));
    const overCap = ['cpu', 'memory', 'network'].some((k) => i[k] > 80);
    return h('article', {class: 'card coop', 'data-coop': c.id, id: 'coop-' + c.id},
      h('header', null,
        h('div', null, h('h2', null, c.id), h('div', {class: 'muted small'}, i.purpose ?? c.purpose ?? '')),
        h('span', {class: 'spacer'}),
        h('span', {class: 'badge info'}, 'quorum ' + (i.quorum ?? '?') + '%')),
      c.infoError ? h('div', {class: 'card-body'}, errorBox({message: c.infoError})) : null,
      h('div', {class: 'card-body'},
        h('dl', {class: 'kv'},
          dt('Creator'), h('dd', null, hashEl(i.creator || c.creator)),
          dt('Federation'), h('dd', null, i.federation || '—'),
          dt('Founded'), h('dd', null, h('a', {href: '#/block/' + c.height}, 'block ' + fmtInt(c.height))))),
      h('div', {class: 'card-body'},
        h('h3', {class: 'section-title'}, 'Resource impact'),
        impact('cpu', i.cpu, true), impact('memory', i.memory, true), impact('network', i.network, true),
        impact('storage', i.storage, false), impact('bandwidth', i.bandwidth, false),
        overCap ? h('p', {class: 'small muted', style: 'margin:8px 0 0'}, 'Above 80 in cpu, memory or network: allocations are refused.') : null),
      h('div', {class: 'card-body'},
        h('h3', {class: 'section-title'}, 'Members (' + (i.members ?? c.members.length) + ')'),
        h('ul', {class: 'members'}, c.members.map((m) => h('li', null, hashEl(m.address),
          m.address === (i.creator || c.creator) ? h('span', {class: 'badge'}, 'creator') : null,
          h('a', {class: 'small muted', href: '#/block/' + m.height}, 'since #' + m.height))))),
      h('div', {class: 'card-body'},
        h('h3', {class: 'section-title'}, 'Allocations'),
        allocs.length ? h('div', {class: 'alloc'}, allocs)
          : h('p', {class: 'muted small', style: 'margin:0'}, 'Nothing allocated yet.')));
  }

  /* The proposals: created and voted on in the _Governance history; the
     tally and status from getProposal. The quorum a proposal needs is
     need = max(1, ceil(q·m/100)) with m the members and q the quorum of its
     cooperative at the vote (docs/cooperatives.md, "Deciding"): the history
     gives them at its last vote; an open proposal is judged at its next
     vote, by the cooperative as it is now. */
  views.proposals = async function (ctx) {
    const [gov, coopData] = await Promise.all([allEvents('_Governance'), loadCooperatives()]);
    if (!ctx.current()) return;
    // Replay both histories in chain order to know m and q at every vote.
    const all = gov.map((e) => ({e, g: true})).concat(coopData.events.map((e) => ({e, g: false})));
    all.sort((a, b) => a.e.height - b.e.height || a.e.tx_index - b.e.tx_index || (a.g ? 1 : 0) - (b.g ? 1 : 0));
    const cs = new Map();        // cooperative -> {m, q}
    const props = new Map();
    for (const {e} of all) {
      const f = e.fields || {};
      if (e.name === 'CooperativeCreated') cs.set(f.cooperative_id, {m: 1, q: 50});
      else if (e.name === 'CooperativeJoined' && cs.has(f.cooperative_id)) cs.get(f.cooperative_id).m++;
      else if (e.name === 'QuorumUpdated' && cs.has(f.cooperative_id)) cs.get(f.cooperative_id).q = Number(f.new_quorum);
      else if (e.name === 'ProposalCreated') {
        props.set(f.proposal_id, {id: f.proposal_id, coop: f.cooperative_id, creator: f.creator,
          height: e.height, votes: [], at: null});
      } else if (e.name === 'VoteCast' && props.has(f.proposal_id)) {
        const p = props.get(f.proposal_id);
        p.votes.push({voter: f.voter, yes: Number(f.vote) !== 0, height: e.height});
        const c = cs.get(p.coop);
        if (c) p.at = {m: c.m, q: c.q};
      } else if ((e.name === 'ProposalPassed' || e.name === 'ProposalRejected') && props.has(f.proposal_id)) {
        props.get(f.proposal_id).decidedAt = e.height;
      }
    }
    await Promise.all([...props.values()].map(async (p) => {
      try {
        const o = await query('_Governance', 'getProposal', [p.id]);
        p.info = {coop: o[0], creator: o[1], status: o[2], yes: Number(o[3]), no: Number(o[4])};
      } catch (e) { p.infoError = e.message; }
      const info = coopData.coops.get(p.coop);
      const now = info && info.info ? {m: Number(info.info.members), q: Number(info.info.quorum)} : cs.get(p.coop);
      if (!p.info || p.info.status === 'open' || !p.at) p.at = now;
    }));
    if (!ctx.current()) return;
    const list = [...props.values()].sort((a, b) => b.id - a.id);
    const open = list.filter((p) => p.info && p.info.status === 'open').length;
    ctx.show(h('div', null,
      h('div', {class: 'page-head'}, h('h1', null, 'Proposals'),
        h('span', {class: 'sub'}, list.length + ' in all · ' + open + ' open')),
      list.length ? h('div', {class: 'cards', id: 'proposals'}, list.map(proposalCard))
        : h('p', {class: 'empty card'}, 'No proposal has been made yet.')));
  };

  function proposalCard(p) {
    const i = p.info || {status: '?', yes: p.votes.filter((v) => v.yes).length, no: p.votes.filter((v) => !v.yes).length};
    const m = p.at ? p.at.m : Math.max(1, i.yes + i.no);
    const q = p.at ? p.at.q : 50;
    const need = Math.max(1, Math.ceil((q * m) / 100));
    const total = Math.max(m, i.yes + i.no, 1);
    const pct = (n) => (100 * n / total) + '%';
    const left = Math.max(0, m - i.yes - i.no);
    const bar = h('div', {class: 'tally-bar', role: 'img',
      'aria-label': i.yes + ' yes and ' + i.no + ' no of ' + m + ' members; ' + need + ' yes votes needed'},
      h('div', {class: 'segs'},
        h('div', {class: 'seg yes', style: 'width:' + pct(i.yes)}),
        h('div', {class: 'seg no', style: 'width:' + pct(i.no)})),
      h('div', {class: 'need', style: 'left:' + pct(need), title: need + ' yes needed'}));
    const verdict = i.status === 'passed' ? 'Passed: ' + i.yes + ' yes, ' + need + ' needed.'
      : i.status === 'rejected' ? 'Rejected: ' + i.yes + ' yes + ' + left + ' yet to vote < ' + need + ' needed.'
        : i.status === 'open' ? (need - i.yes) + ' more yes vote' + (need - i.yes === 1 ? '' : 's') + ' to pass.'
          : i.status === 'expired' ? 'Expired: voting ended with ' + i.yes + ' yes, ' + need + ' needed.' : '';
    return h('article', {class: 'card proposal', 'data-proposal': p.id, id: 'proposal-' + p.id},
      h('header', null,
        h('div', null, h('h2', null, 'Proposal ' + p.id),
          h('div', {class: 'muted small'}, 'in ', h('a', {href: '#/cooperatives'}, p.coop),
            ' · ', h('a', {href: '#/block/' + p.height}, 'block ' + fmtInt(p.height)))),
        h('span', {class: 'spacer'}), statusBadge(i.status)),
      p.infoError ? h('div', {class: 'card-body'}, errorBox({message: p.infoError})) : null,
      h('div', {class: 'card-body'},
        h('div', {class: 'tally'}, bar),
        h('div', {class: 'tally-legend'},
          h('span', {class: 'yes-count'}, h('span', {class: 'sw yes'}), h('b', null, String(i.yes)), ' yes'),
          h('span', {class: 'no-count'}, h('span', {class: 'sw no'}), h('b', null, String(i.no)), ' no'),
          h('span', null, h('span', {class: 'sw left'}), h('b', null, String(left)),
            i.status === 'expired' ? ' did not vote' : ' yet to vote'),
          h('span', {class: 'need-count'}, h('span', {class: 'sw need'}), 'need ', h('b', null, String(need)),
            ' of ' + m + ' (quorum ' + q + '%)')),
        verdict ? h('p', {class: 'small', style: 'margin:10px 0 0'}, verdict) : null),
      h('div', {class: 'card-body'},
        h('dl', {class: 'kv'}, dt('Proposed by'), h('dd', null, hashEl(i.creator || p.creator)))),
      h('div', {class: 'card-body'},
        h('h3', {class: 'section-title'}, 'Votes'),
        p.votes.length ? h('ul', {class: 'votes'}, p.votes.map((v) => h('li', null,
          h('span', {class: 'badge ' + (v.yes ? 'ok' : 'bad')}, v.yes ? 'yes' : 'no'), hashEl(v.voter),
          h('a', {class: 'small muted', href: '#/block/' + v.height}, '#' + v.height))))
          : h('p', {class: 'muted small', style: 'margin:0'}, 'No votes yet.')));
  }

  /* #/events?service=&name= — the event history, filtered and paged; new
     events that match are added live at its end. */
  views.events = async function (ctx, params) {
    const service = params.get('service') || '';
    const name = params.get('name') || '';
    const form = h('form', {class: 'filters', id: 'event-filters'},
      h('label', null, 'Service', h('input', {name: 'service', value: service, list: 'svc-list',
        placeholder: 'any service', autocomplete: 'off'})),
      h('datalist', {id: 'svc-list'}, ['_Cooperatives', '_Governance', '_Reputation', '_Deployments']
        .map((s) => h('option', {value: s}))),
      h('label', null, 'Name', h('input', {name: 'name', value: name, list: 'name-list',
        placeholder: 'any name', autocomplete: 'off'})),
      h('datalist', {id: 'name-list'}, ['CooperativeCreated', 'CooperativeJoined', 'ResourceAllocated',
        'ProposalCreated', 'VoteCast', 'ProposalPassed', 'ProposalRejected', 'QuorumUpdated',
        'ReputationChanged', 'ThresholdChanged'].map((s) => h('option', {value: s}))),
      h('button', {type: 'submit', class: 'btn'}, 'Filter'),
      (service || name) ? h('a', {href: '#/events', class: 'btn btn-quiet'}, 'Clear') : null);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      const s = form.elements.service.value.trim();
      const n = form.elements.name.value.trim();
      if (s) q.set('service', s);
      if (n) q.set('name', n);
      const target = '#/events' + (q.toString() ? '?' + q : '');
      if (location.hash === target) render(); else location.hash = target;
    });
    const list = h('ul', {class: 'feed', id: 'event-list'});
    const more = h('div', {class: 'more', hidden: true});
    const count = h('span', {class: 'sub'});
    ctx.show(h('div', null,
      h('div', {class: 'page-head'}, h('h1', null, 'Events'), count),
      form,
      h('section', {class: 'card', 'aria-label': 'Events'}, list, more)));

    let cursor = null;
    let shown = 0;
    const base = (service ? '&service=' + encodeURIComponent(service) : '') +
      (name ? '&name=' + encodeURIComponent(name) : '');
    const page = async () => {
      const j = await api('/events?limit=' + FEED_PAGE + base + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      if (!ctx.current()) return;
      for (const ev of j.events || []) { list.appendChild(feedItem(ev)); shown++; }
      cursor = j.next_cursor || null;
      count.textContent = shown + (cursor ? '+' : '') + ' event' + (shown === 1 ? '' : 's') +
        (service || name ? ' matching' : '');
      more.hidden = !cursor;
      if (!shown && !list.children.length) list.appendChild(h('li', {class: 'empty'}, 'No events match.'));
    };
    more.appendChild(h('button', {class: 'btn btn-quiet', type: 'button', onclick: () => page().catch(showError)}, 'Load more'));
    await page();
    // Live: appended once the history has been read to its end.
    ctx.onEvent = (ev) => {
      if (cursor) return;
      if (service && ev.service !== service) return;
      if (name && ev.name !== name) return;
      const empty = list.querySelector('.empty');
      if (empty) empty.remove();
      list.appendChild(feedItem(ev, true));
      shown++;
      count.textContent = shown + ' event' + (shown === 1 ? '' : 's') + (service || name ? ' matching' : '');
    };
  };

  function feedItem(ev, fresh) {
    return h('li', {class: fresh ? 'fresh' : null},
      h('a', {class: 'where', href: '#/block/' + ev.height}, '#' + ev.height + '.' + ev.tx_index),
      eventEl(ev, false));
  }

  views.notFound = async function (ctx) {
    ctx.show(h('div', null, h('h1', null, 'Not found'),
      h('p', null, 'Nothing lives at this address. ', h('a', {href: '#/'}, 'Back to the latest blocks.'))));
  };

  // ---- routing -----------------------------------------------------------

  function parseRoute() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = raw.split('?');
    const params = new URLSearchParams(qs || '');
    const parts = path.split('/').filter(Boolean);
    if (parts.length === 0 || (parts[0] === 'blocks' && parts.length === 1)) return {tab: 'blocks', view: 'home', args: []};
    if (parts[0] === 'block' && /^\d+$/.test(parts[1] || '')) return {tab: 'blocks', view: 'block', args: [Number(parts[1])]};
    if (parts[0] === 'tx' && parts[1]) return {tab: 'blocks', view: 'tx', args: [parts[1].replace(/^0x/, '').toLowerCase()]};
    if (parts[0] === 'cooperatives') return {tab: 'cooperatives', view: 'cooperatives', args: []};
    if (parts[0] === 'proposals') return {tab: 'proposals', view: 'proposals', args: []};
    if (parts[0] === 'events') return {tab: 'events', view: 'events', args: [params]};
    return {tab: null, view: 'notFound', args: []};
  }

  function showError(e) {
    const main = document.getElementById('main');
    main.replaceChildren(h('div', null,
      h('div', {class: 'page-head'}, h('h1', null, e.status === 404 ? 'Not found' : 'Something went wrong')),
      errorBox(e),
      h('p', null, h('a', {href: '#/'}, 'Back to the latest blocks'))));
  }

  /* Draws the view of the address; `quiet` (a live redraw) keeps the old view
     on screen until the new one is ready instead of showing "Loading…". */
  async function render(quiet) {
    const route = parseRoute();
    const token = ++state.token;
    state.route = route;
    state.dirty = false;
    for (const a of document.querySelectorAll('.tabs a')) {
      if (a.dataset.tab === route.tab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const main = document.getElementById('main');
    const ctx = {
      route,
      current: () => token === state.token,
      show: (el) => { if (token === state.token) main.replaceChildren(el); },
      refresh: () => (views[route.view].refresh ? views[route.view].refresh(ctx) : Promise.resolve()),
      onEvent: null,
    };
    state.ctx = ctx;
    const titles = {home: 'Latest blocks', block: 'Block ' + route.args[0], tx: 'Transaction',
      cooperatives: 'Cooperatives', proposals: 'Proposals', events: 'Events', notFound: 'Not found'};
    document.title = titles[route.view] + ' · coopvm explorer';
    if (quiet !== true) main.replaceChildren(h('p', {class: 'loading'}, 'Loading…'));
    try {
      await views[route.view](ctx, ...route.args);
    } catch (e) {
      if (token === state.token) showError(e);
    }
  }

  /* The chain grew: the home view redraws its list; other views that read
     the history redraw when an event came since (at most once a second). */
  let redrawTimer = null;
  function onNewHeight() {
    const ctx = state.ctx;
    if (!ctx) return;
    if (ctx.route.view === 'home') ctx.refresh().catch(() => {});
    if (state.dirty && (ctx.route.view === 'cooperatives' || ctx.route.view === 'proposals')) scheduleRedraw();
  }
  function onLiveEvent(ev) {
    const ctx = state.ctx;
    if (!ctx) return;
    state.dirty = true;
    if (ctx.onEvent) ctx.onEvent(ev);
    if (ctx.route.view === 'cooperatives' || ctx.route.view === 'proposals') scheduleRedraw();
  }
  function scheduleRedraw() {
    if (redrawTimer) return;
    redrawTimer = setTimeout(() => {
      redrawTimer = null;
      const v = state.ctx && state.ctx.route.view;
      // Keep the reader's place: a redraw replaces the view in place.
      if (v === 'cooperatives' || v === 'proposals') {
        const y = window.scrollY;
        render(true).then(() => window.scrollTo(0, y));
      }
    }, 1000);
  }

  // ---- search -------------------------------------------------------------

  function onSearch(e) {
    e.preventDefault();
    const input = document.getElementById('search-input');
    const q = input.value.trim();
    if (/^\d+$/.test(q)) location.hash = '#/block/' + Number(q);
    else if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) location.hash = '#/tx/' + q.replace(/^0x/, '').toLowerCase();
    else if (q) {
      input.setCustomValidity('Enter a block height or a 64-digit transaction hash');
      input.reportValidity();
      setTimeout(() => input.setCustomValidity(''), 2500);
      return;
    }
    input.value = '';
  }

  // The home view's "time ago" column stays true between blocks.
  setInterval(() => {
    if (state.ctx && state.ctx.route.view === 'home') state.ctx.refresh().catch(() => {});
  }, 15000);

  window.addEventListener('hashchange', () => {
    render();
    document.getElementById('main').focus({preventScroll: true});
  });
  document.addEventListener('DOMContentLoaded', () => {
    document.getElementById('search').addEventListener('submit', onSearch);
    render();
    pollStatus();
  });
})();
