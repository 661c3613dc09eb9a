// onnxruntime execution providers for embedding sessions, chosen by CORREMBED_EXECUTION_PROVIDER (cpu, cuda or webgpu).
import { ConfigError } from '../config.js';

const CHOICES: Record<string, string[]> = {
  cpu: ['cpu'],
  // onnxruntime falls back to the next provider for operators the GPU one lacks.
  cuda: ['cuda', 'cpu'],
  webgpu: ['webgpu', 'cpu'],
};

export function executionProviders(env: NodeJS.ProcessEnv = process.env): string[] {
  const name = env.CORREMBED_EXECUTION_PROVIDER || 'cpu';
  const providers = CHOICES[name];
  if (!providers)
    throw new ConfigError('CORREMBED_EXECUTION_PROVIDER', `must be one of ${Object.keys(CHOICES).join(', ')} (got "${name}")`);
  return providers;
}
