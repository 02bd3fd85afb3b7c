// app.js: the imgopt page. Uploads the chosen images with the settings
// to POST /api/jobs, follows the job's progress events
// (image_optimization_progress), and shows per-file results and totals from
// GET /api/jobs/ID. Stop deletes the running job (DELETE /api/jobs/ID).
// Plain JavaScript, no build step.
'use strict';

const $ = (id) => document.getElementById(id);

const QUALITY_LABELS = [
  [100, 'lossless'], [90, 'near-lossless'], [70, 'excellent'],
  [50, 'good'], [30, 'fair'], [10, 'poor'], [0, 'very poor'],
];
const FORMATS = ['jpeg', 'png', 'webp', 'avif'];
const STORE = 'imgopt.settings';

let busy = false;
let job = null;        // the job JSON from the server
let events = null;     // EventSource
let startedAt = 0;     // when processing started (ms)
let refreshing = null; // the GET /api/jobs/ID in flight
let refreshAgain = false;
let started = new Set(); // indices of the job's images a worker took
let stop = null;       // the running job's Stop: { id, state: 'pending',
                       // 'stopped' or 'gone', streamDone }
// The error of an image cancelled by the server ("a.jpg: cancelled (the
// job was deleted)").
const CANCELLED = /cancelled \([^)]*\)$/;

// Same units as the server's messages: 1000-based, one decimal.
function formatBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Math.abs(n);
  let u = 0;
  // 999,950 bytes is "1.0 MB", not "1000.0 KB": move up a unit when the
  // rounded figure would reach 1000.
  while (u < 4 && (u ? Math.round(v * 10) / 10 : Math.round(v)) >= 1000) {
    v /= 1000;
    u++;
  }
  return (n < 0 ? '-' : '') + (u ? v.toFixed(1) : String(Math.round(v))) +
    ' ' + units[u];
}

function formatDuration(s) {
  s = Math.max(0, Math.round(s));
  const m = Math.floor(s / 60);
  return m + ':' + String(s % 60).padStart(2, '0');
}

function qualityLabel(q) {
  for (const [min, label] of QUALITY_LABELS) {
    if (q >= min) return label;
  }
  return 'very poor';
}

// ---------------------------------------------------------------- settings

function readSettings() {
  const quality = { global: Number($('quality').value) };
  for (const f of FORMATS) {
    const v = $('q-' + f).value.trim();
    quality[f] = v === '' ? null : Number(v);
  }
  const mode = $('resize-mode').value;
  const size = $('resize-size').value.trim();
  return {
    quality,
    resize: { mode, size: mode === 'none' || size === '' ? null : Number(size) },
    outputFormat: $('format').value,
  };
}

function showQuality() {
  const q = Number($('quality').value);
  $('quality-value').value = String(q);
  $('quality-label').textContent = qualityLabel(q);
  $('quality-label').dataset.level = qualityLabel(q).replace(/ /g, '-');
}

function saveSettings() {
  try {
    localStorage.setItem(STORE, JSON.stringify(readSettings()));
  } catch (e) { /* private mode: settings are just not kept */ }
}

function loadSettings() {
  let s;
  try {
    s = JSON.parse(localStorage.getItem(STORE) || 'null');
  } catch (e) {
    s = null;
  }
  if (!s) return;
  if (s.quality && s.quality.global) $('quality').value = s.quality.global;
  for (const f of FORMATS) {
    if (s.quality && s.quality[f]) $('q-' + f).value = s.quality[f];
  }
  if (s.resize && s.resize.mode) $('resize-mode').value = s.resize.mode;
  if (s.resize && s.resize.size) $('resize-size').value = s.resize.size;
  if (s.outputFormat) $('format').value = s.outputFormat;
}

function onSettingsChange() {
  showQuality();
  $('resize-size').disabled = $('resize-mode').value === 'none';
  saveSettings();
}

// ----------------------------------------------------------------- display

