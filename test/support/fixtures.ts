// Test fixtures: docs/metric.md's worked example and seeded synthetic datasets with embeddings that follow their tags.
import type { Order } from '../../src/metric/categoryWeights.js';
import type { DatasetManifest, ItemSpec } from '../../src/metric/dataset.js';
import type { EmbeddingMatrix } from '../../src/metric/embeddings.js';
import { parseScoreOptions, type ScoreOptions } from '../../src/metric/options.js';
import { createRng } from '../../src/metric/random.js';

export const WORKED_EXAMPLE: DatasetManifest = {
  name: 'worked example',
  categoryWeights: { Category: 0.59, Color: 0.34, Material: 0.45 },
  items: [
    {
      id: 'A',
      tags: [
        { category: 'Category', name: 'Dresses' },
        { category: 'Color', name: 'Black' },
      ],
    },
    {
      id: 'B',
      tags: [
        { category: 'Category', name: 'Dresses' },
        { category: 'Color', name: 'Blue' },
      ],
    },
    {
      id: 'C',
      tags: [
        { category: 'Category', name: 'Pants' },
        { category: 'Color', name: 'Black' },
      ],
    },
    {
      id: 'D',
      tags: [
        { category: 'Category', name: 'Dresses' },
        { category: 'Color', name: 'Black' },
        { category: 'Material', name: 'Silk' },
      ],
    },
  ],
  images: [
    { id: 'p1', item: 'A', embedding: [1, 0, 0] },
    { id: 'p2', item: 'A', embedding: [0.9, 0.1, 0] },
    { id: 'p3', item: 'B', embedding: [0.2, 1, 0] },
    { id: 'p4', item: 'C', embedding: [0, 0.3, 1] },
    { id: 'p5', item: 'D', embedding: [0.7, 0.7, 0.1] },
  ],
};

export const WORKED_EXAMPLE_R: Record<string, number> = { p1: 0.87257, p2: 0.907462, p3: 0.582286, p4: 0.869845, p5: 0.912408 };

export interface SyntheticOptions {
  items: number;
  maxImagesPerItem: number;
  dim: number;
  seed: number;
  /** Items (by index) that get no tags at all. */
  untagged?: number[];
}

/** A dataset whose embeddings are a noisy sum of per-tag directions, with images shuffled out of item order. */
export function syntheticDataset(opts: SyntheticOptions): { manifest: DatasetManifest; embeddings: EmbeddingMatrix } {
  const rng = createRng(opts.seed);
  const categories = [
    { name: 'Category', weight: 0.59, tags: ['Dress', 'Pants', 'Top', 'Skirt', 'Coat'] },
    { name: 'Color', weight: 0.34, tags: ['Black', 'Blue', 'Red', 'White'] },
    { name: 'Pattern', weight: 0.54, tags: ['Plain', 'Striped', 'Floral'] },
    { name: 'Occasion', weight: undefined, tags: ['Party', 'Work'] },
  ];
  const direction = new Map<string, Float64Array>();
  const unitVector = (): Float64Array => Float64Array.from({ length: opts.dim }, () => rng.next() * 2 - 1);
  const items: ItemSpec[] = [];
  const images: { id: string; item: string; vec: Float64Array }[] = [];
  for (let i = 0; i < opts.items; i++) {
    const tags = opts.untagged?.includes(i)
      ? []
      : categories.flatMap((c) => (rng.next() < 0.8 ? [{ category: c.name, name: c.tags[rng.int(c.tags.length)] }] : []));
    items.push({ id: `item${i}`, tags });
    const base = unitVector().map((v) => v * 0.6);
    for (const tag of tags) {
      const key = `${tag.category}:${tag.name}`;
      if (!direction.has(key)) direction.set(key, unitVector());
      direction.get(key)!.forEach((v, k) => (base[k] += v));
    }
    const count = 1 + rng.int(opts.maxImagesPerItem);
    for (let j = 0; j < count; j++)
      images.push({ id: `img${i}_${j}`, item: `item${i}`, vec: base.map((v) => v + (rng.next() - 0.5) * 0.8) });
  }
  for (let i = images.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [images[i], images[j]] = [images[j], images[i]];
  }
  const data = new Float32Array(images.length * opts.dim);
  images.forEach((image, i) => data.set(image.vec, i * opts.dim));
  const categoryWeights = Object.fromEntries(categories.flatMap((c) => (c.weight === undefined ? [] : [[c.name, c.weight]])));
  return {
    manifest: { name: `synthetic-${opts.seed}`, categoryWeights, items, images: images.map(({ id, item }) => ({ id, item })) },
    embeddings: { rows: images.length, dim: opts.dim, data },
  };
}

/** Options with every extra switched off unless given. */
export function bareOptions(overrides: Record<string, unknown> = {}): ScoreOptions {
  return parseScoreOptions({ bootstrap: false, retrieval: false, perCategory: false, ...overrides });
}

export function copyMatrix(m: EmbeddingMatrix): EmbeddingMatrix {
  return { rows: m.rows, dim: m.dim, data: Float32Array.from(m.data) };
}

export const WEIGHTS_DATASET: DatasetManifest = {
  name: 'weights',
  categoryWeights: {},
  items: [
    {
      id: 'i1',
      tags: [
        { category: 'Color', name: 'Black' },
        { category: 'Category', name: 'Dress' },
        { category: 'Size', name: 'M' },
      ],
    },
    {
      id: 'i2',
      tags: [
        { category: 'Color', name: 'Blue' },
        { category: 'Category', name: 'Dress' },
      ],
    },
    { id: 'i3', tags: [{ category: 'Color', name: 'Black' }] },
  ],
  images: [{ id: 'p1', item: 'i1' }],
};

const repeat = (user: string, item: string, n: number): Order[] => Array.from({ length: n }, () => ({ user, item }));

/** u1: 11 x i1 (entropy 0); u2: 4 x i1, 4 x i2, 3 x i3; u3: only 5 orders, not recurring. */
export const WEIGHTS_ORDERS: Order[] = [
  ...repeat('u1', 'i1', 11),
  ...repeat('u2', 'i1', 4),
  ...repeat('u2', 'i2', 4),
  ...repeat('u2', 'i3', 3),
  ...repeat('u3', 'i2', 5),
];
