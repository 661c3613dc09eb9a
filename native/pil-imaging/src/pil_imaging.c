// Node-API addon: PIL-exact JPEG decoding, resampling inside a centre crop and ToTensor + Normalize, for src/imaging/preprocess.ts.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "napi_args.h"
#include "pil_resample.h"
#ifdef HAVE_LIBJPEG
#include "jpeg_decode.h"
#endif

/* The arguments every entry point ends with, from `left` on (see PilImaging in src/imaging/nativeImaging.ts). */
#define PLAN_ARGS 11

typedef struct {
  resample_job_t job;
  taps_t horizontal;
  taps_t vertical;
} plan_t;

static int32_t int_arg(napi_env env, napi_value value, int *ok) {
  int32_t result = 0;
  if (napi_get_value_int32(env, value, &result) != napi_ok) *ok = 0;
  return result;
}

static int is_null(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && (type == napi_null || type == napi_undefined);
}

/* Packed taps (an Int32Array), or null; 0 when malformed or outside [low, high). */
static int taps_arg(napi_env env, napi_value value, int32_t count, int32_t low, int32_t high, taps_t *taps, const taps_t **slot) {
  *slot = NULL;
  if (is_null(env, value)) return 1;
  size_t length;
  void *data;
  if (!addon_typed_array_of(env, value, napi_int32_array, 0, &length, &data) || !taps_read(data, length, count, low, high, taps)) return 0;
  *slot = taps;
  return 1;
}

/*
 * Reads left, horizontal, rowFirst, rows, vertical, crop, table, channelStep, pixelStep, out, offset for a source of
 * width x height; returns the TypeError's message when they do not describe reads and writes inside their arrays.
 */
static const char *plan_args(napi_env env, const napi_value *argv, int32_t width, int32_t height, plan_t *plan) {
  int ok = 1;
  const int32_t left = int_arg(env, argv[0], &ok), row_first = int_arg(env, argv[2], &ok), rows = int_arg(env, argv[3], &ok);
  const int32_t crop = int_arg(env, argv[5], &ok), channel_step = int_arg(env, argv[7], &ok), pixel_step = int_arg(env, argv[8], &ok);
  const int32_t offset = int_arg(env, argv[10], &ok);
  if (!ok || width < 1 || height < 1 || crop < 1 || rows < 1 || row_first < 0 || left < 0 || channel_step < 0 || pixel_step < 0 || offset < 0)
    return "sizes must be non-negative integers";
  if ((int64_t)row_first + rows > height) return "the rows read must lie inside the image";
  size_t length;
  void *tables, *out;
  if (!addon_typed_array_of(env, argv[6], napi_float32_array, 768, &length, &tables)) return "tables must be 768 floats";
  const size_t area = (size_t)crop * crop;
  if (!addon_typed_array_of(env, argv[9], napi_float32_array, (size_t)offset + 2 * (size_t)channel_step + (area - 1) * pixel_step + 1, &length, &out))
    return "out must be a Float32Array that holds the crop at offset";
  const taps_t *horizontal, *vertical;
  if (!taps_arg(env, argv[1], crop, 0, width, &plan->horizontal, &horizontal) || (horizontal == NULL && (int64_t)left + crop > width))
    return "horizontal taps do not fit the source width";
  if (!taps_arg(env, argv[4], crop, row_first, row_first + rows, &plan->vertical, &vertical) || (vertical == NULL && rows != crop))
    return "vertical taps do not fit the rows read";
  plan->job = (resample_job_t){width, left, row_first, rows, crop, horizontal, vertical, tables, (float *)out + offset, (size_t)channel_step, (size_t)pixel_step};
  return NULL;
}

static napi_value fail(napi_env env, const char *function, const char *message) {
  char text[160];
  snprintf(text, sizeof text, "%s: %s", function, message);
  return addon_type_error(env, text);
}

static napi_value out_of_memory(napi_env env, const char *function) {
  char text[160];
  snprintf(text, sizeof text, "%s: out of memory", function);
  napi_throw_error(env, NULL, text);
  return NULL;
}

