// CDK app entry: one CorrEmbed stack, configured from the CDK context, with the repository root as the image build context.
import { App } from 'aws-cdk-lib';
import { fileURLToPath } from 'node:url';
import { overridesFromContext } from './context.js';
import { CorrEmbedStack } from './corrEmbedStack.js';

/** This module runs from dist/infra/; the Dockerfile is at the repository root. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const app = new App();
const read = (key: string): unknown => app.node.tryGetContext(key);
new CorrEmbedStack(app, String(read('stackName') ?? 'CorrEmbed'), {
  imageDirectory: REPO_ROOT,
  settings: overridesFromContext(read),
  description: 'CorrEmbed Platform: GraphQL API, Lambda embed/aggregate fan-out, PostgreSQL, datasets bucket',
});
app.synth();
