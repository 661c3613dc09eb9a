// pearsonSums: the per-query hot loop of scoring (src/metric/queryCorrelation.ts roundedPearsonSums) in vector instructions.
#include "pearson_sums.h"

#include "napi_args.h"

#include <math.h>
#include <stddef.h>

/*
 * Sums over o != skip of y_o = nearbyint(s_o * scale) - y0 (or s_o * scale - y0 unrounded), y_o^2 and x_o * y_o,
 * with y0 the y of the first pair. nearbyint rounds ties to even, as the TypeScript loop's 1.5 * 2^52 trick does, so
 * every y is the same value; only the order of the additions differs (vector lanes). Built once per instruction set.
 */
#define SUMS_BODY(T)                                                                                  \
  const size_t first = skip == 0 ? 1 : 0;                                                            \
  const double y0 = rounded ? nearbyint((double)s[first] * scale) : (double)s[first] * scale;        \
  double sy = 0, syy = 0, sxy = 0;                                                                   \
  _Pragma("omp simd reduction(+ : sy, syy, sxy)") for (ptrdiff_t o = 0; o < n; o++) {                \
    const double p = (double)s[o] * scale;                                                           \
    const double v = o == skip ? 0.0 : (rounded ? nearbyint(p) : p) - y0;                            \
    sy += v;                                                                                         \
    syy += v * v;                                                                                    \
    sxy += x[o] * v;                                                                                 \
  }                                                                                                  \
  out[0] = sy;                                                                                       \
  out[1] = syy;                                                                                      \
  out[2] = sxy;

__attribute__((target_clones("avx512f", "avx2", "default"))) static void sums_f32(const float *s, ptrdiff_t n, double scale, int rounded,
                                                                                   const double *x, ptrdiff_t skip, double *out) {
  SUMS_BODY(float)
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static void sums_f64(const double *s, ptrdiff_t n, double scale, int rounded,
                                                                                   const double *x, ptrdiff_t skip, double *out) {
  SUMS_BODY(double)
}

/* pearsonSums(similarities, scale, rounded, x, skip, out): sums of the first x.length similarities into out[0..3). */
napi_value pearson_sums(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  const char *usage = "blas-gemm: pearsonSums(similarities, scale, rounded, x, skip, out)";
  if (argc != 6) return addon_type_error(env, usage);
  napi_typedarray_type st, xt, ot;
  size_t sn, xn, on;
  void *s, *x, *out;
  if (!addon_typed_array(env, argv[0], &st, &sn, &s) || !addon_typed_array(env, argv[3], &xt, &xn, &x) || !addon_typed_array(env, argv[5], &ot, &on, &out)) {
    return addon_type_error(env, usage);
  }
  double scale;
  bool rounded;
  int32_t skip;
  if (napi_get_value_double(env, argv[1], &scale) != napi_ok || napi_get_value_bool(env, argv[2], &rounded) != napi_ok ||
      napi_get_value_int32(env, argv[4], &skip) != napi_ok) {
    return addon_type_error(env, usage);
  }
  if ((st != napi_float32_array && st != napi_float64_array) || xt != napi_float64_array || ot != napi_float64_array || sn < xn || on < 3 ||
      xn < 2 || skip < -1 || skip >= (int32_t)xn) {
    return addon_type_error(env, "blas-gemm: pearsonSums needs similarities (float32 or float64) at least as long as x (float64, >= 2), out of 3, skip in [-1, x.length)");
  }
  if (st == napi_float32_array) sums_f32(s, (ptrdiff_t)xn, scale, rounded, x, skip, out);
  else sums_f64(s, (ptrdiff_t)xn, scale, rounded, x, skip, out);
  return NULL;
}
