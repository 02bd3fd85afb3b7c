// test_page.mjs: the imgopt page in Debian's chromium (playwright-core).
// Run by tests/server/test_browser.sh with a server already running:
// IMGOPT_URL, IMGOPT_IMAGES (test images), IMGOPT_ARTIFACTS (screenshots),
// IMGOPT_TMP (scratch). Picks files with the keyboard and the picker,
// drops files with a synthetic DataTransfer, waits for completion, checks
// every number shown against GET /api/jobs/ID, downloads a file and the zip,
// and stops a running job with the Stop button.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const url = process.env.IMGOPT_URL;
const imgDir = process.env.IMGOPT_IMAGES;
const artifacts = process.env.IMGOPT_ARTIFACTS || '.';
const tmp = process.env.IMGOPT_TMP || '/tmp';
const img = (name) => path.join(imgDir, name);

let checks = 0;
let failures = 0;
function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.error('FAIL: ' + what);
  }
}

// The page's formatting (web/app.js), to compare text with API numbers.
function formatBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    u++;
  }
  return (n < 0 ? '-' : '') + (u ? v.toFixed(1) : String(Math.round(v))) +
    ' ' + units[u];
}

async function api(p) {
  const r = await fetch(url + p.replace(/^\//, ''));
  return { status: r.status, body: await r.json() };
}

async function waitDone(page, previous) {
  await page.waitForFunction((prev) => document.body.dataset.done &&
    document.body.dataset.done === document.body.dataset.job &&
    document.body.dataset.done !== prev, previous, { timeout: 60000 });
  return page.evaluate(() => document.body.dataset.job);
}

// Every row, total and progress figure against the API's job.
async function checkNumbers(page, job, label) {
  const rows = await page.$$eval('#rows tr', (trs) => trs.map((tr) => {
    const q = (sel) => tr.querySelector(sel);
    const a = q('a');
    return {
      index: Number(tr.dataset.index),
      name: q('.name').textContent,
      before: q('.before').textContent,
      after: q('.after').textContent,
      saved: q('.saved').textContent,
      href: a && a.getAttribute('href'),
      download: a && a.getAttribute('download'),
    };
  }));
  check(rows.length === job.files.length,
    `${label}: ${rows.length} rows, want ${job.files.length}`);
  job.files.forEach((f, i) => {
    const row = rows[i] || {};
    const r = f.result;
    check(row.index === f.index, `${label}: row ${i} index`);
    check(row.name && row.name.startsWith(f.name),
      `${label}: row ${i} name '${row.name}', want '${f.name}'`);
    check(row.before === formatBytes(f.size),
      `${label}: ${f.name} before '${row.before}', want ${formatBytes(f.size)}`);
    if (f.status === 'done') {
      check(row.after === formatBytes(r.optimized_size),
        `${label}: ${f.name} after '${row.after}'`);
      check(row.saved === r.compressionRatio.toFixed(1) + '%',
        `${label}: ${f.name} saved '${row.saved}', want ${r.compressionRatio}`);
      check(row.href === f.url && row.download === f.downloadName,
        `${label}: ${f.name} download link`);
    } else {
      check(row.name.includes(r.error),
        `${label}: ${f.name} shows its error '${r.error}'`);
      check(row.saved === 'failed' && !row.href,
        `${label}: ${f.name} marked failed, no download`);
    }
  });
  const text = (id) => page.$eval('#' + id, (e) => e.textContent);
  check(await text('total-before') === formatBytes(job.originalBytes),
    `${label}: total before`);
  check(await text('total-after') === formatBytes(job.optimizedBytes),
    `${label}: total after`);
  check(await text('total-saved') === formatBytes(job.savedBytes) + ' (' +
    job.compressionRatio.toFixed(1) + '%)', `${label}: total saved`);
  const count = job.succeeded + ' optimized' +
    (job.failed ? ', ' + job.failed + ' failed' : '');
  check(await text('total-count') === count, `${label}: image count`);
  check(await text('count') === `${job.totalTasks} of ${job.totalTasks}`,
    `${label}: progress count '${await text('count')}'`);
  check(await text('percent') === '100%', `${label}: 100%`);
  check(await page.$eval('#bar', (e) => e.getAttribute('aria-valuenow')) ===
    '100', `${label}: progress bar at 100`);
  check((await text('current')).startsWith('Done in'),
    `${label}: done message`);
  check(await page.$eval('#stop', (e) => e.hidden), `${label}: Stop hidden`);
}

// The rows as shown: class (done, failed, cancelled, ...), texts, links.
function shownRows(page) {
  return page.$$eval('#rows tr', (trs) => trs.map((tr) => ({
    index: Number(tr.dataset.index),
    cls: tr.className,
    name: tr.querySelector('.name').textContent,
    after: tr.querySelector('.after').textContent,
    saved: tr.querySelector('.saved').textContent,
    savedColor: getComputedStyle(tr.querySelector('.saved')).color,
    error: !!tr.querySelector('.file-error'),
    links: tr.querySelectorAll('a').length,
  })));
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  const context = await browser.newContext({
    acceptDownloads: true, viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  // Listen for the file chooser from the start: interception switched on
  // by a waitForEvent() just before the key press sometimes comes too late
  // (seen with chromium 156), and the chooser is then never reported.
  const chooser = new Promise((resolve) => page.once('filechooser', resolve));
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (process.env.DEBUG) console.log('console:', m.type(), m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  check((await page.title()).includes('imgopt'), 'page title');
  await page.waitForFunction(() =>
    document.getElementById('limits').textContent.includes('files'));

  // Keyboard: Tab reaches the drop zone, which shows its focus.
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement.id === 'drop');
  }
  check(reached, 'Tab reaches the drop zone');
  check(await page.$eval('#drop', (e) => getComputedStyle(e).outlineStyle) ===
    'solid', 'focused drop zone has a visible outline');

  // The quality labels.
  const labels = { 100: 'lossless', 95: 'near-lossless', 90: 'near-lossless',
    89: 'excellent', 70: 'excellent', 50: 'good', 30: 'fair', 10: 'poor' };
  for (const [q, want] of Object.entries(labels)) {
    const got = await page.evaluate((v) => {
      const s = document.getElementById('quality');
      s.value = v;
      s.dispatchEvent(new Event('input'));
      return document.getElementById('quality-label').textContent;
    }, q);
    check(got === want, `quality ${q}: label '${got}', want '${want}'`);
  }
  await page.focus('#quality');
  await page.keyboard.press('End');
  check(await page.$eval('#quality-label', (e) => e.textContent) ===
    'lossless', 'End key on the slider: lossless');
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  check(await page.$eval('#quality', (e) => e.value) === '80',
    'arrow keys move the slider');

  // Batch 1: Enter on the drop zone opens the picker; files go in with
  // setInputFiles on it.
  await page.focus('#drop');
  await page.keyboard.press('Enter');
  const opened = await Promise.race([chooser, new Promise((resolve) =>
    setTimeout(() => resolve(null), 15000))]);
  check(opened && opened.isMultiple(),
    'Enter on the drop zone opens the picker, for several files');
  await page.setInputFiles('#picker', [img('beach.jpg'), img('forest.jpg'),
    img('logo.png'), img('notes.jpg')]);
  const job1 = await waitDone(page, '');
  const j1 = await api('/api/jobs/' + job1);
  check(j1.status === 200 && j1.body.status === 'complete', 'job 1 complete');
  check(j1.body.succeeded === 3 && j1.body.failed === 1, 'job 1: 3 ok, 1 failed');
  await checkNumbers(page, j1.body, 'job 1');
  await page.screenshot({ path: path.join(artifacts, 'serve-page.png'),
    fullPage: true });

  // One file, then the zip; the job is gone after the zip.
  const first = j1.body.files.find((f) => f.status === 'done');
  const [one] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`#rows tr[data-index="${first.index}"] a`),
  ]);
  check(one.suggestedFilename() === first.downloadName,
    `download name ${one.suggestedFilename()}`);
  check(fs.statSync(await one.path()).size === first.result.optimized_size,
    'downloaded file has the optimized size');
  const [zip] = await Promise.all([page.waitForEvent('download'),
    page.click('#zip')]);
  const zipPath = path.join(tmp, 'page.zip');
  await zip.saveAs(zipPath);
  const names = JSON.parse(execFileSync('python3', ['-c',
    'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); ' +
    'assert z.testzip() is None; print(json.dumps(sorted(z.namelist())))',
    zipPath]).toString());
  const want = j1.body.files.filter((f) => f.status === 'done')
    .map((f) => f.downloadName).sort();
  check(JSON.stringify(names) === JSON.stringify(want),
    `zip holds ${names}, want ${want}`);
  let gone = false;
  for (let i = 0; i < 20 && !gone; i++) {
    gone = (await api('/api/jobs/' + job1)).status === 404;
    if (!gone) await new Promise((r) => setTimeout(r, 100));
  }
  check(gone, 'job removed after the zip download');

  // Batch 2 at phone width: WebP, resized, dropped with a DataTransfer.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.selectOption('#format', 'webp');
  await page.selectOption('#resize-mode', 'longest');
  await page.fill('#resize-size', '300');
  const files = [['beach.jpg', 'image/jpeg'], ['logo.png', 'image/png']]
    .map(([name, type]) => ({
      name, type, data: fs.readFileSync(img(name)).toString('base64'),
    }));
  const dt = await page.evaluateHandle((list) => {
    const d = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
      d.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return d;
  }, files);
  await page.dispatchEvent('#drop', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
  const job2 = await waitDone(page, job1);
  const j2 = await api('/api/jobs/' + job2);
  check(j2.body.files.length === 2 && j2.body.succeeded === 2,
    'job 2: both dropped files optimized');
  check(j2.body.files.every((f) => f.downloadName.endsWith('.webp')),
    'job 2: WebP outputs');
  await checkNumbers(page, j2.body, 'job 2');
  check(await page.evaluate(() =>
    document.documentElement.scrollWidth <= window.innerWidth),
  'no sideways scrolling at phone width');
  await page.screenshot({ path: path.join(artifacts, 'serve-page-phone.png'),
    fullPage: true });

  // A refused upload is shown plainly.
  await page.click('details summary');
  await page.fill('#q-jpeg', '150');
  await page.setInputFiles('#picker', [img('forest.jpg')]);
  await page.waitForSelector('#error:not([hidden])', { timeout: 10000 });
  const err = await page.$eval('#error', (e) => e.textContent);
  check(err.includes('quality.jpeg') && err.includes('150'),
    `bad settings shown: '${err}'`);
  check(await page.$eval('#drop', (e) => e.getAttribute('aria-disabled')) ===
    'false', 'drop zone usable again after an error');

  // Stop, still at phone width: a noise PNG and four large photos to AVIF
  // on 2 workers, the largest file first. Once the PNG is done, two photos
  // are being encoded (about a second each) and two are queued.
  await page.fill('#q-jpeg', '');
  await page.selectOption('#resize-mode', 'none');
  await page.selectOption('#format', 'avif');
  const mark = errors.length;
  const deletes = [];
  page.on('request', (r) => {
    if (r.method() === 'DELETE') deletes.push(r.url());
  });
  const stopNames = ['noise.png', 'big1.jpg', 'big2.jpg', 'big3.jpg',
    'big4.jpg'];
  await page.setInputFiles('#picker', stopNames.map(img));
  await page.waitForFunction((prev) => document.body.dataset.job !== prev &&
    document.querySelector('#rows tr.done'), job2, { timeout: 30000 });
  const job3 = await page.evaluate(() => document.body.dataset.job);
  check(await page.isVisible('#stop') && await page.isEnabled('#stop'),
    'Stop shown while the job runs');
  const doneBefore = (await shownRows(page)).filter((r) => r.cls === 'done');
  const noiseBefore = doneBefore[0];
  check(doneBefore.length === 1 && noiseBefore.name === 'noise.png',
    'the PNG is done first: ' + doneBefore.map((r) => r.name));
  // Tab from the drop zone reaches Stop; Enter stops.
  await page.focus('#drop');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.id) === 'stop',
    'Tab from the drop zone reaches Stop');
  const [del] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'DELETE'),
    page.keyboard.press('Enter'),
  ]);
  const delBody = await del.json();
  check(del.status() === 200 && delBody.removed === true,
    `DELETE answered ${del.status()} ${JSON.stringify(delBody)}`);
  check(deletes.length === 1 && deletes[0].endsWith('/api/jobs/' + job3),
    `DELETE requests: ${deletes}`);
  const cancelled = delBody.cancelled;
  check(cancelled >= 2 && cancelled <= 3,
    `${cancelled} of 4 photos cancelled, want 2 or 3 (a slow machine?)`);
  await page.waitForFunction(() => document.body.dataset.status === 'stopped');
  check((await api('/api/jobs/' + job3)).status === 404,
    'stopped job gone from the server');
  // The colour of errors, as computed styles give it.
  const bad = await page.evaluate(() => {
    const s = document.createElement('span');
    s.style.color = 'var(--bad)';
    document.body.appendChild(s);
    const c = getComputedStyle(s).color;
    s.remove();
    return c;
  });
  // Every row settles: the cancelled ones at once, the ones a worker had
  // taken when their encode ends (their results are shown).
  await page.waitForFunction((id) => document.body.dataset.stopped === id,
    job3, { timeout: 60000 });
  const rows3 = await shownRows(page);
  const stopped = rows3.filter((r) => r.cls === 'cancelled');
  const finished = rows3.filter((r) => r.cls === 'done');
  check(rows3.length === 5 && stopped.length === cancelled &&
    finished.length === 5 - cancelled,
  `rows after Stop: ${rows3.map((r) => r.cls)}, ${cancelled} cancelled`);
  check(stopped.every((r) => r.saved === 'cancelled' && r.after === '–' &&
    !r.error), 'cancelled rows say cancelled, no error text');
  check(stopped.every((r) => r.savedColor !== bad),
    `cancelled rows not coloured as errors (${bad})`);
  const noiseAfter = rows3.find((r) => r.index === noiseBefore.index);
  check(noiseAfter && noiseAfter.cls === 'done' &&
    noiseAfter.after === noiseBefore.after &&
    noiseAfter.saved === noiseBefore.saved && /%$/.test(noiseAfter.saved),
  `finished row keeps its result: ${JSON.stringify(noiseAfter)}`);
  check(finished.every((r) => /^-?\d+\.\d%$/.test(r.saved)),
    'rows finished after the Stop show their results');
  check(rows3.every((r) => r.links === 0), 'no download links after Stop');
  check(!(await page.isVisible('#zip')), 'no zip link after Stop');
  check(!(await page.isVisible('#stop')), 'Stop gone after Stop');
  const msg = await page.$eval('#current', (e) => e.textContent);
  check(msg.startsWith(`Stopped: ${5 - cancelled} optimized, ` +
    `${cancelled} cancelled.`), `stopped message '${msg}'`);
  check(await page.$eval('#total-count', (e) => e.textContent) ===
    `${5 - cancelled} optimized, ${cancelled} cancelled`, 'stopped totals');
  check(await page.evaluate(() => document.activeElement.id) === 'current',
    'focus on the stopped message');
  check(await page.$eval('#drop', (e) => e.getAttribute('aria-disabled')) ===
    'false', 'drop zone usable after Stop');
  check(await page.evaluate(() =>
    document.documentElement.scrollWidth <= window.innerWidth),
  'no sideways scrolling after Stop at phone width');
  await page.screenshot({ path: path.join(artifacts,
    'serve-page-stopped-phone.png'), fullPage: true });

  // A Stop that fails: no network, then a job the server no longer has.
  await page.setInputFiles('#picker', [img('big1.jpg')]);
  await page.waitForFunction((prev) => document.body.dataset.job !== prev &&
    !document.getElementById('stop').hidden, job3, { timeout: 30000 });
  const job5 = await page.evaluate(() => document.body.dataset.job);
  // The row of the image a worker took says so, not "waiting".
  await page.waitForFunction(() =>
    document.getElementById('current').textContent.startsWith('Optimizing'),
  null, { timeout: 30000 }).catch(() => {});
  check(await page.$eval('#rows', (e) => e.textContent.includes('optimizing')),
    'the running image\'s row says optimizing');
  await page.screenshot({ path: path.join(artifacts,
    'serve-page-running-phone.png'), fullPage: true });
  await page.route('**/api/jobs/*', (route) =>
    route.request().method() === 'DELETE' ? route.abort() : route.continue());
  await page.click('#stop');
  await page.waitForSelector('#error:not([hidden])', { timeout: 10000 });
  const netErr = await page.$eval('#error', (e) => e.textContent);
  check(netErr.includes('Could not stop') && netErr.includes('not reachable'),
    `failed DELETE shown: '${netErr}'`);
  check(await page.isVisible('#stop') && await page.isEnabled('#stop'),
    'Stop usable again after a failed DELETE');
  check(await page.evaluate(() => document.body.dataset.status) ===
    'processing', 'job still followed after a failed DELETE');
  await page.unroute('**/api/jobs/*');
  await page.route('**/api/jobs/*', (route) =>
    route.request().method() === 'DELETE' ? route.fulfill({ status: 404,
      contentType: 'application/json', body: '{"error": "no such job"}' }) :
      route.continue());
  await page.click('#stop');
  await page.waitForFunction(() =>
    document.getElementById('error').textContent.includes('no longer'));
  check(!(await page.isVisible('#stop')) && !(await page.isVisible('#zip')) &&
    await page.$$eval('#rows a', (a) => a.length) === 0,
  'job gone: no Stop, no downloads');
  check(await page.$eval('#drop', (e) => e.getAttribute('aria-disabled')) ===
    'false' && await page.evaluate(() => document.body.dataset.status) ===
    'gone', 'drop zone usable after a 404 on Stop');
  check(deletes.length === 3 && deletes.slice(1).every((u) =>
    u.endsWith('/api/jobs/' + job5)), `DELETE requests: ${deletes}`);
  await page.unroute('**/api/jobs/*');

  // A new upload after a Stop runs to the end as usual.
  await page.setInputFiles('#picker', [img('forest.jpg')]);
  const job4 = await waitDone(page, job2);
  const j4 = await api('/api/jobs/' + job4);
  check(job4 !== job3 && job4 !== job5 && j4.body.succeeded === 1 &&
    j4.body.files[0].downloadName === 'forest.avif',
  'upload after Stop completes');
  await checkNumbers(page, j4.body, 'job after Stop');
  check(!(await page.$eval('#progress', (e) =>
    e.classList.contains('stopped'))), 'progress no longer shows stopped');
  // The failed DELETEs log net::ERR_FAILED and a 404; a results GET sent
  // just before the Stop may be answered 404 too.
  errors.splice(mark, errors.length - mark, ...errors.slice(mark).filter(
    (e) => !e.includes('net::ERR_FAILED') && !e.includes('status of 404')));
  // Chromium logs the refused upload's 400 itself; anything else is ours.
  const unexpected = errors.filter((e) => !e.includes('status of 400'));
  check(unexpected.length === 0, 'no console errors: ' + unexpected.join(' | '));
} catch (e) {
  failures++;
  console.error('FAIL: ' + (e.stack || e));
} finally {
  await browser.close();
}
console.log(`test_page: ${checks} checks, ${failures} failed`);
process.exit(failures ? 1 : 0);
