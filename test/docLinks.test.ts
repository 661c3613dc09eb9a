// The documentation holds together: every relative link in a Markdown file names a file (and heading) in the repository, and nothing points outside it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = process.cwd();
/** Build output, installed packages and local state (dot folders) hold no documentation of the project. */
const SKIPPED = new Set(['node_modules', 'dist', 'generated']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks and code spans: links inside code are examples, not links. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  return new Set([...text.matchAll(/^#{1,6} +(.+?) *#*$/gm)].map((m) => slug(m[1])));
}

function links(text: string): string[] {
  const body = prose(text);
  return [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...body.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
}

const files = markdownFiles(ROOT);

test('docs: the tree has its documents (the walk finds them)', () => {
  const names = files.map((file) => relative(ROOT, file));
  for (const expected of ['README.md', 'docs/configuration.md', 'docs/performance.md'])
    assert.ok(names.includes(expected), `${expected} found`);
});

test('docs: every relative link names a file, and every #anchor a heading', () => {
  const broken: string[] = [];
  for (const file of files) {
    for (const link of links(readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [path, anchor] = link.split('#', 2);
      const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      const where = `${relative(ROOT, file)}: ${link}`;
      if (!target.startsWith(ROOT + '/') && target !== ROOT) broken.push(`${where} (outside the repository)`);
      else if (!existsSync(target)) broken.push(`${where} (no such file)`);
      else if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchors(target).has(anchor))
        broken.push(`${where} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('docs: no document cites files outside the repository', () => {
  const outside = /\.\.\/shared\b|\/work\/|\b(METRIC|STACK|DESIGN)\.md\b/;
  const found = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (outside.test(line) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
  assert.deepEqual(found, []);
});
