// Datasets in PostgreSQL: import from a manifest (one transaction), list, get, delete, and load back for scoring.
import { dirname, resolve } from 'node:path';
import { UserInputError } from '../errors.js';
import type { Dataset, PrismaClient } from '../generated/prisma/client.js';
import { loadManifest } from '../io/datasetFiles.js';
import type { DatasetManifest, ItemSpec } from '../metric/dataset.js';
import { isS3Uri, parseS3Uri, resolveS3Relative } from '../storage/s3Uri.js';
import { createTaxonomy, insertImages, insertItems } from './datasetRows.js';
import { hashImageSources, isRemoteUri } from './imageSources.js';
import { confineManifestPath, confineS3Uri } from './manifestRoots.js';
import { taxonomyOf } from './taxonomy.js';

export interface ScoringImage {
  /** Database id. */
  id: string;
  /** The manifest's image id. */
  externalId: string;
  uri: string;
  contentHash: string | null;
}

export interface ScoringDataset {
  manifest: DatasetManifest;
  rootDir: string;
  /** In dataset order, like manifest.images. */
  images: ScoringImage[];
}

/** The longest wait for a connection before reading a dataset back. */
const LOAD_WAIT_MS = 60_000;
/** An import of tens of thousands of images takes seconds; leave ample room. */
const IMPORT_TIMEOUT_MS = 10 * 60_000;

export class DatasetService {
  /** manifestRoots: the folders and s3:// prefixes manifests may be imported from (config.inputSafety.manifestRoots). */
  constructor(
    private readonly prisma: PrismaClient,
    readonly manifestRoots: readonly string[],
  ) {}

  /**
   * Reads, validates and stores a manifest (which must lie under the manifest roots, as must its s3:// images) and its
   * images' content hashes; nothing is stored when anything is wrong.
   */
  async importDataset(input: { manifestPath: string; name?: string }): Promise<Dataset> {
    const inS3 = isS3Uri(input.manifestPath);
    const given = inS3 ? parseS3Uri(input.manifestPath).uri : resolve(input.manifestPath);
    const manifestPath = await confineManifestPath(given, this.manifestRoots, 'manifest');
    const rootDir = inS3 ? manifestPath.slice(0, manifestPath.lastIndexOf('/') + 1) : dirname(manifestPath);
    const manifest = await loadManifest(manifestPath);
    // A manifest in S3 names its images relative to its own folder there: they are stored as s3:// URIs.
    if (inS3)
      for (const image of manifest.images)
        if (image.uri !== undefined && !isRemoteUri(image.uri)) image.uri = resolveS3Relative(manifestPath, image.uri);
    const sources = manifest.images.map((image) => {
      if (image.uri === undefined)
        throw new UserInputError(
          `manifest: image "${image.id}" has no "uri" (a file relative to the manifest's folder, or an http(s) URL)`,
        );
      if (isS3Uri(image.uri)) confineS3Uri(image.uri, this.manifestRoots, `manifest: image "${image.id}"`);
      return { id: image.id, uri: image.uri };
    });
    const hashes = await hashImageSources(rootDir, sources);
    const name = input.name ?? manifest.name;
    if (name.trim() === '') throw new UserInputError('dataset name must not be empty');
    const taxonomy = taxonomyOf(manifest);
    return this.prisma.$transaction(
      async (tx) => {
        const dataset = await tx.dataset.create({ data: { name, manifestPath, rootDir, categoryWeights: manifest.categoryWeights } });
        const tagIds = await createTaxonomy(tx, dataset.id, taxonomy);
        const itemIds = await insertItems(tx, dataset.id, tagIds, manifest.items, 0);
        const images = manifest.images.map((image, i) => ({ id: image.id, item: image.item, uri: sources[i].uri, contentHash: hashes[i] }));
        await insertImages(tx, dataset.id, itemIds, images, 0);
        return dataset;
      },
      { timeout: IMPORT_TIMEOUT_MS, maxWait: 30_000 },
    );
  }

  /** Every dataset, oldest first. */
  /** Oldest first; a window of the list when skip and take are given. */
  list(window: { skip?: number; take?: number } = {}): Promise<Dataset[]> {
    return this.prisma.dataset.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...window });
  }

  async get(id: string): Promise<Dataset> {
    const dataset = await this.prisma.dataset.findUnique({ where: { id } });
    if (dataset === null) throw new UserInputError(`dataset "${id}" not found`, 'NOT_FOUND');
    return dataset;
  }

  /** Deletes a dataset with its categories, tags, items, images and runs; returns what was deleted. */
  async delete(id: string): Promise<Dataset> {
    const dataset = await this.get(id);
    const { count } = await this.prisma.dataset.deleteMany({ where: { id } });
    if (count === 0) throw new UserInputError(`dataset "${id}" not found`, 'NOT_FOUND');
    return dataset;
  }

  /** The stored dataset as the engine's manifest (items and images in dataset order, tags in manifest order), with image ids and hashes. */
  async loadForScoring(datasetId: string): Promise<ScoringDataset> {
    const [dataset, tags, items, itemTags, images] = await this.prisma.$transaction(
      (tx) =>
        Promise.all([
          tx.dataset.findUnique({ where: { id: datasetId } }),
          tx.tag.findMany({ where: { category: { datasetId } }, select: { id: true, name: true, category: { select: { name: true } } } }),
          tx.item.findMany({ where: { datasetId }, orderBy: { position: 'asc' }, select: { id: true, externalId: true } }),
          tx.itemTag.findMany({
            where: { item: { datasetId } },
            orderBy: [{ itemId: 'asc' }, { position: 'asc' }],
            select: { itemId: true, tagId: true },
          }),
          tx.image.findMany({
            where: { datasetId },
            orderBy: { position: 'asc' },
            select: { id: true, itemId: true, externalId: true, uri: true, contentHash: true },
          }),
        ]),
      // A million-image dataset takes seconds to read; a busy pool may make it wait for a connection.
      { isolationLevel: 'RepeatableRead', maxWait: LOAD_WAIT_MS, timeout: IMPORT_TIMEOUT_MS },
    );
    if (dataset === null) throw new UserInputError(`dataset "${datasetId}" not found`, 'NOT_FOUND');
    const tagById = new Map(tags.map((t) => [t.id, { category: t.category.name, name: t.name }]));
    const itemById = new Map<string, ItemSpec>(items.map((item) => [item.id, { id: item.externalId, tags: [] }]));
    for (const link of itemTags) itemById.get(link.itemId)!.tags.push(tagById.get(link.tagId)!);
    return {
      manifest: {
        name: dataset.name,
        categoryWeights: dataset.categoryWeights as Record<string, number>,
        items: items.map((item) => itemById.get(item.id)!),
        images: images.map((image) => ({ id: image.externalId, item: itemById.get(image.itemId)!.id, uri: image.uri })),
      },
      rootDir: dataset.rootDir,
      images: images.map(({ id, externalId, uri, contentHash }) => ({ id, externalId, uri, contentHash })),
    };
  }
}
