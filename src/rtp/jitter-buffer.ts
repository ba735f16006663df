/**
 * The adaptive jitter buffer: packets in (with their arrival time), one
 * playout unit out per `pull` — a packet's payload, a gap to conceal, or
 * silence. Sans-I/O and codec-agnostic: it never decodes.
 *
 * Theory of operation
 * - Media time: every packet's RTP timestamp is unwrapped to a position in
 *   samples. Its transit is arrival time minus media time; the smallest
 *   transit of the last 2 s (`DelayEstimator`) is the "fastest" packet, and
 *   each packet's extra delay over it is recorded.
 * - Target delay: the extra delay that a fraction `quantile` (default 98 %)
 *   of the recent packets beat, bounded by `minDelayMs`/`maxDelayMs`. The
 *   frame at position p is due at p + minTransit + target.
 * - Playout: `pull(now)` plays the frame at the cursor once it is due. While
 *   a talkspurt plays, the cursor moves one frame per pull; if the cursor
 *   runs more than a frame behind its due time the buffer drops a frame, if
 *   it runs ahead it stretches (asks for one concealed frame) — preferring
 *   quiet frames when `isQuiet` is given, forcing after `quietGraceFrames`
 *   (or when the cursor is `maxLagMs` behind).
 *   That is also how a sender clock faster or slower than ours (skew) is
 *   absorbed. Between talkspurts (RFC 3551 4.1: the marker bit, or a
 *   sequence-consecutive packet with a later timestamp) the cursor re-aligns
 *   freely to the current target.
 * - Gaps: a missing frame is concealed (`{ kind: 'conceal' }`) up to
 *   `maxConcealFrames` in a row; a pause the sender announced by the
 *   sequence numbers (DTX) is silence. Packets arriving after their frame
 *   was played or concealed are late (counted, dropped); repeats are
 *   duplicates. A new SSRC, or a timestamp jump of more than a second
 *   against the arrival clock, starts over.
 */
import { RecentNumbers } from './recent-numbers.js';
import { DelayEstimator } from './delay-estimator.js';

/** The parts of an RTP packet the jitter buffer keeps. */
export interface JitterPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly ssrc: number;
  readonly payload: Uint8Array;
}

export interface JitterBufferOptions {
  /** Clock rate of the stream's timestamps. Default 8000. */
  readonly clockRate?: number;
  /** Bounds of the adaptive playout delay, ms. Defaults 20 and 200. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Delay used until enough packets have been measured, ms. Default 60. */
  readonly initialDelayMs?: number;
  /** Fraction of packets the target delay should have in time. Default 0.98. */
  readonly quantile?: number;
  /**
   * Timestamp units per packet when they cannot be inferred. Default 20 ms
   * of `clockRate`. Every "samples" here is in RTP timestamp units of the
   * codec's clock (G.722: 8000 a second for 16 kHz audio; Opus: 48000),
   * not PCM samples.
   */
  readonly frameSamples?: number;
  /** Timestamp units a payload spans (from the codec); inferred from timestamps when absent. */
  readonly samplesOf?: (payload: Uint8Array, payloadType: number) => number;
  /** Whether a payload is quiet (silence), where dropping or stretching is inaudible. */
  readonly isQuiet?: (payload: Uint8Array, payloadType: number) => boolean;
  /** Missing frames concealed in a row before the stream counts as paused. Default 5. */
  readonly maxConcealFrames?: number;
  /** Frames to wait for a quiet one before a delay change is forced. Default 100 (2 s). */
  readonly quietGraceFrames?: number;
  /**
   * How long a run of quiet frames a delay change that is not forced (with
   * `isQuiet`) waits for, frames: a frame is dropped when it is the Nth
   * quiet one in a row or later, one is stretched after N played. 1 (the
   * default) takes any quiet frame, a stop consonant's closure inside a
   * word included; more waits for a pause between words or phrases, so the
   * speech a recorder keeps is not spliced. A recorder or test harness sets
   * more (and a longer `quietGraceFrames`).
   */
  readonly pauseFrames?: number;
  /**
   * How far the cursor may fall behind its due time (our pulls late: a busy
   * event loop, a clock that catches up) before a frame is dropped even in
   * speech, ms. Default three frames: a phone keeps its delay short. A
   * recorder or test harness, which must not lose speech, sets more; the
   * delay is then cut in the next quiet frames (`isQuiet`) or between
   * talkspurts.
   */
  readonly maxLagMs?: number;
  /** Packets held at most. Default 256. */
  readonly capacity?: number;
}

