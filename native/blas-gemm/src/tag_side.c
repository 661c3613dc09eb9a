// tagSide: TagSimilarity.compute plus fillXSide (src/metric) for one query item, in C: the per-item work of a scoring pass.
#include "tag_side.h"

#include "napi_args.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/*
 * x_o = dot(u, o) / |t(u)| / |t(o)| from the tag postings (dot accumulated in the TypeScript loop's order, so every
 * x is the same value), then the x side over the pair set (all items but `skip`): values_o = x_o - x_first (0 at
 * skip), their sum and sum of squares (vector lanes: last-bit differences from the TypeScript sums), and whether x
 * is constant there. `dot` is scratch, all zeros on entry and on return.
 */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void side(const int32_t *item_tag_offsets, const int32_t *item_tags,
                                                                               const double *tag_weight2, const int32_t *posting_offsets,
                                                                               const int32_t *postings, const double *inverse_norm, ptrdiff_t n,
                                                                               ptrdiff_t u, ptrdiff_t skip, double *dot, double *x, double *values,
                                                                               double *out) {
  for (int32_t p = item_tag_offsets[u]; p < item_tag_offsets[u + 1]; p++) {
    const int32_t t = item_tags[p];
    const double w2 = tag_weight2[t];
    if (w2 == 0) continue;
    for (int32_t q = posting_offsets[t]; q < posting_offsets[t + 1]; q++) dot[postings[q]] += w2;
  }
  const double inverse_u = inverse_norm[u];
  const ptrdiff_t first = skip == 0 ? 1 : 0;
  const double shift = dot[first] * inverse_norm[first] * inverse_u;
  double sum = 0, sum_sq = 0, lo = INFINITY, hi = -INFINITY;
  _Pragma("omp simd reduction(+ : sum, sum_sq) reduction(min : lo) reduction(max : hi)") for (ptrdiff_t o = 0; o < n; o++) {
    const double v = dot[o] * inverse_norm[o] * inverse_u;
    x[o] = v;
    dot[o] = 0;
    const int kept = o != skip;
    const double d = kept ? v - shift : 0.0;
    values[o] = d;
    sum += d;
    sum_sq += d * d;
    lo = kept && v < lo ? v : lo;
    hi = kept && v > hi ? v : hi;
  }
  const ptrdiff_t pairs = skip >= 0 ? n - 1 : n;
  out[0] = sum;
  out[1] = sum_sq;
  out[2] = pairs < 2 || lo == hi ? 1 : 0;
}

/*
 * tagSide(itemTagOffsets, itemTags, tagWeight2, postingOffsets, postings, inverseNorm, u, skip, dot, x, values, out):
 * the arrays of a TagIndex (Int32Array) with per-tag squared weights and per-item inverse norms (Float64Array), then
 * Float64Array scratch/outputs of one entry per item, out of 3 (sum, sum of squares, constant).
 */
napi_value tag_side(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 12) return addon_type_error(env, "blas-gemm: tagSide(itemTagOffsets, itemTags, tagWeight2, postingOffsets, postings, inverseNorm, u, skip, dot, x, values, out)");
  size_t n = 0, tags_length, weights_length, offsets_length, postings_length, length;
  int32_t *item_tag_offsets, *item_tags, *posting_offsets, *postings;
  double *tag_weight2, *inverse_norm, *dot, *x, *values, *out;
  int32_t u, skip;
  const int arguments = addon_typed_array_of(env, argv[5], napi_float64_array, 2, &n, (void **)&inverse_norm) &&
                        addon_typed_array_of(env, argv[0], napi_int32_array, n + 1, &length, (void **)&item_tag_offsets) &&
                        addon_typed_array_of(env, argv[8], napi_float64_array, n, &length, (void **)&dot) &&
                        addon_typed_array_of(env, argv[9], napi_float64_array, n, &length, (void **)&x) &&
                        addon_typed_array_of(env, argv[10], napi_float64_array, n, &length, (void **)&values) &&
                        addon_typed_array_of(env, argv[11], napi_float64_array, 3, &length, (void **)&out) &&
                        napi_get_value_int32(env, argv[6], &u) == napi_ok && napi_get_value_int32(env, argv[7], &skip) == napi_ok && u >= 0 &&
                        (size_t)u < n && skip >= -1 && (size_t)(skip + 1) <= n;
  if (!arguments) return addon_type_error(env, "blas-gemm: tagSide needs the index's arrays, u and skip within the items, and outputs of one entry per item");
  /* The CSR arrays must fit together, so a malformed index cannot read outside them. */
  const char *misfit = "blas-gemm: tagSide's tag index arrays do not fit together";
  if (!addon_typed_array_of(env, argv[1], napi_int32_array, 0, &tags_length, (void **)&item_tags) ||
      !addon_typed_array_of(env, argv[2], napi_float64_array, 0, &weights_length, (void **)&tag_weight2) ||
      !addon_typed_array_of(env, argv[3], napi_int32_array, 1, &offsets_length, (void **)&posting_offsets) ||
      !addon_typed_array_of(env, argv[4], napi_int32_array, 0, &postings_length, (void **)&postings) || offsets_length != weights_length + 1 ||
      (size_t)item_tag_offsets[n] > tags_length || (size_t)posting_offsets[weights_length] > postings_length) {
    return addon_type_error(env, misfit);
  }
  for (int32_t p = item_tag_offsets[u]; p < item_tag_offsets[u + 1]; p++) {
    if (item_tags[p] < 0 || (size_t)item_tags[p] >= weights_length) return addon_type_error(env, misfit);
  }
  side(item_tag_offsets, item_tags, tag_weight2, posting_offsets, postings, inverse_norm, (ptrdiff_t)n, u, skip, dot, x, values, out);
  return NULL;
}
