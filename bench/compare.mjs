// compare.mjs: imgopt against sharp and the vips command-line tool.
//
// Started by bench/compare, which builds imgopt and bench/ssim and installs
// sharp first; see the README section "Benchmark: imgopt vs sharp and vips".
//
//   node bench/compare.mjs --imgopt BIN --ssim BIN --corpus DIR
//        [--quick] [--runs N] [--json PATH] [--tools imgopt,sharp,vips]
//        [--scenarios q90,webp80,resize1920] [--no-allow-larger]
//   node bench/compare.mjs --sharp-worker SCENARIO < tasks.json   (internal)
//
// Every tool gets the same files (largest first), the same settings and two
// images in flight.  Each format is its own batch; in each (scenario,
// format) cell the tools run back to back, in an order that rotates from run
// to run.  Each tool is timed from the outside as a whole command, start-up
// included: wall seconds, and CPU seconds (user + system of the reaped
// children, which a busy machine disturbs far less).  In the first run,
// imgopt also runs once with --allow-larger in the q90 scenario (its
// encoders' output before the never-worse rule), and every output is scored
// by bench/ssim against its input, then deleted.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const WORKERS = 2;

// The settings, in imgopt's terms; each tool below spells them its own way.
const SCENARIOS = {
  q90: { label: 'quality 90, original format', quality: 90, to: null, longest: null },
  webp80: { label: 'quality 80 to WebP', quality: 80, to: 'webp', longest: null },
  resize1920: { label: 'longest side 1920, quality 90, original format', quality: 90, to: null, longest: 1920 },
};
const FORMATS = ['jpeg', 'png', 'webp'];
const EXT = { jpeg: 'jpg', png: 'png', webp: 'webp' };

function formatOf(name) {
  const e = path.extname(name).toLowerCase();
  if (e === '.jpg' || e === '.jpeg' || e === '.jpe' || e === '.jfif') return 'jpeg';
  if (e === '.png') return 'png';
  if (e === '.webp') return 'webp';
  return null;
}

// ---------------------------------------------------------------- sharp --

// The sharp side: reads [{in, out}] as JSON on stdin, two images in flight,
// one libvips thread each.  Prints one JSON line per image.
async function sharpWorker(scenarioName) {
  const { default: sharp } = await import('sharp');
  const sc = SCENARIOS[scenarioName];
  sharp.concurrency(1);
  sharp.cache(false);
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const tasks = JSON.parse(text);
  let next = 0;
  const lines = [];
  async function one(t) {
    const fmt = sc.to || t.format;
    let p = sharp(t.in, { failOn: 'warning', limitInputPixels: 268402689 });
    p = typeof p.autoOrient === 'function' ? p.autoOrient() : p.rotate();
    if (sc.longest)
      p = p.resize(sc.longest, sc.longest, { fit: 'inside', withoutEnlargement: true });
    const q = sc.quality;
    if (fmt === 'jpeg') {
      // imgopt: optimize_coding, interlace, quant table 0, no mozjpeg
      // extras; chroma as libvips' AUTO (4:4:4 from quality 90 up) except
      // that a 4:2:0 JPEG source keeps 4:2:0 below quality 100.
      let chroma = q >= 90 ? '4:4:4' : '4:2:0';
      if (q < 100 && t.format === 'jpeg' &&
          (await sharp(t.in).metadata()).chromaSubsampling === '4:2:0')
        chroma = '4:2:0';
      p = p.jpeg({ quality: q, progressive: true, optimiseCoding: true,
                   chromaSubsampling: chroma, mozjpeg: false });
    }
    else if (fmt === 'png')
      p = p.png({ palette: true, quality: q, effort: 4, compressionLevel: 7,
                  adaptiveFiltering: false });
    else
      p = p.webp({ quality: q, effort: 4, smartSubsample: false });
    try {
      const info = await p.toFile(t.out);
      lines.push(JSON.stringify({ in: t.in, out: t.out, size: info.size }));
    } catch (e) {
      lines.push(JSON.stringify({ in: t.in, error: String(e.message || e) }));
    }
  }
  async function lane() {
    while (next < tasks.length) await one(tasks[next++]);
  }
  await Promise.all(Array.from({ length: WORKERS }, lane));
  process.stdout.write(lines.join('\n') + '\n');
}