/** One unit of playout. */
export type PlayoutFrame =
  | { readonly kind: 'audio'; readonly packet: JitterPacket; readonly samples: number }
  /**
   * Nothing to play here: the caller conceals (PLC). `stretch` is a frame
   * inserted to grow the delay; `inPause` when the frames before it were
   * quiet (`isQuiet`), where silence is as good as a concealed frame and
   * costs nothing to make.
   */
  | {
      readonly kind: 'conceal';
      readonly reason: 'lost' | 'stretch';
      readonly samples: number;
      readonly inPause?: boolean;
    }
  /** Not started yet, or the sender paused: play silence (or comfort noise). */
  | { readonly kind: 'silence'; readonly samples: number };

export interface JitterBufferStats {
  /** Playout delay of the last frame played over the fastest recent packet, ms. */
  readonly delayMs: number;
  readonly targetDelayMs: number;
  /** Media buffered ahead of the cursor, ms. */
  readonly bufferedMs: number;
  readonly played: number;
  /** Frames concealed because their packet was missing (lost or late). */
  readonly concealed: number;
  /**
   * Frames concealed whose packet never arrived: concealed, minus those whose
   * packet came late, minus those that turned out to be a pause of the sender.
   */
  readonly lost: number;
  /** Packets that arrived after their frame was played or concealed. */
  readonly late: number;
  readonly duplicates: number;
  /** Frames dropped to cut the delay (skew, jitter falling) or on overflow. */
  readonly dropped: number;
  /** Concealed frames inserted to grow the delay. */
  readonly stretched: number;
  /**
   * Underruns (a loss concealed up to `maxConcealFrames`, then silence) that
   * the stream's return showed to be a loss, not a pause of the sender: the
   * silence played meanwhile, in timestamp units, split into what stood in
   * for media that never played (`underrunLost`) and what was inserted
   * before the media that came back (`underrunInserted`: a stall, the
   * stream resumed where it stopped, later).
   */
  readonly underrunLost: number;
  readonly underrunInserted: number;
  readonly talkspurts: number;
  /** Restarts on a new SSRC or a timestamp jump. */
  readonly resyncs: number;
}

interface Entry {
  readonly pos: number;
  readonly seq: number;
  readonly packet: JitterPacket;
}

const RECENT = 128;

/**
 * @example
 * const jb = new JitterBuffer({ minDelayMs: 20, maxDelayMs: 200 });
 * socket.on('rtp', (pkt) => jb.put(pkt, now()));
 * // every 20 ms:
 * const f = jb.pull(now());
 * const pcm = f.kind === 'audio' ? plc.good(decode(f.packet.payload)) : f.kind === 'conceal' ? plc.conceal() : silence;
 */
export class JitterBuffer {
  private readonly rate: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly initialDelay: number;
  private readonly q: number;
  private readonly defaultSamples: number;
  private readonly maxConceal: number;
  private readonly grace: number;
  private readonly pauseFrames: number;
  private readonly maxLagMs: number | undefined;
  private readonly capacity: number;
  private readonly samplesOf: JitterBufferOptions['samplesOf'];
  private readonly isQuiet: JitterBufferOptions['isQuiet'];
  private readonly est = new DelayEstimator();

  private ssrc: number | undefined;
  private refTs = 0;
  private refPos = 0;
  private started = false;
  private readonly buf: Entry[] = [];
  private playing = false;
  private cursor = 0;
  private lastPlayed: { pos: number; seq: number; samples: number } | undefined;
  private lastFrameSamples: number;
  private concealRun = 0;
  /** Frames concealed in a row with nothing buffered: a pause or a loss, told apart when the next packet comes. */
  private blindConceal = 0;
  private waitedForQuiet = 0;
  /** Quiet frames played in a row (0 after a loud one; a concealed frame leaves it as it was). */
  private quietRun = 0;
  private target: number;
  private sinceTarget = 0;
  private readonly playedSeqs = new RecentNumbers(RECENT);
  private readonly concealedPos = new RecentNumbers(RECENT);
  private readonly otherSeqs = new RecentNumbers(RECENT);
  /** Frames dropped before their packet arrived: the packet is not late when it comes. */
  private readonly skippedPos = new RecentNumbers(RECENT);
  private lastDelay = 0;

  private n = {
    played: 0,
    concealed: 0,
    lateConcealed: 0,
    pauseConcealed: 0,
    late: 0,
    duplicates: 0,
    dropped: 0,
    stretched: 0,
    talkspurts: 0,
    resyncs: 0,
    underrunLost: 0,
    underrunInserted: 0,
  };
  /** Where playout stopped when concealment gave up (media position), while it has not resumed. */
  private underrunFrom: number | undefined;
  /** Silence played since then, timestamp units. */
  private underrunSilence = 0;

