// The unit tier's selection: a test file is left out when it, or a test/support module it imports, uses PostgreSQL, a browser or Python.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { needsOf, unitTestFiles } from './support/testTiers.js';

const TEST_DIR = join(process.cwd(), 'dist/test');
const at = (name: string): string => join(TEST_DIR, name);

test('test tiers: each file needs what it uses, directly or through test/support', () => {
  assert.deepEqual(needsOf(at('db.test.js')).includes('postgres'), true);
  assert.deepEqual(needsOf(at('apiKeys.test.js')), ['postgres'], 'through support/securePlatform and support/testDatabase');
  assert.deepEqual(needsOf(at('dashboard.test.js')).includes('browser'), true);
  assert.deepEqual(needsOf(at('crossCheck.test.js')), ['python']);
  assert.deepEqual(needsOf(at('metric.workedExample.test.js')), []);
});

test('test tiers: the unit tier holds the pure tests and none of the others', () => {
  const unit = unitTestFiles(
    readdirSync(TEST_DIR)
      .filter((name) => name.endsWith('.test.js'))
      .map(at),
  ).map((file) => file.slice(TEST_DIR.length + 1));
  for (const name of ['cli.test.js', 'metric.workedExample.test.js', 'docLinks.test.js', 'testTiers.test.js'])
    assert.ok(unit.includes(name), `${name} in the unit tier`);
  for (const name of ['db.test.js', 'dashboard.test.js', 'crossCheck.test.js', 'serve.test.js', 'poolRecovery.test.js'])
    assert.ok(!unit.includes(name), `${name} not in the unit tier`);
});
