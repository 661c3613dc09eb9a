// `npm run bench`: lists the benchmarks, or runs the named ones in turn, each with the flags that follow its name.
//
// Usage: npm run bench                                   (list)
//        npm run bench -- embed --model mobilenet memory  (run embed with --model mobilenet, then memory)
// Each benchmark prints its figures and the exact command that reproduces it; docs/performance.md holds the current figures.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './benchData.js';

interface Bench {
  script: string;
  about: string;
  /** Environment the benchmark runs with where the caller's does not set it. */
  env?: Record<string, string>;
}

const BENCHES: Record<string, Bench> = {
  score: { script: 'score.js', about: 'CLI scoring vs a tuned NumPy implementation (20,000 images, d = 2048): wall time, peak RSS' },
  gemm: { script: 'gemm.js', about: 'single-threaded SGEMM: onnxruntime (MLAS) vs NumPy (OpenBLAS)' },
  fanout: {
    script: 'fanout.js',
    about:
      'Lambda fan-out through the local Invoke host (200,000 images, d = 2048, --coordinators processes): per-image PostgreSQL figures, CPU',
  },
  embed: {
    script: 'embedThroughput.js',
    about: 'embedding end to end (JPEG decode + preprocess + infer + cache write) vs raw onnxruntime and PyTorch eager',
  },
  run: {
    script: 'runThroughput.js',
    about: 'a run of six torchvision exports (two recipes) over 2,000 photos vs raw run() and one model at a time: CPU per stage, peak RSS',
    // As the container image runs the platform (Dockerfile).
    env: { MALLOC_ARENA_MAX: '2' },
  },
  prep: {
    script: 'preprocessParts.js',
    about: 'preprocessing per image by part (decode, PIL-exact resample, normalise) and a fingerprint of its tensors',
  },
  memory: { script: 'embedMemory.js', about: 'peak RSS of one evaluation of 100,000 images through the real embed path' },
  compare: {
    script: 'compareModels.js',
    about: "compareModels' paired bootstrap and sign-flip test by query count: wall time, longest event-loop wait",
  },
  catalogue: {
    script: 'catalogueImport.js',
    about: 'peak RSS and wall time of a 1,000,000-row catalogue import (screen, image check, weights, batched store) and its re-import',
  },
  api: {
    script: 'apiLoad.js',
    about: 'leaderboard at 500 requests/s (autocannon) and runCompleted delivery to 1,000 graphql-ws subscribers',
  },
  cli: { script: 'cliStartup.js', about: 'CLI start-up: corrembed --help and usage errors against a bare node process (median wall time)' },
  gpu: {
    script: 'gpuEmbed.js',
    about: 'GPU inference images/s, fp32 and fp16 ResNet-50 by batch size (run bench/gpu.sh on a GPU machine)',
  },
};

const args = process.argv.slice(2);
if (args.length === 0 || args[0] === '--list') {
  console.log('benchmarks (npm run bench -- <name> [flags] [<name> [flags]...]):');
  for (const [name, bench] of Object.entries(BENCHES)) console.log(`  ${name.padEnd(8)} ${bench.about}`);
  process.exit(0);
}
const selected: { name: string; flags: string[] }[] = [];
for (const arg of args) {
  if (Object.hasOwn(BENCHES, arg)) selected.push({ name: arg, flags: [] });
  else if (selected.length > 0) selected[selected.length - 1].flags.push(arg);
  else {
    console.error(`unknown benchmark "${arg}"; one of ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
}
let failed = 0;
for (const { name, flags } of selected) {
  console.log(`\n=== ${name} ${flags.join(' ')}`);
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'bench', BENCHES[name].script), ...flags], {
    stdio: 'inherit',
    env: { ...BENCHES[name].env, ...process.env },
  });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