  constructor(opts: JitterBufferOptions = {}) {
    this.rate = opts.clockRate ?? 8000;
    this.minDelay = opts.minDelayMs ?? 20;
    this.maxDelay = Math.max(this.minDelay, opts.maxDelayMs ?? 200);
    this.initialDelay = Math.min(this.maxDelay, Math.max(this.minDelay, opts.initialDelayMs ?? 60));
    this.q = opts.quantile ?? 0.98;
    this.defaultSamples = opts.frameSamples ?? Math.round(this.rate / 50);
    this.lastFrameSamples = this.defaultSamples;
    this.maxConceal = opts.maxConcealFrames ?? 5;
    this.grace = opts.quietGraceFrames ?? 100;
    this.pauseFrames = Math.max(1, opts.pauseFrames ?? 1);
    this.maxLagMs = opts.maxLagMs;
    this.capacity = opts.capacity ?? 256;
    this.samplesOf = opts.samplesOf;
    this.isQuiet = opts.isQuiet;
    this.target = this.initialDelay;
  }

  private ms(samples: number): number {
    return (samples * 1000) / this.rate;
  }

  /** Add a received packet. `arrivalMs` is the monotonic time it arrived. */
  put(packet: JitterPacket, arrivalMs: number): void {
    if (this.ssrc !== undefined && packet.ssrc !== this.ssrc) this.resync();
    this.ssrc = packet.ssrc;
    let pos = this.unwrap(packet.timestamp);
    let transit = arrivalMs - this.ms(pos);
    const min = this.est.minTransit;
    if (this.est.count > 0 && Math.abs(transit - min) > Math.max(1000, 2 * this.maxDelay)) {
      // A timestamp jump the arrival clock does not explain: the sender
      // restarted its timeline. Start over from this packet.
      this.resync();
      this.ssrc = packet.ssrc;
      pos = this.unwrap(packet.timestamp);
      transit = arrivalMs - this.ms(pos);
    }
    const extra = this.est.add(arrivalMs, transit);
    if (++this.sinceTarget >= 8 || extra > this.target || this.est.count < 50) this.updateTarget();

    const seq = packet.sequenceNumber;
    if (this.blindConceal > 0 && this.lastPlayed && seq === this.nextAudioSeq(this.lastPlayed.seq)) {
      // The frames concealed before this packet came were a pause of the sender, not a loss.
      this.n.pauseConcealed += this.blindConceal;
      this.blindConceal = 0;
    }
    if (this.lastPlayed && pos < (this.playing ? this.cursor : this.lastPlayed.pos + this.lastPlayed.samples)) {
      if (this.playedSeqs.has(seq)) this.n.duplicates++;
      else if (!this.skippedPos.has(pos)) {
        this.n.late++;
        if (this.concealedPos.has(pos)) this.n.lateConcealed++;
      }
      return;
    }
    // Sorted insert by position; equal position or sequence number is a duplicate.
    let i = this.buf.length;
    while (i > 0 && this.buf[i - 1]!.pos > pos) i--;
    if ((i > 0 && this.buf[i - 1]!.pos === pos) || this.holds(seq)) {
      this.n.duplicates++;
      return;
    }
    this.buf.splice(i, 0, { pos, seq, packet });
    if (this.buf.length > this.capacity) {
      this.buf.shift();
      this.n.dropped++;
    }
  }

  /**
   * The next unit of playout. `now` is when the caller plays it; `aheadSamples`
   * is audio the caller still holds before this unit is heard (when packets
   * are longer than its own frame).
   */
  pull(now: number, aheadSamples = 0): PlayoutFrame {
    const t = now + this.ms(aheadSamples);
    if (!this.playing) {
      const first = this.buf[0];
      if (!first || t < this.due(first.pos)) {
        if (this.underrunFrom !== undefined) this.underrunSilence += this.defaultSamples;
        return { kind: 'silence', samples: this.defaultSamples };
      }
      if (this.underrunFrom !== undefined) this.endUnderrun(first);
      // A talkspurt starts: the cursor aligns to the current target.
      this.playing = true;
      this.cursor = first.pos;
      this.concealRun = 0;
      this.n.talkspurts++;
      return this.playCursor(t);
    }
    // Keep the cursor within [-2 ms, frame + 2 ms) of its due time.
    const frameMs = this.ms(this.lastFrameSamples);
    const lag = t - this.due(this.cursor);
    if (lag < -2) {
      const forced = lag < -(frameMs + 2);
      const inPause = this.inPause(0);
      if (this.mayAdjust(inPause, forced)) {
        this.n.stretched++;
        return { kind: 'conceal', reason: 'stretch', samples: this.lastFrameSamples, inPause };
      }
    } else if (lag >= frameMs + 2) {
      const forced = lag >= (this.maxLagMs ?? 3 * frameMs);
      const head = this.buf[0]?.pos === this.cursor ? this.buf[0] : undefined;
      // The frame dropped is quiet and comes after a pause long enough (a lost one counts as quiet).
      const quiet = head ? this.quiet(head.packet) : true;
      if (this.mayAdjust(quiet && this.inPause(1), forced)) {
        if (head) {
          this.buf.shift();
          this.cursor = head.pos + this.samples(head);
        } else {
          this.skippedPos.add(this.cursor);
          this.cursor += this.lastFrameSamples;
        }
        this.n.dropped++;
      }
    } else {
      this.waitedForQuiet = 0;
    }
    return this.playCursor(t);
  }

