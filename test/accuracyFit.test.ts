// The accuracy-versus-CorrEmbed analysis: its math against values computed with numpy, and the accuracyFit query over HTTP.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { accuracyFit, type FitPoint } from '../src/analysis/accuracyFit.js';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { UserInputError } from '../src/errors.js';
import { parseScoreOptions } from '../src/metric/options.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { gql } from './support/platformClient.js';
import { testPlatformConfig } from './support/platformConfig.js';

const close = (actual: number | null | undefined, expected: number, what: string, tolerance = 1e-12): void =>
  assert.ok(actual != null && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

// Five models; expected values from numpy.polyfit / corrcoef, residual sd with n - 2 degrees of freedom.
const FIVE: FitPoint[] = [
  { modelId: 'a', accuracy: 70, score: 0.2, perCategory: { Color: 0.3, Shape: 0.1 } },
  { modelId: 'b', accuracy: 75, score: 0.22, perCategory: { Color: 0.25, Shape: 0.1 } },
  { modelId: 'c', accuracy: 80, score: 0.27, perCategory: { Color: 0.25, Shape: null } },
  { modelId: 'd', accuracy: 85, score: 0.25, perCategory: { Color: 0.2, Shape: 0.3 } },
  { modelId: 'e', accuracy: 90, score: 0.33, perCategory: { Color: 0.1 } },
];
const WITHOUT_ACCURACY: FitPoint = { modelId: 'x', accuracy: null, score: 0.5, perCategory: { Color: 0.05 } };
const FIVE_FIT = { slope: 0.0058, intercept: -0.21, r: 0.9116071895198008, rSquared: 0.83102766798419, residualSd: 0.023874672772626653 };
const FIVE_RESIDUALS = [0.004, -0.005, 0.016, -0.033, 0.018];
const FIVE_NORMALISED = [0.16754156331668177, -0.20942695414584553, 0.6701662532667177, -1.3822178973625912, 0.7539370349250546];

// The paper's points read off its figure (docs/metric.md, What the paper reports): about 0.0056 per accuracy point, r ~ 0.81.
const PAPER: [string, number, number][] = [
  ['AlexNet', 56.5, 0.146],
  ['SqueezeNet1_1', 58.2, 0.15],
  ['GoogLeNet', 69.8, 0.212],
  ['VGG19_BN', 74.2, 0.183],
  ['MobileNetV3-L', 75.3, 0.226],
  ['ShuffleNetV2 x2', 76.2, 0.226],
  ['DenseNet201', 76.9, 0.211],
  ['MNASNet1_3', 76.5, 0.228],
  ['Wide-ResNet101_2', 81.6, 0.248],
  ['ResNet152 V2', 82.3, 0.252],
  ['ResNeXt101_64x4d', 83.3, 0.243],
  ['MaxViT-T', 83.7, 0.199],
  ['Swin-V2-B', 84.1, 0.266],
  ['ConvNeXt-L', 84.4, 0.267],
  ['EfficientNet-V2-L', 85.8, 0.366],
  ['RegNet-Y-32GF SWAG', 86.9, 0.341],
  ['ViT-H/14 SWAG', 88.6, 0.362],
];

describe('accuracyFit (pure)', () => {
  test('slope, intercept, r, R^2, residual sd, predictions, residuals and normalised scores', () => {
    const result = accuracyFit(FIVE);
    assert.equal(result.reason, null);
    const fit = result.fit!;
    for (const key of Object.keys(FIVE_FIT) as (keyof typeof FIVE_FIT)[]) close(fit[key], FIVE_FIT[key], key);
    assert.equal(fit.n, 5);
    close(fit.outlierThreshold, 2 * FIVE_FIT.residualSd, 'outlierThreshold');
    assert.deepEqual(
      result.models.map((m) => m.modelId),
      ['a', 'b', 'c', 'd', 'e'],
    );
    result.models.forEach((m, i) => {
      close(m.predicted, FIVE_FIT.slope * FIVE[i].accuracy! + FIVE_FIT.intercept, `predicted ${m.modelId}`);
      close(m.residual, FIVE_RESIDUALS[i], `residual ${m.modelId}`);
      close(m.normalisedScore, FIVE_NORMALISED[i], `normalised ${m.modelId}`, 1e-9);
    });
    // With 5 models no |residual| can exceed 2 sd (at most sqrt(n - 2) sd): no outliers by default.
    assert.deepEqual(
      result.models.filter((m) => m.outlier),
      [],
    );
  });

  test('outliers by sigmas or by an absolute threshold', () => {
    const outliers = (rule: Parameters<typeof accuracyFit>[1]) =>
      accuracyFit(FIVE, rule)
        .models.filter((m) => m.outlier)
        .map((m) => m.modelId);
    assert.deepEqual(outliers({ sigmas: 1 }), ['d']);
    assert.deepEqual(outliers({ threshold: 0.02 }), ['d']);
    assert.deepEqual(outliers({ threshold: 0.017 }), ['d', 'e']);
    assert.equal(accuracyFit(FIVE, { threshold: 0.017 }).fit!.outlierThreshold, 0.017);
  });

  test("the paper's figure: slope ~0.0056, r ~0.81, EfficientNet-V2-L the 2-sigma outlier", () => {
    const result = accuracyFit(PAPER.map(([modelId, accuracy, score]) => ({ modelId, accuracy, score })));
    close(result.fit!.slope, 0.005636549111046342, 'slope');
    close(result.fit!.intercept, -0.19638129339756882, 'intercept');
    close(result.fit!.r, 0.8098229575989749, 'r');
    close(result.fit!.residualSd, 0.03905845201605292, 'residualSd');
    assert.deepEqual(
      result.models.filter((m) => m.outlier).map((m) => m.modelId),
      ['EfficientNet-V2-L'],
    );
    const below = result.models.filter((m) => m.residual! < 0).map((m) => m.modelId);
    for (const name of ['MaxViT-T', 'VGG19_BN', 'ResNeXt101_64x4d', 'DenseNet201']) assert.ok(below.includes(name), name);
  });

  test('per-category comparison: scores and ranks, ties share a rank, unscored models last', () => {
    assert.deepEqual(accuracyFit(FIVE).categories, [
      {
        category: 'Color',
        models: [
          { modelId: 'a', score: 0.3, rank: 1 },
          { modelId: 'b', score: 0.25, rank: 2 },
          { modelId: 'c', score: 0.25, rank: 2 },
          { modelId: 'd', score: 0.2, rank: 4 },
          { modelId: 'e', score: 0.1, rank: 5 },
        ],
      },
      {
        category: 'Shape',
        models: [
          { modelId: 'd', score: 0.3, rank: 1 },
          { modelId: 'a', score: 0.1, rank: 2 },
          { modelId: 'b', score: 0.1, rank: 2 },
          { modelId: 'c', score: null, rank: null },
          { modelId: 'e', score: null, rank: null },
        ],
      },
    ]);
  });

  test('degenerate input: too few models with an accuracy, equal accuracies, equal scores', () => {
    const points: FitPoint[] = [
      { modelId: 'a', accuracy: 70, score: 0.2 },
      { modelId: 'x', accuracy: null, score: 0.5 },
      { modelId: 'b', accuracy: 80, score: 0.3 },
    ];
    const few = accuracyFit(points);
    assert.equal(few.fit, null);
    assert.match(few.reason!, /at least 3 models with an ImageNet accuracy; 2 have one/);
    assert.deepEqual(few.models, [
      { modelId: 'a', accuracy: 70, score: 0.2, predicted: null, residual: null, normalisedScore: null, outlier: false },
      { modelId: 'b', accuracy: 80, score: 0.3, predicted: null, residual: null, normalisedScore: null, outlier: false },
    ]);
    assert.deepEqual(few.modelsWithoutAccuracy, [{ modelId: 'x', score: 0.5 }]);
    assert.deepEqual(accuracyFit([]), {
      fit: null,
      reason: 'a fit needs at least 3 models with an ImageNet accuracy; 0 have one',
      models: [],
      modelsWithoutAccuracy: [],
      categories: [],
    });

    const sameAccuracy = accuracyFit([70, 70, 70].map((accuracy, i) => ({ modelId: `m${i}`, accuracy, score: i / 10 })));
    assert.equal(sameAccuracy.fit, null);
    assert.match(sameAccuracy.reason!, /same ImageNet accuracy/);

    const sameScore = accuracyFit([70, 75, 80].map((accuracy, i) => ({ modelId: `m${i}`, accuracy, score: 0.25 })));
    assert.deepEqual(sameScore.fit, { slope: 0, intercept: 0.25, r: null, rSquared: null, residualSd: 0, n: 3, outlierThreshold: 0 });
    assert.deepEqual(
      sameScore.models.map((m) => [m.residual, m.normalisedScore, m.outlier]),
      [
        [0, null, false],
        [0, null, false],
        [0, null, false],
      ],
    );
  });

  test('bad outlier rules are user errors', () => {
    for (const rule of [{ sigmas: 0 }, { sigmas: -1 }, { threshold: Number.NaN }, { threshold: 0.1, sigmas: 2 }]) {
      assert.throws(
        () => accuracyFit(FIVE, rule),
        (e: unknown) => e instanceof UserInputError && e.code === 'BAD_USER_INPUT',
        JSON.stringify(rule),
      );
    }
  });
});

describe('accuracyFit over GraphQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-accuracy-fit-'));
  const databaseUrl = uniqueTestDatabaseUrl();
  let platform: Platform;
  let datasetId: string;
  const ids = new Map<string, string>();

  before(async () => {
    platform = await startPlatform(testPlatformConfig(dir, databaseUrl), () => undefined);
    const prisma = platform.db.prisma;
    datasetId = (
      await prisma.dataset.create({ data: { name: 'fit', manifestPath: join(dir, 'manifest.json'), rootDir: dir, categoryWeights: {} } })
    ).id;
    for (const point of [...FIVE, WITHOUT_ACCURACY]) {
      const model = await prisma.model.create({
        data: {
          name: `model ${point.modelId}`,
          onnxPath: `${point.modelId}.onnx`,
          onnxHash: point.modelId,
          preprocess: {},
          preprocessHash: 'p',
          inputName: 'input',
          layout: 'NCHW',
          outputName: 'output',
          dim: 4,
          imagenetAcc1: point.accuracy,
        },
      });
      ids.set(point.modelId, model.id);
    }
    const evaluations = (scores: Record<string, number>, finishedAt: Date) =>
      Object.entries(scores).map(([key, score]) => ({
        modelId: ids.get(key)!,
        status: 'succeeded' as const,
        score,
        perCategory: [...FIVE, WITHOUT_ACCURACY].find((p) => p.modelId === key)!.perCategory!,
        finishedAt,
      }));
    const run = (options: object, scores: Record<string, number>, finishedAt: Date) =>
      prisma.run.create({
        data: {
          datasetId,
          options: JSON.parse(JSON.stringify(options)),
          status: 'succeeded',
          finishedAt,
          evaluations: { create: evaluations(scores, finishedAt) },
        },
      });
    // An older run and one with other metric options: the leaderboard (and so the fit) takes neither.
    await run(parseScoreOptions({}), { a: 0.9, d: 0.9 }, new Date('2024-01-01'));
    await run(
      parseScoreOptions({}),
      { ...Object.fromEntries(FIVE.map((p) => [p.modelId, p.score])), x: WITHOUT_ACCURACY.score },
      new Date('2024-02-01'),
    );
    await run(parseScoreOptions({ includeSelf: false }), { e: 0.01 }, new Date('2024-03-01'));
  });

  after(async () => {
    await platform?.close();
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  const QUERY = `query ($d: ID!, $threshold: Float, $sigmas: Float) { accuracyFit(datasetId: $d, threshold: $threshold, sigmas: $sigmas) {
    fit { slope intercept r rSquared residualSd n outlierThreshold } reason
    models { model { id name metadata { imagenetAcc1 } } accuracy score predicted residual normalisedScore outlier }
    modelsWithoutAccuracy { model { id } score }
    categories { category models { model { id } score rank } } } }`;

  test('the numbers match the pure function on the leaderboard entries', async () => {
    const response = await gql<{ accuracyFit: any }>(platform.server.url, QUERY, { d: datasetId, sigmas: 1 });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const got = response.data!.accuracyFit;
    for (const key of Object.keys(FIVE_FIT) as (keyof typeof FIVE_FIT)[]) close(got.fit[key], FIVE_FIT[key], key);
    for (const m of got.models) assert.equal(m.model.metadata.imagenetAcc1, m.accuracy);
    // The leaderboard's entries, best score first, are what the pure function gets.
    const leaderboardPoints = [...FIVE, WITHOUT_ACCURACY].sort((a, b) => b.score - a.score);
    const key = new Map([...ids].map(([k, id]) => [id, k]));
    const withKeys = (value: any): any =>
      Array.isArray(value)
        ? value.map(withKeys)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value).map(([k, v]: [string, any]) => (k === 'model' ? ['modelId', key.get(v.id)] : [k, withKeys(v)])),
            )
          : value;
    const result = withKeys(got);
    assert.deepEqual(result, accuracyFit(leaderboardPoints, { sigmas: 1 }));
    assert.deepEqual(
      result.models.filter((m: { outlier: boolean }) => m.outlier).map((m: { modelId: string }) => m.modelId),
      ['d'],
    );
  });

  test('accuracyMetric: ImageNet top-1 unless the fitted models name theirs, several names joined', async () => {
    const prisma = platform.db.prisma;
    const metric = async () => {
      const response = await gql<{ accuracyFit: { accuracyMetric: string } }>(
        platform.server.url,
        'query ($d: ID!) { accuracyFit(datasetId: $d) { accuracyMetric } }',
        { d: datasetId },
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!.accuracyFit.accuracyMetric;
    };
    const fitted = FIVE.map((p) => ids.get(p.modelId)!);
    assert.equal(await metric(), 'ImageNet top-1 accuracy');
    try {
      await prisma.model.updateMany({ where: { id: { in: fitted } }, data: { accuracyMetric: 'Fashion-MNIST test accuracy' } });
      // The model without an accuracy is left out of the fit: its metric does not count.
      await prisma.model.update({ where: { id: ids.get(WITHOUT_ACCURACY.modelId)! }, data: { accuracyMetric: 'another accuracy' } });
      assert.equal(await metric(), 'Fashion-MNIST test accuracy');
      await prisma.model.update({ where: { id: fitted[0] }, data: { accuracyMetric: null } });
      assert.equal(await metric(), 'Fashion-MNIST test accuracy / ImageNet top-1 accuracy');
    } finally {
      await prisma.model.updateMany({ data: { accuracyMetric: null } });
    }
  });

  test('an absolute threshold; unknown datasets and bad rules get typed errors', async () => {
    const withThreshold = await gql<{ accuracyFit: { fit: { outlierThreshold: number }; models: { outlier: boolean }[] } }>(
      platform.server.url,
      QUERY,
      { d: datasetId, threshold: 0.017 },
    );
    assert.equal(withThreshold.data!.accuracyFit.fit.outlierThreshold, 0.017);
    assert.equal(withThreshold.data!.accuracyFit.models.filter((m) => m.outlier).length, 2);
    const unknown = await gql(platform.server.url, QUERY, { d: 'nope' });
    assert.equal(unknown.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.match(unknown.errors![0].message, /dataset "nope" not found/);
    const both = await gql(platform.server.url, QUERY, { d: datasetId, threshold: 0.1, sigmas: 2 });
    assert.equal(both.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(both.errors![0].message, /threshold or sigmas, not both/);
  });
});
