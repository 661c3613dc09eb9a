// The shapes of the GraphQL answers the dashboard reads (a subset of schema/*.graphql).

export interface ModelInfo {
  id: string;
  name: string;
  dim: number;
  metadata: {
    family: string | null;
    imagenetAcc1: number | null;
    params: number | null;
    gflops: number | null;
    imagesPerSecond: number | null;
  };
}

export interface CategoryScore {
  category: string;
  score: number | null;
}

export interface BoardEntry {
  rank: number;
  score: number;
  ci95: { low: number; high: number } | null;
  model: ModelInfo;
  evaluation: { queriesUsed: number | null; perCategory: CategoryScore[]; retrieval: { ndcgAt10: number | null } | null };
  /** The paired test of the best model against this one; null for the best and for evaluations that cannot be compared. */
  comparedWithBest: { pValue: number | null; significant: boolean } | null;
}

export interface FitModel {
  model: { id: string; name: string };
  accuracy: number;
  score: number;
  predicted: number | null;
  residual: number | null;
  normalisedScore: number | null;
  outlier: boolean;
}

export interface AccuracyFit {
  /** The name of the accuracy on the x axis (the models' metadata.accuracyMetric, else ImageNet top-1). */
  accuracyMetric: string;
  fit: {
    slope: number;
    intercept: number;
    r: number | null;
    rSquared: number | null;
    residualSd: number;
    n: number;
    outlierThreshold: number;
  } | null;
  reason: string | null;
  models: FitModel[];
  modelsWithoutAccuracy: { model: { name: string } }[];
}

export interface DatasetInfo {
  id: string;
  name: string;
  imageCount: number;
  itemCount: number;
  categories: { name: string; weight: number | null; tagCount: number }[];
}

export interface RunInfo {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  progress: { done: number; total: number };
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  evaluations: { model: { id: string; name: string }; status: string; score: number | null }[];
}

export interface ImageInfo {
  id: string;
  name: string;
  itemId: string;
  tags: { category: string; name: string }[];
  thumbnail: string | null;
}
