// Spate's web UI: a client of the daemon's Transmission RPC (the same requests transmission-remote
// and the phone apps send), polling it every two seconds as Transmission's own web client does.
// Every torrent name, file name, peer client and tracker message comes from strangers: they are
// only ever put into the page as text (textContent), never as markup.

const RPC = '/transmission/rpc';
const POLL_MS = 2000;
const STATUS = ['Stopped', 'Queued to verify', 'Verifying', 'Queued', 'Downloading', 'Queued to seed', 'Seeding'];
const LIST_FIELDS = ['id', 'hashString', 'name', 'status', 'error', 'errorString', 'percentDone', 'isFinished',
  'rateDownload', 'rateUpload', 'eta', 'peersConnected', 'uploadRatio', 'totalSize', 'sizeWhenDone',
  'leftUntilDone', 'metadataPercentComplete', 'recheckProgress'];
const DETAIL_FIELDS = ['id', 'name', 'hashString', 'files', 'fileStats', 'peers', 'trackerStats', 'pieces', 'pieceCount'];

const $ = (selector) => document.querySelector(selector);

let sessionId = '';
const state = {
  torrents: [],
  selected: new Set(),
  sort: { key: 'name', ascending: true },
  detailId: null,
  tab: 'files',
};

/** One RPC call: the 409 session-id dance, then the arguments of a "success", else an Error of the result. */
async function rpc(method, args = {}) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const response = await fetch(RPC, {
      signal: AbortSignal.timeout(15000), // a hung request must not stop the polling for good
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Transmission-Session-Id': sessionId },
      body: JSON.stringify({ method, arguments: args }),
    });
    if (response.status === 409) {
      sessionId = response.headers.get('X-Transmission-Session-Id') || '';
      continue;
    }
    if (!response.ok) {
      throw new Error(`${method}: HTTP ${response.status} ${(await response.text()).trim()}`);
    }
    const answer = await response.json();
    if (answer.result !== 'success') {
      throw new Error(answer.result);
    }
    return answer.arguments || {};
  }
  throw new Error(`${method}: the daemon gave no session id`);
}

// ---- formatting ----

function bytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${units[i]}`;
}

const rate = (n) => `${bytes(n)}/s`;

function eta(seconds) {
  if (seconds < 0) {
    return seconds === -1 ? '' : '∞';
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

function stateOf(t) {
  if (t.error) {
    return `Error: ${t.errorString}`;
  }
  if (t.status === 0 && t.isFinished) {
    return 'Finished';
  }
  if (t.status === 4 && t.metadataPercentComplete < 1) {
    return 'Getting metadata';
  }
  return STATUS[t.status] ?? `Status ${t.status}`;
}

function stateGroup(t) {
  if (t.error) return 'error';
  switch (t.status) {
    case 0: return 'stopped';
    case 1: case 2: return 'checking';
    case 3: case 5: return 'queued';
    case 4: return 'downloading';
    case 6: return 'seeding';
    default: return 'other';
  }
}

function progressBar(fraction, done) {
  const bar = document.createElement('div');
  bar.className = done ? 'bar done' : 'bar';
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  const percent = Math.floor(fraction * 1000) / 10;
  bar.setAttribute('aria-valuenow', String(percent));
  const fill = document.createElement('span');
  fill.style.width = `${percent}%`;
  const label = document.createElement('em');
  label.textContent = `${percent}%`;
  bar.append(fill, label);
  return bar;
}

function cell(text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (text instanceof Node) td.append(text); else td.textContent = text;
  return td;
}

function showError(where, error) {
  const text = error ? (error.message || String(error)) : '';
  // Written only when it changes, so a screen reader announces an alert once, not at every poll.
  if ($(where).textContent !== text) $(where).textContent = text;
}

// ---- the list ----

const SORT_KEYS = {
  name: (t) => t.name.toLowerCase(),
  progress: (t) => t.percentDone,
  state: (t) => stateOf(t),
  down: (t) => t.rateDownload,
  up: (t) => t.rateUpload,
  eta: (t) => (t.eta < 0 ? Number.MAX_SAFE_INTEGER : t.eta),
  peers: (t) => t.peersConnected,
  ratio: (t) => t.uploadRatio,
};

function visibleTorrents() {
  const text = $('#filter').value.trim().toLowerCase();
  const group = $('#state-filter').value;
  const key = SORT_KEYS[state.sort.key];
  const sign = state.sort.ascending ? 1 : -1;
  return state.torrents
    .filter((t) => (!text || t.name.toLowerCase().includes(text)) && (group === 'all' || stateGroup(t) === group))
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (x < y ? -1 : x > y ? 1 : a.id - b.id) * sign;
    });
}

/** The row of each torrent, kept from one poll to the next so focus and clicks stay where they are. */
const rowsById = new Map();

function newRow(id) {
  const tr = document.createElement('tr');
  tr.dataset.id = String(id);
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.addEventListener('change', () => {
    if (box.checked) state.selected.add(id); else state.selected.delete(id);
    renderList();
  });
  const name = document.createElement('button');
  name.type = 'button';
  name.title = 'Details';
  name.addEventListener('click', () => openDetail(id));
  tr.append(cell(box), cell(name, 'name'), cell('', 'progress'), cell('', 'state'), cell('', 'down'),
    cell('', 'up wide'), cell('', 'eta'), cell('', 'peers wide'), cell('', 'ratio wide'));
  return tr;
}

function setText(td, text) {
  if (td.textContent !== text) td.textContent = text;
}

function updateRow(tr, t) {
  const [boxCell, nameCell, progressCell, stateCell, down, up, etaCell, peers, ratio] = tr.children;
  tr.dataset.hash = t.hashString;
  tr.classList.toggle('selected', state.selected.has(t.id));
  const box = boxCell.firstChild;
  box.checked = state.selected.has(t.id);
  box.setAttribute('aria-label', `Select ${t.name}`);
  setText(nameCell.firstChild, t.name);
  const done = t.percentDone >= 1;
  const fraction = t.status === 2 ? t.recheckProgress : t.percentDone;
  const label = `${Math.floor(fraction * 1000) / 10}%`;
  if (progressCell.textContent !== label || progressCell.firstChild.classList.contains('done') !== done) {
    progressCell.replaceChildren(progressBar(fraction, done));
  }
  setText(stateCell, stateOf(t));
  setText(down, rate(t.rateDownload));
  setText(up, rate(t.rateUpload));
  setText(etaCell, done ? '' : eta(t.eta));
  setText(peers, String(t.peersConnected));
  setText(ratio, t.uploadRatio < 0 ? '–' : t.uploadRatio.toFixed(2));
}

function renderList() {
  const body = $('#torrents tbody');
  const visible = visibleTorrents();
  const present = new Set(state.torrents.map((t) => t.id));
  for (const [id, tr] of rowsById) {
    if (!present.has(id)) {
      tr.remove();
      rowsById.delete(id);
    }
  }
  const wanted = visible.map((t) => {
    let tr = rowsById.get(t.id);
    if (!tr) {
      tr = newRow(t.id);
      rowsById.set(t.id, tr);
    }
    updateRow(tr, t);
    return tr;
  });
  // Rows are moved only when the order changed: moving a row would take the focus from it.
  const now = [...body.children];
  if (now.length !== wanted.length || now.some((tr, i) => tr !== wanted[i])) {
    body.replaceChildren(...wanted);
  }
  $('#empty').hidden = state.torrents.length > 0;
  for (const th of document.querySelectorAll('#torrents th[data-sort]')) {
    if (th.dataset.sort === state.sort.key) {
      th.setAttribute('aria-sort', state.sort.ascending ? 'ascending' : 'descending');
    } else {
      th.removeAttribute('aria-sort');
    }
  }
  const all = $('#select-all');
  all.checked = visible.length > 0 && visible.every((t) => state.selected.has(t.id));
}

let listRequest = 0;

async function refreshList() {
  const asked = ++listRequest;
  try {
    const { torrents } = await rpc('torrent-get', { fields: LIST_FIELDS });
    if (asked !== listRequest) return; // a newer refresh was asked meanwhile: its answer counts
    state.torrents = torrents;
    const present = new Set(torrents.map((t) => t.id));
    for (const id of [...state.selected]) if (!present.has(id)) state.selected.delete(id);
    if (state.detailId !== null && !present.has(state.detailId)) closeDetail();
    renderList();
    const stats = await rpc('session-stats');
    $('#rate-down').textContent = `↓ ${rate(stats.downloadSpeed)}`;
    $('#rate-up').textContent = `↑ ${rate(stats.uploadSpeed)}`;
    showError('#list-error', null);
  } catch (e) {
    showError('#list-error', new Error(`Cannot reach the daemon: ${e.message}`));
  }
}

async function act(action) {
  // Only what is selected and shown: a filter hides torrents, and hidden ones are not acted on.
  const shown = new Set(visibleTorrents().map((t) => t.id));
  const ids = [...state.selected].filter((id) => shown.has(id));
  if (ids.length === 0) {
    showError('#action-error', new Error('Select one or more torrents first.'));
    return;
  }
  try {
    switch (action) {
      case 'start': await rpc('torrent-start', { ids }); break;
      case 'stop': await rpc('torrent-stop', { ids }); break;
      case 'verify': await rpc('torrent-verify', { ids }); break;
      case 'remove': await rpc('torrent-remove', { ids, 'delete-local-data': false }); break;
      case 'remove-data':
        if (!window.confirm(`Remove ${ids.length} torrent(s) and delete their downloaded files?`)) return;
        await rpc('torrent-remove', { ids, 'delete-local-data': true });
        break;
      default: return;
    }
    showError('#action-error', null);
  } catch (e) {
    showError('#action-error', e);
  }
  await refreshList();
}

// ---- adding ----

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

async function addFiles(files) {
  const paused = $('#add-paused').checked;
  for (const file of files) {
    const metainfo = base64(await file.arrayBuffer());
    const added = await rpc('torrent-add', { metainfo, paused });
    if (added['torrent-duplicate']) {
      throw new Error(`${file.name}: already added (${added['torrent-duplicate'].name})`);
    }
  }
}

async function add(event) {
  event.preventDefault();
  const link = $('#add-link').value.trim();
  const files = [...$('#add-file').files];
  if (!link && files.length === 0) {
    showError('#add-error', new Error('Paste a magnet link or URL, or choose a .torrent file.'));
    return;
  }
  $('#add-button').disabled = true;
  try {
    if (link) {
      const added = await rpc('torrent-add', { filename: link, paused: $('#add-paused').checked });
      if (added['torrent-duplicate']) {
        throw new Error(`Already added: ${added['torrent-duplicate'].name}`);
      }
      $('#add-link').value = '';
    }
    await addFiles(files);
    $('#add-file').value = '';
    showError('#add-error', null);
  } catch (e) {
    showError('#add-error', e);
  } finally {
    $('#add-button').disabled = false;
  }
  await refreshList();
}

function watchDrops() {
  let depth = 0;
  const overlay = $('#drop');
  const carriesFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  window.addEventListener('dragenter', (e) => {
    if (!carriesFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  window.addEventListener('dragover', (e) => {
    if (carriesFiles(e)) e.preventDefault();
  });
  window.addEventListener('drop', async (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const files = [...e.dataTransfer.files].filter((f) => f.name.endsWith('.torrent'));
    try {
      if (files.length === 0) throw new Error('Only .torrent files can be dropped here.');
      await addFiles(files);
      showError('#add-error', null);
    } catch (err) {
      showError('#add-error', err);
    }
    await refreshList();
  });
}

// ---- details ----

function openDetail(id) {
  state.detailId = id;
  $('#detail').hidden = false;
  refreshDetail();
  $('#detail-close').focus();
}

function closeDetail() {
  state.detailId = null;
  $('#detail').hidden = true;
}

function selectTab(name) {
  state.tab = name;
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !on;
  }
}

/** Whether the detail view's error is a refused edit, kept until the next edit (not cleared by polls). */
let detailErrorSticky = false;

async function setFile(id, index, args) {
  try {
    await rpc('torrent-set', { ids: [id], ...args });
    detailErrorSticky = false;
    showError('#detail-error', null);
  } catch (e) {
    detailErrorSticky = true;
    showError('#detail-error', e);
  }
  await refreshDetail();
}

function renderFiles(t) {
  const rows = (t.files || []).map((f, i) => {
    const s = (t.fileStats || [])[i] || { wanted: true, priority: 0, bytesCompleted: f.bytesCompleted };
    const tr = document.createElement('tr');
    tr.dataset.index = String(i);
    const wanted = document.createElement('input');
    wanted.type = 'checkbox';
    wanted.className = 'wanted';
    wanted.checked = s.wanted;
    wanted.setAttribute('aria-label', `Download ${f.name}`);
    wanted.addEventListener('change', () => setFile(t.id, i, { [wanted.checked ? 'files-wanted' : 'files-unwanted']: [i] }));
    const priority = document.createElement('select');
    priority.className = 'priority';
    priority.setAttribute('aria-label', `Priority of ${f.name}`);
    for (const [value, label] of [[-1, 'Low'], [0, 'Normal'], [1, 'High']]) {
      const option = document.createElement('option');
      option.value = String(value);
      option.textContent = label;
      option.selected = s.priority === value;
      priority.append(option);
    }
    priority.addEventListener('change', () => {
      const key = { '-1': 'priority-low', 0: 'priority-normal', 1: 'priority-high' }[priority.value];
      setFile(t.id, i, { [key]: [i] });
    });
    const stream = document.createElement('a');
    stream.href = `/stream/${t.hashString}/${i}`;
    stream.textContent = 'Play';
    stream.setAttribute('aria-label', `Stream ${f.name}`);
    const fraction = f.length === 0 ? 1 : f.bytesCompleted / f.length;
    tr.append(cell(wanted), cell(f.name, 'name'), cell(progressBar(fraction, fraction >= 1)), cell(priority), cell(stream));
    return tr;
  });
  $('#files tbody').replaceChildren(...rows);
}

function renderPeers(t) {
  const rows = (t.peers || []).map((p) => {
    const tr = document.createElement('tr');
    tr.append(cell(p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`),
      cell(p.clientName || ''), cell(p.flagStr || ''), cell(p.isEncrypted ? 'Yes' : 'No'),
      cell(`${Math.floor((p.progress || 0) * 100)}%`), cell(rate(p.rateToClient || 0)), cell(rate(p.rateToPeer || 0)));
    return tr;
  });
  $('#peers tbody').replaceChildren(...rows);
}

