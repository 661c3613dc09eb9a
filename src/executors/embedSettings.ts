// What embedding in a thread needs from the configuration (limits, URL policy, model caps, provider, S3, native imaging), applied once per thread.
import { type UrlPolicy, useUrlPolicy } from '../imaging/addressPolicy.js';
import { type NativeImagingSettings, useNativeImaging } from '../imaging/nativeImaging.js';
import { type ExecutionProviderName, useExecutionProvider } from '../inference/executionProviders.js';
import { type ModelCaps, useModelCaps } from '../inference/modelCaps.js';
import { type FileLimits, useFileLimits } from '../storage/fileLimits.js';
import { type S3Settings, useModelCacheDir, useS3Settings } from '../storage/storageSettings.js';

/** Plain data (it crosses into worker threads as their workerData). */
export interface EmbedSettings {
  fileLimits: FileLimits;
  urlPolicy: UrlPolicy;
  modelCaps: ModelCaps;
  executionProvider: ExecutionProviderName;
  s3: S3Settings;
  modelCacheDir: string;
  imaging: NativeImagingSettings;
}

/** Hands each layer its part of the settings, for this thread. */
export function useEmbedSettings(settings: EmbedSettings): void {
  useFileLimits(settings.fileLimits);
  useUrlPolicy(settings.urlPolicy);
  useModelCaps(settings.modelCaps);
  useExecutionProvider(settings.executionProvider);
  useS3Settings(settings.s3);
  useModelCacheDir(settings.modelCacheDir);
  useNativeImaging(settings.imaging);
}
