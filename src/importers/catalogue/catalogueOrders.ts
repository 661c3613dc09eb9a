// Reads an orders export (user id, item id: the first two columns of a CSV, TSV, JSON Lines or Parquet file) for the category weights.
import { UserInputError } from '../../errors.js';
import type { Order } from '../../metric/categoryWeights.js';
import { openTable, type Cell } from './tableReader.js';

function text(cell: Cell | undefined): string {
  return (Array.isArray(cell) ? cell.join('') : (cell ?? '')).trim();
}

/** Every order in file order; a row without a user or an item is an error naming its line. */
export async function readOrders(path: string, format?: string): Promise<Order[]> {
  const table = await openTable(path, format);
  if (table.columns.length < 2) throw new UserInputError(`orders ${path}: expected two columns, user id and item id (found ${table.columns.length})`);
  const [userColumn, itemColumn] = table.columns;
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
