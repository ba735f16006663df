/**
 * pocketsphinx_batch kept running between recognitions. Loading the model,
 * the dictionary and (for free transcription) the 26 MB trigram model costs
 * 0.2–0.9 s of CPU per process, more than decoding a short prompt; a
 * process per `heard` paid it every time.
 *
 * Theory of operation. pocketsphinx_batch reads its control file a line at a
 * time and decodes each utterance as its line arrives; its `-hypseg` output
 * is unbuffered. So its control file and its output are FIFOs (named pipes:
 * Node's own stdio pipes are sockets, which the program cannot open by
 * name): an utterance is a WAV file written to the shared directory and its
 * name written to the control FIFO, and its result is the output line that
 * starts with that name. Grammars (forced alignment, a choice among phrases)
 * come per utterance through `-fsgctl`, a third FIFO read in step with the
 * control file: the grammar's file name is written there just before the
 * utterance's name. Utterances are decoded in order, one at a time per
 * process. Node holds every FIFO open for reading and writing, so opening
 * one never blocks and the decoder never reads an end of file it did not
 * mean.
 *
 * - An utterance pocketsphinx skips (a grammar it refuses) prints nothing: it
 *   is failed as soon as a later one's result arrives, or by its timeout.
 * - Each utterance has a deadline that scales with its length, counted from
 *   when the process turns to it (not while it waits behind others). A
 *   process past it is killed and every utterance it held fails with a
 *   `RecogniserFailedError` marked `retryable`; the pool tries those once
 *   more on a fresh process.
 * - Grammars are named afresh for every utterance and pocketsphinx keeps
 *   every grammar it was given, so a process is retired after
 *   `maxUtterances` (it finishes what it holds, then its input is closed).
 * - A process idle for `idleMs` is closed; a busy one keeps Node alive (the
 *   caller waits for it), an idle one does not. A process whose parent dies
 *   reads the end of its input and exits.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { RecogniserFailedError } from './errors.js';

/** A failure worth one more try on a fresh process (the process died or was too slow). */
export class DecoderLostError extends RecogniserFailedError {
  readonly retryable = true;
}

/** The decoder printed no result for an utterance (it refused its grammar). */
export class UtteranceSkippedError extends RecogniserFailedError {}

export interface DecoderProcessOptions {
  /** The program (`pocketsphinx_batch`). */
  readonly binary: string;
  /** Every argument but `-ctl`, `-hypseg`, `-cepdir`, `-fsgctl`, `-fsgdir` and `-fsgext`. */
  readonly args: readonly string[];
  /** The directory the utterances' WAV files and grammars are written to. */
  readonly dir: string;
  /** A name unique within `dir` (the FIFO's). */
  readonly name: string;
  /** Utterances come with a grammar each (`-fsgctl`). */
  readonly grammars: boolean;
  /** Close the process after this long without work (ms). */
  readonly idleMs: number;
  /** Retire the process after this many utterances. */
  readonly maxUtterances: number;
}

interface Pending {
  readonly id: string;
  readonly timeoutMs: number;
  readonly resolve: (line: string) => void;
  readonly reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * One running decoder (see the file comment).
 *
 * @example
 * const p = new DecoderProcess({ binary: 'pocketsphinx_batch', args, dir, name: 'p1', grammars: false,
 *   idleMs: 30_000, maxUtterances: 500 });
 * const line = await p.decode('c1', undefined, 20_000); // 'c1 S 0 T … 143'
 */
export class DecoderProcess {
  private readonly child: ChildProcess;
  private readonly fifos: string[] = [];
  private readonly ctlFd: number;
  private readonly fsgFd: number | undefined;
  private readonly out: Socket;
  private readonly pending: Pending[] = [];
  private buffered = '';
  private stderrTail = '';
  private used = 0;
  private ending = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;

