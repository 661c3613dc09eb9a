// Renders an SVG file as a square PNG of a given size (aspect kept, centred), flattened onto white: RGB, no alpha.
import sharp from 'sharp';

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

export async function rasteriseSvg(path: string, size: number): Promise<Buffer> {
  // librsvg draws the SVG at its intrinsic size at 72 dpi; the density scales its longer side to `size`.
  const { width = size, height = size } = await sharp(path).metadata();
  const density = (72 * size) / Math.max(width, height);
  return sharp(path, { density }).resize(size, size, { fit: 'contain', background: WHITE }).flatten({ background: WHITE }).png().toBuffer();
}
