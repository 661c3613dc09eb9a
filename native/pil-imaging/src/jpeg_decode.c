// Decodes clean grey and YCbCr JPEGs to RGB with libjpeg(-turbo) and PIL's settings; anything unusual is left to sharp.
//
// PIL's JpegDecode keeps libjpeg's defaults (ISLOW DCT, fancy upsampling) and converts YCbCr to RGB in libjpeg; grey
// becomes RGB by replication, as convert('RGB') does. On Debian both link the same libjpeg62-turbo, so the bytes are
// PIL's. Warnings (corrupt or truncated data) abandon the decode so that the caller's sharp path reports them as before.
#include "jpeg_decode.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

/* More scans than this in a progressive JPEG (each re-reads the whole image) is a decoding bomb, as libjpeg-turbo's own
   TurboJPEG API also judges (its scan limit); sharp then gets the file. */
#define MAX_SCANS 100

typedef struct {
  struct jpeg_error_mgr base;
  jmp_buf abandon;
} error_mgr_t;

static void abandon(j_common_ptr cinfo) { longjmp(((error_mgr_t *)cinfo->err)->abandon, 1); }

static void check_scans(j_common_ptr cinfo) {
  if (((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS) abandon(cinfo);
}

/* Warnings (level -1) abandon the decode; trace messages (level >= 0) are ignored. */
static void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) abandon(cinfo);
}

int jpeg_decode_rgb(const uint8_t *bytes, size_t length, int32_t width, int32_t height, uint8_t **rgb) {
  struct jpeg_decompress_struct cinfo;
  struct jpeg_progress_mgr progress = {check_scans, 0, 0, 0, 0};
  error_mgr_t err;
  uint8_t *volatile out = NULL;
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = abandon;
  err.base.emit_message = on_message;
  err.base.output_message = NULL;
  if (setjmp(err.abandon)) {
    jpeg_destroy_decompress(&cinfo);
    free(out);
    return 0;
  }
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, bytes, (unsigned long)length);
  jpeg_read_header(&cinfo, TRUE);
  const int grey = cinfo.num_components == 1 && cinfo.jpeg_color_space == JCS_GRAYSCALE;
  const int ycbcr = cinfo.num_components == 3 && cinfo.jpeg_color_space == JCS_YCbCr;
  if ((!grey && !ycbcr) || cinfo.data_precision != 8 || (int64_t)cinfo.image_width != width || (int64_t)cinfo.image_height != height) abandon((j_common_ptr)&cinfo);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_components != 3) abandon((j_common_ptr)&cinfo);
  const size_t stride = (size_t)width * 3;
  out = malloc(stride * (size_t)height);
  if (out == NULL) abandon((j_common_ptr)&cinfo);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  *rgb = out;
  return 1;
}
