/**
 * What a harness call sends: the one audio source its `Call` reads, once per
 * 20 ms tick of the media clock. It plays whatever `play` gave it (silence
 * otherwise) and lays in-band DTMF from a `DtmfGenerator` over it, so a
 * scenario can press keys in the audio while a prompt of its own plays —
 * as a person would. Every pending `play` and digit resolves when its
 * audio has been read, when it is stopped, or when the call closes the
 * source.
 */
import type { AudioSource } from '../../audio/device.js';
import { DtmfGenerator } from '../../audio/dsp/dtmf-generator.js';

interface Pending {
  readonly done: () => void;
}

/**
 * @example
 * const mix = new LegSource();
 * const call = phone.call(uri, { source: mix });
 * await mix.play(new PcmSource(prompt));
 * await mix.sendInband('12#', 100, 100);
 */
export class LegSource implements AudioSource {
  readonly uri = 'harness:call';
  private current: (Pending & { readonly src: AudioSource }) | undefined;
  private digits: (Pending & { readonly gen: DtmfGenerator }) | undefined;
  private closed = false;
  /** The last in-band sequence queued. */
  private queue: Promise<void> = Promise.resolve();

  /** Play `src` to its end (replacing what plays: that one resolves at once). */
  play(src: AudioSource): Promise<void> {
    return new Promise<void>((resolve) => {
      this.stop();
      if (this.closed) return resolve();
      this.current = { src, done: resolve };
    });
  }

  /** Stop what `play` plays; its promise resolves. */
  stop(): void {
    const c = this.current;
    this.current = undefined;
    c?.done();
  }

  /**
   * Send DTMF tones in the audio (`durationMs` of tone, `gapMs` of pause per
   * key); resolves when the last pause has been sent. One sequence at a time:
   * a second one waits for the first.
   */
  sendInband(keys: string, durationMs: number, gapMs: number): Promise<void> {
    const gen = new DtmfGenerator({ toneMs: durationMs, pauseMs: gapMs });
    gen.send(keys);
    const run = this.queue.then(() =>
      this.closed ? undefined : new Promise<void>((resolve) => (this.digits = { gen, done: resolve })),
    );
    this.queue = run;
    return run;
  }

  read(frame: Int16Array): boolean {
    const c = this.current;
    if (c === undefined) frame.fill(0);
    else if (!c.src.read(frame)) {
      frame.fill(0);
      this.current = undefined;
      c.done();
    }
    const d = this.digits;
    if (d !== undefined) {
      d.gen.fill(frame, true);
      if (!d.gen.busy) {
        this.digits = undefined;
        d.done();
      }
    }
    // The call's audio never runs out: silence follows the last prompt.
    return true;
  }

  /** The call is over: everything pending resolves. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    const d = this.digits;
    this.digits = undefined;
    d?.done();
  }
}
