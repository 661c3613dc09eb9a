// Decodes image bytes to interleaved 8-bit RGB exactly as PIL's open + convert('RGB') gives them.
import sharp from 'sharp';
import { UserInputError } from '../errors.js';
import { jpegFrame } from './jpegFrame.js';

export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

function decodeError(name: string, error: unknown, maxPixels: number): UserInputError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (/exceeds pixel limit/i.test(reason))
    return new UserInputError(`image ${name}: cannot decode (larger than the limit of ${maxPixels} pixels)`);
  return new UserInputError(`image ${name}: cannot decode (${reason})`);
}

/** PIL's CMYK to RGB (Convert.c cmyk2rgb): each ink scaled by the key's complement, no colour management. */
function cmykToRgb(cmyk: Buffer): Buffer {
  const rgb = Buffer.alloc((cmyk.length / 4) * 3);
  for (let i = 0, o = 0; i < cmyk.length; i += 4) {
    const nk = 255 - cmyk[i + 3];
    for (let c = 0; c < 3; c++, o++) {
      const t = cmyk[i + c] * nk + 128; // MULDIV255
      rgb[o] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return rgb;
}

/**
 * Decodes the first frame/page to 8-bit RGB the way PIL's `convert('RGB')` does: alpha is dropped without
 * compositing, grey is replicated, CMYK is inverted naively, and like PIL no embedded ICC profile or EXIF
 * orientation is applied. Failures throw a UserInputError naming the image.
 */
export async function decodeRgb(bytes: Buffer, name: string, maxPixels: number): Promise<RgbImage> {
  try {
    const input = () => sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', ignoreIcc: true, pages: 1 }).removeAlpha();
    // A JPEG's frame header says whether it is CMYK (4 components) without sharp's metadata() pass (~0.3 ms).
    const components = jpegFrame(bytes)?.components;
    const cmyk = components === undefined ? (await input().metadata()).space === 'cmyk' : components === 4;
    if (cmyk) {
      // libvips would convert CMYK through a built-in ICC profile; PIL's arithmetic needs the raw inks.
      const { data, info } = await input()
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return { data: cmykToRgb(data), width: info.width, height: info.height };
    }
    const { data, info } = await input().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw decodeError(name, error, maxPixels);
  }
}
