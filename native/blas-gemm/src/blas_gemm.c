// Node-API addon: out = queries x targets^T through OpenBLAS's cblas_sgemm/dgemm, off the JS thread, split by target rows.
#include <cblas.h>
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 256
/* Target-row slices start on multiples of this, so every thread but the last runs OpenBLAS's widest kernels. */
#define SLICE_ALIGN 64
/*
 * OpenBLAS hands small products to other kernels (0.3.21's SkylakeX "small matrix" kernel when M x N <= 1200, GEMV
 * for one row in later releases) whose sums round differently, so a query's products would depend on the block it
 * came in. Every call therefore has at least 2 query rows and MIN_CELLS outputs (short blocks are padded with zero
 * rows), and a product is split over threads only when each slice keeps MIN_SLICE target rows.
 */
#define MIN_CELLS 1280
#define MIN_SLICE 2048

extern void openblas_set_num_threads(int);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

typedef struct {
  int is_double;
  const void *queries;
  const void *targets;
  void *out;
  int count, rows, dim, threads;
  int out_of_memory;
  napi_ref refs[3];
  napi_deferred deferred;
  napi_async_work work;
} Gemm;

typedef struct {
  const Gemm *g;
  int first, last, count;
  const void *queries;
  void *out;
} Slice;

/* out[:, first:last] = queries x targets[first:last]^T for `count` query rows (the call's, or its padded count). */
static void *run_slice(void *arg) {
  const Slice *s = arg;
  const Gemm *g = s->g;
  const int n = s->last - s->first;
  if (n <= 0) return NULL;
  if (g->is_double) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->count, n, g->dim, 1.0, s->queries, g->dim,
                (const double *)g->targets + (size_t)s->first * g->dim, g->dim, 0.0, (double *)s->out + s->first, g->rows);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->count, n, g->dim, 1.0f, s->queries, g->dim,
                (const float *)g->targets + (size_t)s->first * g->dim, g->dim, 0.0f, (float *)s->out + s->first, g->rows);
  }
  return NULL;
}

/* A short block as a zero-padded copy of `padded` rows, so it takes the same OpenBLAS path as a full one. */
static void multiply_padded(Gemm *g, int padded) {
  const size_t size = g->is_double ? sizeof(double) : sizeof(float);
  void *queries = calloc((size_t)padded * g->dim, size);
  void *out = malloc((size_t)padded * g->rows * size);
  if (queries != NULL && out != NULL) {
    memcpy(queries, g->queries, (size_t)g->count * g->dim * size);
    Slice all = {g, 0, g->rows, padded, queries, out};
    run_slice(&all);
    memcpy(g->out, out, (size_t)g->count * g->rows * size);
  }
  g->out_of_memory = queries == NULL || out == NULL;
  free(queries);
  free(out);
}

static void execute(napi_env env, void *data) {
  (void)env;
  Gemm *g = data;
  if (g->count == 0 || g->rows == 0) return;
  const int padded = (MIN_CELLS + g->rows - 1) / g->rows;
  if (g->count < 2 || g->count < padded) {
    multiply_padded(g, padded > 2 ? padded : 2);
    return;
  }
  int threads = g->rows / MIN_SLICE < g->threads ? g->rows / MIN_SLICE : g->threads;
  if (threads < 1) threads = 1;
  const int step = ((g->rows + threads - 1) / threads + SLICE_ALIGN - 1) / SLICE_ALIGN * SLICE_ALIGN;
  threads = (g->rows + step - 1) / step;
  /* Rounding the step up can leave a short last slice: it joins the one before. */
  if (threads > 1 && g->rows - (threads - 1) * step < MIN_SLICE / 2) threads--;
  Slice slices[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) slices[t] = (Slice){g, t * step, t == threads - 1 ? g->rows : (t + 1) * step, g->count, g->queries, g->out};
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, run_slice, &slices[t]) == 0;
  run_slice(&slices[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else run_slice(&slices[t]);
  }
}

static void complete(napi_env env, napi_status status, void *data) {
  Gemm *g = data;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok && !g->out_of_memory) napi_resolve_deferred(env, g->deferred, undefined);
  else {
    napi_value message, error;
    napi_create_string_utf8(env, g->out_of_memory ? "blas-gemm: out of memory" : "blas-gemm: the product was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, g->deferred, error);
  }
  for (int i = 0; i < 3; i++) napi_delete_reference(env, g->refs[i]);
  napi_delete_async_work(env, g->work);
  free(g);
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A float32 or float64 typed array of at least `needed` elements; sets *type and *data. */
static int float_array(napi_env env, napi_value value, size_t needed, napi_typedarray_type *type, void **data) {
  bool is_typed;
  size_t length;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, type, &length, data, NULL, NULL) != napi_ok) return 0;
  return (*type == napi_float32_array || *type == napi_float64_array) && length >= needed;
}

static int non_negative(napi_env env, napi_value value, int *out) {
  return napi_get_value_int32(env, value, out) == napi_ok && *out >= 0;
}

/* multiply(queries, count, targets, rows, dim, out, threads): Promise<void>; all three arrays of one float type. */
static napi_value multiply(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 7) return fail(env, "blas-gemm: multiply(queries, count, targets, rows, dim, out, threads)");
  int count, rows, dim, threads;
  if (!non_negative(env, argv[1], &count) || !non_negative(env, argv[3], &rows) || !non_negative(env, argv[4], &dim) ||
      !non_negative(env, argv[6], &threads) || dim == 0 || threads == 0) {
    return fail(env, "blas-gemm: count and rows must be non-negative integers, dim and threads positive");
  }
  napi_typedarray_type types[3];
  void *pointers[3];
  if (!float_array(env, argv[0], (size_t)count * dim, &types[0], &pointers[0]) ||
      !float_array(env, argv[2], (size_t)rows * dim, &types[1], &pointers[1]) ||
      !float_array(env, argv[5], (size_t)count * rows, &types[2], &pointers[2]) || types[0] != types[1] || types[1] != types[2]) {
    return fail(env, "blas-gemm: queries, targets and out must be large enough Float32Arrays, or all Float64Arrays");
  }
  Gemm *g = calloc(1, sizeof(Gemm));
  if (g == NULL) return fail(env, "blas-gemm: out of memory");
  g->is_double = types[0] == napi_float64_array;
  g->queries = pointers[0];
  g->targets = pointers[1];
  g->out = pointers[2];
  g->count = count;
  g->rows = rows;
  g->dim = dim;
  g->threads = threads < MAX_THREADS ? threads : MAX_THREADS;
  const int arrays[3] = {0, 2, 5};
  for (int i = 0; i < 3; i++) napi_create_reference(env, argv[arrays[i]], 1, &g->refs[i]);
  napi_value promise, name;
  napi_create_promise(env, &g->deferred, &promise);
  napi_create_string_utf8(env, "blas-gemm", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, g, &g->work);
  napi_queue_async_work(env, g->work);
  return promise;
}

/* "OpenBLAS 0.3.21 ... (core Cooperlake)": what the products run on. */
static napi_value describe(napi_env env, napi_callback_info info) {
  (void)info;
  char text[512];
  snprintf(text, sizeof text, "%s (core %s)", openblas_get_config(), openblas_get_corename());
  napi_value result;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}

NAPI_MODULE_INIT() {
  /* One OpenBLAS thread per call: this addon splits a product over its own threads, and concurrent callers stay apart. */
  openblas_set_num_threads(1);
  napi_property_descriptor properties[] = {
      {"multiply", NULL, multiply, NULL, NULL, NULL, napi_default, NULL},
      {"describe", NULL, describe, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, properties);
  return exports;
}
