// Output sizes and crop offsets exactly as torchvision computes them for Resize(int) and CenterCrop.

export interface CropGeometry {
  /** Size after resizing the shorter side. */
  width: number;
  height: number;
  /** Top-left corner of the centred crop in the resized image. */
  left: number;
  top: number;
}

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** torchvision `_compute_resized_output_size`: shorter side to `resize`, longer side int(resize * long / short). */
export function resizedSize(width: number, height: number, resize: number): { width: number; height: number } {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((resize * long) / short);
  return width <= height ? { width: resize, height: newLong } : { width: newLong, height: resize };
}

/** Resize then CenterCrop(crop): crop_top = round((h - crop) / 2), crop_left likewise. */
export function cropGeometry(width: number, height: number, resize: number, crop: number): CropGeometry {
  const size = resizedSize(width, height, resize);
  return {
    ...size,
    left: roundHalfEven((size.width - crop) / 2),
    top: roundHalfEven((size.height - crop) / 2),
  };
}
