// GraphQL over WebSocket (graphql-ws): each operation passes the same gate, limits and validation rules as over HTTP.
import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ApiSecurityConfig } from '../config.js';
import type { ApiGraphql } from './apiGraphql.js';
import { redactValue, resultForCaller } from './callerRedaction.js';
import { operationRefusal } from './operationAccess.js';
import type { ApiContext } from './requestGate.js';
import { clientIp } from './clientIp.js';
import { originAllowed } from './cors.js';

/** The code Apollo gives the same failure over HTTP (graphql's own parse and validation errors carry none). */
function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/** Parses and validates as Apollo does for HTTP: the token limit, then GraphQL's rules and ours. */
function checkDocument(api: ApiGraphql, query: string): { document: ExecutionArgs['document'] } | GraphQLError[] {
  let document: ExecutionArgs['document'];
  try {
    document = parse(query, api.parseOptions);
  } catch (error) {
    return [coded(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
  }
  const errors = validate(api.schema, document, [...specifiedRules, ...api.validationRules]);
  if (errors.length > 0) return errors.map((error) => coded(error, 'GRAPHQL_VALIDATION_FAILED'));
  return { document };
}

export function startWsServer(
  httpServer: Server,
  api: ApiGraphql,
  limits: ApiSecurityConfig,
  log: (line: string) => void,
): { dispose(): void | Promise<void> } {
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: limits.maxBodyBytes,
    // A browser page from an origin that may not call the API over HTTP may not subscribe either (403).
    verifyClient: (
      { origin, req }: { origin?: string; req: IncomingMessage },
      done: (ok: boolean, status?: number, reason?: string) => void,
    ) =>
      originAllowed(origin, req.headers.host, limits.corsOrigins) ? done(true) : done(false, 403, 'origin not in CORREMBED_CORS_ORIGINS'),
  });
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => api.formatError(error.toJSON(), error));
  const server = useServer<Record<string, unknown> | undefined, { request: IncomingMessage }>(
    {
      schema: api.schema,
      // Every operation: a revoked key fails on the next one, a connection does not keep what its key had.
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | GraphQLError[]> => {
        try {
          const params = ctx.connectionParams as { authorization?: string; Authorization?: string } | undefined;
          const { request } = ctx.extra;
          const contextValue = await api.gate.admit({
            authorization: params?.authorization ?? params?.Authorization ?? request.headers.authorization,
            clientIp: clientIp(request.socket.remoteAddress, request.headers['x-forwarded-for'], limits.trustedProxyHops),
            query: payload.query,
          });
          const checked = checkDocument(api, payload.query);
          if (Array.isArray(checked)) return checked;
          const refusal = operationRefusal(
            getOperationAST(checked.document, payload.operationName),
            contextValue.credentials,
            api.publicQueries,
          );
          if (refusal) return [refusal];
          return {
            schema: api.schema,
            document: checked.document,
            variableValues: payload.variables,
            operationName: payload.operationName,
            contextValue,
          };
        } catch (error) {
          // The gate's own errors are coded; anything else is unexpected, and formatError logs and masks it.
          return [error instanceof GraphQLError ? error : new GraphQLError('unexpected error', { originalError: error as Error })];
        }
      },
      onNext: (_ctx, _id, _payload, args, result) =>
        resultForCaller(
          result.errors ? { ...result, errors: format(result.errors) } : result,
          (args.contextValue as ApiContext | undefined)?.credentials,
        ),
      onError: (_ctx, _id, _payload, errors) => redactValue(format(errors)),
    },
    wsServer,
  );
  // graphql-ws prints every socket error to the console as a fault of ours; ws has already closed the socket (a message
  // over maxPayload: 1009), so only errors other than the client's oversized messages are worth a log line.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') log(`websocket error: ${error.message}`);
    });
  });
  return server;
}
