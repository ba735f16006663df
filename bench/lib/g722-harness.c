/*
 * spandsp's G.722 (libspandsp-dev) as a reference for shtoom's encoder and
 * decoder: used by test/interop/codecs-g722.test.ts to compare code words
 * and samples, and by bench/codec-g722.bench.ts to time the reference in
 * the same run. 64 kbit/s, 16 kHz samples, one code word per byte.
 *
 *   g722-harness enc IN.raw OUT.g722        16-bit little-endian PCM -> code words
 *   g722-harness dec IN.g722 OUT.raw        code words -> 16-bit PCM
 *   g722-harness bench IN.raw OUT.g722 OUT.raw ROUNDS
 *     encodes and decodes 320-sample (20 ms) frames ROUNDS times with fresh
 *     state, writes the last round's output, prints
 *     "encode_ns NNN decode_ns NNN frames N" (best time per frame).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <spandsp.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static uint8_t *slurp(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(*len ? *len : 1);
  if (fread(buf, 1, *len, f) != (size_t)*len) return NULL;
  fclose(f);
  return buf;
}

static int spill(const char *path, const void *buf, long len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, len, f) != (size_t)len) return -1;
  return fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  long len;
  uint8_t *in = slurp(argv[2], &len);
  if (!in) return 3;
  if (strcmp(argv[1], "enc") == 0) {
    long samples = len / 2;
    uint8_t *out = malloc(samples / 2 + 1);
    g722_encode_state_t *s = g722_encode_init(NULL, 64000, 0);
    int n = g722_encode(s, out, (const int16_t *)in, samples);
    return spill(argv[3], out, n) ? 4 : 0;
  }
  if (strcmp(argv[1], "dec") == 0) {
    int16_t *out = malloc(len * 4 + 2);
    g722_decode_state_t *s = g722_decode_init(NULL, 64000, 0);
    int n = g722_decode(s, out, in, len);
    return spill(argv[3], out, n * 2) ? 4 : 0;
  }
  if (strcmp(argv[1], "bench") == 0 && argc == 6) {
    long frames = len / 640;
    int rounds = atoi(argv[5]);
    uint8_t *enc = malloc(frames * 160);
    int16_t *dec = malloc(frames * 640);
    const int16_t *pcm = (const int16_t *)in;
    double bestEnc = 1e300, bestDec = 1e300;
    for (int r = 0; r < rounds; r++) {
      g722_encode_state_t *es = g722_encode_init(NULL, 64000, 0);
      double t0 = now();
      for (long i = 0; i < frames; i++) g722_encode(es, enc + i * 160, pcm + i * 320, 320);
      double t1 = now();
      g722_encode_free(es);
      g722_decode_state_t *ds = g722_decode_init(NULL, 64000, 0);
      double t2 = now();
      for (long i = 0; i < frames; i++) g722_decode(ds, dec + i * 320, enc + i * 160, 160);
      double t3 = now();
      g722_decode_free(ds);
      if (t1 - t0 < bestEnc) bestEnc = t1 - t0;
      if (t3 - t2 < bestDec) bestDec = t3 - t2;
    }
    if (spill(argv[3], enc, frames * 160) || spill(argv[4], dec, frames * 640)) return 4;
    printf("encode_ns %.1f decode_ns %.1f frames %ld\n", bestEnc / frames, bestDec / frames, frames);
    return 0;
  }
  return 2;
}
