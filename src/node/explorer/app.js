// app.js — the node's page: its status and latest blocks, from the node's own
// API (docs/node-api.md), refreshed every two seconds.
"use strict";

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = String(value);
  if (cls) el.className = cls;
  return el;
}

async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(path + ": " + res.status);
  return res.json();
}

function showStatus(s) {
  const dl = document.getElementById("status");
  dl.replaceChildren();
  for (const key of ["height", "last_block_time", "mempool", "chain_id", "version", "block_interval_ms"]) {
    if (!(key in s)) continue;
    let v = s[key];
    if (key === "last_block_time" && typeof v === "number" && v > 0) v = new Date(v / 1e6).toISOString();
    dl.append(text("dt", key), text("dd", v));
  }
}

function showBlocks(list) {
  const body = document.querySelector("#blocks tbody");
  body.replaceChildren();
  for (const b of list.blocks || []) {
    const h = b.header || b;
    const tr = document.createElement("tr");
    tr.append(text("td", h.height), text("td", h.timestamp ? new Date(h.timestamp / 1e6).toISOString() : ""),
              text("td", h.hash || "", "hash"));
    body.append(tr);
  }
}

async function refresh() {
  const state = document.getElementById("state");
  try {
    const s = await getJSON("/v1/status");
    showStatus(s);
    if (s.height > 0) showBlocks(await getJSON("/v1/blocks?limit=10"));
    state.textContent = "height " + s.height;
  } catch (e) {
    state.textContent = "not answering: " + e.message;
  }
}

refresh();
setInterval(refresh, 2000);
