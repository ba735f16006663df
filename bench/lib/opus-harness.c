/*
 * Debian's libopus (libopus-dev) as a reference for shtoom's Opus: used by
 * test/interop/codecs-opus.test.ts to decode each other's packets, and by
 * bench/codec-opus.bench.ts to time native libopus in the same run. Mono,
 * VOIP application, voice signal, 20 ms frames; packets are stored each
 * after a 2-byte little-endian length.
 *
 *   opus-harness enc IN.raw OUT.pkts RATE BITRATE FEC LOSS   16-bit PCM -> packets
 *   opus-harness dec IN.pkts OUT.raw RATE                    packets -> 16-bit PCM
 *   opus-harness bench IN.raw ROUNDS                         48 kHz, 32 kbit/s: best time per frame
 *     -> "encode_ns NNN decode_ns NNN frames N version V"
 */
#include <opus/opus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static OpusEncoder *encoder(int rate, int bitrate, int fec, int loss) {
  int err;
  OpusEncoder *e = opus_encoder_create(rate, 1, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK) exit(5);
  opus_encoder_ctl(e, OPUS_SET_BITRATE(bitrate));
  opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(fec));
  opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(loss));
  return e;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long len;
  uint8_t *in = slurp(argv[2], &len);
  if (!in) return 3;
  if (strcmp(argv[1], "enc") == 0 && argc == 8) {
    int rate = atoi(argv[4]);
    int frame = rate / 50;
    OpusEncoder *e = encoder(rate, atoi(argv[5]), atoi(argv[6]), atoi(argv[7]));
    FILE *o = fopen(argv[3], "wb");
    unsigned char pkt[1500];
    for (long at = 0; at + frame * 2 <= len; at += frame * 2) {
      int n = opus_encode(e, (const opus_int16 *)(in + at), frame, pkt, sizeof pkt);
      if (n < 0) return 6;
      unsigned char h[2] = {n & 0xff, n >> 8};
      fwrite(h, 1, 2, o);
      fwrite(pkt, 1, n, o);
    }
    return fclose(o) ? 4 : 0;
  }
  if (strcmp(argv[1], "dec") == 0 && argc == 5) {
    int err;
    OpusDecoder *d = opus_decoder_create(atoi(argv[4]), 1, &err);
    if (err != OPUS_OK) return 5;
    FILE *o = fopen(argv[3], "wb");
    opus_int16 pcm[5760];
    for (long at = 0; at + 2 <= len;) {
      int n = in[at] | in[at + 1] << 8;
      at += 2;
      if (at + n > len) return 7;
      int got = opus_decode(d, in + at, n, pcm, 5760, 0);
      if (got < 0) return 6;
      fwrite(pcm, 2, got, o);
      at += n;
    }
    return fclose(o) ? 4 : 0;
  }
  if (strcmp(argv[1], "bench") == 0 && argc == 4) {
    long frames = len / 1920;
    int rounds = atoi(argv[3]);
    const opus_int16 *pcm = (const opus_int16 *)in;
    unsigned char *pkts = malloc(frames * 1500);
    int *sizes = malloc(frames * sizeof(int));
    opus_int16 out[960];
    double bestEnc = 1e300, bestDec = 1e300;
    for (int r = 0; r < rounds; r++) {
      OpusEncoder *e = encoder(48000, 32000, 0, 0);
      double t0 = now();
      for (long i = 0; i < frames; i++) sizes[i] = opus_encode(e, pcm + i * 960, 960, pkts + i * 1500, 1500);
      double t1 = now();
      opus_encoder_destroy(e);
      int err;
      OpusDecoder *d = opus_decoder_create(48000, 1, &err);
      double t2 = now();
      for (long i = 0; i < frames; i++)
        if (opus_decode(d, pkts + i * 1500, sizes[i], out, 960, 0) != 960) return 6;
      double t3 = now();
      opus_decoder_destroy(d);
      if (t1 - t0 < bestEnc) bestEnc = t1 - t0;
      if (t3 - t2 < bestDec) bestDec = t3 - t2;
    }
    printf("encode_ns %.1f decode_ns %.1f frames %ld version %s\n", bestEnc / frames, bestDec / frames, frames,
           opus_get_version_string());
    return 0;
  }
  return 2;
}
