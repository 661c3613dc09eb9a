// tagSide: TagSimilarity.compute plus fillXSide (src/metric) for one query item, in C: the per-item work of a scoring pass.
#include "tag_side.h"

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

static napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A typed array argument of the given type with at least `needed` elements, or NULL. */
static void *array_of(napi_env env, napi_value value, napi_typedarray_type type, size_t needed) {
  bool typed = false;
  napi_typedarray_type actual;
  size_t length;
  void *data;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed) return NULL;
  if (napi_get_typedarray_info(env, value, &actual, &length, &data, NULL, NULL) != napi_ok) return NULL;
  return actual == type && length >= needed ? data : NULL;
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
  const char *usage = "blas-gemm: tagSide(itemTagOffsets, itemTags, tagWeight2, postingOffsets, postings, inverseNorm, u, skip, dot, x, values, out)";
  if (argc != 12) return fail(env, usage);
  bool typed = false;
  size_t n = 0;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, argv[5], &typed) != napi_ok || !typed) return fail(env, usage);
  napi_get_typedarray_info(env, argv[5], &type, &n, NULL, NULL, NULL);
  int32_t u, skip;
  if (napi_get_value_int32(env, argv[6], &u) != napi_ok || napi_get_value_int32(env, argv[7], &skip) != napi_ok) return fail(env, usage);
  const int32_t *item_tag_offsets = array_of(env, argv[0], napi_int32_array, n + 1);
  const int32_t *posting_offsets = array_of(env, argv[3], napi_int32_array, 1);
  const double *inverse_norm = array_of(env, argv[5], napi_float64_array, n);
  double *dot = array_of(env, argv[8], napi_float64_array, n);
  double *x = array_of(env, argv[9], napi_float64_array, n);
  double *values = array_of(env, argv[10], napi_float64_array, n);
  double *out = array_of(env, argv[11], napi_float64_array, 3);
  if (!item_tag_offsets || !posting_offsets || !inverse_norm || !dot || !x || !values || !out || n < 2 || u < 0 || (size_t)u >= n || skip < -1 ||
      (size_t)(skip + 1) > n) {
    return fail(env, "blas-gemm: tagSide needs the index's arrays, u and skip within the items, and outputs of one entry per item");
  }
  /* Bounds of the CSR arrays, so a malformed index cannot read outside them. */
  size_t tags_length, weights_length, postings_length, offsets_length;
  const int32_t *item_tags;
  const double *tag_weight2;
  const int32_t *postings;
  napi_get_typedarray_info(env, argv[1], &type, &tags_length, (void **)&item_tags, NULL, NULL);
  napi_get_typedarray_info(env, argv[2], &type, &weights_length, (void **)&tag_weight2, NULL, NULL);
  napi_get_typedarray_info(env, argv[4], &type, &postings_length, (void **)&postings, NULL, NULL);
  napi_get_typedarray_info(env, argv[3], &type, &offsets_length, NULL, NULL, NULL);
  if (!array_of(env, argv[1], napi_int32_array, 0) || !array_of(env, argv[2], napi_float64_array, 0) || !array_of(env, argv[4], napi_int32_array, 0) ||
      offsets_length != weights_length + 1 || (size_t)item_tag_offsets[n] > tags_length || (size_t)posting_offsets[weights_length] > postings_length) {
    return fail(env, "blas-gemm: tagSide's tag index arrays do not fit together");
  }
  for (int32_t p = item_tag_offsets[u]; p < item_tag_offsets[u + 1]; p++) {
    if (item_tags[p] < 0 || (size_t)item_tags[p] >= weights_length) return fail(env, "blas-gemm: tagSide's tag index arrays do not fit together");
  }
  side(item_tag_offsets, item_tags, tag_weight2, posting_offsets, postings, inverse_norm, (ptrdiff_t)n, u, skip, dot, x, values, out);
  return NULL;
}
