// zeroloop's live page: listens to /events (server-sent events) and renders Reconcilers, reconciles and one reconcile's detail.

/** @typedef {{id:number,time:string,reconciler:string,key:string,trigger:string,durationMs:number,result:string,applied:number,pruned:number,statusWritten:boolean,calls:number,events:number,error?:{name:string,message:string}}} Summary */

const MAX_ROWS = 200;
const $ = (sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
/** Reconciler name → primary kind, for the rows' labels. */
const kinds = new Map();
/** @type {Map<number, HTMLTableRowElement>} */
const rowsById = new Map();
let selected = 0;

/** An element with a class and text (never HTML: every string here comes from the cluster). */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function cell(tr, text, cls) {
  tr.append(el('td', cls, text));
}

function renderReconcilers(list) {
  const body = $('#reconcilers tbody');
  // Re-rendered on every change: keep the primaries lists the reader opened open.
  const opened = new Set([...body.querySelectorAll('tr:has(details[open])')].map((tr) => tr.dataset.name));
  body.replaceChildren();
  for (const r of list) {
    kinds.set(r.name, r.kind);
    const tr = el('tr');
    tr.dataset.name = r.name;
    cell(tr, `${r.name} (${r.reconciler})`);
    cell(tr, r.kind);
    const prim = el('td');
    const det = el('details');
    det.open = opened.has(r.name);
    det.append(el('summary', '', r.primaries));
    det.append(
      el('div', 'muted', r.primaryKeys.join(', ') + (r.primaries > r.primaryKeys.length ? ', …' : '')),
    );
    prim.append(det);
    tr.append(prim);
    cell(tr, r.queueDepth, 'num queue');
    cell(tr, r.inFlight, 'num inflight');
    // The last error in short (its row in the stream below has the whole text); the full text on hover.
    const last = r.lastError
      ? `${r.lastError.time.slice(11, 19)} ${r.lastError.key}: ${r.lastError.message}`
      : '—';
    const td = el(
      'td',
      r.lastError ? 'failed last-error' : 'muted',
      last.length > 160 ? `${last.slice(0, 159)}…` : last,
    );
    td.title = last;
    tr.append(td);
    body.append(tr);
  }
}

function addReconcile(/** @type {Summary} */ s, fresh) {
  if (rowsById.has(s.id)) return;
  const ok = s.result === 'success';
  const tr = el('tr', `reconcile ${ok ? '' : 'failed-row'}${fresh ? ' new' : ''}`);
  tr.dataset.id = String(s.id);
  tr.dataset.key = s.key;
  tr.dataset.result = s.result;
  cell(tr, s.time.slice(11, 23));
  cell(tr, `${kinds.get(s.reconciler) ?? s.reconciler} ${s.key}`);
  cell(tr, s.trigger);
  cell(tr, s.durationMs.toFixed(1), 'num');
  cell(tr, ok ? 'ok' : s.result, ok ? 'ok outcome' : 'failed outcome');
  cell(tr, s.applied, 'num');
  cell(tr, s.pruned, 'num');
  cell(tr, s.statusWritten ? 'written' : 'unchanged', 'muted');
  tr.addEventListener('click', () => void open(s.id));
  tr.tabIndex = 0;
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void open(s.id);
  });
  const body = $('#reconciles tbody');
  const rows = [tr];
  if (!ok && s.error) {
    // The failure in place: the error text the relay logs, under its row.
    const line = el('tr', 'error-line');
    line.dataset.for = String(s.id);
    const td = el('td', '', `${s.error.name}: ${s.error.message}`);
    td.colSpan = 8;
    line.append(td);
    line.addEventListener('click', () => void open(s.id));
    rows.push(line);
  }
  body.prepend(...rows);
  rowsById.set(s.id, tr);
  while (rowsById.size > MAX_ROWS) {
    const oldest = Math.min(...rowsById.keys());
    rowsById.get(oldest)?.remove();
    document.querySelector(`tr.error-line[data-for="${oldest}"]`)?.remove();
    rowsById.delete(oldest);
  }
  $('#empty').hidden = rowsById.size > 0;
  $('#count').textContent = `(${rowsById.size} shown, newest first)`;
}

