// Node-API addon: out = queries x targets^T through OpenBLAS's cblas_sgemm/dgemm, off the JS thread, split by query rows;
// also huge-page advice, an immediate exit, and registers the scoring loops of pearson_sums.c and tag_side.c.
#include <cblas.h>
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "napi_args.h"
#include "pearson_sums.h"
#include "tag_side.h"

#define MAX_THREADS 256
/*
 * OpenBLAS's kernels do not give a query row the same bits wherever it sits: the Haswell SGEMM kernel (also picked
 * for AMD Zen) rounds a row's sums differently by its place in a 12-row group and in short edge groups, 0.3.21's
 * SkylakeX "small matrix" kernel takes products with M x N <= 1200, later releases send one row to GEMV. So every
 * call runs on whole groups of LANE_GROUP rows (a multiple of every unroll seen: 2, 4, 8, 12, 16, 24), the caller's
 * rows placed at their lane (their position in the pass modulo LANE_GROUP) with zero rows around them, at least
 * MIN_CELLS outputs, and the target matrix whole (splitting it changes its blocking, hence the bits): threads take
 * slices of whole groups of query rows. Then a query's products depend only on the query, the targets and its lane.
 */
#define LANE_GROUP 48
#define MIN_CELLS 1280

extern void openblas_set_num_threads(int);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

typedef struct {
  int is_double;
  const void *queries;
  const void *targets;
  void *out;
  int count, rows, dim, threads, lane;
  int out_of_memory;
  addon_work_t async;
} Gemm;

typedef struct {
  const Gemm *g;
  int count;
  const void *queries;
  void *out;
} Slice;

/* out = queries x targets^T for the slice's `count` query rows against every target row. */
static void *run_slice(void *arg) {
  const Slice *s = arg;
  const Gemm *g = s->g;
  if (s->count <= 0) return NULL;
  if (g->is_double) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->count, g->rows, g->dim, 1.0, s->queries, g->dim,
                g->targets, g->dim, 0.0, s->out, g->rows);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->count, g->rows, g->dim, 1.0f, s->queries, g->dim,
                g->targets, g->dim, 0.0f, s->out, g->rows);
  }
  return NULL;
}

static int round_up(int value, int step) { return (value + step - 1) / step * step; }

/* `total` rows (whole lane groups) from `queries` into `out`, split over up to g->threads threads by whole groups. */
static void run_rows(const Gemm *g, const void *queries, void *out, int total) {
  const size_t size = g->is_double ? sizeof(double) : sizeof(float);
  int threads = g->threads < total / LANE_GROUP ? g->threads : total / LANE_GROUP;
  if (threads < 1) threads = 1;
  const int step = round_up((total + threads - 1) / threads, LANE_GROUP);
  threads = (total + step - 1) / step;
  Slice slices[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    const int first = t * step;
    slices[t] = (Slice){g, (t == threads - 1 ? total : first + step) - first, (const char *)queries + (size_t)first * g->dim * size,
                        (char *)out + (size_t)first * g->rows * size};
  }
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, run_slice, &slices[t]) == 0;
  run_slice(&slices[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else run_slice(&slices[t]);
  }
}

static void execute(napi_env env, void *data) {
  (void)env;
  Gemm *g = data;
  if (g->count == 0 || g->rows == 0) return;
  const int lead = g->lane % LANE_GROUP;
  int total = round_up(lead + g->count, LANE_GROUP);
  const int fewest = round_up((MIN_CELLS + g->rows - 1) / g->rows, LANE_GROUP);
  if (total < fewest) total = fewest;
  if (lead == 0 && total == g->count) {
    run_rows(g, g->queries, g->out, total);
    return;
  }
  /* The rows at their lanes in a zero-padded copy, and the products of those rows copied back. */
  const size_t size = g->is_double ? sizeof(double) : sizeof(float);
  char *queries = calloc((size_t)total * g->dim, size);
  char *out = malloc((size_t)total * g->rows * size);
  g->out_of_memory = queries == NULL || out == NULL;
  if (!g->out_of_memory) {
    memcpy(queries + (size_t)lead * g->dim * size, g->queries, (size_t)g->count * g->dim * size);
    run_rows(g, queries, out, total);
    memcpy(g->out, out + (size_t)lead * g->rows * size, (size_t)g->count * g->rows * size);
  }
  free(queries);
  free(out);
}

static void complete(napi_env env, napi_status status, void *data) {
  Gemm *g = data;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok && !g->out_of_memory) napi_resolve_deferred(env, g->async.deferred, undefined);
  else {
    napi_value message, error;
    napi_create_string_utf8(env, g->out_of_memory ? "blas-gemm: out of memory" : "blas-gemm: the product was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, g->async.deferred, error);
  }
  addon_finish_work(env, &g->async);
  free(g);
}

