// Imports OpenMoji as a CorrEmbed dataset: selected emoji rasterised to PNG, manifest.json with Group/Subgroup/Keyword tags, attribution.
import { access, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserInputError } from '../errors.js';
import { rasteriseSvg } from '../imaging/rasteriseSvg.js';
import type { DatasetManifest, ImageSpec, ItemSpec } from '../metric/dataset.js';
import {
  DEFAULT_OPENMOJI_SIZE,
  installedOpenmojiDir,
  readOpenmojiPackage,
  svgPath,
  type OpenmojiRow,
  type OpenmojiStyle,
} from './openmojiPackage.js';

/**
 * A tag counts the square of its weight in a tag cosine: a shared Subgroup 0.64, a shared Group 0.25, each shared
 * Keyword 0.09. Subgroups (face-smiling, animal-mammal, food-fruit) are curated families of emoji that look alike;
 * groups are broad; keywords are many (median 5 per emoji) and often not visual ("nice", "cheerful"), so one keyword
 * is weak evidence while the median emoji's keywords together (0.45) weigh between its Group and its Subgroup.
 */
export const OPENMOJI_WEIGHTS: Readonly<Record<string, number>> = { Group: 0.5, Subgroup: 0.8, Keyword: 0.3 };
/** Colour first: with the metric's default `first` representative an item is represented by its colour image. */
const STYLES: OpenmojiStyle[] = ['color', 'black'];

export interface OpenmojiImportOptions {
  /** Folder to write manifest.json, images/, ATTRIBUTION.md and LICENSE into (created; files there are overwritten). */
  out: string;
  /** The openmoji package folder (default: the installed package). */
  source?: string;
  /** Only emoji of these groups (default: all). */
  groups?: string[];
  /** The first N emoji (in the CSV's order) that have both SVGs. */
  limit?: number;
  /** PNG width and height in pixels (default 72). */
  size?: number;
  /** Skin-tone variants become extra images of their base emoji's item (after its own two). */
  includeSkinTones?: boolean;
  /** Called after each item's images are written. */
  onProgress?: (done: number, total: number) => void;
}

export interface OpenmojiImportResult {
  manifestPath: string;
  version: string;
  items: number;
  images: number;
  /** Hexcodes of rows passed over for a missing colour or black SVG, in CSV order. */
  skipped: string[];
}

interface Rendering {
  image: ImageSpec;
  svg: string;
}

