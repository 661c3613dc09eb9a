// The API server: Apollo over HTTP POST /graphql, graphql-ws subscriptions on the same path, and the dashboard at /.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import compression from 'compression';
import express, { type ErrorRequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { ApiSecurityConfig } from '../config.js';
import { errorBody, payloadTooLarge } from './apiErrors.js';
import { createApiGraphql } from './apiGraphql.js';
import { dashboardRoutes } from './dashboardRoutes.js';
import { clientIp } from './clientIp.js';
import { cors } from './cors.js';
import type { ApiContext } from './requestGate.js';
import type { ApiServices } from './apiServices.js';
import { startWsServer } from './wsServer.js';

export interface ApiServer {
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  port: number;
  host?: string;
  limits: ApiSecurityConfig;
  log: (line: string) => void;
}

/** Bodies refused before GraphQL sees them (too large, not JSON) get a GraphQL-shaped JSON error, never Express's HTML page. */
function bodyErrors(maxBodyBytes: number, log: (line: string) => void): ErrorRequestHandler {
  return (error: { status?: number; type?: string; message?: string }, _req, res, _next) => {
    const status = error.status ?? 500;
    // body-parser's refusals are the client's (a 415 for a charset or encoding it does not decode, among them).
    const client = status >= 400 && status < 500;
    const refusal =
      status === 413
        ? payloadTooLarge(maxBodyBytes)
        : status === 415
          ? new GraphQLError('the request body has an unsupported charset or encoding (send UTF-8 JSON)', {
              extensions: { code: 'BAD_REQUEST' },
            })
          : client
            ? new GraphQLError('the request body is not valid JSON', { extensions: { code: 'BAD_REQUEST' } })
            : (log(`internal error: ${error.message}`),
              new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
    res
      .status(client ? status : 500)
      .type('application/json')
      .send(errorBody(refusal));
  };
}

export async function startApiServer(services: ApiServices, options: ApiServerOptions): Promise<ApiServer> {
  const { limits, log } = options;
  const api = createApiGraphql(services, limits, log);
  const app = express();
  const httpServer = createServer(app);
  const ws = startWsServer(httpServer, api, limits, log);
  const apollo = new ApolloServer<ApiContext>({
    ...api.apollo,
    // The process owner (`corrembed serve`) handles signals, so the database is stopped after the server.
    stopOnTerminationSignals: false,
    plugins: [
      ...(api.apollo.plugins ?? []),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: async () => void (await ws.dispose()) }) },
    ],
  });
  await apollo.start();
  app.get(['/healthz', '/health'], (_req, res) => void res.json({ ok: true }));
  app.use(compression()); // the dashboard's files and the GraphQL answers, brotli or gzip as the client accepts
  app.use(dashboardRoutes());
  app.use(
    '/graphql',
    cors(limits.corsOrigins),
    express.json({ limit: limits.maxBodyBytes }),
    bodyErrors(limits.maxBodyBytes, log),
    expressMiddleware(apollo, {
      context: ({ req }) =>
        api.gate.admit({
          authorization: req.headers.authorization,
          clientIp: clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], limits.trustedProxyHops),
          query: (req.body as { query?: unknown } | undefined)?.query ?? req.query.query,
        }),
    }),
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
