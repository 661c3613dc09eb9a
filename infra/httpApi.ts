// The HTTP API in front of the api function: GET and POST /graphql, and OPTIONS for the function's CORS preflights.
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

export const GRAPHQL_PATH = '/graphql';

export function createHttpApi(scope: Construct, apiFunction: lambda.IFunction): apigwv2.HttpApi {
  const api = new apigwv2.HttpApi(scope, 'HttpApi', { description: 'CorrEmbed GraphQL API' });
  api.addRoutes({
    path: GRAPHQL_PATH,
    methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST, apigwv2.HttpMethod.OPTIONS],
    integration: new HttpLambdaIntegration('GraphqlIntegration', apiFunction),
  });
  return api;
}