function showError(text) {
  const el = $('error');
  el.textContent = text || '';
  el.hidden = !text;
  // On a phone the message may be below the settings: bring it up.
  if (text) el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

function setBusy(on) {
  busy = on;
  const drop = $('drop');
  drop.setAttribute('aria-disabled', on ? 'true' : 'false');
  drop.classList.toggle('busy', on);
  drop.querySelector('.drop-title').textContent =
    on ? 'Optimizing…' : 'Drop images here';
}

function showProgress(done, total, percent) {
  $('progress').hidden = false;
  const pct = Math.round(percent * 10) / 10;
  $('bar-fill').style.width = pct + '%';
  $('bar').setAttribute('aria-valuenow', String(Math.round(pct)));
  $('count').textContent = done + ' of ' + total;
  $('percent').textContent = Math.round(pct) + '%';
  if (done > 0 && done < total) {
    const elapsed = (performance.now() - startedAt) / 1000;
    const eta = elapsed / done * (total - done);
    $('eta').textContent = 'ETA ' + formatDuration(eta);
  } else {
    $('eta').textContent = '';
  }
}

function cell(row, cls, label, text) {
  const td = document.createElement('td');
  td.className = cls;
  td.dataset.label = label;
  td.textContent = text;
  row.appendChild(td);
  return td;
}

// What a file's row shows. After a Stop the files no result came for are
// either still finishing (a worker had taken them; their result may still
// come) or cancelled (the server cancels every image no worker took).
function fileState(f) {
  if (f.status !== 'queued') return f.status;
  if (!isStopped()) return started.has(f.index) ? 'working' : 'queued';
  if (stop.state === 'gone') return 'unknown';
  return started.has(f.index) && !stop.streamDone ? 'finishing' : 'cancelled';
}

const PENDING = {
  queued: ['…', 'waiting'],
  working: ['…', 'optimizing'],
  finishing: ['…', 'finishing'],
  failed: ['–', 'failed'],
  cancelled: ['–', 'cancelled'],
  unknown: ['–', 'not done'],
};

// The totals: the server's, or after a Stop (the job is gone) the page's
// own from the rows, the way the server adds them up.
function totals(j) {
  if (!isStopped()) return j;
  const t = { originalBytes: 0, optimizedBytes: 0, succeeded: 0, failed: 0,
    cancelled: 0, finishing: 0 };
  for (const f of j.files) {
    const s = fileState(f);
    if (s === 'done') {
      t.succeeded++;
      t.originalBytes += f.result.original_size;
      t.optimizedBytes += f.result.optimized_size;
    } else if (s === 'failed') t.failed++;
    else if (s === 'cancelled') t.cancelled++;
    else if (s === 'finishing') t.finishing++;
  }
  t.savedBytes = t.originalBytes - t.optimizedBytes;
  t.compressionRatio = t.originalBytes ?
    Math.round(t.savedBytes * 10000 / t.originalBytes) / 100 : 0;
  return t;
}

function countText(t) {
  return t.succeeded + ' optimized' +
    (t.failed ? ', ' + t.failed + ' failed' : '') +
    (t.cancelled ? ', ' + t.cancelled + ' cancelled' : '');
}

function renderJob(j) {
  // An answer to a GET sent before the last progress event may come after
  // it: a file the event finished never goes back to waiting.
  if (job && job !== j && job.id === j.id) {
    j.files = j.files.map((f, i) => f.status === 'queued' && job.files[i] &&
      job.files[i].status !== 'queued' ? job.files[i] : f);
  }
  job = j;
  // Downloads of a stopped job answer 404: the job is gone.
  const live = !isStopped();
  document.body.dataset.job = j.id;
  document.body.dataset.status = live ? j.status : stop.state;
  $('results').hidden = false;
  const rows = $('rows');
  rows.textContent = '';
  for (const f of j.files) {
    const state = fileState(f);
    const tr = document.createElement('tr');
    tr.dataset.index = f.index;
    tr.className = state;
    const name = cell(tr, 'name', 'File', f.name);
    const r = f.result;
    if (state === 'failed') {
      const err = document.createElement('span');
      err.className = 'file-error';
      err.textContent = (r && r.error) || 'failed';
      name.appendChild(document.createElement('br'));
      name.appendChild(err);
    }
    const before = cell(tr, 'before', 'Before', formatBytes(f.size));
    before.dataset.bytes = f.size;
    if (state === 'done') {
      const after = cell(tr, 'after', 'After', formatBytes(r.optimized_size));
      after.dataset.bytes = r.optimized_size;
      const saved = cell(tr, 'saved', 'Saved',
        r.compressionRatio.toFixed(1) + '%');
      saved.dataset.ratio = r.compressionRatio;
      saved.dataset.bytes = r.savedBytes;
    } else {
      cell(tr, 'after', 'After', PENDING[state][0]);
      cell(tr, 'saved', 'Saved', PENDING[state][1]);
    }
    const act = cell(tr, 'download', '', '');
    if (f.url && live) {
      const a = document.createElement('a');
      a.href = f.url;
      a.download = f.downloadName;
      a.className = 'button small';
      a.textContent = 'Download';
      a.setAttribute('aria-label', 'Download ' + f.downloadName);
      act.appendChild(a);
    }
    rows.appendChild(tr);
  }
  const t = totals(j);
  $('total-before').textContent = formatBytes(t.originalBytes);
  $('total-before').dataset.bytes = t.originalBytes;
  $('total-after').textContent = formatBytes(t.optimizedBytes);
  $('total-after').dataset.bytes = t.optimizedBytes;
  $('total-saved').textContent = formatBytes(t.savedBytes) + ' (' +
    t.compressionRatio.toFixed(1) + '%)';
  $('total-saved').dataset.bytes = t.savedBytes;
  $('total-count').textContent = countText(t);
  const zip = $('zip');
  zip.hidden = !(live && j.status === 'complete' && j.zip);
  if (j.zip) zip.href = j.zip;
}

// A progress event's result into the job shown, at once: the rows of a
// stopped job can only come from events (GET answers 404), and the GET a
// running job's event asks for may not be answered before a Stop. Events
// name the file, not its index: the first waiting row of that name (a
// cancelled image is one no worker took; a finished one was taken).
function applyResult(d) {
  const m = d.metadata;
  const ok = !m.error;
  const cancelled = !ok && CANCELLED.test(m.error);
  const rows = job.files.filter((f) => f.status === 'queued' &&
    f.name === m.fileName);
  const f = rows.find((x) => cancelled ? !started.has(x.index) :
    started.has(x.index) && (!ok || x.size === m.originalSize)) || rows[0];
  if (!f) return; // the GET had it already
  f.status = ok ? 'done' : cancelled ? 'cancelled' : 'failed';
  f.result = {
    success: ok, original_size: m.originalSize,
    optimized_size: m.optimizedSize, savedBytes: m.savedBytes,
    compressionRatio: m.compressionRatio, error: m.error,
  };
}

// GET /api/jobs/ID; rejects with the reason to show.
function getJob(id) {
  return fetch('/api/jobs/' + id).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || 'HTTP ' + r.status);
    return body;
  }, () => {
    throw new Error('imgopt serve is not reachable');
  });
}

