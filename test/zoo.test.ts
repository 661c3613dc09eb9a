// The committed Fashion-MNIST model zoo (models/zoo, made by tools/train_zoo.py) through the platform: manifest
// loader, model cache, image embedding and CorrEmbed on the 200 held-out test images of demo/fashion-mnist.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { accuracyFit, type AccuracyFitResult } from '../src/analysis/accuracyFit.js';
import { embedImages } from '../src/embedding/embedImages.js';
import { getModel, releaseModels } from '../src/inference/modelCache.js';
import { loadModelManifest, type ModelManifest } from '../src/inference/modelManifest.js';
import { loadManifest } from '../src/io/datasetFiles.js';
import { scoreCorrEmbed, type ScoreReport } from '../src/metric/corrEmbed.js';
import { parseScoreOptions } from '../src/metric/options.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const zooDir = join(root, 'models/zoo');
const demoDir = join(root, 'demo/fashion-mnist');

/** Feature size of each zoo model, as tools/train_zoo.py builds it. */
const EXPECTED_DIM: Record<string, number> = {
  'fmnist-linear32': 32,
  'fmnist-mlp128': 128,
  'fmnist-cnn-small': 64,
  'fmnist-cnn-wide': 128,
};

interface Result {
  manifest: ModelManifest;
  dim: number;
  report: ScoreReport;
}

const results: Result[] = [];
let fit: AccuracyFitResult;

before(async () => {
  const dataset = await loadManifest(join(demoDir, 'manifest.json'));
  const files = (await readdir(zooDir)).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const manifest = await loadModelManifest(join(zooDir, file));
    const model = await getModel(manifest, { threads: 1 });
    const { vectors, failed } = await embedImages(
      model,
      dataset.images.map((i) => ({ id: i.id, uri: i.uri! })),
      demoDir,
    );
    assert.deepEqual(failed, []);
    const data = new Float32Array(dataset.images.length * model.dim);
    dataset.images.forEach((image, i) => data.set(vectors.get(image.id)!, i * model.dim));
    const report = await scoreCorrEmbed(dataset, { rows: dataset.images.length, dim: model.dim, data }, parseScoreOptions(undefined));
    results.push({ manifest, dim: model.dim, report });
  }
  const ranked = [...results].sort((a, b) => b.report.score! - a.report.score!);
  console.log('model zoo on demo/fashion-mnist (200 test images), by CorrEmbed:');
  for (const { manifest, dim, report } of ranked) {
    const ci = report.ci95!.map((v) => v.toFixed(4)).join('..');
    console.log(
      `  ${manifest.name.padEnd(18)} dim ${String(dim).padStart(3)}  params ${String(manifest.metadata!.params).padStart(7)}  ` +
        `test acc ${manifest.metadata!.imagenetAcc1!.toFixed(2)}%  CorrEmbed ${report.score!.toFixed(4)} (95% CI ${ci})  ` +
        `Category ${report.perCategory!.Category!.toFixed(4)}  nDCG@10 ${report.retrieval!.ndcgAt10!.toFixed(4)}`,
    );
  }
  fit = accuracyFit(
    results.map(({ manifest, report }) => ({
      modelId: manifest.name,
      accuracy: manifest.metadata!.imagenetAcc1!,
      score: report.score!,
      perCategory: report.perCategory,
    })),
  );
  const line = fit.fit!;
  console.log(
    `accuracy fit: CorrEmbed = ${line.slope.toFixed(4)} x accuracy ${line.intercept < 0 ? '-' : '+'} ${Math.abs(line.intercept).toFixed(4)}, r ${line.r!.toFixed(3)}, R^2 ${line.rSquared!.toFixed(3)}, residual sd ${line.residualSd.toFixed(4)}, n ${line.n}`,
  );
  for (const m of fit.models) {
    console.log(
      `  ${m.modelId.padEnd(18)} predicted ${m.predicted!.toFixed(4)}  residual ${m.residual! >= 0 ? '+' : ''}${m.residual!.toFixed(4)}  normalised ${m.normalisedScore!.toFixed(2)}${m.outlier ? '  OUTLIER' : ''}`,
    );
  }
  for (const { category, models } of fit.categories)
    console.log(`  ${category.padEnd(9)} ${models.map((m) => `${m.rank}. ${m.modelId} ${m.score!.toFixed(4)}`).join('  ')}`);
});

after(() => releaseModels());

test('model zoo: every manifest loads, carries its Fashion-MNIST test accuracy and gives the expected feature size', () => {
  assert.deepEqual(results.map((r) => r.manifest.name).sort(), Object.keys(EXPECTED_DIM).sort());
  for (const { manifest, dim } of results) {
    assert.equal(dim, EXPECTED_DIM[manifest.name], manifest.name);
    assert.match(manifest.metadata!.family!, /Fashion-MNIST test accuracy/);
    assert.ok(manifest.metadata!.imagenetAcc1! > 80 && manifest.metadata!.params! > 0, manifest.name);
    assert.deepEqual(manifest.preprocess, {
      resize: 28,
      crop: 28,
      interpolation: 'bilinear',
      mean: [0.286, 0.286, 0.286],
      std: [0.353, 0.353, 0.353],
    });
  }
});

test('model zoo: every model gets a defined CorrEmbed from all 200 queries', () => {
  for (const { manifest, report } of results) {
    assert.equal(report.queriesUsed, 200, manifest.name);
    assert.ok(report.score! > 0 && report.score! < 1, `${manifest.name}: ${report.score}`);
  }
});

test('model zoo: the most accurate CNN scores above the linear model', () => {
  const best = results.reduce((a, b) => (b.manifest.metadata!.imagenetAcc1! > a.manifest.metadata!.imagenetAcc1! ? b : a));
  const linear = results.find((r) => r.manifest.name === 'fmnist-linear32')!;
  assert.equal(best.manifest.name, 'fmnist-cnn-wide');
  assert.ok(best.report.score! > linear.report.score!, `${best.report.score} vs ${linear.report.score}`);
});

test('model zoo: the accuracy-versus-CorrEmbed fit runs over all four models, its residuals sum to zero and no model is a 2-sigma outlier', () => {
  const line = fit.fit!;
  assert.equal(line.n, 4);
  assert.ok(line.slope > 0 && line.r! > 0, `slope ${line.slope}, r ${line.r}`);
  assert.ok(Math.abs(fit.models.reduce((sum, m) => sum + m.residual!, 0)) < 1e-9);
  // With n - 2 = 2 degrees of freedom no residual can exceed sqrt(2) standard deviations.
  assert.ok(fit.models.every((m) => !m.outlier && Math.abs(m.normalisedScore!) <= Math.SQRT2 + 1e-9));
  assert.deepEqual(
    fit.categories.map((c) => c.category),
    ['Category', 'Color', 'Garment', 'Sleeve'],
  );
});
