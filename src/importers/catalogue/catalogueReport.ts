// The validation report of a catalogue: what was read, what is wrong (by line), the tags per category, and the dataset it makes.
import type { CategoryWeightsResult } from '../../metric/categoryWeights.js';
import { NO_IMAGE, type CatalogueRow } from './catalogueRows.js';
import type { ColumnMapping } from './columnMapping.js';
import type { TableFormat } from './tableReader.js';

/** Entries each list of the report keeps (its count says how many there were). */
export const REPORT_LIST_LIMIT = 1000;
/** Tags listed per category, most used first. */
export const TAGS_LISTED = 100;

export interface LineReason {
  line: number;
  reason: string;
}

export interface TagCount {
  name: string;
  count: number;
}

export interface CategoryReport {
  name: string;
  column: string;
  distinctTags: number;
  /** Items with at least one tag of the category. */
  taggedItems: number;
  /** Most used first, at most TAGS_LISTED. */
  tags: TagCount[];
}

export interface NearDuplicateTags {
  category: string;
  /** Spellings that differ only in case, spacing, "-" or "_". */
  spellings: TagCount[];
}

export interface UnreadableImage {
  line: number;
  item: string;
  uri: string;
  reason: string;
}

/** all: every image; sample: `checked` of `total` drawn at random (seeded); none. */
export const IMAGE_CHECK_MODES = ['all', 'sample', 'none'] as const;
export type ImageCheckMode = (typeof IMAGE_CHECK_MODES)[number];

export interface ImageCheckReport {
  mode: ImageCheckMode;
  checked: number;
  total: number;
  unreadable: UnreadableImage[];
}

export interface DuplicateId {
  id: string;
  line: number;
  firstLine: number;
}

/** An image a row names that an earlier row names too. */
export interface SharedImage {
  uri: string;
  line: number;
  firstLine: number;
}

export interface LineList {
  count: number;
  lines: number[];
}

export interface CatalogueReport {
  file: string;
  format: TableFormat;
  mapping: ColumnMapping;
  /** Mapping fields that were inferred rather than given. */
  inferred: string[];
  rowsRead: number;
  /** Items and images of the rows that would be stored (good rows). */
  items: number;
  images: number;
  badRowCount: number;
  badRows: LineReason[];
  duplicateIdCount: number;
  duplicateIds: DuplicateId[];
  rowsWithoutImage: LineList;
  rowsWithoutTags: LineList;
  /** Images named by more than one item (stored: variants may share a photo). */
  sharedImageCount: number;
  sharedImages: SharedImage[];
  categories: CategoryReport[];
  nearDuplicateTags: NearDuplicateTags[];
  imageCheck: ImageCheckReport;
  weights: (CategoryWeightsResult & { ordersFile: string }) | null;
  /** Why the orders gave no weights (an unknown item, too few recurring users); the import then stores nothing. */
  ordersError: string | null;
  dataset: {
    name: string;
    version: number;
    items: number;
    images: number;
    categoryWeights: Record<string, number>;
    existingId: string | null;
  };
}

function keep<T>(list: T[], entry: T): void {
  if (list.length < REPORT_LIST_LIMIT) list.push(entry);
}

/** Rows as the first pass sees them: bad rows (with reasons), duplicates, rows without an image. */
export class RowScreen {
  rowsRead = 0;
  readonly badLines = new Set<number>();
  readonly badRows: LineReason[] = [];
  readonly duplicateIds: DuplicateId[] = [];
  duplicateIdCount = 0;
  readonly rowsWithoutImage: LineList = { count: 0, lines: [] };
  readonly sharedImages: SharedImage[] = [];
  sharedImageCount = 0;
  private readonly firstLine = new Map<string, number>();
  private readonly imageLine = new Map<string, number>();