async function refreshJob() {
  if (!job) return;
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  const id = job.id;
  refreshing = getJob(id);
  try {
    const j = await refreshing;
    if (job && job.id === id && !isStopped()) renderJob(j);
  } catch (e) { /* the next event refreshes again */ }
  refreshing = null;
  if (refreshAgain) {
    refreshAgain = false;
    refreshJob();
  }
}

function closeEvents() {
  if (events) events.close();
  events = null;
}

function stopButton(state) { // 'hidden', 'ready' or 'pending'
  const b = $('stop');
  b.hidden = state === 'hidden';
  b.disabled = state === 'pending';
  b.textContent = state === 'pending' ? 'Stopping…' : 'Stop';
}

// The page gives up on a job: nothing more will come for it.
function endJob(message) {
  closeEvents();
  stopButton('hidden');
  setBusy(false);
  if (message) $('current').textContent = message;
}

function finish(j) {
  endJob();
  showProgress(j.completedTasks, j.totalTasks, 100);
  const secs = j.totalDuration < 10 ? j.totalDuration.toFixed(2) :
    j.totalDuration.toFixed(1);
  $('current').textContent = 'Done in ' + secs + ' s: ' + countText(j) +
    '. Drop more images to start again.';
  renderJob(j);
  document.body.dataset.done = j.id;
  $('zip-note').hidden = !j.zip;
  $('zip-note').textContent =
    'Files are removed from this machine after the zip download.';
  const top = $('results').getBoundingClientRect().top;
  if (top > window.innerHeight * 0.8) {
    $('results').scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
}

function loadResults(id) {
  getJob(id).then((j) => {
    if (job && job.id === id && !stop) finish(j);
  }, (e) => {
    if (!job || job.id !== id || stop) return;
    endJob('');
    showError('Could not load the results: ' + e.message + '.');
  });
}

// Without the event stream: ask for the job until it is complete.
function pollJob(id) {
  if (!job || job.id !== id || stop) return;
  getJob(id).then((j) => {
    if (!job || job.id !== id || stop) return;
    if (j.status === 'complete') {
      finish(j);
      return;
    }
    renderJob(j);
    showProgress(j.completedTasks, j.totalTasks,
      j.completedTasks * 100 / j.totalTasks);
    setTimeout(() => pollJob(id), 1000);
  }, (e) => {
    if (!job || job.id !== id || stop) return;
    endJob('');
    showError('Lost the job: ' + e.message + '.');
  });
}

// ------------------------------------------------------------------- stop

function isStopped() {
  return !!(stop && job && stop.id === job.id && stop.state !== 'pending');
}

// The progress section of a stopped job; called again as the images that
// were in progress finish.
function showStopped() {
  renderJob(job);
  const t = totals(job);
  const total = job.files.length;
  const ended = t.succeeded + t.failed;
  showProgress(ended, total, total ? ended * 100 / total : 0);
  $('eta').textContent = '';
  $('progress').classList.add('stopped');
  $('current').textContent = 'Stopped: ' + t.succeeded + ' optimized' +
    (t.failed ? ', ' + t.failed + ' failed' : '') +
    ', ' + t.cancelled + ' cancelled' +
    (t.finishing ? ', ' + t.finishing + ' still finishing' : '') +
    '. The job was removed from this machine; drop more images to start ' +
    'again.';
  if (stop.streamDone) document.body.dataset.stopped = job.id;
}

// DELETE /api/jobs/ID of the running job: the server cancels its images no
// worker took (each with a progress event) and forgets the job.
async function stopJob() {
  if (!busy || !job || stop) return;
  const id = job.id;
  const button = $('stop');
  const hadFocus = document.activeElement === button;
  stop = { id, state: 'pending', streamDone: !events };
  stopButton('pending');
  showError('');
  $('current').textContent = 'Stopping…';
  let r = null;
  let body = {};
  try {
    r = await fetch('/api/jobs/' + id, { method: 'DELETE' });
    body = await r.json().catch(() => ({}));
  } catch (e) { /* r stays null: not reachable */ }
  if (!stop || stop.id !== id) return;
  if (r && r.ok) {
    stop.state = 'stopped';
    // The stream stays open: the images a worker had taken still finish,
    // and their results are shown (without downloads).
    stopButton('hidden');
    setBusy(false);
    showStopped();
    if (hadFocus) $('current').focus();
    return;
  }
  if (r && r.status === 404) {
    // Finished and removed, or removed from elsewhere: nothing to follow.
    stop.state = 'gone';
    stop.streamDone = true;
    renderJob(job);
    endJob('Not stopped: the job is no longer on this machine.');
    showError('Could not stop the job: it is no longer on the server ' +
      '(it was removed after finishing, or expired).');
    if (hadFocus) $('drop').focus();
    return;
  }
  const lost = stop.streamDone;
  stop = null;
  showError('Could not stop the job: ' +
    (r ? body.error || 'HTTP ' + r.status : 'imgopt serve is not reachable') +
    '. It is still running.');
  $('current').textContent = 'Still optimizing…';
  stopButton('ready');
  if (hadFocus) button.focus();
  // The stream ended while the DELETE was out: pick the job up again.
  if (lost) pollJob(id);
  else refreshJob();
}

// ------------------------------------------------------------------ upload

function follow(j) {
  startedAt = performance.now();
  started = new Set();
  stop = null;
  $('progress').classList.remove('stopped');
  renderJob(j);
  showProgress(0, j.totalTasks, 0);
  stopButton(j.status === 'complete' ? 'hidden' : 'ready');
  $('current').textContent = 'Waiting for the first image…';
  const es = new EventSource(j.events);
  events = es;
  const stopping = () => stop && stop.id === j.id;
  es.addEventListener('image_optimization_start', (e) => {
    if (events !== es) return;
    const d = JSON.parse(e.data);
    if (d.index) started.add(d.index);
    if (stopping()) {
      if (isStopped()) showStopped();
    } else {
      $('current').textContent = 'Optimizing ' + d.fileName;
      if (job && job.id === j.id) renderJob(job); // its row says so
    }
  });
  es.addEventListener('image_optimization_progress', (e) => {
    if (events !== es) return;
    const d = JSON.parse(e.data);
    const last = d.completedTasks === d.totalTasks;
    if (last) closeEvents();
    applyResult(d);
    if (stopping()) {
      if (last) stop.streamDone = true;
      if (isStopped()) showStopped();
      else renderJob(job); // the DELETE's answer decides what comes next
      return;
    }
    showProgress(d.completedTasks, d.totalTasks, d.progressPercentage);
    $('current').textContent = d.metadata.formattedMessage;
    renderJob(job);
    if (last) {
      stopButton('hidden'); // nothing left to stop
      loadResults(j.id);
    } else {
      refreshJob();
    }
  });
  es.onerror = () => {
    // The stream ends after the last event; before that, fall back to
    // asking for the job until it is complete.
    if (events !== es) return;
    closeEvents();
    if (stopping()) {
      stop.streamDone = true;
      if (isStopped()) showStopped();
      return;
    }
    pollJob(j.id);
  };
}

function upload(files) {
  if (busy || !files.length) return;
  // A stopped job's stream may still be open for its last images.
  closeEvents();
  stop = null;
  showError('');
  setBusy(true);
  stopButton('hidden');
  $('progress').classList.remove('stopped');
  $('zip-note').hidden = true;
  $('progress').hidden = false;
  // A new job's bar starts empty at once, not by sliding back from the
  // last job's width.
  const fill = $('bar-fill');
  fill.style.transition = 'none';
  showProgress(0, files.length, 0);
  void fill.offsetWidth;
  fill.style.transition = '';
  $('progress').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  $('current').textContent = 'Uploading ' + files.length +
    (files.length === 1 ? ' image…' : ' images…');
  const form = new FormData();
  form.append('settings', JSON.stringify(readSettings()));
  for (const f of files) form.append('files', f, f.name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/jobs');
  xhr.responseType = 'json';
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) {
      $('current').textContent = 'Uploading… ' +
        Math.round(e.loaded * 100 / e.total) + '%';
    }
  };
  xhr.onload = () => {
    const body = xhr.response || {};
    if (xhr.status === 202) {
      follow(body);
    } else {
      setBusy(false);
      $('progress').hidden = true;
      showError('Upload refused: ' + (body.error || 'HTTP ' + xhr.status));
    }
  };
  xhr.onerror = () => {
    setBusy(false);
    $('progress').hidden = true;
    showError('Upload failed: imgopt serve is not reachable.');
  };
  xhr.send(form);
}

