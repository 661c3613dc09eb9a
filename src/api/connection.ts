// Relay cursor connections over any ordered list: first/after, last/before, edges with opaque cursors, pageInfo, totalCount.
import { UserInputError } from '../errors.js';

/** The paging arguments of a connection field. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** The page size when neither first nor last is given. */
export const DEFAULT_PAGE = 50;
/** The largest first or last. */
export const MAX_PAGE = 1000;

const CURSOR_PREFIX = 'offset:';

/** An opaque cursor: the item's position in the (filtered, sorted) list. */
function cursorOf(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url');
}

function offsetOf(cursor: string, argument: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const offset = Number(text.slice(CURSOR_PREFIX.length));
  if (!text.startsWith(CURSOR_PREFIX) || !Number.isSafeInteger(offset) || offset < 0) {
    throw new UserInputError(`${argument}: "${cursor}" is not a cursor of this list (use an edge's cursor or pageInfo's)`);
  }
  return offset;
}

function pageSize(value: number | null | undefined, argument: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE)
    throw new UserInputError(`${argument} must be an integer from 0 to ${MAX_PAGE} (got ${value})`);
  return value;
}

/** The slice [start, end) of a list of `total` items that the arguments select, as the Relay specification pages. */
export function pageWindow(args: PageArgs, total: number): { start: number; end: number } {
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  let start = args.after ? Math.min(offsetOf(args.after, 'after') + 1, total) : 0;
  let end = args.before ? Math.max(Math.min(offsetOf(args.before, 'before'), total), start) : total;
  if (first !== null) end = Math.min(end, start + first);
  if (last !== null) start = Math.max(start, end - last);
  if (first === null && last === null) end = Math.min(end, start + DEFAULT_PAGE);
  return { start, end };
}

/** The page of a list that is loaded a window at a time (`load(skip, take)`), given its length. */
export async function connection<T>(
  args: PageArgs,
  total: number,
  load: (skip: number, take: number) => Promise<T[]>,
): Promise<Connection<T>> {
  const { start, end } = pageWindow(args, total);
  const nodes = end > start ? await load(start, end - start) : [];
  const edges = nodes.map((node, i) => ({ cursor: cursorOf(start + i), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: start + nodes.length < total,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: total,
  };
}

/** The page of a list held in memory. */
export function connectionOf<T>(args: PageArgs, items: readonly T[]): Promise<Connection<T>> {
  return connection(args, items.length, async (skip, take) => items.slice(skip, skip + take));
}
