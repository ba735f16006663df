/**
 * The sounds a conference makes by itself: a rising two-note chime when
 * someone joins, a falling one when someone leaves, and music on hold that
 * loops a clip for a lone participant.
 */
import { AUDIO_RATE, type AudioSource } from '../device.js';
import { sineAmplitudeForDbfs } from '../dsp/level.js';

/** One note of a chime. */
export interface Note {
  readonly hz: number;
  readonly ms: number;
}

/** The join chime: 600 Hz then 900 Hz, 120 ms each. */
export const JOIN_NOTES: readonly Note[] = [
  { hz: 600, ms: 120 },
  { hz: 900, ms: 120 },
];
/** The leave chime: 900 Hz then 600 Hz, 120 ms each. */
export const LEAVE_NOTES: readonly Note[] = [
  { hz: 900, ms: 120 },
  { hz: 600, ms: 120 },
];

/**
 * Notes one after another at `dbfs` (default −18), each with 5 ms ramps so
 * that it does not click; ends after the last.
 *
 * @example
 * room.announce(new ChimeSource(JOIN_NOTES));
 */
export class ChimeSource implements AudioSource {
  readonly uri: string;
  private readonly amp: number;
  private readonly bounds: number[] = [];
  private n = 0;
  private phase = 0;

  constructor(
    private readonly notes: readonly Note[],
    dbfs = -18,
  ) {
    this.uri = `chime:${notes.map((x) => x.hz).join(',')}`;
    this.amp = sineAmplitudeForDbfs(dbfs);
    let end = 0;
    for (const note of notes) this.bounds.push((end += Math.round((note.ms * AUDIO_RATE) / 1000)));
  }

  read(frame: Int16Array): boolean {
    const total = this.bounds[this.bounds.length - 1] ?? 0;
    if (this.n >= total) {
      frame.fill(0);
      return false;
    }
    const ramp = Math.round((5 * AUDIO_RATE) / 1000);
    for (let i = 0; i < frame.length; i++, this.n++) {
      if (this.n >= total) {
        frame[i] = 0;
        continue;
      }
      let k = 0;
      while (this.n >= this.bounds[k]!) k++;
      const start = k === 0 ? 0 : this.bounds[k - 1]!;
      const pos = this.n - start;
      const left = this.bounds[k]! - this.n;
      const env = Math.min(1, pos / ramp, left / ramp);
      this.phase += (2 * Math.PI * this.notes[k]!.hz) / AUDIO_RATE;
      frame[i] = Math.round(this.amp * env * Math.sin(this.phase));
    }
    this.phase %= 2 * Math.PI;
    return true;
  }

  async close(): Promise<void> {}
}

/**
 * A clip played round and round (music on hold), from PCM held once and
 * shared by every listener.
 *
 * @example
 * const music = await readAll(await openSource('file:hold.wav'));
 * room = new ConferenceRoom({ hold: () => new LoopSource(music) });
 */
export class LoopSource implements AudioSource {
  private at = 0;

  constructor(
    private readonly pcm: Int16Array,
    readonly uri = 'loop:',
  ) {}

  read(frame: Int16Array): boolean {
    const pcm = this.pcm;
    if (pcm.length === 0) {
      frame.fill(0);
      return true;
    }
    for (let i = 0; i < frame.length; ) {
      const n = Math.min(frame.length - i, pcm.length - this.at);
      frame.set(pcm.subarray(this.at, this.at + n), i);
      i += n;
      this.at = (this.at + n) % pcm.length;
    }
    return true;
  }

  async close(): Promise<void> {}
}
