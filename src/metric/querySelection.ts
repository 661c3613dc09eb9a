// Resolves the `queries` option to image indices: all images, an explicit id list, or a seeded sample (ours or pandas').
import { UserInputError } from '../errors.js';
import type { QuerySelection } from './options.js';
import { pandasSampleIndices } from './pandasSample.js';
import { createRng, sampleIndices } from './random.js';

export function selectQueries(selection: QuerySelection, imageIds: string[]): Int32Array {
  const N = imageIds.length;
  if (selection === 'all') return Int32Array.from({ length: N }, (_, i) => i);
  if (Array.isArray(selection)) {
    const indexOf = new Map(imageIds.map((id, i) => [id, i]));
    const seen = new Set<string>();
    return Int32Array.from(selection, (id) => {
      const i = indexOf.get(id);
      if (i === undefined) throw new UserInputError(`options: query image "${id}" is not in the dataset`, 'NOT_FOUND');
      if (seen.has(id)) throw new UserInputError(`options: query image "${id}" is listed twice`);
      seen.add(id);
      return i;
    });
  }
  if (selection.sample > N) {
    throw new UserInputError(`options: queries.sample is ${selection.sample} but the dataset has only ${N} images`);
  }
  if (selection.sampler === 'pandas') return pandasSampleIndices(N, selection.sample, selection.seed);
  return sampleIndices(N, selection.sample, createRng(selection.seed));
}
