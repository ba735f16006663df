/*
 * libgsm timing harness for bench/codec-gsm.bench.ts: encodes and decodes a
 * raw 16-bit 8 kHz file frame by frame, ROUNDS times with fresh state, and
 * prints the best time per frame of each, so process start-up is excluded.
 *
 *   gsm-harness IN.raw OUT.gsm OUT.raw ROUNDS
 *   -> "encode_ns NNN decode_ns NNN frames N"
 */
#include <gsm.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 5) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 3;
  fseek(f, 0, SEEK_END);
  long frames = ftell(f) / 320;
  fseek(f, 0, SEEK_SET);
  gsm_signal *pcm = malloc(frames * 320);
  gsm_byte *enc = malloc(frames * 33);
  gsm_signal *dec = malloc(frames * 320);
  if (fread(pcm, 320, frames, f) != (size_t)frames) return 4;
  fclose(f);
  int rounds = atoi(argv[4]);
  double bestEnc = 1e300, bestDec = 1e300;
  for (int r = 0; r < rounds; r++) {
    gsm g = gsm_create();
    double t0 = now();
    for (long i = 0; i < frames; i++) gsm_encode(g, pcm + i * 160, enc + i * 33);
    double t1 = now();
    gsm_destroy(g);
    g = gsm_create();
    double t2 = now();
    for (long i = 0; i < frames; i++) gsm_decode(g, enc + i * 33, dec + i * 160);
    double t3 = now();
    gsm_destroy(g);
    if (t1 - t0 < bestEnc) bestEnc = t1 - t0;
    if (t3 - t2 < bestDec) bestDec = t3 - t2;
  }
  FILE *o = fopen(argv[2], "wb");
  fwrite(enc, 33, frames, o);
  fclose(o);
  o = fopen(argv[3], "wb");
  fwrite(dec, 320, frames, o);
  fclose(o);
  printf("encode_ns %.1f decode_ns %.1f frames %ld\n", bestEnc / frames, bestDec / frames, frames);
  return 0;
}