// ------------------------------------------------------------------- setup

function setup() {
  loadSettings();
  onSettingsChange();
  for (const id of ['quality', 'resize-mode', 'resize-size', 'format',
    'q-jpeg', 'q-png', 'q-webp', 'q-avif']) {
    $(id).addEventListener('input', onSettingsChange);
    $(id).addEventListener('change', onSettingsChange);
  }
  const drop = $('drop');
  const picker = $('picker');
  drop.addEventListener('click', () => {
    if (!busy) picker.click();
  });
  picker.addEventListener('change', () => {
    upload(Array.from(picker.files));
    picker.value = '';
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    upload(Array.from(e.dataTransfer.files));
  });
  // A file dropped beside the zone must not replace the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  $('stop').addEventListener('click', stopJob);
  $('zip').addEventListener('click', () => {
    $('zip-note').hidden = false;
    $('zip-note').textContent = 'Downloading. The files are then removed ' +
      'from this machine; single downloads stop working.';
  });
  fetch('/api/limits').then((r) => r.json()).then((l) => {
    $('limits').textContent = 'JPEG, PNG, WebP and AVIF · up to ' +
      l.maxFiles + ' files, ' +
      formatBytes(l.maxUploadBytes).replace('.0 ', ' ') + ' at once';
  }, () => {});
}

document.addEventListener('DOMContentLoaded', setup);
