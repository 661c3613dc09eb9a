// Test images written with sharp: one block pattern in every format, alpha and grey variants, odd sizes, broken files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

export const PATTERN = { width: 40, height: 30 };
/** Colour of the solid image and of the SVG's rectangle. */
export const SOLID: [number, number, number] = [10, 128, 250];

const COLOURS = [
  [200, 30, 40],
  [20, 180, 90],
  [250, 250, 250],
  [0, 0, 0],
  [60, 70, 220],
  [130, 120, 10],
];

/** Six colours in 5 x 5 blocks: few enough colours for GIF to keep it exact. */
export function blockPattern(width: number, height: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(COLOURS[(Math.floor(x / 5) + 2 * Math.floor(y / 5)) % 6], (y * width + x) * 3);
  }
  return raw;
}

/** Pixel (x, y) holds (10x, 10y, 77): a crop's position can be read back from its values. */
export function coordinatePattern(width: number, height: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([10 * x, 10 * y, 77], (y * width + x) * 3);
  return raw;
}

const fromRaw = (raw: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3): Sharp =>
  sharp(raw, { raw: { width, height, channels } });

export interface TestImages {
  /** The block pattern in each lossless format (their decoded pixels are identical). */
  png: string;
  gif: string;
  tiff: string;
  webp: string;
  /** Lossless AVIF, or null where libvips cannot encode it. */
  avif: string | null;
  jpeg: string;
  /** The pattern with alpha varying per pixel, including fully transparent pixels. */
  pngAlpha: string;
  /** Grey (one channel) and grey + alpha. */
  grey: string;
  greyAlpha: string;
  /** A solid SOLID-coloured 30 x 20 SVG and a solid 33 x 21 PNG. */
  svg: string;
  solid: string;
  /** Odd sizes and aspect ratios. */
  tall: string;
  wide: string;
  tiny: string;
  /** Coordinate patterns 21 x 16 and 16 x 19 for crop geometry. */
  coords21x16: string;
  coords16x19: string;
  /** Not an image, and a JPEG cut in half. */
  corrupt: string;
  truncated: string;
}

/** Writes every test image into dir and returns their paths. */
export async function writeTestImages(dir: string): Promise<TestImages> {
  await mkdir(dir, { recursive: true });
  const { width: w, height: h } = PATTERN;
  const pattern = blockPattern(w, h);
  const save = async (name: string, image: Sharp): Promise<string> => {
    const path = join(dir, name);
    await image.toFile(path);
    return path;
  };
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    pattern.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = (i * 37) % 256;
  }
  const grey = Buffer.from(Array.from({ length: w * h }, (_, i) => (i * 7) % 256));
  const greyAlpha = Buffer.from(Array.from({ length: w * h * 2 }, (_, i) => (i % 2 === 0 ? ((i / 2) * 7) % 256 : (i * 13) % 256)));
  const jpegBytes = await fromRaw(blockPattern(64, 48), 64, 48).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
  let avif: string | null = null;
  try {
    avif = await save('pattern.avif', fromRaw(pattern, w, h).avif({ lossless: true }));
  } catch {
    avif = null;
  }
  const svg = join(dir, 'solid.svg');
  await writeFile(
    svg,
    `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20" fill="rgb(${SOLID.join(',')})"/></svg>`,
  );
  const corrupt = join(dir, 'corrupt.png');
  await writeFile(corrupt, Buffer.from('this is not an image, whatever its name says'));
  const truncated = join(dir, 'truncated.jpg');
  await writeFile(truncated, jpegBytes.subarray(0, Math.floor(jpegBytes.length / 2)));
  const jpeg = join(dir, 'pattern.jpg');
  await writeFile(jpeg, jpegBytes);
  return {
    png: await save('pattern.png', fromRaw(pattern, w, h).png()),
    gif: await save('pattern.gif', fromRaw(pattern, w, h).gif({ dither: 0 })),
    tiff: await save('pattern.tiff', fromRaw(pattern, w, h).tiff({ compression: 'lzw' })),
    webp: await save('pattern.webp', fromRaw(pattern, w, h).webp({ lossless: true })),
    avif,
    jpeg,
    pngAlpha: await save('alpha.png', fromRaw(rgba, w, h, 4).png()),
    grey: await save('grey.png', fromRaw(grey, w, h, 1).png()),
    greyAlpha: await save('grey-alpha.png', fromRaw(greyAlpha, w, h, 2).png()),
    svg,
    solid: await save(
      'solid.png',
      sharp({ create: { width: 33, height: 21, channels: 3, background: { r: SOLID[0], g: SOLID[1], b: SOLID[2] } } }).png(),
    ),
    tall: await save('tall.png', fromRaw(blockPattern(7, 31), 7, 31).png()),
    wide: await save('wide.webp', fromRaw(blockPattern(45, 9), 45, 9).webp({ lossless: true })),
    tiny: await save('tiny.png', fromRaw(blockPattern(3, 2), 3, 2).png()),
    coords21x16: await save('coords-21x16.png', fromRaw(coordinatePattern(21, 16), 21, 16).png()),
    coords16x19: await save('coords-16x19.png', fromRaw(coordinatePattern(16, 19), 16, 19).png()),
    corrupt,
    truncated,
  };
}

/** xorshift32 stream in [0, 1): seeded, so generated photos are the same on every machine. */
function seededRandom(seed: number): () => number {
  let state = (seed * 2654435761 + 1) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** Random RGB bytes, width x height. */
function noise(width: number, height: number, random: () => number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(random() * 256);
  return raw;
}

/**
 * Writes `count` photo-like JPEGs (quality 85, 4:2:0) of varied sizes (shorter side 300 to 600 px, aspect 3:4 to 16:9,
 * like web photos): smooth colour regions from upscaled coarse noise, with fine grain on top. Returns the file names.
 */
export async function writePhotoJpegs(dir: string, count: number, seed = 1): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const random = seededRandom(seed * 1_000_003 + i);
    const short = 300 + Math.floor(random() * 301);
    const long = Math.round(short * (1.33 + random() * 0.45));
    const [width, height] = random() < 0.7 ? [long, short] : [short, long];
    const coarse = await fromRaw(noise(8, 6, random), 8, 6)
      .resize(width, height, { kernel: 'cubic', fit: 'fill' })
      .raw()
      .toBuffer();
    const grain = noise(width, height, random);
    for (let p = 0; p < coarse.length; p++) coarse[p] = Math.max(0, Math.min(255, coarse[p] + ((grain[p] - 128) >> 3)));
    const name = `photo-${String(i).padStart(5, '0')}.jpg`;
    await fromRaw(coarse, width, height).jpeg({ quality: 85 }).toFile(join(dir, name));
    names.push(name);
  }
  return names;
}