/** Collapsible JSON: objects and arrays are <details>, open down to `openDepth`. */
function jsonView(value, name, depth, openDepth) {
  const label = name === undefined ? '' : `${name}: `;
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    const det = el('details', depth === 0 ? 'json' : '');
    det.open = depth < openDepth;
    const sum = el('summary');
    if (name !== undefined) sum.append(el('span', 'k', label));
    sum.append(Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`);
    det.append(sum);
    for (const [k, v] of entries) det.append(jsonView(v, k, depth + 1, openDepth));
    return det;
  }
  const leaf = el('div', 'leaf');
  if (name !== undefined) leaf.append(el('span', 'k', label));
  leaf.append(el('span', typeof value === 'string' ? 's' : 'n', JSON.stringify(value)));
  return leaf;
}

function diffView(diffs) {
  const box = el('div');
  if (!diffs || diffs.length === 0) {
    box.append(el('p', 'muted', 'No children desired or live.'));
    return box;
  }
  for (const d of diffs) {
    const head = el('div');
    head.append(el('span', `tag ${d.change}`, d.change), ` ${d.child}`);
    box.append(head);
    if (d.change === 'unchanged' || d.lines.length === 0) continue;
    const pre = el('div', 'diff');
    for (const l of d.lines)
      pre.append(el('div', l.op === '+' ? 'add' : l.op === '-' ? 'del' : '', `${l.op} ${l.text}`));
    box.append(pre);
  }
  return box;
}

async function open(id) {
  selected = id;
  for (const [rid, tr] of rowsById) tr.classList.toggle('selected', rid === id);
  const panel = $('#detail');
  panel.hidden = false;
  panel.replaceChildren(el('p', 'muted', 'loading…'));
  const res = await fetch(`/api/reconciles/${id}`);
  if (selected !== id) return;
  if (!res.ok) {
    panel.replaceChildren(el('p', 'error', (await res.json()).error));
    return;
  }
  const d = await res.json();
  const s = d.summary;
  const parts = [el('h2', '', `${kinds.get(s.reconciler) ?? s.reconciler} ${s.key}`)];
  parts.push(
    el(
      'p',
      'muted',
      `${s.time} · trigger ${s.trigger} · ${s.durationMs} ms · ${s.result} · applied ${s.applied}, pruned ${s.pruned}, status ${s.statusWritten ? 'written' : 'unchanged'}`,
    ),
  );
  parts.push(
    el(
      'p',
      'muted',
      `phases (ms): ${
        Object.entries(d.phasesMs)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '—'
      }`,
    ),
  );
  if (d.error) parts.push(el('div', 'error', `${d.error.name}: ${d.error.message}`));
  parts.push(el('h3', '', `Events (${d.events.length})`));
  const ul = el('ul', 'events');
  for (const e of d.events)
    ul.append(el('li', e.type === 'Warning' ? 'failed' : '', `${e.type} ${e.reason}: ${e.message}`));
  if (d.events.length === 0) ul.append(el('li', 'muted', 'none'));
  parts.push(ul);
  if (d.omitted) parts.push(el('p', 'muted', d.omitted));
  d.calls.forEach((call, i) => {
    const n = d.calls.length > 1 ? ` (call ${i + 1} of ${d.calls.length})` : '';
    const req = el('section', 'call');
    req.dataset.call = String(i);
    req.append(el('h3', '', `Request${n}`), jsonView(call.request, undefined, 0, 1));
    req.append(el('h3', '', `Answer${n}`));
    req.append(
      call.answer ? jsonView(call.answer, undefined, 0, 1) : el('p', 'muted', 'no answer (the call failed)'),
    );
    if (call.answer) req.append(el('h3', '', `Desired vs live children${n}`), diffView(d.diffs[i]));
    parts.push(req);
  });
  if (d.calls.length === 0 && !d.omitted) parts.push(el('p', 'muted', 'No worker call was made.'));
  panel.replaceChildren(...parts);
}

function connect() {
  const conn = $('#connection');
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    conn.dataset.state = 'live';
    conn.textContent = 'live';
  });
  source.addEventListener('error', () => {
    conn.dataset.state = 'down';
    conn.textContent = 'reconnecting…';
  });
  source.addEventListener('reconcilers', (e) => renderReconcilers(JSON.parse(e.data)));
  source.addEventListener('backlog', (e) => {
    for (const s of JSON.parse(e.data)) addReconcile(s, false);
  });
  source.addEventListener('reconcile', (e) => addReconcile(JSON.parse(e.data), true));
}

connect();
