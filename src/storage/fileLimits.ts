// Size limits on the files users hand the platform (.onnx models, JSON manifests), set once per thread at start.

export interface FileLimits {
  /** Largest .onnx file read or downloaded, external data included (CORREMBED_MAX_ONNX_BYTES). */
  maxOnnxBytes: number;
  /** Largest JSON file (dataset or model manifest, options) read (CORREMBED_MAX_MANIFEST_BYTES). */
  maxManifestBytes: number;
}

export const DEFAULT_FILE_LIMITS: Readonly<FileLimits> = { maxOnnxBytes: 2 * 1024 ** 3, maxManifestBytes: 500 * 1024 ** 2 };

let limits: FileLimits = DEFAULT_FILE_LIMITS;

/** Sets this thread's limits (the process's start; each embed worker from its worker data). */
export function useFileLimits(chosen: FileLimits): void {
  limits = chosen;
}

/** This thread's limits: the defaults until useFileLimits. */
export function fileLimits(): FileLimits {
  return limits;
}