  /** Whether the frames played last were a pause: `pauseFrames` quiet in a row, counting `more` about to be. */
  private inPause(more: number): boolean {
    return this.quietRun + more >= this.pauseFrames;
  }

  private mayAdjust(quiet: boolean, forced: boolean): boolean {
    if (!this.isQuiet || quiet || forced || this.waitedForQuiet >= this.grace) {
      this.waitedForQuiet = 0;
      return true;
    }
    this.waitedForQuiet++;
    return false;
  }

  private playCursor(t: number): PlayoutFrame {
    // Packets behind the cursor can no longer be played.
    while (this.buf.length && this.buf[0]!.pos < this.cursor) {
      const stale = this.buf.shift()!;
      if (!this.skippedPos.has(stale.pos)) this.n.late++;
    }
    const head = this.buf[0];
    if (head && head.pos === this.cursor) {
      this.buf.shift();
      const samples = this.samples(head);
      const quiet = this.quiet(head.packet);
      const last = this.lastPlayed;
      // One record, rewritten for every frame played (no allocation per frame).
      if (last === undefined) this.lastPlayed = { pos: head.pos, seq: head.seq, samples };
      else {
        last.pos = head.pos;
        last.seq = head.seq;
        last.samples = samples;
      }
      this.quietRun = quiet ? this.quietRun + 1 : 0;
      this.playedSeqs.add(head.seq);
      this.lastDelay = t - (this.ms(head.pos) + this.est.minTransit);
      this.cursor = head.pos + samples;
      this.concealRun = 0;
      this.blindConceal = 0;
      this.n.played++;
      return { kind: 'audio', packet: head.packet, samples };
    }
    const last = this.lastPlayed;
    if (head && last && head.seq === this.nextAudioSeq(last.seq)) {
      // RFC 3551 4.1: the sender paused (no sequence numbers are missing):
      // this is silence, and the next talkspurt re-aligns the cursor.
      this.playing = false;
      return { kind: 'silence', samples: Math.min(this.lastFrameSamples, head.pos - this.cursor) };
    }
    if (this.concealRun >= this.maxConceal) {
      this.playing = false;
      // An underrun: a pause of the sender or a loss, told apart when the stream comes back.
      this.underrunFrom = this.cursor;
      this.underrunSilence = this.lastFrameSamples;
      return { kind: 'silence', samples: this.lastFrameSamples };
    }
    this.concealRun++;
    this.n.concealed++;
    if (!head) this.blindConceal++;
    this.concealedPos.add(this.cursor);
    const samples = head ? Math.min(this.lastFrameSamples, head.pos - this.cursor) : this.lastFrameSamples;
    if (this.lastPlayed) {
      this.lastPlayed.pos = this.cursor;
      this.lastPlayed.samples = samples;
    }
    this.cursor += samples;
    return { kind: 'conceal', reason: 'lost', samples };
  }

  /**
   * The stream is back after an underrun, with `first`: a sequence number
   * that follows the last one played is the sender's pause (nothing to
   * count); a gap is a loss, and the silence played stood in for the media
   * skipped (up to `first`) and, past that, was inserted before it.
   */
  private endUnderrun(first: Entry): void {
    const from = this.underrunFrom!;
    this.underrunFrom = undefined;
    const last = this.lastPlayed;
    if (last && first.seq === this.nextAudioSeq(last.seq)) return;
    const skipped = Math.max(0, first.pos - from);
    const lost = Math.min(this.underrunSilence, skipped);
    this.n.underrunLost += lost;
    this.n.underrunInserted += this.underrunSilence - lost;
  }

