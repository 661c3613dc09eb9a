// Model registration: load and check an ONNX model from its manifest, then record it; list, get, delete.
import type { PrismaClient } from '../generated/prisma/client.js';
import { UserInputError } from '../errors.js';
import { EmbeddingModel } from '../inference/embeddingModel.js';
import { loadModelManifest } from '../inference/modelManifest.js';
import { localModelFile } from '../storage/modelFiles.js';
import { isS3Uri } from '../storage/s3Uri.js';
import { confineManifestPath, confineS3Uri } from './manifestRoots.js';

export class ModelService {
  /** manifestRoots: the folders and s3:// prefixes model manifests may be read from (config.inputSafety.manifestRoots). */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly manifestRoots: readonly string[],
  ) {}

  /**
   * Loads the model of a manifest under the manifest roots (an s3:// file under them too; refusing outputs that are not one fixed-size vector per
   * image) and stores it; an s3:// file is stored as its URI.
   */
  async register(manifestPath: string) {
    const manifest = await loadModelManifest(await confineManifestPath(manifestPath, this.manifestRoots, 'model manifest'));
    if (isS3Uri(manifest.file)) confineS3Uri(manifest.file, this.manifestRoots, `model manifest ${manifestPath}: file`);
    const model = await EmbeddingModel.load({ ...manifest, file: await localModelFile(manifest.file) }, { threads: 1 });
    try {
      const metadata = manifest.metadata ?? {};
      return await this.prisma.model.create({
        data: {
          name: manifest.name,
          onnxPath: manifest.file,
          onnxHash: model.onnxHash,
          preprocess: JSON.parse(JSON.stringify(manifest.preprocess)),
          preprocessHash: model.preprocessHash,
          inputName: model.inputName,
          layout: model.layout,
          outputName: model.outputName,
          dim: model.dim,
          family: metadata.family ?? null,
          imagenetAcc1: metadata.imagenetAcc1 ?? null,
          imagenetAcc5: metadata.imagenetAcc5 ?? null,
          accuracyMetric: metadata.accuracyMetric ?? null,
          params: metadata.params ?? null,
          gflops: metadata.gflops ?? null,
        },
      });
    } finally {
      await model.release();
    }
  }

  /** Oldest first; a window of the list when skip and take are given. */
  list(window: { skip?: number; take?: number } = {}) {
    return this.prisma.model.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...window });
  }

  async get(id: string) {
    const model = await this.prisma.model.findUnique({ where: { id } });
    if (!model) throw new UserInputError(`model "${id}" not found`, 'NOT_FOUND');
    return model;
  }

  /** Deletes a model that no run refers to. */
  async delete(id: string): Promise<boolean> {
    await this.get(id);
    const used = await this.prisma.evaluation.count({ where: { modelId: id } });
    if (used > 0) throw new UserInputError(`model "${id}" has ${used} evaluations; delete their datasets first`);
    await this.prisma.model.delete({ where: { id } });
    return true;
  }
}
