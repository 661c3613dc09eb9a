// Colours for the dashboard: a colour-blind-safe categorical palette and a sequential scale with readable text on it.

/** Okabe & Ito's eight colours, then four more distinguishable ones; later categories share "other" grey. */
export const CATEGORICAL = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
  '#8C564B',
  '#7F3C8D',
  '#11A579',
  '#3969AC',
];
export const OTHER = '#B0B0B0';

/** Viridis stops, dark to light. */
const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function viridis(t: number): number[] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
}

/** The sequential colour of t in [0, 1], as rgb(). */
export function sequential(t: number): string {
  return `rgb(${viridis(t).join(', ')})`;
}

/** WCAG relative luminance of an sRGB colour. */
function luminance(rgb: number[]): number {
  const [r, g, b] = rgb.map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever contrasts more (WCAG ratio) with the sequential colour of t. */
export function textOn(t: number): string {
  const l = luminance(viridis(t));
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#FFFFFF';
}
