/**
 * A voice app for the transcoding echo benchmark (`echo-opus.bench.ts`):
 * it answers in media mode (not `echo`, which returns packets as they
 * are) and sends back what it hears through the whole media path — the
 * jitter buffer and the codec's decoder, then the encoder on the call's
 * media clock — one 20 ms frame later, at the call's own rate (16 kHz for
 * Opus: no resampling). `shtoom serve bench/lib/loopback-app.ts`.
 */
import type { AudioSink, AudioSource } from '../../src/audio/device.js';
import type { VoiceCall } from '../../src/doug/voice-call.js';

/** A sink and a source joined by a queue of at most `max` frames (the oldest dropped when full). */
function loopback(max = 3): { sink: AudioSink; source: AudioSource } {
  let rate = 8000;
  const frames: Int16Array[] = [];
  return {
    sink: {
      uri: 'loopback:',
      get rate() {
        return rate;
      },
      follow(r: number) {
        rate = r;
      },
      write(frame: Int16Array) {
        if (frames.length === max) frames.shift();
        frames.push(frame.slice());
      },
      close: async () => undefined,
    },
    source: {
      uri: 'loopback:',
      get rate() {
        return rate;
      },
      follow(r: number) {
        rate = r;
      },
      read(frame: Int16Array) {
        const f = frames.shift();
        if (f && f.length === frame.length) frame.set(f);
        else frame.fill(0);
        return true;
      },
      close: async () => undefined,
    },
  };
}

export default async function loopbackApp(call: VoiceCall): Promise<void> {
  await call.answer();
  const media = call.call.media;
  if (!media) return;
  const { sink, source } = loopback();
  media.sink = sink;
  media.source = source;
  await call.call.ended;
}
