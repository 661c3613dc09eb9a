// PIL's 8-bit resampling passes inside a centre crop, fused with ToTensor + Normalize (the C twin of src/imaging/pilResample.ts).
//
// The integer arithmetic is PIL's (Resample.c, 8 bpc): 22 fractional bits, sums started at one half, clip8 between
// the horizontal and the vertical pass. The taps (source start, tap count, fixed-point weights per output) come from
// the JavaScript side, which computes them in doubles exactly as PIL does, so this file holds no floating-point
// arithmetic that could round differently: its output is bit-identical to the JavaScript passes it replaces.
#include "pil_resample.h"

#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS 22
#define HALF (1u << (PRECISION_BITS - 1))

/* PIL's clip8: the sum shifted down and clamped to a byte. Sums wrap as int32, as they do in PIL and in the JS. */
static inline uint8_t clip8(uint32_t sum) {
  int32_t v = (int32_t)sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

int taps_read(const int32_t *packed, size_t length, int32_t count, int32_t low, int32_t high, taps_t *taps) {
  if (length < 2) return 0;
  taps->count = packed[0];
  taps->ksize = packed[1];
  if (taps->count != count || taps->ksize < 1 || length != 2 + (size_t)count * (2 + (size_t)taps->ksize)) return 0;
  taps->start = packed + 2;
  taps->length = packed + 2 + count;
  taps->weights = packed + 2 + 2 * (size_t)count;
  for (int32_t i = 0; i < count; i++) {
    if (taps->length[i] < 0 || taps->length[i] > taps->ksize || taps->start[i] < low) return 0;
    if ((int64_t)taps->start[i] + taps->length[i] > high) return 0;
  }
  return 1;
}

/* Vector code where the CPU has it: the vertical pass's int32 multiplies are one instruction with AVX2, several without. */
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

/* The job's source rows through the horizontal taps (or copied from `left`), as bytes. */
static void horizontal_pass(const uint8_t *src, const resample_job_t *job, uint8_t *out) {
  const taps_t *taps = job->horizontal;
  const size_t stride = (size_t)job->crop * 3;
  for (int32_t r = 0; r < job->rows; r++) {
    const uint8_t *row = src + (size_t)(job->row_first + r) * job->width * 3;
    uint8_t *o = out + r * stride;
    if (taps == NULL) {
      memcpy(o, row + (size_t)job->left * 3, stride);
      continue;
    }
    for (int32_t x = 0; x < job->crop; x++, o += 3) {
      const uint8_t *s = row + (size_t)taps->start[x] * 3;
      const int32_t *w = taps->weights + (size_t)x * taps->ksize;
      uint32_t s0 = HALF, s1 = HALF, s2 = HALF;
      for (int32_t k = 0; k < taps->length[x]; k++, s += 3) {
        s0 += (uint32_t)(s[0] * w[k]);
        s1 += (uint32_t)(s[1] * w[k]);
        s2 += (uint32_t)(s[2] * w[k]);
      }
      o[0] = clip8(s0);
      o[1] = clip8(s1);
      o[2] = clip8(s2);
    }
  }
}

/* Writes one output row of `crop` RGB bytes at crop pixel index `first` of the tensor. */
static void write_row(const uint8_t *row, size_t first, const resample_job_t *job) {
  const float *tables = job->tables;
  float *o = job->out + first * job->pixel_step;
  const size_t cs = job->channel_step;
  for (int32_t x = 0; x < job->crop; x++, row += 3, o += job->pixel_step) {
    o[0] = tables[row[0]];
    o[cs] = tables[256 + row[1]];
    o[2 * cs] = tables[512 + row[2]];
  }
}

/* Vertical taps over the horizontal pass's rows, each output row normalised as soon as it is summed. */
VECTOR_CLONES static void vertical_pass(const uint8_t *rows, const resample_job_t *job, uint32_t *sums, uint8_t *bytes) {
  const taps_t *taps = job->vertical;
  const size_t stride = (size_t)job->crop * 3;
  for (int32_t y = 0; y < job->crop; y++) {
    for (size_t i = 0; i < stride; i++) sums[i] = HALF;
    const int32_t *w = taps->weights + (size_t)y * taps->ksize;
    const uint8_t *row = rows + (size_t)(taps->start[y] - job->row_first) * stride;
    for (int32_t k = 0; k < taps->length[y]; k++, row += stride) {
      const uint32_t weight = (uint32_t)w[k];
#pragma omp simd
      for (size_t i = 0; i < stride; i++) sums[i] += row[i] * weight;
    }
    for (size_t i = 0; i < stride; i++) bytes[i] = clip8(sums[i]);
    write_row(bytes, (size_t)y * job->crop, job);
  }
}

int resample_to_tensor(const uint8_t *src, const resample_job_t *job) {
  const size_t stride = (size_t)job->crop * 3;
  uint8_t *mid = malloc((size_t)job->rows * stride + stride);
  uint32_t *sums = malloc(stride * sizeof(uint32_t));
  if (mid == NULL || sums == NULL) {
    free(mid);
    free(sums);
    return 0;
  }
  horizontal_pass(src, job, mid);
  if (job->vertical != NULL) {
    vertical_pass(mid, job, sums, mid + (size_t)job->rows * stride);
  } else {
    for (int32_t y = 0; y < job->crop; y++) write_row(mid + (size_t)y * stride, (size_t)y * job->crop, job);
  }
  free(mid);
  free(sums);
  return 1;
}
