/* Baseline and progressive 8-bit JPEG decoding to RGB through libjpeg, as PIL does it (jpeg_decode.c). */
#ifndef JPEG_DECODE_H
#define JPEG_DECODE_H
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes a clean grey or YCbCr JPEG of width x height into a malloc'd interleaved RGB buffer (*rgb, freed by the
 * caller). Returns 0 without output for anything else (another colour space or precision, other dimensions, any libjpeg
 * warning or error, more than 100 progressive scans, no memory): the caller then decodes the usual way, which
 * reports what is wrong.
 */
int jpeg_decode_rgb(const uint8_t *bytes, size_t length, int32_t width, int32_t height, uint8_t **rgb);

#endif
