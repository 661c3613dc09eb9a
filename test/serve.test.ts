// `corrembed serve` as a process: it starts on the embedded PostgreSQL, and SIGINT/SIGTERM stop everything cleanly.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRunning } from '../src/db/embeddedServer.js';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');

/** Starts `corrembed serve` on a free port; resolves once it prints "Ready". */
function serve(dataDir: string): Promise<{ child: ChildProcess; output: () => string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CORREMBED_DATA_DIR: dataDir,
    PORT: '0',
    CORREMBED_ADMIN_KEY: 'serve-test-key-0123456789',
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [CLI, 'serve'], { env });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${text}`)), 60_000);
    child.stdout!.on('data', () => {
      if (text.includes('Ready.')) {
        clearTimeout(timer);
        resolve({ child, output: () => text });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${text}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('serve stops the API and the embedded PostgreSQL on SIGINT and SIGTERM, and starts again on the same data', async () => {
  const base = mkdtempSync(join(tmpdir(), 'corrembed-serve-'));
  chmodSync(base, 0o755); // as root the cluster runs as user postgres
  const dataDir = join(base, 'state');
  try {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const { child, output } = await serve(dataDir);
      assert.match(output(), /GraphQL API: +http:\/\/localhost:\d+\/graphql/);
      const pid = Number(readFileSync(join(dataDir, 'pg', 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const exit = exited(child);
      child.kill(signal);
      assert.equal(await exit, 0, output());
      assert.equal(isRunning(pid), false, `PostgreSQL ${pid} still runs after ${signal}`);
      assert.equal(existsSync(join(dataDir, 'pg', 'cluster', 'postmaster.pid')), false);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('serve refuses bad configuration with one line naming the variable', () => {
  for (const [name, value, message] of [
    ['PORT', 'abc', /PORT must be an integer/],
    ['CORREMBED_ADMIN_KEY', 'short', /CORREMBED_ADMIN_KEY must be at least 16 characters/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgresql:\/\/ URL/],
    ['CORREMBED_WORKERS', '0', /CORREMBED_WORKERS must be an integer from 1/],
  ] as const) {
    const result = spawnSync(process.execPath, [CLI, 'serve'], { env: { ...process.env, [name]: value }, encoding: 'utf8' });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr.trim(), message);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  }
});
