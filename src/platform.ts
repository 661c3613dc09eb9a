// Boots the whole platform on one machine: the services (composition root), the API server; resumes unfinished runs.
import { startApiServer, type ApiServer } from './api/server.js';
import type { PlatformConfig } from './config.js';
import { composeServices, type Services } from './services.js';

export interface Platform extends Services {
  server: ApiServer;
}

export async function startPlatform(config: PlatformConfig, rawLog: (line: string) => void): Promise<Platform> {
  const services = await composeServices(config, 'server', rawLog);
  let server: ApiServer;
  try {
    server = await startApiServer(services, { port: config.port, limits: config.api, log: services.log });
  } catch (error) {
    await services.close();
    throw error;
  }
  const { runs } = services;
  const resumed = await runs.resumePending();
  if (resumed > 0) services.log(`resuming ${resumed} unfinished run(s)`);
  // Joins runs recorded by other processes (the api function) or left behind by a process that died.
  runs.startSweeping(Math.min(15_000, Math.max(1000, (config.leaseSeconds * 1000) / 4)));
  return {
    ...services,
    server,
    async close() {
      runs.beginShutdown();
      await server.close();
      await services.close();
    },
  };
}