interface PlannedItem {
  item: ItemSpec;
  renderings: Rendering[];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Rethrows a file-system or sharp failure as a one-line user error. */
function failed(what: string): (error: Error & { code?: string }) => never {
  return (error) => {
    throw new UserInputError(`openmoji: ${what} (${error.code ?? error.message})`);
  };
}

function tagsOf(row: OpenmojiRow): ItemSpec['tags'] {
  return [
    { category: 'Group', name: row.group },
    ...row.subgroups.map((name) => ({ category: 'Subgroup', name })),
    ...row.keywords.map((name) => ({ category: 'Keyword', name })),
  ];
}

function checkGroups(rows: OpenmojiRow[], groups: string[] | undefined): void {
  const known = [...new Set(rows.map((row) => row.group))];
  const unknown = groups?.filter((group) => !known.includes(group)) ?? [];
  if (unknown.length > 0)
    throw new UserInputError(
      `unknown group${unknown.length > 1 ? 's' : ''} ${unknown.map((g) => `"${g}"`).join(', ')} (groups: ${known.join(', ')})`,
    );
}

/** The chosen items with their images, in CSV order, and the rows skipped for a missing SVG. */
async function plan(
  dir: string,
  rows: OpenmojiRow[],
  options: OpenmojiImportOptions,
): Promise<{ planned: PlannedItem[]; skipped: string[] }> {
  checkGroups(rows, options.groups);
  const variants = new Map<string, OpenmojiRow[]>();
  if (options.includeSkinTones) {
    for (const row of rows) if (row.skintone) variants.get(row.skintoneBase)?.push(row) ?? variants.set(row.skintoneBase, [row]);
  }
  const skipped: string[] = [];
  /** Both renderings of a row, or null (and the row counted as skipped) when an SVG is missing. */
  const renderings = async (row: OpenmojiRow, item: string): Promise<Rendering[] | null> => {
    const found = STYLES.map((style) => ({ style, svg: svgPath(dir, style, row.hexcode) }));
    if (!(await Promise.all(found.map(({ svg }) => exists(svg)))).every(Boolean)) {
      skipped.push(row.hexcode);
      return null;
    }
    return found.map(({ style, svg }) => ({
      svg,
      image: { id: `${row.hexcode}-${style}`, item, uri: `images/${row.hexcode}-${style}.png` },
    }));
  };
  const planned: PlannedItem[] = [];
  for (const row of rows) {
    if (planned.length === options.limit) break;
    if (row.skintone || (options.groups !== undefined && !options.groups.includes(row.group))) continue;
    const own = await renderings(row, row.hexcode);
    if (own === null) continue;
    const extra: Rendering[] = [];
    for (const variant of variants.get(row.hexcode) ?? []) extra.push(...((await renderings(variant, row.hexcode)) ?? []));
    planned.push({ item: { id: row.hexcode, tags: tagsOf(row) }, renderings: [...own, ...extra] });
  }
  return { planned, skipped };
}

function attribution(version: string, size: number): string {
  return `# Attribution

All emojis designed by [OpenMoji](https://openmoji.org/) – the open-source emoji and icon project.
License: [CC BY-SA 4.0](https://creativecommons.org/licenses/by-sa/4.0/) (full text in LICENSE).

Source: the openmoji npm package ${version}.

Changes: every emoji's colour and black-and-white SVG was rasterised to a ${size} x ${size} PNG on a white background
by \`corrembed import-openmoji\`. The tags in manifest.json come from the package's data/openmoji.csv (group,
subgroups, tags, openmoji_tags). These images, like the originals, are licensed under CC BY-SA 4.0.
`;
}

function describe(version: string, groups: string[] | undefined, items: number): string {
  return `OpenMoji ${version} (${groups === undefined ? 'all groups' : groups.join(', ')}; ${items} emoji)`;
}

export async function importOpenmoji(options: OpenmojiImportOptions): Promise<OpenmojiImportResult> {
  const size = options.size ?? DEFAULT_OPENMOJI_SIZE;
  const source = await readOpenmojiPackage(options.source ?? installedOpenmojiDir());
  const { planned, skipped } = await plan(source.dir, source.rows, options);
  if (planned.length === 0) throw new UserInputError(`no emoji selected (${skipped.length} rows skipped for a missing SVG)`);
  await mkdir(join(options.out, 'images'), { recursive: true }).catch(failed(`cannot create ${join(options.out, 'images')}`));
  await copyFile(join(source.dir, 'LICENSE.txt'), join(options.out, 'LICENSE')).catch(
    failed(`cannot copy the licence ${join(source.dir, 'LICENSE.txt')}`),
  );
  let done = 0;
  for (const { renderings } of planned) {
    await Promise.all(
      renderings.map(async ({ svg, image }) =>
        writeFile(join(options.out, image.uri!), await rasteriseSvg(svg, size).catch(failed(`cannot rasterise ${svg}`))),
      ),
    );
    options.onProgress?.(++done, planned.length);
  }
  const manifest: DatasetManifest = {
    name: describe(source.version, options.groups, planned.length),
    categoryWeights: { ...OPENMOJI_WEIGHTS },
    items: planned.map((p) => p.item),
    images: planned.flatMap((p) => p.renderings.map((r) => r.image)),
  };
  const manifestPath = join(options.out, 'manifest.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
  await writeFile(join(options.out, 'ATTRIBUTION.md'), attribution(source.version, size));
  return { manifestPath, version: source.version, items: manifest.items.length, images: manifest.images.length, skipped };
}
