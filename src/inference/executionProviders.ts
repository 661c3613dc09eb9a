// onnxruntime execution providers for embedding sessions, chosen by CORREMBED_EXECUTION_PROVIDER (cpu, cuda or webgpu).

export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

const CHOICES: Record<ExecutionProviderName, string[]> = {
  cpu: ['cpu'],
  // onnxruntime falls back to the next provider for operators the GPU one lacks.
  cuda: ['cuda', 'cpu'],
  webgpu: ['webgpu', 'cpu'],
};

let chosen: ExecutionProviderName = 'cpu';

/** Sets the provider of sessions created on this thread from now on (the process's start; each embed worker). */
export function useExecutionProvider(name: ExecutionProviderName): void {
  chosen = name;
}

/** The providers a session is created with, in order of preference: the chosen one, then the CPU. */
export function executionProviders(name: ExecutionProviderName = chosen): string[] {
  return CHOICES[name];
}
