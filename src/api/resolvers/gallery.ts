// Resolvers of schema/gallery.graphql: a dataset's images, nearest neighbours and the 2-D projection.
import type { Resolvers } from '../../generated/graphql.js';
import type { DomainContext } from './domainContext.js';

export function galleryResolvers({ gallery, guard }: DomainContext): Resolvers {
  return {
    Query: {
      images: (_, args, context) => (guard.read(context), gallery.images(args.datasetId, args)),
      neighbours: (_, { imageId, modelId, k }, context) => (guard.read(context), gallery.neighbours(imageId, modelId, k)),
      projection: (_, args, context) => (guard.read(context), gallery.projection(args.datasetId, args.modelId, args.category ?? null, args.limit)),
    },
    Image: {
      thumbnail: (image, { size }) => gallery.thumbnail(image, size),
    },
  };
}
