// test_page.mjs: the imgopt page in Debian's chromium (playwright-core).
// Run by tests/server/test_browser.sh with a server already running:
// IMGOPT_URL, IMGOPT_IMAGES (test images), IMGOPT_ARTIFACTS (screenshots),
// IMGOPT_TMP (scratch). Picks files with the keyboard and the picker,
// drops files with a synthetic DataTransfer, waits for completion, checks
// every number shown against GET /api/jobs/ID, downloads a file and the zip.
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
