// The per-category heatmap: models x tag categories, each cell the model's CorrEmbed within one category.
import { sequential, textOn } from './colours.js';
import { fixed, h, notice, show } from './dom.js';
import { tableExports } from './exporting.js';
import type { BoardEntry } from './types.js';

export function renderHeatmap(container: HTMLElement, entries: BoardEntry[]): void {
  const categories = [...new Set(entries.flatMap((e) => e.evaluation.perCategory.map((c) => c.category)))];
  if (categories.length === 0) return show(container, notice('No per-category scores yet: they come with each finished evaluation.'));
  const scores = entries.flatMap((e) => e.evaluation.perCategory.flatMap((c) => (c.score === null ? [] : [c.score])));
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  const t = (score: number) => (hi === lo ? 0.5 : (score - lo) / (hi - lo));
  const best = new Map(
    categories.map((category) => [
      category,
      Math.max(...entries.map((e) => e.evaluation.perCategory.find((c) => c.category === category)?.score ?? -Infinity)),
    ]),
  );
  const rows = entries.map((entry) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, entry.model.name),
      ...categories.map((category) => {
        const score = entry.evaluation.perCategory.find((c) => c.category === category)?.score ?? null;
        if (score === null) return h('td', { class: 'cell empty' }, '–');
        const isBest = score === best.get(category);
        return h(
          'td',
          {
            class: isBest ? 'cell best' : 'cell',
            style: `background:${sequential(t(score))};color:${textOn(t(score))}`,
            title: `${entry.model.name} on ${category}: ${fixed(score)}${isBest ? ' (best)' : ''}`,
          },
          fixed(score),
          isBest ? h('span', { class: 'visually-hidden' }, ' (best)') : null,
        );
      }),
    ),
  );
  show(
    container,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'heatmap', id: 'heatmap-table' },
        h(
          'caption',
          {},
          `CorrEmbed within each tag category (tag vectors restricted to the category); darker is lower, lighter is higher (${fixed(lo)} to ${fixed(hi)}); the best model per category is outlined.`,
        ),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Model'), ...categories.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows),
      ),
    ),
    tableExports('per-category-heatmap', () => container.querySelector('table')),
  );
}
