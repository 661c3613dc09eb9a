// A small RFC 4180 CSV reader (quoted fields with commas, escaped quotes, CRLF): order logs, OpenMoji's openmoji.csv.
import { UserInputError } from '../errors.js';

/** Parses CSV text into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      endField();
      if (row.some((f) => f.length > 0)) rows.push(row);
      row = [];
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (quoted) throw new UserInputError('CSV: unterminated quoted field');
  endField();
  if (row.some((f) => f.length > 0)) rows.push(row);
  return rows;
}
