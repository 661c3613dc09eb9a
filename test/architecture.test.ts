// The layering of docs/architecture.md, enforced: every import in src/ points to the same floor or one below.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve('src');

/** Floors from the bottom up; a folder of src/ (or a file at its top) imports only from its own floor or lower ones. */
const FLOORS: string[][] = [
  ['errors', 'semaphore'],
  ['storage', 'linalg'],
  ['metric'],
  ['io'],
  ['imaging'],
  ['inference'],
  ['db'],
  ['catalog'],
  ['embedding'],
  ['executors'],
  ['events'],
  ['runs'],
  ['analysis', 'gallery', 'importers'],
  ['config'],
  ['api'],
  ['services'],
  ['platform', 'serverless', 'demo'],
  ['cli'],
];

const floorOf = new Map(FLOORS.flatMap((units, floor) => units.map((unit) => [unit, floor] as const)));

function sourceFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'generated') continue; // written by `npm run generate`
    if (statSync(path).isDirectory()) sourceFiles(path, found);
    else if (name.endsWith('.ts')) found.push(path);
  }
  return found;
}

/** The folder under src/ a file belongs to, or its own name for a file at src/'s top. */
function unitOf(path: string): string {
  const [first, ...rest] = relative(SRC, path).split('/');
  return rest.length === 0 ? first!.replace(/\.[jt]s$/, '') : first!;
}

function relativeImports(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return specifiers;
}

test('every folder of src/ has a floor', () => {
  const units = new Set(sourceFiles(SRC).map(unitOf));
  const missing = [...units].filter((unit) => !floorOf.has(unit));
  assert.deepEqual(missing, [], 'place each new folder on a floor here and in docs/architecture.md');
});

test('imports in src/ point down, never up', () => {
  const upward: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(`${SRC}/`) || relative(SRC, target).startsWith('generated/')) continue;
      const to = unitOf(target);
      if ((floorOf.get(to) ?? Infinity) > (floorOf.get(from) ?? -1))
        upward.push(`${relative(SRC, file)} imports ${specifier} (${from} is below ${to})`);
    }
  }
  assert.deepEqual(upward, []);
});
