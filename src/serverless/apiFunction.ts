// The api function: the GraphQL API (queries and mutations) on Lambda behind an HTTP API; runs are driven by the service.
import { ApolloServer } from '@apollo/server';
import awsLambda from '@as-integrations/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorBody, payloadTooLarge } from '../api/apiErrors.js';
import { createApiGraphql } from '../api/apiGraphql.js';
import { corsAnswer } from '../api/cors.js';
import type { ApiContext } from '../api/requestGate.js';
import { functionRuntime } from './functionRuntime.js';

const { startServerAndCreateLambdaHandler, handlers } = awsLambda;
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let handler: Promise<Handler> | null = null;

function bodyText(event: APIGatewayProxyEventV2): string {
  return event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
}

/** The GraphQL document of a request (POST body or GET query string), for the gate's size check before parsing. */
function documentOf(event: APIGatewayProxyEventV2): unknown {
  if (event.queryStringParameters?.query !== undefined) return event.queryStringParameters.query;
  try {
    return (JSON.parse(bodyText(event)) as { query?: unknown } | null)?.query;
  } catch {
    return undefined; // Apollo answers a malformed body itself
  }
}

async function build(): Promise<Handler> {
  // Records runs only: the long-lived service (CORREMBED_DRIVE_RUNS=true) finds them and drives them.
  const services = await functionRuntime();
  const limits = services.config.api;
  const api = createApiGraphql(services, limits, services.log);
  const apollo = new ApolloServer<ApiContext>(api.apollo);
  // The integration is CommonJS and types Apollo's CommonJS build; the ESM instance behaves the same.
  const server = apollo as unknown as Parameters<typeof startServerAndCreateLambdaHandler>[0];
  const lambda = startServerAndCreateLambdaHandler(server, handlers.createAPIGatewayProxyEventV2RequestHandler(), {
    context: ({ event }): Promise<ApiContext> =>
      api.gate.admit({
        authorization: event.headers.authorization,
        clientIp: event.requestContext.http.sourceIp, // API Gateway's view of the client
        query: documentOf(event),
      }),
  });
  const answer = async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    if (Buffer.byteLength(bodyText(event)) > limits.maxBodyBytes) {
      return { statusCode: 413, headers: { 'content-type': 'application/json' }, body: errorBody(payloadTooLarge(limits.maxBodyBytes)) };
    }
    return lambda(event, context, () => undefined) as Promise<APIGatewayProxyStructuredResultV2>;
  };
  return async (event, context) => {
    const cors = corsAnswer(event.headers.origin, event.requestContext.http.method, limits.corsOrigins);
    if (cors.preflightStatus !== null) return { statusCode: cors.preflightStatus, headers: cors.headers, body: '' };
    const response = await answer(event, context);
    return { ...response, headers: { ...response.headers, ...cors.headers } };
  };
}

export async function handleApi(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  if (!handler) {
    handler = build();
    handler.catch(() => (handler = null));
  }
  return (await handler)(event, context);
}
