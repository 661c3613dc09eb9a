// Hands the lower layers their slices of a PlatformConfig: for this thread, and as worker data for embed workers.
import { loadConfig, type PlatformConfig } from '../config.js';
import { type EmbedSettings, useEmbedSettings } from '../executors/embedSettings.js';
import { useNativeBlas } from '../linalg/nativeAddon.js';

/** The slice embedding needs (the main thread's and each embed worker's). */
export function embedSettings(config: PlatformConfig): EmbedSettings {
  const { inputSafety, native, inference, storage } = config;
  return {
    fileLimits: { maxOnnxBytes: inputSafety.maxOnnxBytes, maxManifestBytes: inputSafety.maxManifestBytes },
    urlPolicy: { allowPrivate: inputSafety.allowPrivateUrls, allowHosts: inputSafety.urlAllowHosts },
    modelCaps: inputSafety.modelCaps,
    executionProvider: inference.executionProvider,
    s3: storage.s3,
    modelCacheDir: storage.modelCacheDir,
    imaging: native.imaging,
  };
}

/** Applies the configuration to this process's main thread (the native BLAS addon loads here when it is allowed). */
export function applyConfig(config: PlatformConfig): void {
  useEmbedSettings(embedSettings(config));
  useNativeBlas(config.native.blas);
}

/** A command's start: the environment parsed (a bad value throws one line before anything opens) and applied to this process. */
export function configureProcess(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const config = loadConfig(env);
  applyConfig(config);
  return config;
}