function renderTrackers(t) {
  const now = Date.now() / 1000;
  const rows = (t.trackerStats || []).map((s) => {
    const tr = document.createElement('tr');
    const status = s.lastAnnounceSucceeded ? `OK: ${s.lastAnnounceResult || 'Success'}` : (s.lastAnnounceResult || 'Not yet announced');
    const next = s.nextAnnounceTime > now ? eta(Math.round(s.nextAnnounceTime - now)) : '';
    tr.append(cell(s.announce, 'name'), cell(status), cell(String(s.lastAnnouncePeerCount ?? '')),
      cell(String(s.seederCount ?? '')), cell(String(s.leecherCount ?? '')), cell(next));
    return tr;
  });
  $('#trackers tbody').replaceChildren(...rows);
}

function renderPieces(t) {
  const canvas = $('#piece-map');
  const count = t.pieceCount || 0;
  let have = new Uint8Array(0);
  try {
    have = Uint8Array.from(atob(t.pieces || ''), (c) => c.charCodeAt(0));
  } catch (e) {
    // no bitfield: drawn as nothing verified
  }
  const has = (i) => (have[i >> 3] >> (7 - (i & 7))) & 1;
  const context = canvas.getContext('2d');
  const width = canvas.width;
  const height = canvas.height;
  context.clearRect(0, 0, width, height);
  const style = getComputedStyle(document.documentElement);
  let verified = 0;
  for (let i = 0; i < count; i++) verified += has(i);
  // One column per piece when they fit, else each column the share of its pieces that are verified.
  const columns = Math.min(width, Math.max(count, 1));
  for (let x = 0; x < columns && count > 0; x++) {
    const from = Math.floor((x * count) / columns);
    const to = Math.max(from + 1, Math.floor(((x + 1) * count) / columns));
    let n = 0;
    for (let i = from; i < to; i++) n += has(i);
    context.globalAlpha = 0.15 + (0.85 * n) / (to - from);
    context.fillStyle = n > 0 ? style.getPropertyValue('--done') : style.getPropertyValue('--line');
    context.fillRect(Math.floor((x * width) / columns), 0, Math.ceil(width / columns), height);
  }
  context.globalAlpha = 1;
  const summary = `${verified} of ${count} pieces verified`;
  canvas.setAttribute('aria-label', `Piece map: ${summary}`);
  $('#piece-summary').textContent = summary;
}

