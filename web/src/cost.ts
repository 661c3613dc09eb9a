// The cost view: CorrEmbed against images/s or parameters (log scale) and the Pareto front a retailer would pick from.
import { axes, HEIGHT, MARGIN, WIDTH } from './chartFrame.js';
import { compact, field, fixed, h, notice, s, show } from './dom.js';
import { chartExports, tableExports } from './exporting.js';
import { extent, linearScale } from './scale.js';
import type { BoardEntry } from './types.js';
import { setUrlValues, urlChoice } from './urlState.js';

const COSTS = {
  speed: {
    label: 'Images per second (log scale)',
    value: (e: BoardEntry) => e.model.metadata.imagesPerSecond,
    /** Faster is better: a higher value is a lower cost. */
    better: (x: number, y: number) => x >= y,
  },
  params: {
    label: 'Parameters (log scale)',
    value: (e: BoardEntry) => e.model.metadata.params,
    better: (x: number, y: number) => x <= y,
  },
} as const;
type CostKey = keyof typeof COSTS;

interface CostPoint {
  entry: BoardEntry;
  cost: number;
}

/** The points no other point dominates (at least as good on both figures and better on one). */
export function paretoFront(points: CostPoint[], better: (x: number, y: number) => boolean): CostPoint[] {
  const dominated = (p: CostPoint) =>
    points.some(
      (q) => q !== p && better(q.cost, p.cost) && q.entry.score >= p.entry.score && (q.cost !== p.cost || q.entry.score > p.entry.score),
    );
  return points.filter((p) => !dominated(p)).sort((x, y) => x.entry.score - y.entry.score);
}

function chart(points: CostPoint[], front: Set<CostPoint>, key: CostKey): SVGSVGElement {
  const logs = points.map((p) => Math.log10(p.cost));
  const x = linearScale(extent(logs), [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale(extent(points.map((p) => p.entry.score)), [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const frontPoints = [...front].sort((p, q) => p.cost - q.cost);
  return s(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      class: 'chart cost-chart',
      'aria-label': `CorrEmbed against ${COSTS[key].label} for ${points.length} models; Pareto front: ${frontPoints.map((p) => p.entry.model.name).join(', ')}`,
    },
    ...axes(x, y, { x: COSTS[key].label, y: 'CorrEmbed' }, 5, (t) => compact(Number((10 ** t).toPrecision(2)))),
    s('polyline', { class: 'front', points: frontPoints.map((p) => `${x(Math.log10(p.cost))},${y(p.entry.score)}`).join(' ') }),
    ...points.map((p) => {
      const [px, py] = [x(Math.log10(p.cost)), y(p.entry.score)];
      const onFront = front.has(p);
      const left = px > WIDTH * 0.66;
      return s(
        'g',
        { class: onFront ? 'point on-front' : 'point', 'data-model': p.entry.model.name },
        s('circle', { cx: px, cy: py, r: onFront ? 6 : 4.5 }),
        s('title', {}, `${p.entry.model.name}: CorrEmbed ${fixed(p.entry.score)}, ${compact(p.cost)}`),
        onFront
          ? s('text', { x: left ? px - 9 : px + 9, y: py - 8, 'text-anchor': left ? 'end' : 'start', class: 'label' }, p.entry.model.name)
          : null,
      );
    }),
  );
}

export function renderCost(container: HTMLElement, entries: BoardEntry[]): void {
  if (entries.length === 0) return show(container, notice('No finished evaluation on this dataset yet.'));
  const select = h(
    'select',
    { id: 'cost-axis' },
    h('option', { value: 'speed' }, 'Images per second'),
    h('option', { value: 'params' }, 'Parameters'),
  );
  select.value = urlChoice('cost', ['speed', 'params'] as const, 'speed');
  const body = h('div', {});
  let svg: SVGSVGElement | null = null;
  const draw = (): void => {
    const key = select.value as CostKey;
    const points = entries.flatMap((entry) => {
      const cost = COSTS[key].value(entry);
      return cost !== null && cost > 0 ? [{ entry, cost }] : [];
    });
    const missing = entries.filter((e) => !points.some((p) => p.entry === e)).map((e) => e.model.name);
    if (points.length === 0) {
      svg = null;
      return show(body, notice('No model has this figure yet.'));
    }
    const front = paretoFront(points, COSTS[key].better);
    svg = chart(points, new Set(front), key);
    show(
      body,
      h(
        'figure',
        {},
        svg,
        h(
          'figcaption',
          {},
          `${front.length} of ${points.length} models on the Pareto front (no other model both scores higher and costs less).`,
        ),
      ),
      chartExports('cost-versus-corrembed', () => svg),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { id: 'pareto-table' },
          h('caption', {}, 'The Pareto front, best score first.'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Model'),
              h('th', { scope: 'col', class: 'num' }, 'CorrEmbed'),
              h('th', { scope: 'col', class: 'num' }, key === 'speed' ? 'Images/s' : 'Params'),
            ),
          ),
          h(
            'tbody',
            {},
            ...[...front]
              .reverse()
              .map((p) =>
                h(
                  'tr',
                  { 'data-model': p.entry.model.name },
                  h('th', { scope: 'row' }, p.entry.model.name),
                  h('td', { class: 'num' }, fixed(p.entry.score)),
                  h('td', { class: 'num' }, compact(p.cost)),
                ),
              ),
          ),
        ),
      ),
      tableExports('pareto-front', () => body.querySelector('table')),
      missing.length ? h('p', { class: 'muted' }, `Without the figure (left out): ${missing.join(', ')}.`) : null,
    );
  };
  select.addEventListener('change', () => {
    setUrlValues({ cost: select.value });
    draw();
  });
  show(container, h('div', { class: 'controls' }, field('Cost', select)), body);
  draw();
}
