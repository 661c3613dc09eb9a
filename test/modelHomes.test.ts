// Model placement over the local workers: each model's session in one worker, the workers' inference balanced, and sessions no longer needed named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelReference } from '../src/executors/executor.js';
import { ModelHomes, sessionKey } from '../src/executors/modelHomes.js';

const model = (name: string): ModelReference => ({
  name,
  onnxPath: `/models/${name}.onnx`,
  preprocess: { resize: 256, crop: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], interpolation: 'bilinear' },
  outputName: 'embedding',
  onnxHash: `hash-${name}`,
  preprocessHash: 'recipe',
});

/** Six models of two recipes, with the file sizes and inference milliseconds per image of the run benchmark's exports. */
const SIZES: Record<string, number> = { small: 6e6, large: 17e6, r18: 45e6, r34: 85e6, large2: 17e6, r50: 94e6 };
const COSTS: Record<string, number> = { small: 0.8, large: 3, r18: 16, r34: 33, large2: 3, r50: 38 };
const recipeA = ['small', 'large', 'r18', 'r34'].map(model);
const recipeB = ['large2', 'r50'].map(model);
const bytes = (m: ModelReference) => SIZES[m.name];

/** Runs `tasks` tasks of each recipe in turn, reporting their measured costs; returns each worker's inference and sessions. */
function simulate(homes: ModelHomes, tasks: number) {
  const load = [0, 0];
  const sessions = [new Set<string>(), new Set<string>()];
  for (let t = 0; t < tasks; t++) {
    for (const task of [recipeA, recipeB]) {
      const { workers, released } = homes.place(task, bytes);
      for (const { key, worker } of released) sessions[worker].delete(key);
      task.forEach((m, i) => {
        load[workers[i]] += COSTS[m.name];
        sessions[workers[i]].add(sessionKey(m));
        for (const { key, worker } of homes.measured(m, COSTS[m.name])) sessions[worker].delete(key);
      });
    }
  }
  return { load, sessions };
}

test('every model of multi-model tasks has one worker, and the swing evens the measured loads out', () => {
  const homes = new ModelHomes(2);
  simulate(homes, 3); // placed by size, then measured
  const { load, sessions } = simulate(homes, 200);
  const held = [...sessions[0], ...sessions[1]];
  assert.equal(new Set(held).size, 6);
  // One model may be held twice: the one whose tasks swing between the workers.
  assert.ok(held.length <= 7, `${held.length} sessions`);
  const total = load[0] + load[1];
  assert.ok(Math.abs(load[0] - load[1]) / total < 0.02, `loads ${load.join(' / ')}`);
});

test('a model keeps its worker while the plan stands, and a single worker holds everything', () => {
  const homes = new ModelHomes(2);
  const first = homes.place(recipeA, bytes).workers;
  assert.deepEqual(homes.place(recipeA, bytes).workers, first);
  assert.ok(new Set(first).size === 2, 'the models are spread over both workers');
  const one = new ModelHomes(1);
  assert.deepEqual(one.place([...recipeA, ...recipeB], bytes).workers, [0, 0, 0, 0, 0, 0]);
});

test('a newly seen model re-plans, and what a worker no longer holds is released', () => {
  const homes = new ModelHomes(2);
  homes.place([model('r34'), model('small')], bytes);
  // r50 is the largest: the plan starts over with it, and r34 or small changes worker.
  const { released } = homes.place([model('r50'), model('large2')], bytes);
  assert.ok(released.length > 0);
  const after = homes.place([model('r34'), model('small'), model('r50'), model('large2')], bytes).workers;
  for (const { key, worker } of released) {
    const index = ['r34', 'small', 'r50', 'large2'].findIndex((name) => sessionKey(model(name)) === key);
    assert.notEqual(after[index], worker, `${key} released from the worker it is on`);
  }
});
