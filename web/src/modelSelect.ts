// A labelled picker of one model among the leaderboard's, shared by the gallery, the comparison and the disagreements.
import { field, h } from './dom.js';
import type { ModelInfo } from './types.js';

export function modelSelect(id: string, label: string, models: ModelInfo[], selected: number): HTMLElement {
  return field(label, h('select', { id }, ...models.map((m, i) => h('option', { value: m.id, selected: i === selected }, m.name))));
}
