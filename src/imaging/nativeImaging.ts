// Loads the optional Node-API addon native/pil-imaging (PIL-exact JPEG decoding and resampling fused with ToTensor + Normalize, in C) once per thread.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * What a resize + crop writes where, the arguments every entry point ends with: the crop's first column (used when
 * there are no horizontal taps), horizontal taps (pilResample.ts's Taps.packed, or null when the width is unchanged),
 * the first source row read and how many, vertical taps (or null), the crop, the 768-float normalisation table, and
 * out[offset + c * channelStep + i * pixelStep] for channel c of crop pixel i.
 */
export type TensorPlanArguments = [
  left: number,
  horizontal: Int32Array | null,
  rowFirst: number,
  rows: number,
  vertical: Int32Array | null,
  crop: number,
  table: Float32Array,
  channelStep: number,
  pixelStep: number,
  out: Float32Array,
  offset: number,
];

/** The addon's exports (native/pil-imaging/src/pil_imaging.c); bit-identical to the JavaScript passes and writeTensor. */
export interface PilImaging {
  /** Resamples interleaved RGB bytes of `width` (their rows are the height) into the tensor. */
  resizeCropTensor(src: Uint8Array, width: number, ...plan: TensorPlanArguments): void;
  /** Whether the resampler may use its AVX2 code (the same bytes as the portable C); returns whether it does now. */
  useVectorCode(allowed: boolean): boolean;
  /**
   * Decodes a clean grey or YCbCr JPEG of width x height with libjpeg as PIL does and resamples it into the tensor, on
   * a libuv pool thread (as sharp decodes, so several images decode at once); resolves false, with nothing written,
   * for anything else (the caller decodes it with sharp, which reports what is wrong). Bad arguments throw at once.
   * Absent when the addon was built without libjpeg's headers.
   */
  decodeJpegTensor?(bytes: Uint8Array, width: number, height: number, ...plan: TensorPlanArguments): Promise<boolean>;
}

/** Where `npm install` builds the addon (this module runs from dist/src/imaging/). */
export const PIL_IMAGING_ADDON = fileURLToPath(new URL('../../../native/pil-imaging/build/Release/pil_imaging.node', import.meta.url));

/** The addon or why it is not used, and whether its AVX2 resampling runs. */
export interface LoadedPilImaging {
  imaging: PilImaging | null;
  error: string;
  vectorCode?: boolean;
}

/** Whether the addon is used (CORREMBED_NATIVE_IMAGING) and may run its AVX2 code (CORREMBED_NATIVE_SIMD). */
export interface NativeImagingSettings {
  allowed: boolean;
  /** false: the portable C resampler even where the CPU has AVX2 (the same bytes). */
  vectorCode: boolean;
}

let settings: NativeImagingSettings = { allowed: true, vectorCode: true };
let addon: LoadedPilImaging | undefined;

/** Sets how this thread preprocesses, before its first image (the process's start; each embed worker from its worker data). */
export function useNativeImaging(chosen: NativeImagingSettings): void {
  settings = chosen;
  addon = undefined;
}

/** The addon, or null with the reason it is not used (turned off, not built), tried once per thread; the vector-code choice applied. */
export function loadPilImaging(): LoadedPilImaging {
  if (addon === undefined) {
    if (!settings.allowed) {
      addon = { imaging: null, error: 'CORREMBED_NATIVE_IMAGING is off' };
    } else {
      try {
        const imaging = createRequire(import.meta.url)(PIL_IMAGING_ADDON) as PilImaging;
        addon = { imaging, error: '', vectorCode: imaging.useVectorCode(settings.vectorCode) };
      } catch (error) {
        addon = { imaging: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
      }
    }
  }
  return addon;
}

/** How this process preprocesses images, and why (docs/install.md, "Optional native addons"). */
export function preprocessingPathName(): string {
  const { imaging, error, vectorCode } = loadPilImaging();
  if (imaging === null) return `JavaScript resampling, sharp decoding: native addon not used (${error})`;
  const resampling = vectorCode ? 'C resampling (AVX2)' : 'C resampling (portable)';
  if (imaging.decodeJpegTensor === undefined)
    return `native ${resampling} (native/pil-imaging, built without libjpeg: JPEGs decoded by sharp)`;
  return `native (native/pil-imaging): libjpeg decodes grey and YCbCr JPEGs, ${resampling}; other images decoded by sharp`;
}
