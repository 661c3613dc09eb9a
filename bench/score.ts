// Scoring benchmark: times the corrembed CLI against the NumPy baseline (bench/numpy_score.py) on a synthetic dataset.
//
// Usage: npm run bench:score [-- --images 20000 --items 8000 --dim 2048 --runs 3]
//        node dist/bench/score.js --images 2000 --items 800 --dim 256 --runs 1   (smoke size)
// Each child runs under `/usr/bin/time -f '%e %M %U %S'` (wall seconds, peak RSS KiB, CPU seconds), end to end (process start and
// file loading included). Runs are interleaved (project, NumPy, project with extras, and with the native OpenBLAS kernel
// built also the bare project on onnxruntime's kernel; then again) so background load hits all of them alike; medians
// are reported. Exits 1 when the scores disagree by more than 1e-4.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { similarityKernelName } from '../src/linalg/kernelChoice.js';
import { benchCli } from './benchCli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'corrembed.js');
const PYTHON = process.env.PYTHON ?? 'python3';
const TIME = '/usr/bin/time';
const TOLERANCE = 1e-4;
const TIME_TARGET = 1.0;
const RSS_TARGET_MB = 2048;
/** Set on some machines; they make OpenBLAS pick slower kernels, so the NumPy baseline runs without them. */
const SLOW_BLAS_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

interface Measurement {
  seconds: number;
  /** User + system CPU seconds: less sensitive than wall time to other work on the machine, but not the target. */
  cpuSeconds: number;
  rssMB: number;
  score: number | null;
  queriesUsed: number;
  queriesDropped: number;
}

interface Contender {
  key: string;
  label: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  runs: Measurement[];
}

const cli = benchCli('bench:score');
// Annotated, so the compiler knows code after fail() is unreachable.
const fail: (message: string) => never = cli.fail;
const positiveInt = cli.positiveInt;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function commandLine(argv: string[], unset: string[] = []): string {
  const prefix = unset.length > 0 ? `env ${unset.map((v) => `-u ${v}`).join(' ')} ` : '';
  const shown = argv.map((a) => (a === process.execPath ? 'node' : a.startsWith(ROOT + '/') ? relative(ROOT, a) : a));
  return prefix + shown.map(shellQuote).join(' ');
}

