/**
 * conference.room_200_mix_us: one tick of a conference room of 200 — the
 * time to produce every participant's frame for one 20 ms frame: decode
 * each participant's PCMU packet (its decoded-PCM tap), measure and choose
 * the talkers, mix, lay nothing over it, encode the shared mix once per
 * codec and each talker's own mix, and hand every participant its payload
 * (150 PCMU, 30 PCMA, 20 GSM listeners; 4 talking). The jitter buffer,
 * PLC and the sockets are not in it (the participants_per_core benchmark
 * has them).
 *
 * conference.room_18_mix_us: the same for 18 participants, beside the
 * seed paper's 18-channel figures (its "Performance" table: smart mixing,
 * 4 loudest of 18, 0.18 ms with audioop, 2.7 ms in pure Python — the mix
 * alone, no codec).
 */
import { ConferenceRoom } from '../src/audio/conference/room.js';
import type { Codec } from '../src/codecs/codec.js';
import { PCMA, PCMU } from '../src/codecs/g711.js';
import { GSM } from '../src/codecs/gsm.js';
import { Random } from '../src/sim/random.js';
import { medianUsPerOp, note, report } from './lib/report.js';

/** A room of `n`: 4 talkers with speech-like noise, the rest near silence; codecs in the 150:30:20 mix. */
function roomOf(n: number): ConferenceRoom {
  const rnd = new Random(n);
  const room = new ConferenceRoom();
  const enc = PCMU.createEncoder();
  for (let i = 0; i < n; i++) {
    // Fifty frames of what participant i says, as the PCMU packets it sent.
    const level = i < 4 ? 6000 - i * 800 : 30;
    const packets = Array.from({ length: 50 }, () =>
      enc.encode(Int16Array.from({ length: 160 }, () => Math.round((rnd.next() * 2 - 1) * level))).slice(),
    );
    const dec = PCMU.createDecoder();
    let k = 0;
    const share = i % 10;
    const codec: Codec = share < 7 ? PCMU : share < 9 ? PCMA : GSM;
    const own = codec.createEncoder();
    const out = new Uint8Array(codec.bytesPerFrame);
    let sink = 0;
    room.add({
      input: { read: (frame) => void dec.decode(packets[k++ % 50]!, frame) },
      output: {
        codec,
        write: (frame, payload) => {
          const p = payload ?? own.encode(frame, out);
          sink ^= p[0]!;
        },
      },
    });
    if (sink < 0) throw new Error('unreachable');
  }
  return room;
}

const big = roomOf(200);
for (let i = 0; i < 100; i++) big.tick();
report(
  'conference.room_200_mix_us',
  medianUsPerOp(() => big.tick(), 41, 50),
  'us',
);
const s = big.stats;
note(
  `per tick: ${(s.sharedEncodes / s.ticks).toFixed(1)} shared encodings (one per codec), ` +
    `${(s.ownFrames / s.ticks).toFixed(1)} frames encoded by their participant (the talkers), ` +
    `${(s.sharedFrames / s.ticks).toFixed(1)} shared payloads handed out`,
);
const small = roomOf(18);
for (let i = 0; i < 100; i++) small.tick();
report(
  'conference.room_18_mix_us',
  medianUsPerOp(() => small.tick(), 41, 200),
  'us',
);
note(
  'seed (18 channels, smart, 4 loudest, the mix alone): 0.18 ms with audioop, 2.7 ms in Python; ' +
    'here decoding, choosing with hysteresis, mixing and encoding for all 18 (dsp.mix_18_smart_us: the mix alone)',
);