  add(row: CatalogueRow): void {
    this.rowsRead++;
    const problems = [...row.problems];
    if (problems.includes(NO_IMAGE)) {
      this.rowsWithoutImage.count++;
      keep(this.rowsWithoutImage.lines, row.line);
    }
    if (row.id !== '') {
      const first = this.firstLine.get(row.id);
      if (first === undefined) this.firstLine.set(row.id, row.line);
      else {
        this.duplicateIdCount++;
        keep(this.duplicateIds, { id: row.id, line: row.line, firstLine: first });
        problems.push(`duplicate item id "${row.id}" (first on line ${first})`);
      }
    }
    for (const reason of problems) this.reject(row.line, reason);
    if (problems.length === 0) this.addImages(row);
  }

  private addImages(row: CatalogueRow): void {
    for (const uri of row.images) {
      const first = this.imageLine.get(uri);
      if (first === undefined) this.imageLine.set(uri, row.line);
      else {
        this.sharedImageCount++;
        keep(this.sharedImages, { uri, line: row.line, firstLine: first });
      }
    }
  }

  reject(line: number, reason: string): void {
    this.badLines.add(line);
    keep(this.badRows, { line, reason });
  }

  /** The bad rows' reasons in line order. */
  sortedBadRows(): LineReason[] {
    return [...this.badRows].sort((a, b) => a.line - b.line);
  }
}

function nearDuplicateKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();
}

/** The good rows' items, images and tags. */
export class RowTally {
  items = 0;
  images = 0;
  readonly rowsWithoutTags: LineList = { count: 0, lines: [] };
  private readonly tagCounts = new Map<string, Map<string, number>>();
  /** Per category: tag values written with surrounding spaces, and how often. */
  private readonly respeltCounts = new Map<string, Map<string, number>>();
  private readonly taggedItems = new Map<string, number>();

  constructor(private readonly mapping: ColumnMapping) {
    for (const column of mapping.tags) {
      this.tagCounts.set(mapping.rename[column] ?? column, new Map());
      this.respeltCounts.set(mapping.rename[column] ?? column, new Map());
    }
  }

  add(row: CatalogueRow): void {
    this.items++;
    this.images += row.images.length;
    if (row.tags.length === 0) {
      this.rowsWithoutTags.count++;
      keep(this.rowsWithoutTags.lines, row.line);
    }
    const seen = new Set<string>();
    for (const { category, name } of row.tags) {
      const counts = this.tagCounts.get(category)!;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (!seen.has(category)) this.taggedItems.set(category, (this.taggedItems.get(category) ?? 0) + 1);
      seen.add(category);
    }
    for (const { category, name } of row.respelt) {
      const counts = this.respeltCounts.get(category)!;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }

  /** A category's spellings as written: trimmed names, less the values written with spaces, which count apart. */
  private spellings(category: string): Map<string, number> {
    const spellings = new Map(this.tagCounts.get(category));
    for (const [raw, count] of this.respeltCounts.get(category)!) {
      const trimmed = raw.trim();
      const left = spellings.get(trimmed)! - count;
      if (left > 0) spellings.set(trimmed, left);
      else spellings.delete(trimmed);
      spellings.set(raw, count);
    }
    return spellings;
  }

  /** Distinct tags in category order, each in order of first appearance. */
  tags(): { category: string; name: string }[] {
    return [...this.tagCounts].flatMap(([category, counts]) => [...counts.keys()].map((name) => ({ category, name })));
  }

  categories(): CategoryReport[] {
    return this.mapping.tags.map((column) => {
      const name = this.mapping.rename[column] ?? column;
      const counts = this.tagCounts.get(name)!;
      const tags = [...counts]
        .map(([tag, count]) => ({ name: tag, count }))
        .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
      return { name, column, distinctTags: counts.size, taggedItems: this.taggedItems.get(name) ?? 0, tags: tags.slice(0, TAGS_LISTED) };
    });
  }

  nearDuplicates(): NearDuplicateTags[] {
    const found: NearDuplicateTags[] = [];
    for (const category of this.tagCounts.keys()) {
      const groups = new Map<string, TagCount[]>();
      for (const [name, count] of this.spellings(category)) {
        const key = nearDuplicateKey(name);
        groups.get(key)?.push({ name, count }) ?? groups.set(key, [{ name, count }]);
      }
      for (const spellings of groups.values()) if (spellings.length > 1) found.push({ category, spellings });
    }
    return found;
  }
}