function run(argv: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

function describeFailure(what: string, result: SpawnSyncReturns<string>): string {
  const tail = (text: string | null): string => (text ?? '').trim().split('\n').slice(-15).join('\n');
  return `${what} exited with ${result.error ? result.error.message : `status ${result.status}`}\n--- stderr ---\n${tail(result.stderr)}\n--- stdout ---\n${tail(result.stdout)}`;
}

/** Runs one contender under /usr/bin/time and parses its JSON line plus the time line. */
function measure(c: Contender): Measurement {
  const result = run([TIME, '-f', '%e %M %U %S', ...c.argv], c.env);
  if (result.error || result.status !== 0) fail(describeFailure(c.label, result));
  const timeLine = result.stderr.trim().split('\n').pop() ?? '';
  const m = /^(\d+(?:\.\d+)?) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(timeLine.trim());
  if (!m) fail(`${c.label}: could not read /usr/bin/time's output (last stderr line: ${JSON.stringify(timeLine)})`);
  const jsonLine = result.stdout.trim().split('\n').pop() ?? '';
  let report: { score?: unknown; queriesUsed?: unknown; queriesDropped?: unknown };
  try {
    report = JSON.parse(jsonLine) as typeof report;
  } catch {
    return fail(`${c.label}: last stdout line is not JSON: ${jsonLine.slice(0, 300)}`);
  }
  if (report.score !== null && typeof report.score !== 'number') fail(`${c.label}: no numeric "score" in its JSON`);
  return {
    seconds: Number(m[1]),
    rssMB: Number(m[2]) / 1024,
    cpuSeconds: Number(m[3]) + Number(m[4]),
    score: report.score as number | null,
    queriesUsed: Number(report.queriesUsed),
    queriesDropped: Number(report.queriesDropped),
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function numpyDescription(env: NodeJS.ProcessEnv): string {
  const probe = run(
    [
      PYTHON,
      '-c',
      'import numpy, platform; c = numpy.show_config(mode="dicts") if hasattr(numpy, "show_config") else {}\n' +
        'b = (c or {}).get("Build Dependencies", {}).get("blas", {})\n' +
        "print(f\"NumPy {numpy.__version__} ({b.get('name', '?')} {b.get('version', '')}), Python {platform.python_version()}\")",
    ],
    env,
  );
  return probe.status === 0 ? probe.stdout.trim() : 'NumPy (version unknown)';
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function main(): void {
  const { values } = cli.args({
    options: {
      images: { type: 'string' },
      items: { type: 'string' },
      dim: { type: 'string' },
      runs: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: node dist/bench/score.js [--images 20000] [--items 8000] [--dim 2048] [--runs 3]');
    return;
  }
  const images = positiveInt('images', values.images, 20000);
  const items = positiveInt('items', values.items, 8000);
  const dim = positiveInt('dim', values.dim, 2048);
  const runs = positiveInt('runs', values.runs, 3);
  if (!existsSync(TIME)) fail(`${TIME} (GNU time) is needed to measure wall time and peak RSS the same way for every child`);
  if (!existsSync(CLI)) fail(`${relative(ROOT, CLI)} is missing: build the project first (npm run build)`);

  // 1. Dataset (generated once, then reused).
  const gen = run(
    [PYTHON, join(ROOT, 'bench', 'make_score_data.py'), '--images', String(images), '--items', String(items), '--dim', String(dim)],
    process.env,
  );
  if (gen.error || gen.status !== 0) fail(describeFailure('make_score_data.py', gen));
  const data = JSON.parse(gen.stdout.trim().split('\n').pop() ?? '{}') as {
    dir: string;
    manifest: string;
    embeddings: string;
    generated: boolean;
    seconds?: number;
  };
  console.log(
    `dataset: ${relative(ROOT, data.dir)} (${images} images, ${items} items, d=${dim}; ${data.generated ? `generated in ${data.seconds}s` : 'reused'})`,
  );
  const bareOptions = join(data.dir, 'options-bare.json');
  const extrasOptions = join(data.dir, 'options-extras.json');
  writeFileSync(bareOptions, `${JSON.stringify({ bootstrap: false, baselines: false, retrieval: false, perCategory: false })}\n`);
  writeFileSync(extrasOptions, '{}\n');

  const numpyEnv: NodeJS.ProcessEnv = { ...process.env };
  const unset = SLOW_BLAS_VARS.filter((v) => v in numpyEnv);
  for (const v of SLOW_BLAS_VARS) delete numpyEnv[v];
  const projectArgv = (options: string): string[] => [
    process.execPath,
    CLI,
    'score',
    '--dataset',
    data.manifest,
    '--embeddings',
    data.embeddings,
    '--options',
    options,
    '--json',
  ];
  // With the native OpenBLAS kernel built, the onnxruntime kernel runs too (CORREMBED_NATIVE_BLAS=false), side by side.
  const kernel = similarityKernelName();
  const ortEnv: NodeJS.ProcessEnv = { ...process.env, CORREMBED_NATIVE_BLAS: 'false' };
  const contenders: Contender[] = [
    { key: 'project', label: 'project CLI, bare metric', argv: projectArgv(bareOptions), env: process.env, runs: [] },
    {
      key: 'numpy',
      label: 'NumPy baseline',
      argv: [PYTHON, join(ROOT, 'bench', 'numpy_score.py'), '--dataset', data.manifest, '--embeddings', data.embeddings],
      env: numpyEnv,
      runs: [],
    },
    { key: 'extras', label: 'project CLI, default extras', argv: projectArgv(extrasOptions), env: process.env, runs: [] },
    ...(kernel.startsWith('native')
      ? [{ key: 'ort', label: 'project CLI, bare, onnxruntime kernel', argv: projectArgv(bareOptions), env: ortEnv, runs: [] }]
      : []),
  ];

  // 2. Interleaved runs.
  const loadBefore = os.loadavg()[0];
  for (let r = 1; r <= runs; r++) {
    for (const c of contenders) {
      process.stderr.write(`run ${r}/${runs}: ${c.label} ... `);
      const m = measure(c);
      c.runs.push(m);
      process.stderr.write(`${m.seconds.toFixed(2)} s (CPU ${m.cpuSeconds.toFixed(2)} s), ${m.rssMB.toFixed(0)} MB, score ${m.score}\n`);
    }
  }
  const loadAfter = os.loadavg()[0];

  // 3. Agreement: every run of every contender against the NumPy score.
  const [project, numpy, extras, ort] = contenders;
  const reference = numpy.runs[0];
  if (reference.score === null) fail('the NumPy baseline gave no score (every query was dropped)');
  const problems: string[] = [];
  for (const c of contenders) {
    c.runs.forEach((m, i) => {
      if (m.score === null || Math.abs(m.score - reference.score!) > TOLERANCE) {
        problems.push(`${c.label} run ${i + 1}: score ${m.score} vs NumPy ${reference.score} (|diff| > ${TOLERANCE})`);
      }
      if (m.queriesUsed !== reference.queriesUsed || m.queriesDropped !== reference.queriesDropped) {
        problems.push(
          `${c.label} run ${i + 1}: ${m.queriesUsed} queries used / ${m.queriesDropped} dropped vs NumPy ${reference.queriesUsed} / ${reference.queriesDropped}`,
        );
      }
    });
  }

  // 4. Report.
  const wall = (c: Contender): number => median(c.runs.map((m) => m.seconds));
  const rss = (c: Contender): number => median(c.runs.map((m) => m.rssMB));
  const ratio = wall(project) / wall(numpy);
  // Per-round ratios: each round runs the two back to back, so slow drifts in background load cancel out.
  const roundRatio = median(project.runs.map((m, i) => m.seconds / numpy.runs[i].seconds));
  const rows = contenders.map((c) => [
    c.label,
    wall(c).toFixed(2),
    Math.min(...c.runs.map((m) => m.seconds)).toFixed(2),
    rss(c).toFixed(0),
    (wall(c) / wall(numpy)).toFixed(2),
    median(c.runs.map((m) => m.cpuSeconds)).toFixed(2),
    c.runs[0].score === null ? 'null' : c.runs[0].score.toFixed(6),
  ]);
  const header = ['', 'wall s (median)', 'min s', 'peak RSS MB', 'x NumPy', 'CPU s (median)', 'score'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => pad(cell, widths[i], i > 0)).join('  ');
  const scoreDiff = Math.abs((project.runs[0].score ?? NaN) - reference.score);
  const rssProject = rss(project);

  console.log(`\nCorrEmbed scoring benchmark: ${images} images, ${items} items, d=${dim}, all images as queries; median of ${runs} run(s)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('');
  console.log(
    `time ratio project/NumPy: ${ratio.toFixed(3)}  (target <= ${TIME_TARGET.toFixed(1)}: ${ratio <= TIME_TARGET ? 'MET' : 'MISSED'})`,
  );
  console.log(`median per-round ratio:   ${roundRatio.toFixed(3)}  (same, pairing each project run with the NumPy run right after it)`);
  if (ort)
    console.log(
      `onnxruntime kernel/NumPy: ${(wall(ort) / wall(numpy)).toFixed(3)}  (bare metric with CORREMBED_NATIVE_BLAS=false; native/onnxruntime ${(wall(project) / wall(ort)).toFixed(3)})`,
    );
  console.log(
    `project peak RSS:         ${rssProject.toFixed(0)} MB  (target <= ${RSS_TARGET_MB} MB: ${rssProject <= RSS_TARGET_MB ? 'MET' : 'MISSED'})`,
  );
  console.log(
    `score agreement:          |project - NumPy| = ${scoreDiff.toExponential(2)}  (tolerance ${TOLERANCE}); queries used ${reference.queriesUsed}, dropped ${reference.queriesDropped}`,
  );
  console.log('');
  console.log(
    `machine: ${cpuModel()}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Node ${process.version}; ${numpyDescription(numpyEnv)}`,
  );
  console.log(`similarity kernel: ${kernel}`);
  console.log(
    `load average (1 min) before/after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}${loadBefore > 0.5 ? '  (other work was running before the benchmark: timings may be noisy)' : ''}`,
  );
  console.log(`reproduce: npm run bench:score -- --images ${images} --items ${items} --dim ${dim} --runs ${runs}`);
  console.log('children (each under /usr/bin/time -f "%e %M %U %S", from the repository root):');
  console.log(`  project: ${commandLine(project.argv)}`);
  console.log(`  NumPy:   ${commandLine(numpy.argv, unset)}`);
  console.log(`  extras:  ${commandLine(extras.argv)}`);
  if (ort) console.log(`  onnxruntime kernel: CORREMBED_NATIVE_BLAS=false ${commandLine(ort.argv)}`);
  console.log(
    JSON.stringify({
      images,
      items,
      dim,
      runs,
      projectSeconds: wall(project),
      numpySeconds: wall(numpy),
      extrasSeconds: wall(extras),
      projectRssMB: rssProject,
      numpyRssMB: rss(numpy),
      extrasRssMB: rss(extras),
      ratio,
      roundRatio,
      score: project.runs[0].score,
      numpyScore: reference.score,
      kernel,
      ortSeconds: ort ? wall(ort) : null,
    }),
  );
  if (problems.length > 0) fail(`scores disagree:\n  ${problems.join('\n  ')}`);
}

main();
