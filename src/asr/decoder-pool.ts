/**
 * Running decoders of one kind (the same arguments), up to `max` at once:
 * an utterance goes to an idle process, else a new one while fewer than
 * `max` run, else the least loaded. A decode whose process was lost (died,
 * or killed past its deadline) is tried once more on a fresh process: a
 * machine busy enough to starve one decoder should slow recognition down,
 * not fail it. `renew()` retires the running processes (they finish what
 * they hold) so that later work starts processes with new arguments — a
 * dictionary that grew.
 */
import { DecoderLostError, DecoderProcess } from './decoder-process.js';

export interface DecoderPoolOptions {
  readonly binary: string;
  /** What messages call the program (default `binary`). */
  readonly label?: string;
  /** The process arguments (called for every new process). */
  readonly args: () => readonly string[];
  readonly dir: string;
  /** Prefix of the processes' names. */
  readonly kind: string;
  readonly grammars: boolean;
  /** Processes at most. */
  readonly max: number;
  readonly idleMs: number;
  readonly maxUtterances: number;
}

/**
 * @example
 * const pool = new DecoderPool({ binary, args: () => args, dir, kind: 'free', grammars: false, max: 2,
 *   idleMs: 30_000, maxUtterances: 500 });
 * const line = await pool.decode('c1', undefined, 20_000);
 */
export class DecoderPool {
  private procs: DecoderProcess[] = [];
  private count = 0;

  constructor(private readonly o: DecoderPoolOptions) {}

  /** Decode `dir/id.wav` (with the grammar `dir/fsg.fsg`); one retry when the process is lost. */
  async decode(id: string, fsg: string | undefined, timeoutMs: number): Promise<string> {
    try {
      return await this.pick().decode(id, fsg, timeoutMs);
    } catch (e) {
      if (!(e instanceof DecoderLostError)) throw e;
      return this.pick(true).decode(id, fsg, timeoutMs);
    }
  }

  /** Start a process now if none runs, so that the first decode does not wait for the model to load. */
  warm(): void {
    this.procs = this.procs.filter((p) => p.usable);
    if (this.procs.length === 0) this.pick();
  }

  /** Later work goes to new processes; the running ones finish what they hold. */
  renew(): void {
    for (const p of this.procs) p.retire();
    this.procs = [];
  }

  async close(): Promise<void> {
    const all = this.procs;
    this.procs = [];
    await Promise.all(all.map((p) => p.close()));
  }

  private pick(fresh = false): DecoderProcess {
    this.procs = this.procs.filter((p) => p.usable);
    let best: DecoderProcess | undefined;
    for (const p of this.procs) if (!best || p.load < best.load) best = p;
    if (best && !fresh && (best.load === 0 || this.procs.length >= this.o.max)) return best;
    if (best && fresh && this.procs.length >= this.o.max) return best;
    const p = new DecoderProcess({
      binary: this.o.binary,
      ...(this.o.label ? { label: this.o.label } : {}),
      args: this.o.args(),
      dir: this.o.dir,
      name: `${this.o.kind}${++this.count}`,
      grammars: this.o.grammars,
      idleMs: this.o.idleMs,
      maxUtterances: this.o.maxUtterances,
    });
    this.procs.push(p);
    return p;
  }
}