// --------------------------------------------------------------- driver --

function die(msg) {
  process.stderr.write(`compare: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { runs: null, quick: false, allowLarger: true, json: null, corpus: null, imgopt: null, ssim: null,
              tools: ['imgopt', 'sharp', 'vips'], scenarios: Object.keys(SCENARIOS) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : die(`${a} needs a value`));
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = parseInt(val(), 10);
    else if (a === '--json') o.json = val();
    else if (a === '--corpus') o.corpus = val();
    else if (a === '--imgopt') o.imgopt = val();
    else if (a === '--ssim') o.ssim = val();
    else if (a === '--tools') o.tools = val().split(',');
    else if (a === '--scenarios') o.scenarios = val().split(',');
    else if (a === '--no-allow-larger') o.allowLarger = false;
    else die(`unknown option ${a}`);
  }
  if (!o.corpus || !o.imgopt || !o.ssim) die('needs --corpus, --imgopt and --ssim (run bench/compare)');
  if (o.runs === null) o.runs = o.quick ? 1 : 3;
  if (!(o.runs >= 1)) die('--runs must be at least 1');
  for (const t of o.tools) if (!['imgopt', 'sharp', 'vips'].includes(t)) die(`unknown tool ${t}`);
  for (const s of o.scenarios) if (!SCENARIOS[s]) die(`unknown scenario ${s}`);
  if (!o.tools.includes('imgopt')) die('imgopt must be one of the tools (ratios are to imgopt)');
  return o;
}

// Raster files under dir, by format, largest first.  Hidden entries and
// folders named "optimized" are skipped, as imgopt does.
function collect(dir) {
  const byFormat = { jpeg: [], png: [], webp: [] };
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'optimized') walk(p); continue; }
      const f = formatOf(e.name);
      if (f && fs.statSync(p).isFile()) byFormat[f].push({ path: p, size: fs.statSync(p).size, format: f });
    }
  };
  walk(dir);
  for (const f of FORMATS) byFormat[f].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  return byFormat;
}

// --quick: up to 5 files a format, spread over the size range.
function subset(list, n) {
  if (list.length <= n) return list;
  const out = [];
  for (let i = 0; i < n; i++) out.push(list[Math.round((i * (list.length - 1)) / (n - 1))]);
  return out;
}

// Run a command; resolves {code, stdout, stderr, seconds}.
function run(cmd, args, { input = null, env = null, cwd = undefined } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: env ? { ...process.env, ...env } : process.env, cwd,
                                     stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({
      code: code ?? 128, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(),
      seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
    if (input !== null) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

// The output path a tool writes for input file t (by staged name).
function outName(outDir, t, fmt) {
  return path.join(outDir, path.basename(t.path, path.extname(t.path)) + '.' + EXT[fmt]);
}

const TOOLS = {
  // imgopt: two worker processes, one libvips thread each (its default for
  // -j 2 on 2 CPUs is the same), never-worse rule on.
  async imgopt(o, sc, files, outDir, scName, extra = []) {
    const args = [...extra, '-j', String(WORKERS), '--threads', '1', '-q', String(sc.quality), '--json', '--no-progress',
                  '-o', outDir];
    if (sc.to) args.push('-f', sc.to);
    if (sc.longest) args.push('-r', `longest:${sc.longest}`);
    // The staged folder of this format (imgopt walks it, largest first):
    // no argument-length limit on big corpora.
    const r = await run(o.imgopt, [...args, path.dirname(files[0].path)]);
    const results = new Map();
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const j = JSON.parse(line);
      if (j.type !== 'result') continue;
      results.set(j.original_path, j.success
        ? { out: j.optimized_path, size: j.optimized_size,
            // Never worse: same format, not resized (longest side 1920
            // leaves smaller images as they are), the input's bytes.
            kept: !extra.length && !sc.to && j.savedBytes === 0 && j.optimized_size === j.original_size }
        : { error: j.error });
    }
    if (r.code !== 0 && r.code !== 1) throw new Error(`imgopt exited ${r.code}: ${r.stderr.trim()}`);
    return { seconds: r.seconds, results };
  },

  // imgopt with --allow-larger: what its encoders write before the
  // never-worse rule; run once, in the q90 scenario only.
  async 'imgopt-allow-larger'(o, sc, files, outDir) {
    return TOOLS.imgopt(o, sc, files, outDir, null, ['--allow-larger']);
  },

  // sharp: one node process, two images in flight, sharp.concurrency(1).
  async sharp(o, sc, files, outDir, scName) {
    const tasks = files.map((f) => ({ in: f.path, format: f.format, out: outName(outDir, f, sc.to || f.format) }));
    const r = await run(process.execPath, [o.self, '--sharp-worker', scName], { input: JSON.stringify(tasks) });
    if (r.code !== 0) throw new Error(`sharp worker exited ${r.code}: ${r.stderr.trim()}`);
    const results = new Map();
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const j = JSON.parse(line);
      results.set(j.in, j.error ? { error: j.error } : { out: j.out, size: j.size, kept: false });
    }
    return { seconds: r.seconds, results };
  },

  // vips CLI: one process per image, two at a time (as xargs -P 2 would),
  // VIPS_CONCURRENCY=1.  `vips copy` for a plain re-encode, `vipsthumbnail`
  // to resize (shrink-on-load, never enlarges with ">").
  async vips(o, sc, files, outDir) {
    const t0 = process.hrtime.bigint();
    const results = new Map();
    let next = 0;
    const lane = async () => {
      while (next < files.length) {
        const f = files[next++];
        const fmt = sc.to || f.format;
        const out = outName(outDir, f, fmt);
        const q = sc.quality;
        const opts = fmt === 'jpeg' ? `Q=${q},optimize_coding,interlace,strip`
          : fmt === 'png' ? `palette,Q=${q},effort=4,compression=7,filter=none,strip`
          : `Q=${q},effort=4,strip`;
        const r = sc.longest
          ? await run('vipsthumbnail', [f.path, '--size', `${sc.longest}x${sc.longest}>`, '-o', `${out}[${opts}]`],
                      { env: { VIPS_CONCURRENCY: '1' } })
          : await run('vips', ['copy', f.path, `${out}[${opts}]`], { env: { VIPS_CONCURRENCY: '1' } });
        results.set(f.path, r.code === 0 && fs.existsSync(out)
          ? { out, size: fs.statSync(out).size, kept: false }
          : { error: r.stderr.trim().split('\n')[0] || `exit ${r.code}` });
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, lane));
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, results };
  },
};

// Score with two bench/ssim processes fed one line at a time: each line is
// an input and the outputs of every tool for it (the input is decoded once).
// Resolves, per line, an array of numbers or {error}.
async function score(o, lines) {
  const scores = new Array(lines.length);
  let next = 0;
  const lane = () => new Promise((resolve, reject) => {
    const child = spawn(o.ssim, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = readline.createInterface({ input: child.stdout });
    let current = -1;
    const feed = () => {
      if (next >= lines.length) { child.stdin.end(); return; }
      current = next++;
      child.stdin.write(lines[current].join('\t') + '\n');
    };
    rl.on('line', (line) => {
      scores[current] = line.split('\t').map((f) => (f.startsWith('error') ? { error: f } : Number(f)));
      feed();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssim exited ${code}`))));
    feed();
  });
  await Promise.all(Array.from({ length: WORKERS }, lane));
  return scores;
}

