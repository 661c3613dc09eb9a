// What a function container opens once per cold start and reuses while warm: the services of the composition root.
import { loadConfig } from '../config.js';
import { composeServices, type Services } from '../services.js';

const log = (line: string): void => console.error(`[corrembed] ${line}`);

let runtime: Promise<Services> | null = null;

/** The container's services, opened by the first invocation (a failed open is retried by the next one). */
export function functionRuntime(): Promise<Services> {
  if (!runtime) {
    runtime = composeServices(loadConfig(), 'function', log);
    runtime.catch(() => (runtime = null));
  }
  return runtime;
}

/** Closes the runtime (a local function host's shutdown, tests). */
export async function closeFunctionRuntime(): Promise<void> {
  const current = runtime;
  runtime = null;
  if (current) await (await current.catch(() => null))?.close();
}
