// The CLI answers help and usage errors without loading any command's heavy modules (ONNX Runtime, Prisma, sharp, the server).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const dir = mkdtempSync(join(tmpdir(), 'corrembed-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Module hooks run off the main thread and write each resolved URL at once, so the list survives the CLI's _exit. */
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.CORREMBED_MODULE_LOG, result.url + '\\n');
  return result;
}`;
const preload = join(dir, 'record-modules.mjs');
writeFileSync(
  preload,
  `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});\n`,
);

const HEAVY =
  /onnxruntime-node|@prisma\/client|generated\/prisma|[/\\]sharp[/\\]|@apollo\/server|[/\\]express[/\\]|platform\.js|services\.js|graphql-ws|node_modules[/\\]ws[/\\]|@aws-sdk/;

let runs = 0;
function loadedModules(...args: string[]): { code: number | null; stdout: string; stderr: string; modules: string[] } {
  const log = join(dir, `modules-${runs++}.txt`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', preload, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CORREMBED_MODULE_LOG: log },
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    modules: readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

function assertLight(modules: string[]): void {
  assert.ok(
    modules.some((url) => url.endsWith('/cli/commandSpecs.js')),
    'the module log records the CLI own modules',
  );
  assert.deepEqual(
    modules.filter((url) => HEAVY.test(url)),
    [],
  );
}

test('cli startup: --help, a command help and usage errors load no heavy module', () => {
  const help = loadedModules('--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /corrembed embed --manifest/);
  assertLight(help.modules);
  const serveHelp = loadedModules('serve', '--help');
  assert.equal(serveHelp.code, 0, serveHelp.stderr);
  assert.match(serveHelp.stdout, /usage: corrembed serve/);
  assertLight(serveHelp.modules);
  const unknownFlag = loadedModules('embed', '--frobnicate', 'x.png');
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /^corrembed embed: Unknown option '--frobnicate'/);
  assertLight(unknownFlag.modules);
  const missingOrBad = [
    ['embed'],
    ['embed', '--manifest', 'model.json'],
    ['import-openmoji', '--size', '4', '--out', dir],
    ['function-host', '--port', 'abc'],
    ['export-vectors', '--out', 'vectors.npy'],
    ['export-vectors', '--run', 'r', '--out', 'vectors.npy', '--dtype', 'float64'],
    ['evaluate'],
    ['leaderboard'],
  ];
  for (const args of missingOrBad) {
    const missing = loadedModules(...args);
    assert.equal(missing.code, 2, `${args.join(' ')}: ${missing.stderr}`);
    assert.match(missing.stderr, new RegExp(`^corrembed ${args[0]}: `));
    assertLight(missing.modules);
  }
  const unknownCommand = loadedModules('frobnicate');
  assert.equal(unknownCommand.code, 2);
  assertLight(unknownCommand.modules);
});

test('cli startup: a command that runs does load its modules (the record sees them)', () => {
  const embed = loadedModules('embed', '--manifest', join(dir, 'missing.json'), 'x.png');
  assert.equal(embed.code, 2);
  assert.ok(
    embed.modules.some((url) => url.includes('onnxruntime-node')),
    'embed loads ONNX Runtime',
  );
});
