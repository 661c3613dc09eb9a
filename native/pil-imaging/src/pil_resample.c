// PIL's 8-bit resampling passes inside a centre crop, fused with ToTensor + Normalize (the C twin of src/imaging/pilResample.ts).
//
// The integer arithmetic is PIL's (Resample.c, 8 bpc): 22 fractional bits, sums started at one half, clip8 between
// the horizontal and the vertical pass. The taps (source start, tap count, fixed-point weights per output) come from
// the JavaScript side, which computes them in doubles exactly as PIL does, so this file holds no floating-point
// arithmetic that could round differently: its output is bit-identical to the JavaScript passes it replaces.
#include "pil_resample.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

/* The vertical pass in vector code where the CPU has it: its int32 multiplies are one instruction with AVX2. */
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

/*
 * A horizontal pass: the job's source rows [row_first, row_first + rows) through the horizontal taps, as `crop` RGB
 * bytes per row; 0 when out of memory. Every version forms PIL's uint32 products and wrapping sums, in orders that
 * addition modulo 2^32 does not see, so all give PIL's bytes.
 */
typedef int horizontal_pass_t(const uint8_t *src, const resample_job_t *job, uint8_t *out);

static int horizontal_pass_scalar(const uint8_t *src, const resample_job_t *job, uint8_t *out) {
  const taps_t *taps = job->horizontal;
  for (int32_t r = 0; r < job->rows; r++) {
    const uint8_t *row = src + (size_t)(job->row_first + r) * job->width * 3;
    for (int32_t x = 0; x < job->crop; x++, out += 3) {
      const uint8_t *s = row + (size_t)taps->start[x] * 3;
      const int32_t *w = taps->weights + (size_t)x * taps->ksize;
      uint32_t s0 = HALF, s1 = HALF, s2 = HALF;
      for (int32_t k = 0; k < taps->length[x]; k++, s += 3) {
        s0 += (uint32_t)(s[0] * w[k]);
        s1 += (uint32_t)(s[1] * w[k]);
        s2 += (uint32_t)(s[2] * w[k]);
      }
      out[0] = clip8(s0);
      out[1] = clip8(s1);
      out[2] = clip8(s2);
    }
  }
  return 1;
}

#if defined(__x86_64__)
/*
 * AVX2: each row's span of source pixels widened to RGBX (X = 0) four pixels per shuffle, then two taps of one output
 * pixel per step as eight uint32 lanes R0 G0 B0 X0 R1 G1 B1 X1 (pixel k and k + 1) times the pair's weights, expanded
 * once per pass (an odd last tap pairs with weight 0 and the next pixel, or the 4 zero bytes after the span); PIL's
 * clip8 is a shift and two saturating packs.
 */
__attribute__((target("avx2"))) static int horizontal_pass_avx2(const uint8_t *src, const resample_job_t *job, uint8_t *out) {
  const taps_t *taps = job->horizontal;
  int32_t first = taps->start[0], end = 0, pairs = 0;
  for (int32_t x = 0; x < job->crop; x++) {
    if (taps->start[x] < first) first = taps->start[x];
    if (taps->start[x] + taps->length[x] > end) end = taps->start[x] + taps->length[x];
    pairs += (taps->length[x] + 1) / 2;
  }
  uint8_t *rgbx = calloc((size_t)(end - first) * 4 + 8, 1);
  __m256i *weights = aligned_alloc(32, ((size_t)pairs + 1) * sizeof(__m256i));
  if (rgbx == NULL || weights == NULL) {
    free(rgbx);
    free(weights);
    return 0;
  }
  for (int32_t x = 0, j = 0; x < job->crop; x++) {
    const int32_t *w = taps->weights + (size_t)x * taps->ksize;
    for (int32_t k = 0; k < taps->length[x]; k += 2) weights[j++] = _mm256_set_m128i(_mm_set1_epi32(k + 1 < taps->length[x] ? w[k + 1] : 0), _mm_set1_epi32(w[k]));
  }
  const __m128i widen = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
  for (int32_t r = 0; r < job->rows; r++) {
    const uint8_t *row = src + (size_t)(job->row_first + r) * job->width * 3;
    int32_t i = first;
    for (; i + 6 <= end; i += 4) /* 16 bytes read from pixel i, all inside the span (3 * i + 16 <= 3 * end) */
      _mm_storeu_si128((__m128i *)(rgbx + (size_t)(i - first) * 4), _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(row + (size_t)i * 3)), widen));
    for (; i < end; i++) memcpy(rgbx + (size_t)(i - first) * 4, row + (size_t)i * 3, 3);
    const __m256i *w = weights;
    for (int32_t x = 0; x < job->crop; x++, out += 3) {
      const uint8_t *s = rgbx + (size_t)(taps->start[x] - first) * 4;
      __m256i sums = _mm256_setzero_si256();
      for (int32_t k = 0; k < taps->length[x]; k += 2, s += 8, w++)
        sums = _mm256_add_epi32(sums, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)s)), *w));
      const __m128i total = _mm_add_epi32(_mm_set1_epi32((int32_t)HALF), _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1)));
      const __m128i words = _mm_packs_epi32(_mm_srai_epi32(total, PRECISION_BITS), total);
      const int32_t bytes = _mm_cvtsi128_si32(_mm_packus_epi16(words, words));
      memcpy(out, &bytes, 3);
    }
  }
  free(rgbx);
  free(weights);
  return 1;
}
#endif

/* Whether the AVX2 horizontal pass runs where the CPU has it; set on the JavaScript thread before any work is queued. */
static int vector_code_allowed = 1;

int resample_use_vector_code(int allowed) {
  vector_code_allowed = allowed;
#if defined(__x86_64__)
  return allowed && __builtin_cpu_supports("avx2");
#else
  return 0;
#endif
}

static horizontal_pass_t *horizontal_pass_for_cpu(void) {
#if defined(__x86_64__)
  if (vector_code_allowed && __builtin_cpu_supports("avx2")) return horizontal_pass_avx2;
#endif
  return horizontal_pass_scalar;
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
  int ok = mid != NULL && sums != NULL;
  if (ok && job->horizontal != NULL) {
    ok = horizontal_pass_for_cpu()(src, job, mid);
  } else if (ok) {
    for (int32_t r = 0; r < job->rows; r++) memcpy(mid + r * stride, src + ((size_t)(job->row_first + r) * job->width + job->left) * 3, stride);
  }
  if (ok && job->vertical != NULL) {
    vertical_pass(mid, job, sums, mid + (size_t)job->rows * stride);
  } else if (ok) {
    for (int32_t y = 0; y < job->crop; y++) write_row(mid + (size_t)y * stride, (size_t)y * job->crop, job);
  }
  free(mid);
  free(sums);
  return ok;
}
