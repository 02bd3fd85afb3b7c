// app.js: the imgopt page. Uploads the chosen images with the settings
// to POST /api/jobs, follows the job's progress events
// (image_optimization_progress), and shows per-file results and totals from
// GET /api/jobs/ID. Plain JavaScript, no build step.
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

function renderJob(j) {
  job = j;
  document.body.dataset.job = j.id;
  document.body.dataset.status = j.status;
  $('results').hidden = false;
  const rows = $('rows');
  rows.textContent = '';
  for (const f of j.files) {
    const tr = document.createElement('tr');
    tr.dataset.index = f.index;
    tr.className = f.status;
    const name = cell(tr, 'name', 'File', f.name);
    const r = f.result;
    if (f.status === 'failed') {
      const err = document.createElement('span');
      err.className = 'file-error';
      err.textContent = (r && r.error) || 'failed';
      name.appendChild(document.createElement('br'));
      name.appendChild(err);
    }
    const before = cell(tr, 'before', 'Before', formatBytes(f.size));
    before.dataset.bytes = f.size;
    if (r && r.success) {
      const after = cell(tr, 'after', 'After', formatBytes(r.optimized_size));
      after.dataset.bytes = r.optimized_size;
      const saved = cell(tr, 'saved', 'Saved',
        r.compressionRatio.toFixed(1) + '%');
      saved.dataset.ratio = r.compressionRatio;
      saved.dataset.bytes = r.savedBytes;
    } else {
      cell(tr, 'after', 'After', f.status === 'queued' ? '…' : '–');
      cell(tr, 'saved', 'Saved', f.status === 'queued' ? 'waiting' : 'failed');
    }
    const act = cell(tr, 'download', '', '');
    if (f.url) {
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
  $('total-before').textContent = formatBytes(j.originalBytes);
  $('total-before').dataset.bytes = j.originalBytes;
  $('total-after').textContent = formatBytes(j.optimizedBytes);
  $('total-after').dataset.bytes = j.optimizedBytes;
  $('total-saved').textContent = formatBytes(j.savedBytes) + ' (' +
    j.compressionRatio.toFixed(1) + '%)';
  $('total-saved').dataset.bytes = j.savedBytes;
  $('total-count').textContent = j.succeeded + ' optimized' +
    (j.failed ? ', ' + j.failed + ' failed' : '');
  const zip = $('zip');
  zip.hidden = !(j.status === 'complete' && j.zip);
  if (j.zip) zip.href = j.zip;
}

async function refreshJob() {
  if (!job) return;
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  const id = job.id;
  refreshing = fetch('/api/jobs/' + id).then((r) => r.ok ? r.json() : null);
  try {
    const j = await refreshing;
    if (j && job && job.id === id) renderJob(j);
  } catch (e) { /* the next event refreshes again */ }
  refreshing = null;
  if (refreshAgain) {
    refreshAgain = false;
    refreshJob();
  }
}

function finish(j) {
  if (events) events.close();
  events = null;
  showProgress(j.completedTasks, j.totalTasks, 100);
  const secs = j.totalDuration < 10 ? j.totalDuration.toFixed(2) :
    j.totalDuration.toFixed(1);
  $('current').textContent = 'Done in ' + secs + ' s: ' +
    j.succeeded + ' optimized' + (j.failed ? ', ' + j.failed + ' failed' : '') +
    '. Drop more images to start again.';
  renderJob(j);
  setBusy(false);
  document.body.dataset.done = j.id;
  $('zip-note').hidden = !j.zip;
  $('zip-note').textContent =
    'Files are removed from this machine after the zip download.';
  const top = $('results').getBoundingClientRect().top;
  if (top > window.innerHeight * 0.8) {
    $('results').scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
}

// ------------------------------------------------------------------ upload

function follow(j) {
  startedAt = performance.now();
  renderJob(j);
  showProgress(0, j.totalTasks, 0);
  $('current').textContent = 'Waiting for the first image…';
  events = new EventSource(j.events);
  events.addEventListener('image_optimization_start', (e) => {
    const d = JSON.parse(e.data);
    $('current').textContent = 'Optimizing ' + d.fileName;
  });
  events.addEventListener('image_optimization_progress', (e) => {
    const d = JSON.parse(e.data);
    showProgress(d.completedTasks, d.totalTasks, d.progressPercentage);
    $('current').textContent = d.metadata.formattedMessage;
    if (d.completedTasks === d.totalTasks) {
      events.close();
      events = null;
      fetch('/api/jobs/' + j.id).then((r) => r.json()).then(finish,
        () => showError('Could not load the results.'));
    } else {
      refreshJob();
    }
  });
  events.onerror = () => {
    // The stream ends after the last event; before that, fall back to
    // asking for the job until it is complete.
    if (!events) return;
    events.close();
    events = null;
    const poll = () => fetch('/api/jobs/' + j.id).then((r) => r.json())
      .then((nj) => {
        if (nj.status === 'complete') finish(nj);
        else {
          renderJob(nj);
          showProgress(nj.completedTasks, nj.totalTasks,
            nj.completedTasks * 100 / nj.totalTasks);
          setTimeout(poll, 1000);
        }
      }, () => showError('Lost the connection to imgopt serve.'));
    poll();
  };
}

function upload(files) {
  if (busy || !files.length) return;
  showError('');
  setBusy(true);
  $('zip-note').hidden = true;
  $('progress').hidden = false;
  showProgress(0, files.length, 0);
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
