// IEEE 754 half precision: float32 -> float16 (round to nearest, ties to even) and back, as little-endian bytes.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `value` (ties to even; overflow gives +-Infinity, NaN stays NaN). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13));
  const e = exponent - 112; // rebiased from 127 to 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): zero
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    let m = full >>> shift;
    if (rest > halfway || (rest === halfway && (m & 1) === 1)) m++;
    return sign | m; // m = 0x400 carries into the smallest normal
  }
  const rest = mantissa & 0x1fff;
  let half = (e << 10) | (mantissa >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // a carry may reach the exponent, even Infinity
  return sign | half;
}

/** The value of a float16 bit pattern (exact in float32). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

let decodeTable: Float32Array | undefined;

/** float16 little-endian bytes for a vector. */
export function encodeFloat16(vector: Float32Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(vector.length * 2);
  for (let i = 0; i < vector.length; i++) {
    const h = float32ToFloat16Bits(vector[i]);
    bytes[2 * i] = h & 0xff;
    bytes[2 * i + 1] = h >>> 8;
  }
  return bytes;
}

/** The vector stored in float16 little-endian bytes (an odd length is an error). */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  if (bytes.length % 2 !== 0) throw new Error(`float16 data has an odd length (${bytes.length} bytes)`);
  const out = new Float32Array(bytes.length / 2);
  decodeFloat16Into(bytes, out, 0);
  return out;
}

/** Widens the float16 little-endian values in `bytes` into `target` from index `offset` on. */
export function decodeFloat16Into(bytes: Uint8Array, target: Float32Array, offset: number): void {
  decodeTable ??= Float32Array.from({ length: 0x10000 }, (_, h) => float16BitsToFloat32(h));
  const n = bytes.length >> 1;
  for (let i = 0; i < n; i++) target[offset + i] = decodeTable[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
}
