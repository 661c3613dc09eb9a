// Catalogue files in every format give the same items, tags and bad rows (by their own line numbers); mappings are checked and inferred.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { UserInputError } from '../src/errors.js';
import { importCatalogue, type CatalogueImportOptions } from '../src/importers/catalogue/catalogueImport.js';
import { readOrders } from '../src/importers/catalogue/catalogueOrders.js';
import { parseMappingJson } from '../src/importers/catalogue/columnMapping.js';

const dir = mkdtempSync(join(tmpdir(), 'corrembed-catalogue-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** id, images (|-separated), colour (|-separated), brand; row 3 repeats an id, row 4 has no image. */
const ROWS = [
  ['A1', 'img/a.png|img/a2.png', 'Red|White', 'Acme'],
  ['A2', 'img/b.png', 'Navy', 'Björk, AB'],
  ['A3', 'img/c.png', '', ''],
  ['A1', 'img/d.png', 'Red', 'Acme'],
  ['A4', '', 'navy', 'Acme'],
  ['A5', 'https://example.com/e.jpg', 'Green', '日本'],
];
const COLUMNS = ['sku', 'image', 'colour', 'brand'];
const MAPPING = { id: 'sku', images: ['image'], imageDelimiter: '|', tags: ['colour', 'brand'], tagDelimiter: '|' };

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function options(catalogue: string, extra: Partial<CatalogueImportOptions> = {}): CatalogueImportOptions {
  return { catalogue, mapping: MAPPING, checkImages: 0, skipInvalid: false, dryRun: true, s3Roots: null, ...extra };
}

async function summary(path: string) {
  const { report } = await importCatalogue(null, options(path));
  return {
    rowsRead: report.rowsRead,
    items: report.items,
    images: report.images,
    badRows: report.badRows,
    categories: report.categories,
    nearDuplicateTags: report.nearDuplicateTags,
    rowsWithoutTags: report.rowsWithoutTags,
  };
}

test("CSV, TSV, JSON Lines and Parquet give the same report; lines are each format's own", async () => {
  const csv = write('shop.csv', [COLUMNS, ...ROWS].map((r) => r.map(quote).join(',')).join('\r\n'));
  const tsv = write('shop.tsv', [COLUMNS, ...ROWS].map((r) => r.join('\t')).join('\n'));
  const semicolons = write('shop-semicolons.csv', [COLUMNS, ...ROWS].map((r) => r.map(quote).join(';')).join('\n'));
  // JSON Lines: multi-valued cells as arrays, empty cells as null or absent.
  const jsonl = write(
    'shop.jsonl',
    ROWS.map(([sku, image, colour, brand]) =>
      JSON.stringify({ sku, image: image ? image.split('|') : null, colour: colour ? colour.split('|') : [], ...(brand ? { brand } : {}) }),
    ).join('\n'),
  );
  const parquet = join(dir, 'shop.parquet');
  parquetWriteFile({
    filename: parquet,
    columnData: COLUMNS.map((name, c) => ({ name, data: ROWS.map((r) => r[c] || null), type: 'STRING' as const })),
  });

  const fromCsv = await summary(csv);
  assert.equal(fromCsv.rowsRead, 6);
  assert.deepEqual(fromCsv.badRows, [
    { line: 5, reason: 'duplicate item id "A1" (first on line 2)' },
    { line: 6, reason: 'no image' },
  ]);
  assert.deepEqual([fromCsv.items, fromCsv.images], [4, 5]);
  assert.deepEqual(
    fromCsv.categories.map((c) => [c.name, c.tags]),
    [
      [
        'colour',
        [
          { name: 'Green', count: 1 },
          { name: 'Navy', count: 1 },
          { name: 'Red', count: 1 },
          { name: 'White', count: 1 },
        ],
      ],
      [
        'brand',
        [
          { name: 'Acme', count: 1 },
          { name: 'Björk, AB', count: 1 },
          { name: '日本', count: 1 },
        ],
      ],
    ],
  );
  assert.deepEqual(fromCsv.rowsWithoutTags, { count: 1, lines: [4] });
  const oneBased = {
    ...fromCsv,
    badRows: fromCsv.badRows.map((b) => ({ ...b, line: b.line - 1, reason: b.reason.replace('line 2', 'line 1') })),
    rowsWithoutTags: { count: 1, lines: [3] },
  };
  assert.deepEqual(await summary(tsv), fromCsv);
  assert.deepEqual(await summary(semicolons), fromCsv);
  assert.deepEqual(await summary(jsonl), oneBased);
  assert.deepEqual(await summary(parquet), oneBased);
});

test('a CSV row spanning lines, a short row and a bad JSON line are reported by the line they start on', async () => {
  const csv = write(
    'odd.csv',
    'sku,image,colour,brand\nB1,img/a.png,"Red\nand more",Acme\nB2,img/b.png\n\nB3,img/c.png,Blue,Acme\nB4,img/d.png,Blue ,Acme\n',
  );
  const { report } = await importCatalogue(null, options(csv));
  assert.deepEqual(report.badRows, [{ line: 4, reason: '2 fields where the header has 4 (an unquoted "," in a value?)' }]);
  assert.equal(report.categories[0].tags.find((t) => t.name === 'Red\nand more')?.count, 1);
  // "Blue " is stored as Blue, and reported as written.
  assert.deepEqual(report.categories[0].tags.find((t) => t.name === 'Blue')?.count, 2);
  assert.deepEqual(report.nearDuplicateTags, [
    {
      category: 'colour',
      spellings: [
        { name: 'Blue', count: 1 },
        { name: 'Blue ', count: 1 },
      ],
    },
  ]);
  const jsonl = write(
    'odd.jsonl',
    '{"sku":"C1","image":"img/a.png"}\n{"sku": "C2", image}\n[1]\n{"sku":"C3","image":"img/c.png","colour":"Red"}\n',
  );
  const lines = (await importCatalogue(null, options(jsonl, { mapping: { ...MAPPING, tags: ['colour'] } }))).report.badRows;
  assert.deepEqual(lines, [
    { line: 2, reason: 'not valid JSON' },
    { line: 3, reason: 'not a JSON object' },
  ]);
});

test('images outside the folder or of other schemes are bad rows; local absolute paths inside it are made relative', async () => {
  const csv = write(
    'paths.csv',
    `sku,image\nP1,../secret.png\nP2,file:///etc/passwd\nP3,${join(dir, 'img', 'x.png')}\nP4,/etc/hosts\nP5,s3://bucket/k.png\n`,
  );
  const { report } = await importCatalogue(
    null,
    options(csv, { mapping: { id: 'sku', images: ['image'], tags: [] }, s3Roots: ['s3://other/'] }),
  );
  assert.deepEqual(
    report.badRows.map((b) => b.line),
    [2, 3, 5, 6],
  );
  assert.match(report.badRows[0].reason, /outside the catalogue's folder/);
  assert.match(report.badRows[1].reason, /only paths, http\(s\) URLs and s3:\/\/bucket\/key/);
  assert.match(report.badRows[3].reason, /outside the folders this server reads manifests from/);
  assert.equal(report.images, 1);
});

test('orders: user and item columns found by name in any order, else the first two; a row without either names its line', async () => {
  const named = write('orders-named.csv', 'order_id,sku,customer_no\n1,A1,c1\n2,A2,c1\n');
  assert.deepEqual(await readOrders(named), [
    { user: 'c1', item: 'A1', line: 2 },
    { user: 'c1', item: 'A2', line: 3 },
  ]);
  const plain = write('orders-plain.tsv', 'who\twhat\nu1\tA1\n');
  assert.deepEqual(await readOrders(plain), [{ user: 'u1', item: 'A1', line: 2 }]);
  await assert.rejects(
    readOrders(write('orders-bad.csv', 'user,item\nu1,A1\nu2,\n')),
    /orders .*orders-bad\.csv line 3: expected a user id \("user"\) and an item id \("item"\)/,
  );
});

test('the mapping is inferred from the columns and rows, and a bad one is a typed error', async () => {
  const csv = write(
    'guess.csv',
    'title,product_id,photo_url,colour,price,material\nShirt,X1,img/a.png,Red;Blue,10.00,Cotton\nTee,X2,img/b.png,Navy,12.50,Linen\n',
  );
  const { report } = await importCatalogue(null, options(csv, { mapping: { drop: ['material'] } }));
  assert.deepEqual(report.mapping, {
    id: 'product_id',
    images: ['photo_url'],
    imageDelimiter: null,
    tags: ['colour'],
    tagDelimiter: ';',
    rename: {},
  });
  assert.deepEqual(report.inferred, ['id', 'images', 'imageDelimiter', 'tags', 'tagDelimiter']);
  await assert.rejects(
    importCatalogue(null, options(csv, { mapping: { id: 'sku' } })),
    (e: Error) => e instanceof UserInputError && /id column "sku" is not in the file/.test(e.message),
  );
  await assert.rejects(
    importCatalogue(null, options(csv, { mapping: { tags: ['colour'], rename: { colour: 'C' }, images: ['colour'] } })),
    /cannot be both a tag column and the image column/,
  );
  assert.throws(() => parseMappingJson({ id: 'sku', colours: [] }), /unknown field "colours"/);
  assert.throws(() => parseMappingJson({ tags: 'colour' }), /"tags" must be a list of column names/);
  await assert.rejects(
    importCatalogue(null, options(join(dir, 'missing.csv'))),
    (e: Error) => e instanceof UserInputError && /cannot read \(ENOENT\)/.test(e.message),
  );
  await assert.rejects(importCatalogue(null, options(join(dir, 'shop.xlsx'))), /cannot tell the format from "xlsx"/);
});
