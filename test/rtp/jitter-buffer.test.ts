import { describe, expect, it } from 'vitest';
import { JitterBuffer, type JitterBufferOptions, type PlayoutFrame } from '../../src/rtp/jitter-buffer.js';
import { Random } from '../../src/sim/random.js';
import { SimLink, type LinkProfile } from '../../src/sim/network.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

interface Run {
  /** Frame indices played, in playout order (-1 conceal, -2 silence). */
  readonly out: number[];
  readonly frames: PlayoutFrame[];
  readonly jb: JitterBuffer;
  readonly link: SimLink;
  readonly delays: number[];
}

/**
 * A sender emits `frames` packets of 20 ms on its own clock (`skew` > 0: it
 * runs fast), through a SimLink, into a jitter buffer pulled every 20 ms on
 * the receiver's clock. Payload = the frame index (4 bytes).
 */
function simulate(opts: {
  frames: number;
  profile: LinkProfile;
  seed?: number;
  skew?: number;
  jb?: JitterBufferOptions;
  /** frame index -> not sent (DTX pause); the marker is set on the next one sent. */
  silent?: (i: number) => boolean;
  ts0?: number;
  seq0?: number;
  ssrcOf?: (i: number) => number;
  tsOf?: (i: number) => number;
  /** When pull k really happens (default k × 20 ms): a late event loop. */
  pullAt?: (k: number) => number;
}): Run {
  const sched = new VirtualScheduler();
  const link = new SimLink(sched, opts.profile, new Random(opts.seed ?? 1));
  const jb = new JitterBuffer(opts.jb);
  const period = 20 / (1 + (opts.skew ?? 0));
  let seq = opts.seq0 ?? 1000;
  let wasSilent = true;
  for (let i = 0; i < opts.frames; i++) {
    sched.at(5 + i * period, () => {
      if (opts.silent?.(i)) {
        wasSilent = true;
        return;
      }
      const payload = new Uint8Array(4);
      new DataView(payload.buffer).setUint32(0, i);
      const pkt = {
        sequenceNumber: seq++ & 0xffff,
        timestamp: opts.tsOf ? opts.tsOf(i) : ((opts.ts0 ?? 0) + i * 160) >>> 0,
        payloadType: 0,
        marker: wasSilent,
        ssrc: opts.ssrcOf?.(i) ?? 0x1234,
        payload,
      };
      wasSilent = false;
      link.send(pkt, (p) => jb.put(p, sched.now()));
    });
  }
  const out: number[] = [];
  const frames: PlayoutFrame[] = [];
  const delays: number[] = [];
  const end = opts.frames * period + 1500;
  for (let k = 0; k * 20 < end; k++) {
    sched.at(opts.pullAt ? opts.pullAt(k) : k * 20, () => {
      const f = jb.pull(sched.now());
      frames.push(f);
      if (f.kind === 'audio') {
        out.push(new DataView(f.packet.payload.buffer, f.packet.payload.byteOffset).getUint32(0));
        delays.push(jb.stats().delayMs);
      } else out.push(f.kind === 'conceal' ? -1 : -2);
    });
  }
  sched.runUntilIdle();
  return { out, frames, jb, link, delays };
}

const played = (r: Run) => r.out.filter((x) => x >= 0);
function expectStrictlyIncreasing(xs: number[]) {
  for (let i = 1; i < xs.length; i++)
    if (xs[i]! <= xs[i - 1]!) throw new Error(`frame ${xs[i]} played after ${xs[i - 1]} (position ${i})`);
}

