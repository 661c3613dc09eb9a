// Lambda handler `embed`: a batch of image references + a model reference -> embeddings written to the cache.
import { handleEmbed } from '../src/serverless/embedFunction.js';

export const handler = handleEmbed;