// CPU seconds (user + system) of this process's reaped children: every
// tool below is a child (imgopt reaps its workers), so the difference
// around a batch is that batch's CPU time, whatever else the machine runs.
let clockTicks = 100;
function childCpu() {
  const f = fs.readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / clockTicks;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function versions(o) {
  const v = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model?.trim() ?? 'unknown', node: process.version };
  try {
    const osr = fs.readFileSync('/etc/os-release', 'utf8');
    v.os = (osr.match(/^PRETTY_NAME="?([^"\n]*)"?/m) || [])[1] || 'unknown';
  } catch { v.os = 'unknown'; }
  v.imgopt = (await run(o.imgopt, ['--version'])).stdout.trim();
  v.vips_cli = (await run('vips', ['--version'])).stdout.trim();
  const s = await run(process.execPath, ['-e',
    "const s=require('sharp');console.log(JSON.stringify({sharp:s.versions.sharp,vips:s.versions.vips," +
    "mozjpeg:s.versions.mozjpeg,webp:s.versions.webp,imagequant:s.versions.imagequant,png:s.versions.png}))"],
    { cwd: path.dirname(o.self) });
  try { v.sharp = JSON.parse(s.stdout); } catch { v.sharp = { error: s.stderr.trim() }; }
  return v;
}

