// Measures how deeply a JSON text nests its arrays and objects, in one pass over the text, before it is parsed.

/** Deeper than any manifest or options file needs (a dataset manifest nests 4 levels). */
export const MAX_JSON_DEPTH = 64;

/** A message when `text` nests arrays and objects deeper than maxDepth (strings are skipped), else null. */
export function jsonDepthProblem(text: string, maxDepth = MAX_JSON_DEPTH): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `JSON nested deeper than ${maxDepth} levels`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}