/* resizeCropTensor(src, width, ...plan): resamples interleaved RGB bytes (height = their rows) into the tensor. */
static napi_value resize_crop_tensor(napi_env env, napi_callback_info info) {
  size_t argc = 2 + PLAN_ARGS;
  napi_value argv[2 + PLAN_ARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 + PLAN_ARGS) return fail(env, "resizeCropTensor", "expected 13 arguments");
  int ok = 1;
  const int32_t width = int_arg(env, argv[1], &ok);
  size_t length;
  void *src;
  if (!ok || width < 1 || !addon_typed_array_of(env, argv[0], napi_uint8_array, 0, &length, &src)) return fail(env, "resizeCropTensor", "src must be a Uint8Array of RGB rows");
  plan_t plan;
  const char *error = plan_args(env, argv + 2, width, (int32_t)(length / ((size_t)width * 3) > INT32_MAX ? INT32_MAX : length / ((size_t)width * 3)), &plan);
  if (error != NULL) return fail(env, "resizeCropTensor", error);
  if (!resample_to_tensor(src, &plan.job)) return out_of_memory(env, "resizeCropTensor");
  return NULL;
}

/* useVectorCode(allowed): whether the AVX2 horizontal pass may run; returns whether it runs now. */
static napi_value use_vector_code(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool allowed;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_bool(env, argv[0], &allowed) != napi_ok)
    return fail(env, "useVectorCode", "expected a boolean");
  napi_value result;
  napi_get_boolean(env, resample_use_vector_code(allowed), &result);
  return result;
}

#ifdef HAVE_LIBJPEG
/* One decodeJpegTensor call: its inputs, its plan (whose taps point into `plan` itself), and its promise. */
typedef struct {
  addon_work_t async;
  const uint8_t *bytes;
  size_t length;
  int32_t width;
  int32_t height;
  plan_t plan;
  int written;
} decode_job_t;

/* On a libuv pool thread: libjpeg's decode, then the resample into the tensor. Touches no JavaScript value. */
static void decode_execute(napi_env env, void *data) {
  (void)env;
  decode_job_t *job = data;
  uint8_t *rgb = NULL;
  job->written = jpeg_decode_rgb(job->bytes, job->length, job->width, job->height, &rgb) && resample_to_tensor(rgb, &job->plan.job);
  free(rgb);
}

/* Back on the calling thread: settles the promise with whether the tensor was written, then releases the arrays. */
static void decode_complete(napi_env env, napi_status status, void *data) {
  decode_job_t *job = data;
  napi_value result;
  napi_get_boolean(env, status == napi_ok && job->written, &result);
  napi_resolve_deferred(env, job->async.deferred, result);
  addon_finish_work(env, &job->async);
  free(job);
}

/*
 * decodeJpegTensor(bytes, width, height, ...plan): a promise of true when the JPEG was decoded and written on a libuv
 * pool thread (as sharp decodes), false to decode it otherwise. Bad arguments throw at once.
 */
static napi_value decode_jpeg_tensor(napi_env env, napi_callback_info info) {
  size_t argc = 3 + PLAN_ARGS;
  napi_value argv[3 + PLAN_ARGS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 + PLAN_ARGS) return fail(env, "decodeJpegTensor", "expected 14 arguments");
  int ok = 1;
  const int32_t width = int_arg(env, argv[1], &ok), height = int_arg(env, argv[2], &ok);
  size_t length;
  void *bytes;
  if (!ok || !addon_typed_array_of(env, argv[0], napi_uint8_array, 0, &length, &bytes)) return fail(env, "decodeJpegTensor", "bytes must be a Uint8Array");
  decode_job_t *job = calloc(1, sizeof(decode_job_t));
  if (job == NULL) return out_of_memory(env, "decodeJpegTensor");
  const char *error = plan_args(env, argv + 3, width, height, &job->plan);
  if (error != NULL) {
    free(job);
    return fail(env, "decodeJpegTensor", error);
  }
  job->bytes = bytes;
  job->length = length;
  job->width = width;
  job->height = height;
  /* bytes, horizontal taps, vertical taps, table, out: kept alive until decode_complete. */
  const napi_value arrays[] = {argv[0], argv[3 + 1], argv[3 + 4], argv[3 + 6], argv[3 + 9]};
  return addon_queue_work(env, &job->async, "decodeJpegTensor", arrays, 5, decode_execute, decode_complete, job);
}
#endif

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"resizeCropTensor", NULL, resize_crop_tensor, NULL, NULL, NULL, napi_default, NULL},
      {"useVectorCode", NULL, use_vector_code, NULL, NULL, NULL, napi_default, NULL},
#ifdef HAVE_LIBJPEG
      {"decodeJpegTensor", NULL, decode_jpeg_tensor, NULL, NULL, NULL, napi_default, NULL},
#endif
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