  /** Frames dropped so far (to cut the delay, on overflow, on a resync): `stats().dropped` without the object. */
  get droppedFrames(): number {
    return this.n.dropped;
  }

  /** `stats().underrunLost` without the object. */
  get underrunLost(): number {
    return this.n.underrunLost;
  }

  /** `stats().underrunInserted` without the object. */
  get underrunInserted(): number {
    return this.n.underrunInserted;
  }

  /**
   * The packet that plays right after the unit just pulled, when it is
   * already here (not taken): after a lost frame, the one whose in-band FEC
   * (Opus) may rebuild it.
   */
  peekNext(): JitterPacket | undefined {
    const head = this.buf[0];
    return this.playing && head !== undefined && head.pos === this.cursor ? head.packet : undefined;
  }

  /**
   * Note a packet of the same stream that is not audio (an RFC 4733 event):
   * its sequence number is not a lost audio frame.
   */
  noteOtherPacket(seq: number): void {
    this.otherSeqs.add(seq);
  }

  /** The sequence number the audio packet after `seq` has when nothing is lost. */
  private nextAudioSeq(seq: number): number {
    let next = (seq + 1) & 0xffff;
    for (let i = 0; i < RECENT && this.otherSeqs.has(next); i++) next = (next + 1) & 0xffff;
    return next;
  }

  private due(pos: number): number {
    return this.ms(pos) + this.est.minTransit + this.target;
  }

  private updateTarget(): void {
    this.sinceTarget = 0;
    let d = this.est.quantile(this.q);
    if (this.est.count < 50) d = Math.max(d, this.initialDelay);
    this.target = Math.min(this.maxDelay, Math.max(this.minDelay, d));
  }

  private samples(e: Entry): number {
    if (this.samplesOf) {
      const n = this.samplesOf(e.packet.payload, e.packet.payloadType);
      if (n > 0) return (this.lastFrameSamples = n);
    }
    const next = this.buf.find((x) => x.seq === ((e.seq + 1) & 0xffff));
    if (next) {
      const d = next.pos - e.pos;
      if (d > 0 && d <= 8 * this.defaultSamples) return (this.lastFrameSamples = d);
    }
    return this.lastFrameSamples;
  }

  /** Whether a packet with sequence number `seq` is buffered. */
  private holds(seq: number): boolean {
    const buf = this.buf;
    for (let i = 0; i < buf.length; i++) if (buf[i]!.seq === seq) return true;
    return false;
  }

  private quiet(p: JitterPacket): boolean {
    return this.isQuiet ? this.isQuiet(p.payload, p.payloadType) : false;
  }

  private unwrap(ts: number): number {
    if (!this.started) {
      this.started = true;
      this.refTs = ts >>> 0;
      this.refPos = 0;
      return 0;
    }
    const pos = this.refPos + ((ts - this.refTs) | 0);
    if (pos > this.refPos) {
      this.refPos = pos;
      this.refTs = ts >>> 0;
    }
    return pos;
  }

  /** Forget the stream (a new source, or a jump in its timeline); what was buffered counts as dropped. */
  resync(): void {
    this.n.dropped += this.buf.length;
    this.buf.length = 0;
    this.est.reset();
    this.started = false;
    this.playing = false;
    this.lastPlayed = undefined;
    this.playedSeqs.clear();
    this.concealedPos.clear();
    this.otherSeqs.clear();
    this.skippedPos.clear();
    this.concealRun = 0;
    this.blindConceal = 0;
    this.underrunFrom = undefined;
    this.target = this.initialDelay;
    this.n.resyncs++;
  }

  /** Packets held. */
  get size(): number {
    return this.buf.length;
  }

  get targetDelayMs(): number {
    return this.target;
  }

  stats(): JitterBufferStats {
    const last = this.buf[this.buf.length - 1];
    return {
      delayMs: this.lastDelay,
      targetDelayMs: this.target,
      bufferedMs: last ? this.ms(last.pos + this.samples(last) - (this.playing ? this.cursor : this.buf[0]!.pos)) : 0,
      played: this.n.played,
      concealed: this.n.concealed,
      lost: this.n.concealed - this.n.lateConcealed - this.n.pauseConcealed,
      late: this.n.late,
      duplicates: this.n.duplicates,
      dropped: this.n.dropped,
      stretched: this.n.stretched,
      underrunLost: this.n.underrunLost,
      underrunInserted: this.n.underrunInserted,
      talkspurts: this.n.talkspurts,
      resyncs: this.n.resyncs,
    };
  }
}
