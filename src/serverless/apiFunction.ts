// The api function: the GraphQL API (queries and mutations) on Lambda behind an HTTP API; runs are driven by the service.
import { ApolloServer } from '@apollo/server';
import awsLambda from '@as-integrations/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { formatError } from '../api/apiErrors.js';
import { authenticate } from '../api/apiKeys.js';
import type { ApiContext } from '../api/resolvers.js';
import { createApiSchema } from '../api/server.js';
import { notifyTransport } from '../runs/pgEventBus.js';
import { RunEvents } from '../runs/runEvents.js';
import { RunService } from '../runs/runService.js';
import { functionRuntime } from './functionRuntime.js';

const { startServerAndCreateLambdaHandler, handlers } = awsLambda;
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const log = (line: string): void => console.error(`[corrembed] ${line}`);

let handler: Promise<Handler> | null = null;

async function build(): Promise<Handler> {
  const { config, db, datasets, models, cache } = await functionRuntime();
  const events = new RunEvents(log);
  events.attach(notifyTransport(db.pool));
  // Records runs only: the long-lived service (CORREMBED_DRIVE_RUNS=true) finds them and drives them.
  const runs = new RunService(db.prisma, datasets, cache, null, events, {
    batchSize: config.batchSize,
    concurrency: 1,
    leaseSeconds: config.leaseSeconds,
    driveRuns: false,
    log,
  });
  const schema = createApiSchema({ prisma: db.prisma, datasets, models, runs, events, publicQueries: config.publicQueries });
  const apollo = new ApolloServer<ApiContext>({ schema, formatError: formatError(log), includeStacktraceInErrorResponses: false });
  // The integration is CommonJS and types Apollo's CommonJS build; the ESM instance behaves the same.
  const server = apollo as unknown as Parameters<typeof startServerAndCreateLambdaHandler>[0];
  const lambda = startServerAndCreateLambdaHandler(server, handlers.createAPIGatewayProxyEventV2RequestHandler(), {
    context: async ({ event }): Promise<ApiContext> => ({ caller: await authenticate(db.prisma, event.headers.authorization) }),
  });
  return (event, context) => lambda(event, context, () => undefined) as Promise<APIGatewayProxyStructuredResultV2>;
}

export async function handleApi(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  if (!handler) {
    handler = build();
    handler.catch(() => (handler = null));
  }
  return (await handler)(event, context);
}
