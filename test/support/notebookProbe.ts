// A seeded dataset that trips every notebook quirk: shared tag names, "None" tags, rounding ties, dropped categories.
import type { Order } from '../../src/metric/categoryWeights.js';
import type { DatasetManifest, Tag } from '../../src/metric/dataset.js';
import { createRng, permutation, type Rng } from '../../src/metric/random.js';

export interface NotebookProbe {
  manifest: DatasetManifest;
  orders: Order[];
}

/** Each category's tag names: Black is a colour and a brand, None a pattern, Size and Shoe Size are dropped. */
const VOCABULARY: Record<string, string[]> = {
  Color: ['Black', 'White', 'Red', 'Blue'],
  Brand: ['Black', 'Acme', 'Zed'],
  Material: ['Silk', 'Wool', 'Cotton', 'Linen', 'Denim', 'Satin', 'Lace', 'Tweed', 'Velvet', 'Jersey'],
  Pattern: ['None', 'Striped', 'Dotted'],
  Size: ['S', 'M', 'L'],
  'Shoe Size': ['38', '40'],
};

/** Weights whose Python rounding differs from half-even (.355, .015, .445) and one below 0 (a tie too). */
export const PROBE_WEIGHTS: Record<string, number> = {
  Color: 0.355,
  Brand: 0.015,
  Material: 0.445,
  Pattern: -0.425,
  Size: 0.3,
  'Shoe Size': 0.2,
};

const pick = <T>(rng: Rng, list: T[]): T => list[rng.int(list.length)];

function itemTags(rng: Rng): Tag[] {
  const tags: Tag[] = [];
  for (const [category, names] of Object.entries(VOCABULARY)) {
    if (category === 'Material') {
      // 3 to 5 of 10 materials per item: each shows on ~40% of a user's orders, so the normalised entropy exceeds 1.
      const count = 3 + rng.int(3);
      for (const i of permutation(names.length, rng).subarray(0, count)) tags.push({ category, name: names[i] });
    } else if (rng.next() < 0.75) tags.push({ category, name: pick(rng, names) });
  }
  // The tags in a random order, so the colour and the brand "Black" each get written last on some items.
  return Array.from(permutation(tags.length, rng), (i) => tags[i]);
}

/** `items` items with 1-3 images each; embeddings follow the tag names plus noise (inline, dimension 12). */
export function notebookProbe(seed: number, items = 48): NotebookProbe {
  const rng = createRng(seed);
  const dim = 12;
  const direction = new Map<string, number[]>();
  const vectorOf = (name: string): number[] => {
    if (!direction.has(name))
      direction.set(
        name,
        Array.from({ length: dim }, () => rng.next() - 0.5),
      );
    return direction.get(name)!;
  };
  const manifest: DatasetManifest = { name: `notebook-probe-${seed}`, categoryWeights: { ...PROBE_WEIGHTS }, items: [], images: [] };
  for (let o = 0; o < items; o++) {
    const id = `item${o}`;
    const tags = o === 5 ? [] : itemTags(rng);
    manifest.items.push({ id, tags });
    const base = tags.reduce(
      (sum, tag) => sum.map((v, k) => v + vectorOf(tag.name)[k]),
      Array.from({ length: dim }, () => rng.next() * 0.6),
    );
    const images = 1 + rng.int(3);
    for (let i = 0; i < images; i++) {
      manifest.images.push({ id: `${id}-p${i}`, item: id, embedding: base.map((v) => Math.fround(v + (rng.next() - 0.5) * 0.8)) });
    }
  }
  const orders: Order[] = [];
  for (let u = 0; u < 14; u++) {
    const count = u < 12 ? 11 + rng.int(10) : 6;
    for (let k = 0; k < count; k++) orders.push({ user: `user${u}`, item: `item${rng.int(items)}` });
  }
  return { manifest, orders };
}