/* A float32 or float64 typed array of at least `needed` elements; sets *type and *data. */
static int float_array(napi_env env, napi_value value, size_t needed, napi_typedarray_type *type, void **data) {
  size_t length;
  return addon_typed_array(env, value, type, &length, data) && (*type == napi_float32_array || *type == napi_float64_array) && length >= needed;
}

static int non_negative(napi_env env, napi_value value, int *out) {
  return napi_get_value_int32(env, value, out) == napi_ok && *out >= 0;
}

/*
 * multiply(queries, count, targets, rows, dim, out, threads, lane): Promise<void>; all three arrays of one float
 * type; `lane` is the first query's position in its pass (see LANE_GROUP).
 */
static napi_value multiply(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 8) return addon_type_error(env, "blas-gemm: multiply(queries, count, targets, rows, dim, out, threads, lane)");
  int count, rows, dim, threads, lane;
  if (!non_negative(env, argv[1], &count) || !non_negative(env, argv[3], &rows) || !non_negative(env, argv[4], &dim) ||
      !non_negative(env, argv[6], &threads) || !non_negative(env, argv[7], &lane) || dim == 0 || threads == 0) {
    return addon_type_error(env, "blas-gemm: count, rows and lane must be non-negative integers, dim and threads positive");
  }
  napi_typedarray_type types[3];
  void *pointers[3];
  if (!float_array(env, argv[0], (size_t)count * dim, &types[0], &pointers[0]) ||
      !float_array(env, argv[2], (size_t)rows * dim, &types[1], &pointers[1]) ||
      !float_array(env, argv[5], (size_t)count * rows, &types[2], &pointers[2]) || types[0] != types[1] || types[1] != types[2]) {
    return addon_type_error(env, "blas-gemm: queries, targets and out must be large enough Float32Arrays, or all Float64Arrays");
  }
  Gemm *g = calloc(1, sizeof(Gemm));
  if (g == NULL) return addon_type_error(env, "blas-gemm: out of memory");
  g->is_double = types[0] == napi_float64_array;
  g->queries = pointers[0];
  g->targets = pointers[1];
  g->out = pointers[2];
  g->count = count;
  g->rows = rows;
  g->dim = dim;
  g->threads = threads < MAX_THREADS ? threads : MAX_THREADS;
  g->lane = lane;
  /* queries, targets, out: kept alive until complete. */
  const napi_value arrays[3] = {argv[0], argv[2], argv[5]};
  return addon_queue_work(env, &g->async, "blas-gemm", arrays, 3, execute, complete, g);
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

/*
 * hugePages(array): asks the kernel for 2 MiB pages under a large typed array's memory (madvise MADV_HUGEPAGE) before
 * it is first written. Where transparent huge pages are in "madvise" mode, as on Debian, a fresh 4 KiB page costs a
 * fault each (16 us apiece on a virtual machine seen here: 0.67 s to fill 164 MB); huge pages take 512 times fewer.
 * Returns whether the advice was taken; memory already touched keeps its pages.
 */
static napi_value huge_pages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (argc != 1 || !addon_typed_array(env, argv[0], &type, &length, &data)) return addon_type_error(env, "blas-gemm: hugePages(typedArray)");
  static const size_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
  const size_t bytes = length * (type < sizeof sizes / sizeof *sizes ? sizes[type] : 1);
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t first = ((uintptr_t)data + page - 1) / page * page;
  const uintptr_t last = ((uintptr_t)data + bytes) / page * page;
  int advised = 0;
#ifdef MADV_HUGEPAGE
  advised = last > first && madvise((void *)first, last - first, MADV_HUGEPAGE) == 0;
#endif
  napi_value result;
  napi_get_boolean(env, advised, &result);
  return result;
}

/*
 * exitNow(code): ends the process at once (_exit), skipping Node's shutdown, which on Node 20 can deadlock joining a
 * V8 background compile thread that waits for a garbage collection the exiting main thread never runs
 * (nodejs/node#54918). For one-shot commands whose output is already flushed.
 */
static napi_value exit_now(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || napi_get_value_int32(env, argv[0], &code) != napi_ok) return addon_type_error(env, "blas-gemm: exitNow(code)");
  fflush(NULL);
  _exit(code);
}

NAPI_MODULE_INIT() {
  /* One OpenBLAS thread per call: this addon splits a product over its own threads, and concurrent callers stay apart. */
  openblas_set_num_threads(1);
  napi_property_descriptor properties[] = {
      {"multiply", NULL, multiply, NULL, NULL, NULL, napi_default, NULL},
      {"describe", NULL, describe, NULL, NULL, NULL, napi_default, NULL},
      {"hugePages", NULL, huge_pages, NULL, NULL, NULL, napi_default, NULL},
      {"pearsonSums", NULL, pearson_sums, NULL, NULL, NULL, napi_default, NULL},
      {"tagSide", NULL, tag_side, NULL, NULL, NULL, napi_default, NULL},
      {"exitNow", NULL, exit_now, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 6, properties);
  return exports;
}
