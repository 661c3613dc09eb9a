// Which test files need a PostgreSQL server, a browser or Python, read from their source and the test/support files they import.
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This module names the needs' markers without using them. */
const SELF = fileURLToPath(import.meta.url);

/** What a test file needs beyond Node.js and npm's packages, and the text that shows it uses it. */
export const NEEDS = {
  postgres: /createTestDatabase|uniqueTestDatabaseUrl|testServerUrl|startPlatform|embeddedServer|startEmbeddedPostgres/,
  browser: /playwright|chromium/i,
  python: /\/usr\/bin\/python3|\bPYTHON\b|['"]python3['"]/,
} as const;

export type Need = keyof typeof NEEDS;

/** The local modules a file imports (relative specifiers only), resolved against its folder. */
function localImports(file: string, text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]));
}

/** The needs of a test file: its own text and that of every test/support module it reaches. */
export function needsOf(testFile: string): Need[] {
  const supportDir = resolve(dirname(testFile), 'support');
  const seen = new Set<string>();
  const found = new Set<Need>();
  const visit = (file: string): void => {
    if (seen.has(file) || file === SELF) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [need, pattern] of Object.entries(NEEDS) as [Need, RegExp][]) if (pattern.test(text)) found.add(need);
    for (const imported of localImports(file, text)) if (dirname(imported) === supportDir) visit(imported);
  };
  visit(resolve(testFile));
  return [...found].sort();
}

/** The unit tier: test files that need none of a PostgreSQL server, a browser and Python. */
export function unitTestFiles(testFiles: string[]): string[] {
  return testFiles.filter((file) => needsOf(file).length === 0).sort((a, b) => basename(a).localeCompare(basename(b)));
}
