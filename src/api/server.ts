// The API server: Apollo over HTTP POST /graphql and graphql-ws subscriptions on the same path.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate } from './apiKeys.js';
import { formatError } from './apiErrors.js';
import { createResolvers, type ApiContext, type ApiServices } from './resolvers.js';

export const SCHEMA_PATH = new URL('../../../schema/corrembed.graphql', import.meta.url);

export interface ApiServer {
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  port: number;
  host?: string;
  log: (line: string) => void;
}

/** The executable schema: the SDL in schema/ with the resolvers over `services` (shared by the HTTP server and the api function). */
export function createApiSchema(services: ApiServices) {
  return makeExecutableSchema({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers: createResolvers(services) });
}

export async function startApiServer(services: ApiServices, options: ApiServerOptions): Promise<ApiServer> {
  const schema = createApiSchema(services);
  const app = express();
  const httpServer = createServer(app);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsCleanup = useServer(
    {
      schema,
      context: async (ctx): Promise<ApiContext> => {
        const params = ctx.connectionParams as { authorization?: string; Authorization?: string } | undefined;
        const header = params?.authorization ?? params?.Authorization ?? ctx.extra.request.headers.authorization;
        return { caller: await authenticate(services.prisma, header) };
      },
      onError: (_ctx, _id, _payload, errors) => {
        for (const error of errors) if (!(error.extensions?.code)) options.log(`subscription error: ${error.message}`);
      },
    },
    wsServer,
  );
  const apollo = new ApolloServer<ApiContext>({
    schema,
    formatError: formatError(options.log),
    includeStacktraceInErrorResponses: false,
    // The process owner (`corrembed serve`) handles signals, so the database is stopped after the server.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: async () => void (await wsCleanup.dispose()) }) },
    ],
  });
  await apollo.start();
  app.get(['/healthz', '/health'], (_req, res) => void res.json({ ok: true }));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, { context: async ({ req }) => ({ caller: await authenticate(services.prisma, req.headers.authorization) }) }),
  );
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    wsUrl: `ws://localhost:${port}/graphql`,
    port,
    close: () => apollo.stop(),
  };
}