function fmtBytes(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

const TOOL_LABEL = { imgopt: 'imgopt', sharp: 'sharp', vips: 'vips CLI', 'imgopt-allow-larger': 'imgopt --allow-larger' };

function table(report) {
  const L = [];
  const cols = ['format', 'tool', 'images/s', 'vs imgopt', 'CPU s', 'CPU vs imgopt', 'bytes out', '% of input',
                'bytes vs imgopt', 'SSIM mean', 'SSIM min', 'notes'];
  const right = new Set(cols.slice(2, -1));
  for (const scName of report.scenarios) {
    L.push('', `**${scName}: ${SCENARIOS[scName].label}**`, '');
    L.push(`| ${cols.join(' | ')} |`, `|${cols.map((c) => (right.has(c) ? '---:' : '---')).join('|')}|`);
    for (const fmt of [...FORMATS, 'all']) {
      for (const r of report.results.filter((x) => x.scenario === scName && x.format === fmt)) {
        if (!r.images) continue;
        const notes = [];
        if (r.kept) notes.push(`${r.kept} kept as input`);
        if (r.failed) notes.push(`${r.failed} failed`);
        if (r.runs_seconds.length < report.runs) notes.push(`${r.runs_seconds.length} run`);
        if (r.unstable_output) notes.push('output sizes varied between runs');
        const f = (v, d) => (v === null || v === undefined ? '-' : v.toFixed(d));
        L.push(`| ${fmt} | ${TOOL_LABEL[r.tool] ?? r.tool} | ${f(r.images_per_s, 2)} | ${f(r.speed_vs_imgopt, 2)}x | ` +
               `${f(r.median_cpu_seconds, 1)} | ${f(r.cpu_vs_imgopt, 2)}x | ` +
               `${fmtBytes(r.bytes_out)} | ${(100 * r.bytes_out / r.bytes_in).toFixed(1)}% | ` +
               `${f(r.bytes_vs_imgopt, 3)} | ${f(r.ssim_mean, 5)} | ${f(r.ssim_min, 5)} | ${notes.join(', ')} |`);
      }
    }
  }
  return L.join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  o.self = new URL(import.meta.url).pathname;
  const all = collect(o.corpus);
  const corpus = {};
  for (const f of FORMATS) corpus[f] = o.quick ? subset(all[f], 5) : all[f];
  const nFiles = FORMATS.reduce((n, f) => n + corpus[f].length, 0);
  if (!nFiles) die(`no JPEG, PNG or WebP files under ${o.corpus}`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgopt-compare-'));
  const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
  // 'exit' also comes after an uncaught error (e.g. stderr piped to head).
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
  try {
    await measure(o, corpus, nFiles, tmp);
  } finally {
    cleanup();
  }
}

async function measure(o, corpus, nFiles, tmp) {
  // Stage the inputs under unique, plain names (a/x.jpg and b/x.jpg would
  // collide in a flat output folder; the vips CLI reads "x[1].jpg" as
  // options) and read them once so every tool starts from the page cache.
  for (const f of FORMATS) {
    fs.mkdirSync(path.join(tmp, 'in', f), { recursive: true });
    corpus[f] = corpus[f].map((e, i) => {
      const plain = path.basename(e.path).replace(/[^A-Za-z0-9._-]/g, '_');
      const staged = path.join(tmp, 'in', f, `${String(i).padStart(4, '0')}-${plain}`);
      fs.symlinkSync(path.resolve(e.path), staged);
      fs.readFileSync(staged);
      return { ...e, original: e.path, path: staged };
    });
  }

  const info = await versions(o);
  const ticks = parseInt((await run('getconf', ['CLK_TCK'])).stdout, 10);
  if (ticks > 0) clockTicks = ticks;
  process.stderr.write(`compare: ${nFiles} images (${FORMATS.map((f) => `${corpus[f].length} ${f}`).join(', ')}) ` +
    `from ${o.corpus}; ${o.runs} run(s) of ${o.scenarios.join(', ')} with ${o.tools.join(', ')}\n`);

  // Warm up each tool once (libraries into the page cache).
  const first = FORMATS.map((f) => corpus[f].at(-1)).find(Boolean);
  fs.mkdirSync(path.join(tmp, 'warm-in'));
  const smallest = [{ ...first, path: path.join(tmp, 'warm-in', path.basename(first.path)) }];
  fs.symlinkSync(path.resolve(first.original), smallest[0].path);
  for (const tool of o.tools) {
    const d = fs.mkdtempSync(path.join(tmp, 'warm-'));
    await TOOLS[tool](o, SCENARIOS.q90, smallest, d, 'q90');
  }

  // cells[scenario][format][tool] = {seconds: [], results, scores}
  const cells = {};
  const t0 = Date.now();
  let scoringSeconds = 0;
  const loads = [];
  for (let run = 0; run < o.runs; run++) {
    const rotated = o.tools.map((_, i) => o.tools[(i + run) % o.tools.length]);
    for (const scName of o.scenarios) {
      const sc = SCENARIOS[scName];
      // imgopt's encoder output without the never-worse rule: once.
      const order = run === 0 && scName === 'q90' && o.allowLarger ? [...rotated, 'imgopt-allow-larger'] : rotated;
      for (const fmt of FORMATS) {
        const files = corpus[fmt];
        if (!files.length) continue;
        const outDirs = [];
        loads.push(os.loadavg()[0]);
        for (const tool of order) {
          const cell = (((cells[scName] ??= {})[fmt] ??= {})[tool] ??= { seconds: [], cpu: [] });
          const outDir = fs.mkdtempSync(path.join(tmp, `${tool}-`));
          outDirs.push(outDir);
          const c0 = childCpu();
          const r = await TOOLS[tool](o, sc, files, outDir, scName);
          const cpu = childCpu() - c0;
          cell.seconds.push(r.seconds);
          cell.cpu.push(cpu);
          process.stderr.write(`  run ${run + 1}/${o.runs} ${scName} ${fmt} ${tool}: ${r.seconds.toFixed(2)} s, ` +
                               `CPU ${cpu.toFixed(2)} s\n`);
          if (run === 0) {
            cell.results = files.map((f) => ({ file: f.original, bytes_in: f.size, ...(r.results.get(f.path) ??
              { error: 'no result' }) }));
          } else {
            // Outputs must not change from run to run.
            for (const [i, f] of files.entries()) {
              const a = r.results.get(f.path), b = cell.results[i];
              if (a && !a.error && !b.error && a.size !== b.size) cell.unstable = true;
            }
            fs.rmSync(outDir, { recursive: true, force: true });
          }
        }
        if (run === 0) {
          // Score every tool's output of each input in one go.
          // Tools often write byte-identical files (the same encoder
          // underneath): each distinct file is scored once.
          const lines = [], refs = [];
          for (const [i, f] of files.entries()) {
            const outs = order.map((tool) => cells[scName][fmt][tool].results[i]).filter((x) => !x.error);
            const distinct = new Map();
            for (const x of outs) {
              x.sha1 = crypto.createHash('sha1').update(fs.readFileSync(x.out)).digest('hex');
              if (!distinct.has(x.sha1)) distinct.set(x.sha1, x.out);
            }
            if (!distinct.size) continue;
            lines.push([f.path, ...distinct.values()]); // the plain staged name
            refs.push({ outs, keys: [...distinct.keys()] });
          }
          const t = Date.now();
          const scores = await score(o, lines);
          scoringSeconds += (Date.now() - t) / 1000;
          refs.forEach(({ outs, keys }, i) => outs.forEach((x) => {
            const v = scores[i]?.[keys.indexOf(x.sha1)];
            if (typeof v === 'number' && Number.isFinite(v)) x.ssim = v;
            else x.ssim_error = v?.error ?? 'no score';
            delete x.sha1;
          }));
          for (const tool of order) for (const x of cells[scName][fmt][tool].results) if (x.out) x.out = path.basename(x.out);
          for (const d of outDirs) fs.rmSync(d, { recursive: true, force: true });
        }
      }
    }
  }
  const elapsed = (Date.now() - t0) / 1000;

  // Aggregate: per format, then "all" (per run, the sum over formats).
  const results = [];
  for (const scName of o.scenarios) {
    const rows = {};
    for (const tool of [...o.tools, 'imgopt-allow-larger']) {
      for (const fmt of FORMATS) {
        const c = cells[scName]?.[fmt]?.[tool];
        if (!c) continue;
        const ok = c.results.filter((x) => !x.error);
        const scored = ok.filter((x) => typeof x.ssim === 'number');
        rows[`${fmt}/${tool}`] = {
          scenario: scName, format: fmt, tool, images: c.results.length, runs_seconds: c.seconds,
          median_seconds: median(c.seconds), images_per_s: c.results.length / median(c.seconds),
          runs_cpu_seconds: c.cpu, median_cpu_seconds: median(c.cpu),
          bytes_in: ok.reduce((n, x) => n + x.bytes_in, 0), bytes_out: ok.reduce((n, x) => n + x.size, 0),
          kept: ok.filter((x) => x.kept).length, failed: c.results.length - ok.length,
          ssim_mean: scored.length ? scored.reduce((n, x) => n + x.ssim, 0) / scored.length : null,
          ssim_min: scored.length ? Math.min(...scored.map((x) => x.ssim)) : null,
          unstable_output: !!c.unstable, per_image: c.results,
        };
      }
      const mine = FORMATS.map((f) => rows[`${f}/${tool}`]).filter(Boolean);
      if (!mine.length) continue;
      const perRun = mine[0].runs_seconds.map((_, i) => mine.reduce((n, r) => n + r.runs_seconds[i], 0));
      const perRunCpu = mine[0].runs_cpu_seconds.map((_, i) => mine.reduce((n, r) => n + r.runs_cpu_seconds[i], 0));
      const scoredAll = mine.flatMap((r) => r.per_image.filter((x) => typeof x.ssim === 'number'));
      const images = mine.reduce((n, r) => n + r.images, 0);
      rows[`all/${tool}`] = {
        scenario: scName, format: 'all', tool, images, runs_seconds: perRun, median_seconds: median(perRun),
        images_per_s: images / median(perRun), runs_cpu_seconds: perRunCpu, median_cpu_seconds: median(perRunCpu),
        bytes_in: mine.reduce((n, r) => n + r.bytes_in, 0), bytes_out: mine.reduce((n, r) => n + r.bytes_out, 0),
        kept: mine.reduce((n, r) => n + r.kept, 0), failed: mine.reduce((n, r) => n + r.failed, 0),
        ssim_mean: scoredAll.length ? scoredAll.reduce((n, x) => n + x.ssim, 0) / scoredAll.length : null,
        ssim_min: scoredAll.length ? Math.min(...scoredAll.map((x) => x.ssim)) : null,
      };
    }
    for (const fmt of [...FORMATS, 'all']) {
      const base = rows[`${fmt}/imgopt`];
      for (const tool of [...o.tools, 'imgopt-allow-larger']) {
        const r = rows[`${fmt}/${tool}`];
        if (!r) continue;
        r.speed_vs_imgopt = base ? r.images_per_s / base.images_per_s : null;
        r.cpu_vs_imgopt = base ? r.median_cpu_seconds / base.median_cpu_seconds : null;
        r.bytes_vs_imgopt = base ? r.bytes_out / base.bytes_out : null;
        results.push(r);
      }
    }
  }

  const report = {
    date: new Date().toISOString(), machine: info, corpus: o.corpus, quick: o.quick, runs: o.runs,
    workers: WORKERS, benchmark_seconds: elapsed, scoring_seconds: scoringSeconds,
    load_average: { min: Math.min(...loads), max: Math.max(...loads), samples: loads }, scenarios: o.scenarios,
    settings: {
      order: 'each format a separate batch, largest file first; tools alternate, order rotated each run',
      imgopt: '-j 2 --threads 1 (-q 90 | -q 80 -f webp | -q 90 -r longest:1920); never-worse rule on',
      sharp: "sharp.concurrency(1), 2 images in flight; jpeg {quality, progressive, optimiseCoding, chromaSubsampling '4:4:4' at q>=90 unless the source is a 4:2:0 JPEG}; " +
             'png {palette, quality, effort 4, compressionLevel 7, adaptiveFiltering false}; webp {quality, effort 4}; ' +
             "resize {fit 'inside', withoutEnlargement}; autoOrient; metadata stripped (default)",
      vips: 'VIPS_CONCURRENCY=1, 2 processes at a time, one per image: vips copy IN OUT[opts] or ' +
            "vipsthumbnail IN --size '1920x1920>' -o OUT[opts]; jpeg Q,optimize_coding,interlace,strip; " +
            'png palette,Q,effort=4,compression=7,filter=none,strip; webp Q,effort=4,strip',
      ssim: 'bench/ssim.c: SSIM, 11x11 Gaussian window (sigma 1.5), on linear-light luminance ' +
            '(0.2126 R + 0.7152 G + 0.0722 B of linearised sRGB), alpha flattened on white, ' +
            'reference resized to the output size with libvips Lanczos-3 when the output is smaller',
    },
    results,
  };
  // A --quick run does not replace the full run's file.
  const jsonPath = o.json || path.join(path.dirname(o.self), 'results', o.quick ? 'compare-quick.json' : 'compare-latest.json');
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, JSON.stringify(report, null, 1) + '\n');

  const s = info.sharp || {};
  process.stdout.write(
    `Machine: ${info.cpus} CPUs (${info.cpu}), ${info.os}; ${info.imgopt} on Debian's ${info.vips_cli}; ` +
    `sharp ${s.sharp} (its own libvips ${s.vips}, mozjpeg, libwebp ${s.webp}); node ${info.node}.\n` +
    `${nFiles} images from ${o.corpus}${o.quick ? ' (--quick subset)' : ''}, ${o.runs} run(s), ` +
    `images/s = median of runs, ${WORKERS} workers each; took ${Math.round(elapsed)} s ` +
    `(scoring ${Math.round(scoringSeconds)} s); load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}.\n` +
    table(report) + '\n\n' +
    'vs imgopt: images/s ratio (above 1 = faster than imgopt). CPU s: user + system seconds of the whole ' +
    'batch (median of runs; CPU vs imgopt below 1 = less CPU). bytes vs imgopt: below 1 = smaller.\n' +
    "SSIM: linear-light luminance SSIM of each output against its input (1 = identical); imgopt's kept " +
    'files are the input bytes, so they score 1.\n' +
    `JSON: ${jsonPath}\n`);
}

// No process.exit() after writing: it can cut a piped stdout short.
if (process.argv[2] === '--sharp-worker') await sharpWorker(process.argv[3]);
else await main();