  constructor(private readonly o: DecoderProcessOptions) {
    const ctl = this.fifo('ctl');
    const hyp = this.fifo('hyp');
    const args = [...o.args, '-cepdir', o.dir, '-ctl', ctl, '-hypseg', hyp];
    this.ctlFd = openSync(ctl, 'r+');
    this.out = new Socket({ fd: openSync(hyp, constants.O_RDWR | constants.O_NONBLOCK), readable: true });
    if (o.grammars) {
      const fsgctl = this.fifo('fsgctl');
      this.fsgFd = openSync(fsgctl, 'r+');
      args.push('-fsgctl', fsgctl, '-fsgdir', o.dir, '-fsgext', '.fsg');
    }
    this.child = spawn(o.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.out.setEncoding('utf8');
    this.out.on('data', (s: string) => this.onData(s));
    this.out.on('error', () => undefined); // reported by the process's end
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-2000);
    });
    this.child.once('error', (e) => this.fail(new DecoderLostError(`${o.binary} failed to run: ${e.message}`)));
    this.child.once('close', (code, signal) => {
      const last = this.stderrTail.trim().split('\n').pop();
      this.fail(
        new DecoderLostError(
          `${o.binary} exited (${signal ?? `code ${code}`}) with ${this.pending.length} utterance(s) undecoded` +
            (last ? `: ${last}` : ''),
        ),
      );
      this.out.destroy();
      closeSync(this.ctlFd);
      if (this.fsgFd !== undefined) closeSync(this.fsgFd);
      for (const f of this.fifos) rmSync(f, { force: true });
    });
    this.setBusy(false);
  }

  /** A FIFO in the shared directory, named for this process. */
  private fifo(what: string): string {
    const path = join(this.o.dir, `${this.o.name}.${what}`);
    const r = spawnSync('mkfifo', [path], { encoding: 'utf8' });
    if (r.status !== 0) throw new RecogniserFailedError(`cannot make a FIFO (mkfifo): ${r.stderr || r.error}`);
    this.fifos.push(path);
    return path;
  }

  /** Utterances sent and not yet answered. */
  get load(): number {
    return this.pending.length;
  }

  /** False once the process has died, was closed, or is retired. */
  get usable(): boolean {
    return this.failure === undefined && this.used < this.o.maxUtterances;
  }

  /**
   * Decode the WAV file `id` (`dir/id.wav`, already written), with the
   * grammar `dir/fsg.fsg` when the process takes grammars. Resolves with the
   * result line; rejects when the process is lost, too slow (`timeoutMs`
   * from when it turns to this utterance) or skips it.
   */
  decode(id: string, fsg: string | undefined, timeoutMs: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.used >= this.o.maxUtterances) return Promise.reject(new DecoderLostError('the decoder is retired'));
    if (this.o.grammars !== (fsg !== undefined))
      return Promise.reject(new RecogniserFailedError(`a grammar is ${this.o.grammars ? 'needed' : 'not taken'}`));
    this.used++;
    return new Promise<string>((resolve, reject) => {
      const p: Pending = { id, timeoutMs, resolve, reject };
      this.pending.push(p);
      this.setBusy(true);
      try {
        // The grammar's name first: the decoder reads it right after the utterance's.
        if (fsg !== undefined) writeSync(this.fsgFd!, `${fsg}\n`);
        writeSync(this.ctlFd, `${id}\n`);
      } catch (e) {
        this.fail(new DecoderLostError(`cannot reach ${this.o.binary}: ${(e as Error).message}`));
        return;
      }
      if (this.pending.length === 1) this.arm(p);
      if (this.used >= this.o.maxUtterances) this.endInput();
    });
  }

  /** Take no more work: the decoder finishes what it holds, then exits. */
  retire(): void {
    if (this.used < this.o.maxUtterances) {
      this.used = this.o.maxUtterances;
      this.endInput();
    }
  }

  /** Retire, and kill the process if it has not exited after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    this.retire();
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  /**
   * No more input: the decoder finishes what it holds and is then stopped
   * (it never reads an end of file while Node holds the FIFO open).
   */
  private endInput(): void {
    this.ending = true;
    if (this.pending.length === 0) this.child.kill('SIGTERM');
  }

  private arm(p: Pending): void {
    p.timer = setTimeout(() => {
      this.child.kill('SIGKILL');
      this.fail(
        new DecoderLostError(
          `${this.o.binary} took longer than ${Math.round(p.timeoutMs / 1000)} s on one utterance; stopped`,
        ),
      );
    }, p.timeoutMs);
  }

  private onData(s: string): void {
    this.buffered += s;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const id = line.slice(0, line.indexOf(' '));
      const at = this.pending.findIndex((p) => p.id === id);
      if (at < 0) continue;
      // Utterances before this one got no line: the decoder skipped them.
      for (const p of this.pending.splice(0, at + 1)) {
        clearTimeout(p.timer);
        if (p.id === id) p.resolve(line);
        else p.reject(new UtteranceSkippedError(`${this.o.binary} skipped utterance ${p.id} (a grammar it refused?)`));
      }
      if (this.pending[0]) this.arm(this.pending[0]);
    }
    if (this.pending.length === 0) {
      this.setBusy(false);
      if (this.ending) this.child.kill('SIGTERM');
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    clearTimeout(this.idleTimer);
    this.setBusy(false);
  }

  /** A busy process keeps Node alive; an idle one is closed after `idleMs`. */
  private setBusy(busy: boolean): void {
    const streams = [this.out, this.child.stderr] as { ref?(): void; unref?(): void }[];
    clearTimeout(this.idleTimer);
    if (busy) {
      this.child.ref();
      for (const s of streams) s.ref?.();
      return;
    }
    this.child.unref();
    for (const s of streams) s.unref?.();
    if (this.failure === undefined) {
      this.idleTimer = setTimeout(() => void this.close(), this.o.idleMs);
      this.idleTimer.unref();
    }
  }
}
