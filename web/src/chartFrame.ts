// The frame the dashboard's scatter charts share: their size and margins, both axes' ticks and grid, and the axis titles.
import { s } from './dom.js';
import type { Scale } from './scale.js';

export const WIDTH = 640;
export const HEIGHT = 380;
export const MARGIN = { top: 16, right: 24, bottom: 44, left: 56 };

/** The axes' ticks (x labelled by `xTick`), the horizontal grid lines, and the two axis titles. */
export function axes(
  x: Scale,
  y: Scale,
  titles: { x: string; y: string },
  xTicks: number,
  xTick: (t: number) => string = String,
): SVGElement[] {
  const middle = (HEIGHT - MARGIN.bottom + MARGIN.top) / 2;
  return [
    s(
      'g',
      { class: 'axis' },
      ...x
        .ticks(xTicks)
        .map((t) =>
          s(
            'g',
            { class: 'tick' },
            s('line', { x1: x(t), x2: x(t), y1: HEIGHT - MARGIN.bottom, y2: HEIGHT - MARGIN.bottom + 5 }),
            s('text', { x: x(t), y: HEIGHT - MARGIN.bottom + 18, 'text-anchor': 'middle' }, xTick(t)),
          ),
        ),
      ...y
        .ticks(5)
        .map((t) =>
          s(
            'g',
            { class: 'tick' },
            s('line', { x1: MARGIN.left - 5, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t), class: 'grid' }),
            s('text', { x: MARGIN.left - 8, y: y(t) + 4, 'text-anchor': 'end' }, String(t)),
          ),
        ),
    ),
    s('text', { x: (MARGIN.left + WIDTH - MARGIN.right) / 2, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'axis-label' }, titles.x),
    s('text', { x: 14, y: middle, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 14 ${middle})` }, titles.y),
  ];
}
