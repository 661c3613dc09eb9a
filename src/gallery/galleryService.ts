// What the dashboard reads: image pages, nearest neighbours, PCA and UMAP projections and thumbnails, with their arguments checked.
import type { DatasetService } from '../catalog/datasetService.js';
import type { ModelService } from '../catalog/modelService.js';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { UserInputError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { integerInRange } from './argumentRange.js';
import { EmbeddingSpaces } from './embeddingSpaces.js';
import { ImageCatalog, type GalleryImage } from './imageCatalog.js';
import { MAX_NEIGHBOURS, nearestNeighbours } from './neighbours.js';
import { MAX_PROJECTED, projectSpace } from './projection.js';
import { MAX_UMAP_POINTS, type ProjectionMethod } from './mapLayout.js';
import { MAX_THUMBNAIL, MIN_THUMBNAIL, Thumbnails } from './thumbnails.js';

type ModelRow = Awaited<ReturnType<ModelService['get']>>;

export interface NeighboursAnswer {
  query: GalleryImage;
  model: ModelRow;
  neighbours: { rank: number; image: GalleryImage; similarity: number; tagSimilarity: number; sameItem: boolean }[];
  meanTagSimilarity: number | null;
}

export interface ProjectionAnswer {
  model: ModelRow;
  method: ProjectionMethod;
  explainedVariance: number[];
  category: string | null;
  total: number;
  points: { imageId: string; name: string; x: number; y: number; tags: string[] }[];
}

export class GalleryService {
  private readonly catalog: ImageCatalog;
  private readonly spaces: EmbeddingSpaces;
  private readonly thumbnails = new Thumbnails();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly datasets: DatasetService,
    private readonly models: ModelService,
    cache: EmbeddingCache,
  ) {
    this.catalog = new ImageCatalog(prisma);
    this.spaces = new EmbeddingSpaces(datasets, cache);
  }

  /** How many of the dataset's images match `search` (every image without one); NOT_FOUND for an unknown dataset. */
  async imageCount(datasetId: string, search: string | null | undefined): Promise<number> {
    await this.datasets.get(datasetId);
    return this.catalog.count(datasetId, search);
  }

  /** The images with these ids, in the order given (ids not found are left out). */
  imagesById(ids: string[]): Promise<GalleryImage[]> {
    return this.catalog.byIds(ids);
  }

  /** The dataset's images with these manifest image ids, in the order given (ids not found are left out). */
  imagesByNames(datasetId: string, names: string[]): Promise<GalleryImage[]> {
    return this.catalog.byNames(datasetId, names);
  }

  /** A window of the matching images in dataset order, with their items' tags. */
  images(datasetId: string, search: string | null | undefined, window: { skip: number; take: number }): Promise<GalleryImage[]> {
    return this.catalog.page(datasetId, search, window);
  }

  async neighbours(imageId: string, modelId: string, k: number): Promise<NeighboursAnswer> {
    integerInRange('k', k, 1, MAX_NEIGHBOURS);
    const image = await this.prisma.image.findUnique({ where: { id: imageId }, select: { datasetId: true } });
    if (!image) throw new UserInputError(`image "${imageId}" not found`, 'NOT_FOUND');
    const [dataset, model] = await Promise.all([this.datasets.get(image.datasetId), this.models.get(modelId)]);
    const space = await this.spaces.get(dataset, model);
    const row = space.imageIds.indexOf(imageId);
    const [query] = await this.catalog.byIds([imageId]);
    if (row < 0)
      throw new UserInputError(
        `image "${query.name}" has no embedding under model "${model.name}" (it could not be embedded, or no evaluation reached it yet)`,
        'NOT_EMBEDDED',
      );
    const found = nearestNeighbours(space, row, k);
    const images = new Map((await this.catalog.byIds(found.map((n) => space.imageIds[n.row]))).map((i) => [i.id, i]));
    const neighbours = found.map(({ row: r, ...n }) => ({ ...n, image: images.get(space.imageIds[r])! }));
    const meanTagSimilarity = neighbours.length === 0 ? null : neighbours.reduce((sum, n) => sum + n.tagSimilarity, 0) / neighbours.length;
    return { query, model, neighbours, meanTagSimilarity };
  }

  async projection(
    datasetId: string,
    modelId: string,
    category: string | null,
    limit: number,
    method: ProjectionMethod,
  ): Promise<ProjectionAnswer> {
    integerInRange('limit', limit, 1, method === 'umap' ? MAX_UMAP_POINTS : MAX_PROJECTED);
    const [dataset, model] = await Promise.all([this.datasets.get(datasetId), this.models.get(modelId)]);
    if (category !== null) {
      const categories = (
        await this.prisma.tagCategory.findMany({ where: { datasetId }, orderBy: { name: 'asc' }, select: { name: true } })
      ).map((c) => c.name);
      if (!categories.includes(category))
        throw new UserInputError(`dataset "${dataset.name}" has no tag category "${category}" (it has: ${categories.join(', ')})`);
    }
    const space = await this.spaces.get(dataset, model);
    const projected = await projectSpace(space, category, limit, method);
    return {
      model,
      method,
      explainedVariance: projected.explainedVariance,
      category,
      total: projected.total,
      points: projected.points.map(({ row, ...p }) => ({ imageId: space.imageIds[row], name: space.prepared.imageIds[row], ...p })),
    };
  }

  thumbnail(image: GalleryImage, size: number): Promise<string | null> {
    return this.thumbnails.get(image, integerInRange('size', size, MIN_THUMBNAIL, MAX_THUMBNAIL));
  }

  /** After a dataset is deleted in this process. */
  forget(datasetId: string): void {
    this.spaces.forget(datasetId);
  }
}
