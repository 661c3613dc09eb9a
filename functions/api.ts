// Lambda handler `api`: the GraphQL API (Apollo) behind an API Gateway HTTP API.
import { handleApi } from '../src/serverless/apiFunction.js';

export const handler = handleApi;
