// CLI start-up: wall time of `corrembed --help` and of usage errors, each a fresh process, against a bare `node -e 0`.
//
// Usage: npm run bench -- cli [--runs 20]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchCli, loadLine, machineLine, median } from './benchCli.js';
import { REPO_ROOT } from './benchData.js';

const cli = benchCli('bench cli');
const { values } = cli.args({ options: { runs: { type: 'string' } } });
const runs = cli.positiveInt('runs', values.runs, 20);
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'corrembed.js');

const cases: { label: string; args: string[]; code: number }[] = [
  { label: 'node -e 0 (the floor)', args: ['-e', '0'], code: 0 },
  { label: 'corrembed --help', args: [CLI, '--help'], code: 0 },
  { label: 'corrembed serve --help', args: [CLI, 'serve', '--help'], code: 0 },
  { label: 'corrembed frobnicate (unknown command)', args: [CLI, 'frobnicate'], code: 2 },
  { label: 'corrembed embed --bad (unknown flag)', args: [CLI, 'embed', '--bad'], code: 2 },
];

console.log(`bench cli: ${runs} runs of each, fresh processes, cases interleaved`);
console.log(machineLine());
console.log(`start: ${loadLine()}\n`);
const times = cases.map(() => [] as number[]);
for (let r = 0; r < runs; r++) {
  cases.forEach((c, i) => {
    const start = performance.now();
    const result = spawnSync(process.execPath, c.args, { stdio: 'ignore' });
    times[i].push(performance.now() - start);
    if (result.status !== c.code) cli.fail(`${c.label} exited ${result.status}, expected ${c.code}`);
  });
}
for (const [i, c] of cases.entries())
  console.log(
    `  ${c.label.padEnd(40)} median ${median(times[i]).toFixed(0).padStart(4)} ms   min ${Math.min(...times[i])
      .toFixed(0)
      .padStart(4)} ms`,
  );
console.log(`\nend: ${loadLine()}`);
console.log(`reproduce: npm run build && node dist/bench/cliStartup.js --runs ${runs}`);