let detailRequest = 0;

async function refreshDetail() {
  if (state.detailId === null) return;
  const asked = ++detailRequest;
  const id = state.detailId;
  try {
    const { torrents } = await rpc('torrent-get', { ids: [id], fields: DETAIL_FIELDS });
    // An answer overtaken by a newer request, or for a torrent no longer shown, is dropped.
    if (asked !== detailRequest || id !== state.detailId) return;
    if (torrents.length === 0) {
      closeDetail();
      return;
    }
    const t = torrents[0];
    $('#detail-title').textContent = t.name;
    $('#detail-playlist').href = `/stream/${t.hashString}/playlist.m3u`;
    // A select or checkbox being used is not redrawn under the user's hand.
    if (!$('#files').contains(document.activeElement) || document.activeElement.tagName === 'BODY') {
      renderFiles(t);
    }
    renderPeers(t);
    renderTrackers(t);
    renderPieces(t);
    if (!detailErrorSticky) showError('#detail-error', null);
  } catch (e) {
    showError('#detail-error', e);
  }
}

// ---- limits ----

async function openLimits() {
  try {
    const s = await rpc('session-get', { fields: ['speed-limit-down', 'speed-limit-down-enabled', 'speed-limit-up', 'speed-limit-up-enabled'] });
    $('#limit-down-on').checked = !!s['speed-limit-down-enabled'];
    $('#limit-down').value = s['speed-limit-down'] ?? 0;
    $('#limit-up-on').checked = !!s['speed-limit-up-enabled'];
    $('#limit-up').value = s['speed-limit-up'] ?? 0;
    showError('#limits-error', null);
  } catch (e) {
    showError('#limits-error', e);
  }
  $('#limits').showModal();
}

