// Resolvers of schema/gallery.graphql: a dataset's images, nearest neighbours and the 2-D projection.
import type { Resolvers } from '../../generated/graphql.js';
import { connection } from '../connection.js';
import type { DomainContext } from './domainContext.js';

export function galleryResolvers({ services, guard }: DomainContext): Resolvers {
  const { gallery } = services;
  return {
    Query: {
      images: async (_, { datasetId, search, ...args }, context) => {
        guard.read(context);
        return connection(args, await gallery.imageCount(datasetId, search), (skip, take) =>
          gallery.images(datasetId, search, { skip, take }),
        );
      },
      neighbours: (_, { imageId, modelId, k }, context) => (guard.read(context), gallery.neighbours(imageId, modelId, k)),
      projection: (_, args, context) => (
        guard.read(context), gallery.projection(args.datasetId, args.modelId, args.category ?? null, args.limit, args.method)
      ),
    },
    Image: {
      thumbnail: (image, { size }) => gallery.thumbnail(image, size),
    },
  };
}
