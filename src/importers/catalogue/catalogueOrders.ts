// Reads an orders export (user id and item id columns of a CSV, TSV, JSON Lines or Parquet file) for the category weights.
import { UserInputError } from '../../errors.js';
import type { Order } from '../../metric/categoryWeights.js';
import { openTable, type Cell } from './tableReader.js';

const USER_NAMES = /user|customer|client|buyer|member|account/i;
const ITEM_NAMES = /item|sku|product|article/i;

function text(cell: Cell | undefined): string {
  return (Array.isArray(cell) ? cell.join('') : (cell ?? '')).trim();
}

/**
 * Every order in file order: the user from a column named like user or customer, the item from one named like item,
 * sku or product, else the first two columns. A row without a user or an item is an error naming its line.
 */
export async function readOrders(path: string, format?: string): Promise<Order[]> {
  const table = await openTable(path, format);
  if (table.columns.length < 2) throw new UserInputError(`orders ${path}: expected two columns, user id and item id (found ${table.columns.length})`);
  const userColumn = table.columns.find((c) => USER_NAMES.test(c)) ?? table.columns[0];
  const itemColumn = table.columns.find((c) => c !== userColumn && ITEM_NAMES.test(c)) ?? table.columns.find((c) => c !== userColumn)!;
  const orders: Order[] = [];
  for await (const row of table.rows) {
    const user = text(row.cells[userColumn]);
    const item = text(row.cells[itemColumn]);
    if (row.problem !== undefined || user === '' || item === '') {
      throw new UserInputError(`orders ${path} line ${row.line}: ${row.problem ?? `expected a user id ("${userColumn}") and an item id ("${itemColumn}")`}`);
    }
    orders.push({ user, item });
  }
  if (orders.length === 0) throw new UserInputError(`orders ${path}: no orders`);
  return orders;
}
