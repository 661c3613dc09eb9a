// Synthetic tagged dataset for bench/fanout: N distinct 16x16 PNGs (seeded noise over an item's colour) and their manifest.
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

const SIDE = 16;
/** Images per folder (keeps directories small at 100,000 images). */
const PER_FOLDER = 1000;
/** PNG encodes in flight (libvips runs them on its own threads). */
const IN_FLIGHT = 16;
const PALETTE = [
  [200, 40, 40],
  [40, 160, 60],
  [50, 70, 200],
  [220, 200, 50],
  [150, 60, 170],
  [40, 180, 190],
  [230, 130, 40],
  [120, 120, 120],
];

/** 16x16 RGB pixels: the item's colour, a gradient by shape, seeded noise; the first pixel spells the index (distinct bytes). */
function pixels(index: number, item: number): Buffer {
  const [r, g, b] = PALETTE[item % PALETTE.length];
  const shape = (item * 7) % 12;
  const out = Buffer.alloc(SIDE * SIDE * 3);
  let state = (index * 2654435761 + 1) >>> 0;
  for (let p = 0; p < SIDE * SIDE; p++) {
    const x = p % SIDE;
    const y = Math.floor(p / SIDE);
    const ramp = ((shape % 2 === 0 ? x : y) * shape * 2) % 64;
    for (const [c, base] of [r, g, b].entries()) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[p * 3 + c] = Math.max(0, Math.min(255, base - 32 + ramp + ((state >>> 0) % 48)));
    }
  }
  out[0] = index & 255;
  out[1] = (index >>> 8) & 255;
  out[2] = (index >>> 16) & 255;
  return out;
}

/** Writes `count` images of `perItem` images per item under `dir` (items tagged Colour/Shape/Group); returns the manifest's path. */
export async function writeFanoutDataset(dir: string, count: number, perItem: number): Promise<string> {
  const itemCount = Math.ceil(count / perItem);
  for (let f = 0; f * PER_FOLDER < count; f++) await mkdir(join(dir, 'images', String(f)), { recursive: true });
  const items = Array.from({ length: itemCount }, (_, item) => ({
    id: `item${item}`,
    tags: [
      { category: 'Colour', name: `c${item % PALETTE.length}` },
      { category: 'Shape', name: `s${(item * 7) % 12}` },
      { category: 'Group', name: `g${item % 50}` },
    ],
  }));
  const images = Array.from({ length: count }, (_, i) => ({
    id: `img${i}`,
    item: `item${i % itemCount}`,
    uri: `images/${Math.floor(i / PER_FOLDER)}/${i}.png`,
  }));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await sharp(pixels(i, i % itemCount), { raw: { width: SIDE, height: SIDE, channels: 3 } })
        .png()
        .toFile(join(dir, images[i].uri));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(
    manifestPath,
    JSON.stringify({ name: `fanout-${count}`, categoryWeights: { Colour: 0.5, Shape: 0.3, Group: 0.2 }, items, images }),
  );
  return manifestPath;
}

/** writeFanoutDataset into `dir` (4 images per item) unless its manifest is there already; returns the manifest's path. */
export async function ensureFanoutDataset(dir: string, count: number): Promise<string> {
  const manifestPath = join(dir, 'manifest.json');
  return existsSync(manifestPath) ? manifestPath : writeFanoutDataset(dir, count, 4);
}
