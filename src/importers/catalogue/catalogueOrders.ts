// Reads an orders export (user id and item id columns of a CSV, TSV, JSON Lines or Parquet file) for the category weights.
import { UserInputError } from '../../errors.js';
import {
  categoryWeightsFromIndex,
  DEFAULT_WEIGHT_OPTIONS,
  type CategoryWeightsResult,
  type Order,
  type OrderTagIndex,
} from '../../metric/categoryWeights.js';
import { openTable, type Cell } from './tableReader.js';

export interface NumberedOrder extends Order {
  line: number;
}

export interface OrdersWeighing {
  weights: (CategoryWeightsResult & { ordersFile: string }) | null;
  /** Why the orders gave no weights (an unknown item, too few recurring users). */
  ordersError: string | null;
}

const USER_NAMES = /user|customer|client|buyer|member|account/i;
const ITEM_NAMES = /item|sku|product|article/i;

function text(cell: Cell | undefined): string {
  return (Array.isArray(cell) ? cell.join('') : (cell ?? '')).trim();
}

/**
 * Every order in file order: the user from a column named like user or customer, the item from one named like item,
 * sku or product, else the first two columns. A row without a user or an item is an error naming its line.
 */
export async function readOrders(path: string, format?: string): Promise<NumberedOrder[]> {
  const table = await openTable(path, format);
  if (table.columns.length < 2)
    throw new UserInputError(`orders ${path}: expected two columns, user id and item id (found ${table.columns.length})`);
  const userColumn = table.columns.find((c) => USER_NAMES.test(c)) ?? table.columns[0];
  const itemColumn = table.columns.find((c) => c !== userColumn && ITEM_NAMES.test(c)) ?? table.columns.find((c) => c !== userColumn)!;
  const orders: NumberedOrder[] = [];
  for await (const row of table.rows) {
    const user = text(row.cells[userColumn]);
    const item = text(row.cells[itemColumn]);
    if (row.problem !== undefined || user === '' || item === '') {
      throw new UserInputError(
        `orders ${path} line ${row.line}: ${row.problem ?? `expected a user id ("${userColumn}") and an item id ("${itemColumn}")`}`,
      );
    }
    orders.push({ user, item, line: row.line });
  }
  if (orders.length === 0) throw new UserInputError(`orders ${path}: no orders`);
  return orders;
}

/**
 * The category weights as `corrembed weights` computes them over the stored items: orders of items whose rows are
 * skipped as bad are skipped too; an order of an item the catalogue does not have is an error naming its line, unless
 * ignoreUnknownItems skips it.
 */
export function weighOrders(
  path: string,
  orders: NumberedOrder[],
  index: OrderTagIndex,
  skippedItems: ReadonlySet<string>,
  options: { minOrders?: number; ignoreUnknownItems?: boolean },
): OrdersWeighing {
  const known = orders.filter((order) => index.itemTags.has(order.item));
  const unknown = orders.find((order) => !index.itemTags.has(order.item) && !skippedItems.has(order.item));
  if (unknown && !options.ignoreUnknownItems) {
    return {
      weights: null,
      ordersError: `orders ${path} line ${unknown.line}: unknown item id "${unknown.item}" (pass --ignore-unknown-items to skip such orders)`,
    };
  }
  try {
    const result = categoryWeightsFromIndex(index, known, {
      ...DEFAULT_WEIGHT_OPTIONS,
      minOrders: options.minOrders ?? DEFAULT_WEIGHT_OPTIONS.minOrders,
    });
    return { weights: { ...result, ordersSkipped: orders.length - known.length, ordersFile: path }, ordersError: null };
  } catch (error) {
    if (error instanceof UserInputError) return { weights: null, ordersError: error.message };
    throw error;
  }
}
