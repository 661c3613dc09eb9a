// `npm run test:unit`: runs the test files that need no PostgreSQL server, browser or Python (after `npm run build`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unitTestFiles } from './testTiers.js';

const testDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = unitTestFiles(
  readdirSync(testDir)
    .filter((name) => name.endsWith('.test.js'))
    .map((name) => join(testDir, name)),
);
console.log(`unit tier: ${files.length} test files (no PostgreSQL server, browser or Python)`);
const result = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
