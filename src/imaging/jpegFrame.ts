// A JPEG's frame header (components: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK; width and height), read without decoding.

export interface JpegFrame {
  components: number;
  width: number;
  /** 0 when the height is only given later, by a DNL marker. */
  height: number;
}

/** Start-of-frame markers: 0xC0 to 0xCF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** The first frame's header, or undefined when `bytes` is not a JPEG or its header cannot be walked. */
export function jpegFrame(bytes: Uint8Array): JpegFrame | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let pos = 2;
  while (pos + 3 < bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a segment
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    if (isStartOfFrame(marker)) {
      // FF Cn, length (2), precision (1), height (2), width (2), components (1).
      if (pos + 9 >= bytes.length) return undefined;
      return { components: bytes[pos + 9], height: (bytes[pos + 5] << 8) | bytes[pos + 6], width: (bytes[pos + 7] << 8) | bytes[pos + 8] };
    }
    pos += 2 + ((bytes[pos + 2] << 8) | bytes[pos + 3]);
  }
  return undefined;
}
