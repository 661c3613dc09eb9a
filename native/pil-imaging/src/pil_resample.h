/* PIL's 8-bit resampling inside a centre crop, written through ToTensor + Normalize tables (pil_resample.c). */
#ifndef PIL_RESAMPLE_H
#define PIL_RESAMPLE_H
#include <stddef.h>
#include <stdint.h>

/* Taps of `count` outputs, packed by pilResample.ts: [count, ksize, start[count], length[count], weights[count * ksize]]. */
typedef struct {
  int32_t count;
  int32_t ksize;
  const int32_t *start;
  const int32_t *length;
  const int32_t *weights;
} taps_t;

/* A resize + crop as pilResample.ts plans it, and where its floats go: out[c * channel_step + i * pixel_step]. */
typedef struct {
  int32_t width;     /* of the source */
  int32_t left;      /* first column copied when there are no horizontal taps */
  int32_t row_first; /* first source row read */
  int32_t rows;      /* source rows read */
  int32_t crop;
  const taps_t *horizontal; /* NULL: the width is unchanged */
  const taps_t *vertical;   /* NULL: the height is unchanged (rows == crop) */
  const float *tables;      /* 256 floats per channel: ToTensor + Normalize of each byte */
  float *out;
  size_t channel_step;
  size_t pixel_step;
} resample_job_t;

/* 1 when packed taps of `count` outputs are well formed and read only [low, high) of their source axis. */
int taps_read(const int32_t *packed, size_t length, int32_t count, int32_t low, int32_t high, taps_t *taps);

/*
 * Whether the horizontal pass may use its AVX2 version (default yes) or must use the portable one; returns whether
 * the AVX2 version runs now (the CPU has it and it is allowed). Call between jobs, on the thread that queues them.
 */
int resample_use_vector_code(int allowed);

/* Runs the job on interleaved RGB `src` (rows from 0; the job reads rows [row_first, row_first + rows)); 0 when out of memory. */
int resample_to_tensor(const uint8_t *src, const resample_job_t *job);

#endif