async function saveLimits(event) {
  event.preventDefault();
  try {
    await rpc('session-set', {
      'speed-limit-down-enabled': $('#limit-down-on').checked,
      'speed-limit-down': Number($('#limit-down').value) || 0,
      'speed-limit-up-enabled': $('#limit-up-on').checked,
      'speed-limit-up': Number($('#limit-up').value) || 0,
    });
    $('#limits').close();
  } catch (e) {
    showError('#limits-error', e);
  }
}

// ---- wiring ----

function start() {
  $('#add-form').addEventListener('submit', add);
  $('#filter').addEventListener('input', renderList);
  $('#state-filter').addEventListener('change', renderList);
  $('#select-all').addEventListener('change', () => {
    const visible = visibleTorrents();
    if ($('#select-all').checked) visible.forEach((t) => state.selected.add(t.id));
    else visible.forEach((t) => state.selected.delete(t.id));
    renderList();
  });
  for (const button of document.querySelectorAll('.toolbar [data-action]')) {
    button.addEventListener('click', () => act(button.dataset.action));
  }
  for (const th of document.querySelectorAll('#torrents th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.sort;
      state.sort = { key, ascending: state.sort.key === key ? !state.sort.ascending : true };
      renderList();
    });
  }
  $('#detail-close').addEventListener('click', closeDetail);
  const tabs = [...document.querySelectorAll('[role=tab]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab.id.slice(4)));
    tab.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (step) {
        const next = tabs[(i + step + tabs.length) % tabs.length];
        selectTab(next.id.slice(4));
        next.focus();
      }
    });
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.detailId !== null && !$('#limits').open) closeDetail();
  });
  $('#open-limits').addEventListener('click', openLimits);
  $('#limits-form').addEventListener('submit', saveLimits);
  $('#limits-cancel').addEventListener('click', () => $('#limits').close());
  watchDrops();
  const poll = async () => {
    await refreshList();
    await refreshDetail();
    setTimeout(poll, POLL_MS);
  };
  poll();
}

start();