describe('JitterBuffer', () => {
  it('plays a clean stream in order, once each, at the minimum delay', () => {
    const r = simulate({ frames: 500, profile: { delayMs: 40 } });
    const s = r.jb.stats();
    // Coming down from the start-up delay (60 ms) to the measured one (20 ms) costs two frames.
    expect(s.dropped).toBe(2);
    expect(played(r).filter((i) => i >= 100)).toEqual([...Array(400).keys()].map((i) => i + 100));
    expect(played(r).length).toBe(498);
    // the 5 concealed frames come after the last packet (the buffer cannot know the stream ended)
    expect(s).toMatchObject({ concealed: 5, late: 0, duplicates: 0, talkspurts: 1 });
    expect(s.targetDelayMs).toBe(20);
    // after the start-up target (60 ms) comes down to 20, the buffer holds 20-42 ms
    expect(Math.max(...r.delays.slice(-200))).toBeLessThan(20 + 20 + 2.1);
    expect(Math.min(...r.delays.slice(-200))).toBeGreaterThanOrEqual(20 - 2.1);
  });

  it('10,000 frames at 5 % random loss: about 5 % concealed, nothing played twice, order kept', () => {
    const r = simulate({ frames: 10_000, profile: { delayMs: 30, loss: 0.05 }, seed: 7 });
    const p = played(r);
    expectStrictlyIncreasing(p);
    const lost = r.link.stats.lost;
    expect(lost / 10_000).toBeGreaterThan(0.044);
    expect(lost / 10_000).toBeLessThan(0.056);
    const s = r.jb.stats();
    expect(p.length + s.dropped).toBe(10_000 - lost);
    expect(s.dropped).toBeLessThanOrEqual(3);
    // and 5 more (maxConcealFrames) after the last packet, before the buffer calls it a pause
    expect(s.concealed).toBe(lost + 5);
    expect(s.lost).toBe(lost + 5);
    expect(s.late).toBe(0);
  });

  it('bursty (Gilbert-Elliott) loss: conceals up to the limit, then silence, and recovers', () => {
    const r = simulate({
      frames: 5_000,
      profile: { delayMs: 30, burst: { pGoodToBad: 0.01, pBadToGood: 0.2 } },
      seed: 3,
    });
    const p = played(r);
    expectStrictlyIncreasing(p);
    const s = r.jb.stats();
    expect(p.length + s.dropped).toBe(5_000 - r.link.stats.lost);
    expect(r.link.stats.lost).toBeGreaterThan(100);
    // bursts longer than 5 frames turn to silence after 5 concealed frames
    expect(s.concealed).toBeLessThanOrEqual(r.link.stats.lost);
    expect(s.concealed).toBeGreaterThan(r.link.stats.lost * 0.6);
    expect(s.talkspurts).toBeGreaterThan(1);
  });

  it('duplicates are counted and never played twice', () => {
    const r = simulate({ frames: 3_000, profile: { delayMs: 20, duplicate: 0.1, duplicateDelayMs: 7 }, seed: 11 });
    const p = played(r);
    expectStrictlyIncreasing(p);
    expect(p.length + r.jb.stats().dropped).toBe(3000);
    expect(r.jb.stats().duplicates).toBe(r.link.stats.duplicated);
  });

  it('jitter up to 100 ms with reordering: adapts its delay, few late packets, order kept', () => {
    const r = simulate({ frames: 10_000, profile: { delayMs: 20, jitterMs: 100 }, seed: 5 });
    const p = played(r);
    expectStrictlyIncreasing(p);
    const s = r.jb.stats();
    // 98 % quantile of a uniform 0-100 ms jitter
    expect(s.targetDelayMs).toBeGreaterThan(85);
    expect(s.targetDelayMs).toBeLessThanOrEqual(100);
    expect(s.late / 10_000).toBeLessThan(0.03);
    // every frame is accounted for exactly once
    expect(p.length + s.late + s.dropped).toBe(10_000);
    expect(p.length / 10_000).toBeGreaterThan(0.96);
  });

  it('a jitter spike raises the delay within a second and it comes back down afterwards', () => {
    const sched = new VirtualScheduler();
    const link = new SimLink(sched, { delayMs: 20 }, new Random(2));
    const jb = new JitterBuffer();
    const targets: number[] = [];
    for (let i = 0; i < 3000; i++) {
      sched.at(i * 20, () => {
        link.profile = i >= 1000 && i < 1500 ? { delayMs: 20, jitterMs: 80 } : { delayMs: 20 };
        const payload = new Uint8Array(1);
        link.send({ sequenceNumber: i, timestamp: i * 160, payloadType: 0, marker: i === 0, ssrc: 1, payload }, (q) =>
          jb.put(q, sched.now()),
        );
      });
      sched.at(i * 20 + 3, () => {
        jb.pull(sched.now());
        targets.push(jb.targetDelayMs);
      });
    }
    sched.runUntilIdle();
    expect(targets[999]).toBe(20);
    expect(targets[1100]).toBeGreaterThan(60);
    expect(targets[2999]).toBe(20);
  });

  for (const skew of [0.005, -0.005]) {
    it(`absorbs sender clock skew of ${skew * 100} % by dropping or stretching, keeping the delay bounded`, () => {
      const r = simulate({ frames: 10_000, profile: { delayMs: 30, jitterMs: 10 }, skew, seed: 9 });
      const p = played(r);
      expectStrictlyIncreasing(p);
      const s = r.jb.stats();
      // 10,000 frames x 0.5 % = 50 frames of drift to absorb
      if (skew > 0) {
        expect(s.dropped).toBeGreaterThan(35);
        expect(s.dropped).toBeLessThan(65);
        expect(s.stretched).toBeLessThan(10);
      } else {
        expect(s.stretched).toBeGreaterThan(35);
        expect(s.stretched).toBeLessThan(65);
        expect(s.dropped).toBeLessThan(10);
      }
      expect(s.late).toBeLessThan(100);
      expect(p.length + s.late + s.dropped).toBe(10_000);
      const tail = r.delays.slice(-2000);
      expect(Math.max(...tail)).toBeLessThan(s.targetDelayMs + 45);
    });
  }

  it('prefers quiet frames for skew adjustments when told which frames are quiet', () => {
    const quietSet = (i: number) => i % 50 < 10; // 200 ms of silence every second
    const isQuiet = (payload: Uint8Array) => quietSet(new DataView(payload.buffer, payload.byteOffset).getUint32(0));
    const r = simulate({ frames: 10_000, profile: { delayMs: 30 }, skew: 0.005, jb: { isQuiet } });
    // every frame dropped was a quiet one: the loud frames all play
    const p = new Set(played(r));
    const missingLoud = [...Array(10_000).keys()].filter((i) => !p.has(i) && !quietSet(i));
    expect(missingLoud).toEqual([]);
    expect(r.jb.stats().dropped).toBeGreaterThan(35);
  });

  it('says whether a stretch falls in a pause (the frame before it quiet), where silence may fill it', () => {
    const quietSet = (i: number) => i % 50 < 10;
    const isQuiet = (payload: Uint8Array) => quietSet(new DataView(payload.buffer, payload.byteOffset).getUint32(0));
    // A slow sender: the buffer must stretch now and then.
    const r = simulate({
      frames: 10_000,
      profile: { delayMs: 30 },
      skew: -0.005,
      jb: { isQuiet, quietGraceFrames: 20 },
    });
    const stretches: { inPause: boolean; after: number }[] = [];
    let last = -1;
    for (const [k, f] of r.frames.entries()) {
      if (f.kind === 'conceal' && f.reason === 'stretch') stretches.push({ inPause: f.inPause === true, after: last });
      if (r.out[k]! >= 0) last = r.out[k]!;
    }
    expect(stretches.length).toBeGreaterThan(35);
    for (const s of stretches)
      expect(s.inPause, `stretch after frame ${s.after}`).toBe(s.after >= 0 && quietSet(s.after));
    expect(stretches.some((s) => s.inPause)).toBe(true);
    // Without isQuiet no frame is known to be quiet: no stretch is in a pause.
    const blind = simulate({ frames: 3000, profile: { delayMs: 30 }, skew: -0.005 });
    const blindStretches = blind.frames.filter((f) => f.kind === 'conceal' && f.reason === 'stretch');
    expect(blindStretches.length).toBeGreaterThan(5);
    expect(blindStretches.every((f) => f.kind === 'conceal' && f.inPause !== true)).toBe(true);
  });

  it('late pulls (a busy event loop) lose no speech with maxLagMs and isQuiet; a phone default drops some', () => {
    const quietSet = (i: number) => i % 100 < 15; // 300 ms pauses between 1.7 s phrases
    const isQuiet = (payload: Uint8Array) => quietSet(new DataView(payload.buffer, payload.byteOffset).getUint32(0));
    // Every 37th pull comes 120 ms late; the ones due meanwhile run at once after it (a clock catching up).
    const pullAt = (k: number) => {
      const stall = Math.floor(k / 37) * 37;
      return k - stall < 6 ? stall * 20 + 120 : k * 20;
    };
    const run = (jb: JitterBufferOptions) => simulate({ frames: 3000, profile: { delayMs: 30 }, pullAt, jb });
    const loudLost = (r: Run) => {
      const p = new Set(played(r));
      return [...Array(3000).keys()].filter((i) => !p.has(i) && !quietSet(i));
    };
    const harness = run({ isQuiet, maxLagMs: 1000 });
    expect(loudLost(harness)).toEqual([]);
    expect(harness.jb.stats().dropped).toBeGreaterThan(0); // the delay was cut, in the pauses
    const phone = run({ isQuiet });
    expect(loudLost(phone).length).toBeGreaterThan(0);
  });

  it('with pauseFrames cuts the start-up delay in a pause, not in a closure inside a word (else in one)', () => {
    // Half a second of silence, then speech whose stop consonants leave 40 ms
    // closures (two quiet frames in ten), a 300 ms pause at frame 400, more speech.
    const pause = (i: number) => i < 25 || (i >= 400 && i < 415);
    const quietSet = (i: number) => pause(i) || i % 10 < 2;
    const isQuiet = (payload: Uint8Array) => quietSet(new DataView(payload.buffer, payload.byteOffset).getUint32(0));
    const run = (jb: JitterBufferOptions) => simulate({ frames: 600, profile: { delayMs: 30 }, jb });
    const dropped = (r: Run) => {
      const p = new Set(played(r));
      return [...Array(600).keys()].filter((i) => !p.has(i));
    };
    // The 60 ms start-up delay comes down to 20 ms once 50 packets are measured (frame 50, mid-speech).
    const recorder = run({ isQuiet, maxLagMs: 1000, pauseFrames: 5, quietGraceFrames: 500 });
    expect(dropped(recorder)).toEqual([404, 406]); // the 5th quiet frame of the pause, and the one after it
    const phone = run({ isQuiet, maxLagMs: 1000 });
    expect(dropped(phone).length).toBe(2);
    expect(dropped(phone).every((i) => i < 400 && !pause(i))).toBe(true);
  });

  it('plays silence through a DTX pause (sequence numbers consecutive) without concealing', () => {
    const silent = (i: number) => i % 100 >= 60; // 1.2 s talk, 0.8 s pause
    const r = simulate({ frames: 2_000, profile: { delayMs: 25, jitterMs: 5 }, silent });
    const sent = [...Array(2000).keys()].filter((i) => !silent(i));
    const s = r.jb.stats();
    const p = played(r);
    expectStrictlyIncreasing(p);
    // only the start-up convergence drops anything; every pause re-aligns without loss
    expect(p.length + s.dropped).toBe(sent.length);
    expect(p.filter((i) => i >= 100)).toEqual(sent.filter((i) => i >= 100));
    // Each pause starts with 5 concealed frames (nothing tells the receiver it is a pause
    // until the next packet) which PLC fades out; they are not counted as lost.
    expect(s.concealed).toBe(100);
    expect(s.lost).toBe(5); // the last pause never ends
    expect(s.talkspurts).toBe(20);
  });

  it('handles the 16-bit sequence and 32-bit timestamp wrap', () => {
    const r = simulate({
      frames: 1_000,
      profile: { delayMs: 30, jitterMs: 30 },
      seq0: 65_000,
      ts0: 0xffffff00 - 160 * 500,
    });
    expect(played(r).length).toBeGreaterThan(970);
    expectStrictlyIncreasing(played(r));
  });

  it('starts over on a new SSRC and on a timestamp jump', () => {
    const r = simulate({
      frames: 1_000,
      profile: { delayMs: 30 },
      ssrcOf: (i) => (i < 500 ? 1 : 2),
      tsOf: (i) => (i < 300 ? i * 160 : 5_000_000 + i * 160) >>> 0,
    });
    expect(r.jb.stats().resyncs).toBe(2);
    const p = played(r);
    expectStrictlyIncreasing(p);
    expect(p.length).toBeGreaterThan(990);
  });

  it('pulls 30 ms packets with 20 ms ticks when told how much audio is still held', () => {
    const sched = new VirtualScheduler();
    const jb = new JitterBuffer({ samplesOf: (p) => p.length });
    for (let i = 0; i < 200; i++)
      sched.at(i * 30 + 15, () =>
        jb.put(
          {
            sequenceNumber: i,
            timestamp: i * 240,
            payloadType: 0,
            marker: i === 0,
            ssrc: 1,
            payload: new Uint8Array(240).fill(i & 0xff),
          },
          sched.now(),
        ),
      );
    let held = 0;
    const got: number[] = [];
    for (let k = 0; k < 350; k++)
      sched.at(k * 20, () => {
        while (held < 160) {
          const f = jb.pull(sched.now(), held);
          if (f.kind === 'audio') got.push(f.packet.sequenceNumber);
          held += f.samples;
          if (f.kind !== 'audio' && got.length === 0) break;
        }
        held = Math.max(0, held - 160);
      });
    sched.runUntilIdle();
    const dropped = jb.stats().dropped;
    expect(dropped).toBeLessThanOrEqual(1);
    expect(got.length + dropped).toBe(200);
    expect(got.filter((i) => i >= 100)).toEqual([...Array(100).keys()].map((i) => i + 100));
    // the concealed frames are after the end of the stream
    expect(jb.stats().late).toBe(0);
  });
});
