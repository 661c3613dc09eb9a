// `corrembed score` and `corrembed weights` with default options against the authors' notebook code
// (test/reference/notebook_reference.py) on a probe that trips every quirk; the corrected preset against the
// corrected definition (test/reference/corrembed_reference.py); the notices each quirk leaves.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { DatasetManifest } from '../src/metric/dataset.js';
import { notebookProbe, PROBE_WEIGHTS } from './support/notebookProbe.js';

const PYTHON = '/usr/bin/python3';
const CLI = resolve('dist/src/cli/corrembed.js');
const NOTEBOOK = resolve('test/reference/notebook_reference.py');
const CORRECTED = resolve('test/reference/corrembed_reference.py');
const TOL = 1e-4;
const OFF = { bootstrap: false, retrieval: false, perCategory: false };

const dir = mkdtempSync(join(tmpdir(), 'corrembed-notebook-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Scores {
  score: number | null;
  perQuery: Record<string, number>;
  droppedQueries: string[];
  categoryWeights?: Record<string, number>;
  notices?: { quirk: string; count: number; message: string }[];
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function cli(...args: string[]): Scores {
  const result = spawnSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Scores;
}

function python(script: string, ...args: string[]): Scores {
  return JSON.parse(execFileSync(PYTHON, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Scores;
}

/** Every difference beyond TOL between two score reports (score, per-query r, dropped queries). */
function differences(expected: Scores, got: Scores): string[] {
  const out: string[] = [];
  if (expected.score === null || got.score === null || Math.abs(expected.score - got.score) > TOL)
    out.push(`score ${got.score} vs ${expected.score}`);
  assert.deepEqual([...got.droppedQueries].sort(), [...expected.droppedQueries].sort(), 'dropped queries');
  assert.deepEqual(Object.keys(got.perQuery).sort(), Object.keys(expected.perQuery).sort(), 'queries scored');
  for (const [id, r] of Object.entries(expected.perQuery)) {
    if (Math.abs(got.perQuery[id] - r) > TOL) out.push(`${id}: ${got.perQuery[id]} vs ${r}`);
  }
  return out;
}

const probe = notebookProbe(11);
const manifest = file('probe.json', probe.manifest);
const orders = file('orders.csv', ['user,item', ...probe.orders.map((o) => `${o.user},${o.item}`)].join('\n'));
const notebook = python(NOTEBOOK, '--dataset', manifest, '--orders', orders);

test('notebook parity: default options score the probe as the notebook does', () => {
  const got = cli('score', '--dataset', manifest, '--options', file('defaults.json', OFF));
  assert.ok(got.droppedQueries.length > 0, 'the untagged item drops its queries');
  assert.deepEqual(differences(notebook, got), []);
  assert.deepEqual(got.notices!.map((n) => n.quirk).sort(), ['dropCategories', 'tagIdentity', 'weightRounding']);
  const rounding = got.notices!.find((n) => n.quirk === 'weightRounding')!;
  assert.equal(rounding.count, 3, rounding.message);
  assert.match(
    got.notices!.find((n) => n.quirk === 'tagIdentity')!.message,
    /1 tag name shared by two or more categories \(e\.g\. "Black"/,
  );
});

test('notebook parity: binary tags', () => {
  const got = cli('score', '--dataset', manifest, '--options', file('binary.json', { ...OFF, tagWeighting: 'binary' }));
  assert.deepEqual(differences(python(NOTEBOOK, '--dataset', manifest, '--binary'), got), []);
});

test('notebook parity: weights, a "None" tag merged, one weight below 0, pasted into the manifest and scored', () => {
  const got = cli('weights', '--orders', orders, '--dataset', manifest);
  const categories = Object.keys(notebook.categoryWeights!).sort();
  assert.deepEqual(Object.keys(got.categoryWeights!).sort(), categories);
  for (const c of categories)
    assert.ok(
      Math.abs(got.categoryWeights![c] - notebook.categoryWeights![c]) < 1e-12,
      `${c}: ${got.categoryWeights![c]} vs ${notebook.categoryWeights![c]}`,
    );
  assert.ok(got.categoryWeights!.Material < 0, `Material ${got.categoryWeights!.Material}`);
  assert.deepEqual(
    got.notices!.map((n) => n.quirk),
    ['noneTag', 'negativeWeights'],
  );
  const separate = cli('weights', '--orders', orders, '--dataset', manifest, '--none-tag', 'separate');
  assert.notEqual(separate.categoryWeights!.Pattern, got.categoryWeights!.Pattern);
  assert.equal(separate.categoryWeights!.Color, got.categoryWeights!.Color);
  assert.deepEqual(
    cli('weights', '--orders', orders, '--dataset', manifest, '--preset', 'corrected').categoryWeights,
    separate.categoryWeights,
  );

  const pasted: DatasetManifest = { ...probe.manifest, categoryWeights: got.categoryWeights! };
  const pastedPath = file('pasted.json', pasted);
  const scored = cli('score', '--dataset', pastedPath, '--options', file('pasted-options.json', OFF));
  assert.deepEqual(differences(python(NOTEBOOK, '--dataset', pastedPath), scored), []);
});

test('notebook parity: the corrected preset computes the corrected definition, and each correction changes the probe', () => {
  const options = { ...OFF, preset: 'corrected' };
  const got = cli('score', '--dataset', manifest, '--options', file('corrected.json', options));
  const reference = python(CORRECTED, '--dataset', manifest, '--options', file('corrected-reference.json', { preset: 'corrected' }));
  assert.deepEqual(differences(reference, got), []);
  assert.deepEqual(got.notices, []);
  for (const [name, single] of Object.entries({ tagIdentity: 'category', weightRounding: 'halfEven', dropCategories: [] })) {
    const changed = cli('score', '--dataset', manifest, '--options', file(`${name}.json`, { ...OFF, [name]: single }));
    assert.ok(Math.abs(changed.score! - notebook.score!) > 1e-4, `${name}: ${changed.score} vs the notebook's ${notebook.score}`);
    assert.ok(!changed.notices!.some((n) => n.quirk === name), `${name} corrected still noticed`);
  }
});

test('notebook parity: the probe weights are the rounding ties the issue names', () => {
  assert.deepEqual([PROBE_WEIGHTS.Color, PROBE_WEIGHTS.Brand, PROBE_WEIGHTS.Material], [0.355, 0.015, 0.445]);
});

test('notebook parity: precision torch scores an embedding shorter than torch eps as the notebook does', () => {
  // The first image of item1 (a representative) scaled far below eps: torch divides it by eps, not by its length.
  const tiny: DatasetManifest = {
    ...probe.manifest,
    images: probe.manifest.images.map((im) => (im.item === 'item1' ? { ...im, embedding: im.embedding!.map((v) => v * 1e-10) } : im)),
  };
  const tinyPath = file('tiny.json', tiny);
  const expected = python(NOTEBOOK, '--dataset', tinyPath);
  assert.deepEqual(
    differences(expected, cli('score', '--dataset', tinyPath, '--options', file('torch.json', { ...OFF, precision: 'torch' }))),
    [],
  );
  const float64 = cli('score', '--dataset', tinyPath, '--options', file('float64.json', { ...OFF, precision: 'float64' }));
  assert.ok(Math.abs(float64.score! - expected.score!) > 1e-3, `float64 ${float64.score} vs torch ${expected.score}`);
});
