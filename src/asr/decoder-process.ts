/**
 * pocketsphinx_batch kept running between recognitions. Loading the model,
 * the dictionary and (for free transcription) the 26 MB trigram model costs
 * 0.2–0.9 s of CPU per process, more than decoding a short prompt; a
 * process per `heard` paid it every time.
 *
 * Theory of operation. pocketsphinx_batch reads its control file a line at a
 * time and decodes each utterance as its line arrives; its `-hypseg` output
 * is unbuffered. So its control file is a FIFO (a named pipe: Node's own
 * stdio pipes are sockets, which the program cannot open by name): an
 * utterance is a WAV file written to the shared directory and its name
 * written to the control FIFO. Its results go to a regular file that Node
 * watches (inotify) and reads as it grows: the result is the line that
 * starts with the utterance's name (no socket needed: this layer opens
 * none). Grammars (forced alignment, a choice among phrases) come per
 * utterance through `-fsgctl`, a second FIFO read in step with the control
 * file: the grammar's file name is written there just before the
 * utterance's name. Utterances are decoded in order, one at a time per
 * process. Node holds every FIFO open for reading and writing, so opening
 * one never blocks and the decoder never reads an end of file it did not
 * mean. The processes (and their FIFOs) are made by one shell started once
 * (`launcher.ts`): Node itself does not fork while calls run.
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
 *   caller waits for it), an idle one does not. When Node dies the decoder
 *   reads the end of its control FIFO (Node was its only writer) and exits.
 */
import { closeSync, type FSWatcher, openSync, read, readFileSync, rmSync, watch, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { RecogniserFailedError } from './errors.js';
import { type Launcher, launcherFor, shellQuote } from './launcher.js';

/** A failure worth one more try on a fresh process (the process died or was too slow). */
export class DecoderLostError extends RecogniserFailedError {
  readonly retryable = true;
}

/** The decoder printed no result for an utterance (it refused its grammar). */
export class UtteranceSkippedError extends RecogniserFailedError {}

export interface DecoderProcessOptions {
  /** The program (`pocketsphinx_batch`, or `nice` running it). */
  readonly binary: string;
  /** What messages call it (default `binary`). */
  readonly label?: string;
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
  private readonly launcher: Launcher;
  private pid: number | undefined;
  /** A signal to send as soon as the PID is known. */
  private killWith: NodeJS.Signals | undefined;
  private readonly fifos: { ctl: string; hyp: string; fsgctl?: string };
  private ctlFd: number | undefined;
  private fsgFd: number | undefined;
  /** The results file, read as it grows (the decoder flushes a line per utterance). */
  private out: { fd: number; watcher: FSWatcher; at: number; reading: boolean; again: boolean } | undefined;
  /** The process is up and its FIFOs open (or it failed to start). */
  private readonly started: Promise<void>;
  private readonly pending: Pending[] = [];
  private buffered = '';
  private used = 0;
  private ending = false;
  private busy = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private gone = false;
  private onExit!: () => void;
  /** Resolves when the process has exited (or never started). */
  readonly exited = new Promise<void>((resolve) => {
    this.onExit = resolve;
  });

  constructor(private readonly o: DecoderProcessOptions) {
    const at = (what: string) => join(o.dir, `${o.name}.${what}`);
    this.fifos = { ctl: at('ctl'), hyp: at('hyp'), ...(o.grammars ? { fsgctl: at('fsgctl') } : {}) };
    this.launcher = launcherFor(o.dir);
    this.started = new Promise<void>((ready) => this.start(ready));
    this.setBusy(false);
  }

  private get label(): string {
    return this.o.label ?? this.o.binary;
  }

  /** Ask the launcher for the process; `ready` once its FIFOs are open here. */
  private start(ready: () => void): void {
    const f = this.fifos;
    const args = [...this.o.args, '-cepdir', this.o.dir, '-ctl', f.ctl, '-hypseg', f.hyp];
    if (f.fsgctl) args.push('-fsgctl', f.fsgctl, '-fsgdir', this.o.dir, '-fsgext', '.fsg');
    const q = (words: readonly string[]) => words.map(shellQuote).join(' ');
    // Control FIFOs in; results to a regular file, read here as it grows.
    const fifos = q(['mkfifo', f.ctl, ...(f.fsgctl ? [f.fsgctl] : [])]);
    const run = q([this.o.binary, ...args]);
    const command = `${fifos} && : > ${shellQuote(f.hyp)} && echo ready ${this.o.name} && exec ${run}`;
    const onLine = (kind: string, rest: string) => {
      if (kind === 'ready') {
        // Read and write: opening a FIFO so never blocks (Linux); the decoder's
        // own opens wait for these.
        this.ctlFd = openSync(f.ctl, 'r+');
        if (f.fsgctl) this.fsgFd = openSync(f.fsgctl, 'r+');
        const watcher = watch(f.hyp, () => this.pump());
        watcher.on('error', () => undefined); // reported by the process's end
        this.out = { fd: openSync(f.hyp, 'r'), watcher, at: 0, reading: false, again: false };
        this.pump();
        this.setBusy(this.busy);
        ready();
      } else if (kind === 'pid') {
        this.pid = Number(rest);
        if (this.killWith) this.kill(this.killWith);
      } else if (kind === 'exit' || kind === 'lost') {
        const status = Number(rest);
        const how = kind === 'lost' ? rest : status > 128 ? `signal ${status - 128}` : `status ${status}`;
        const why = this.errorTail();
        this.fail(
          new DecoderLostError(
            `${this.label} exited (${how}) with ${this.pending.length} utterance(s) undecoded${why ? `: ${why}` : ''}`,
          ),
        );
        this.cleanUp();
        ready();
      }
    };
    try {
      this.launcher.run(this.o.name, command, { onLine });
    } catch (e) {
      this.fail(new DecoderLostError(`${this.label} cannot be started: ${(e as Error).message}`));
      this.cleanUp();
      ready();
    }
  }

  /** The last line the decoder wrote on its standard error. */
  private errorTail(): string | undefined {
    try {
      return (
        readFileSync(join(this.o.dir, `${this.o.name}.err`), 'utf8')
          .trim()
          .split('\n')
          .pop() || undefined
      );
    } catch {
      return undefined;
    }
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.gone) return;
    if (this.pid === undefined) {
      this.killWith = signal;
      return;
    }
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Close the FIFOs and remove them; the process is gone (or never came). */
  private cleanUp(): void {
    if (this.gone) return;
    this.gone = true;
    this.setBusy(false);
    if (this.out) {
      this.out.watcher.close();
      closeSync(this.out.fd);
      this.out = undefined;
    }
    if (this.ctlFd !== undefined) closeSync(this.ctlFd);
    if (this.fsgFd !== undefined) closeSync(this.fsgFd);
    this.ctlFd = this.fsgFd = undefined;
    for (const path of [...Object.values(this.fifos), join(this.o.dir, `${this.o.name}.err`)])
      rmSync(path, { force: true });
    this.onExit();
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
    const last = this.used >= this.o.maxUtterances;
    return new Promise<string>((resolve, reject) => {
      const p: Pending = { id, timeoutMs, resolve, reject };
      this.pending.push(p);
      this.setBusy(true);
      // In the order asked, once the process is up.
      void this.started.then(() => {
        if (this.failure || this.ctlFd === undefined) return;
        try {
          // The grammar's name first: the decoder reads it right after the utterance's.
          if (fsg !== undefined) writeSync(this.fsgFd!, `${fsg}\n`);
          writeSync(this.ctlFd, `${id}\n`);
        } catch (e) {
          this.fail(new DecoderLostError(`cannot reach ${this.label}: ${(e as Error).message}`));
          return;
        }
        if (this.pending[0] === p) this.arm(p);
        if (last) this.endInput();
      });
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
    const t = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  /**
   * No more input: the decoder finishes what it holds and is then stopped
   * (it never reads an end of file while Node holds the FIFO open).
   */
  private endInput(): void {
    this.ending = true;
    if (this.pending.length === 0) this.kill('SIGTERM');
  }

  private arm(p: Pending): void {
    p.timer = setTimeout(() => {
      this.kill('SIGKILL');
      this.fail(
        new DecoderLostError(
          `${this.label} took longer than ${Math.round(p.timeoutMs / 1000)} s on one utterance; stopped`,
        ),
      );
    }, p.timeoutMs);
  }

  /** Read what the results file gained since the last read (one read at a time, again if it grew meanwhile). */
  private pump(): void {
    const o = this.out;
    if (!o) return;
    if (o.reading) {
      o.again = true;
      return;
    }
    o.reading = true;
    o.again = false;
    const buf = Buffer.alloc(65536);
    read(o.fd, buf, 0, buf.length, o.at, (e, n) => {
      o.reading = false;
      if (e || this.out !== o) return;
      if (n > 0) {
        o.at += n;
        this.onData(this.decoder.write(buf.subarray(0, n)));
      }
      if (n === buf.length || o.again) this.pump();
    });
  }

  private readonly decoder = new StringDecoder('utf8');

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
        else p.reject(new UtteranceSkippedError(`${this.label} skipped utterance ${p.id} (a grammar it refused?)`));
      }
      if (this.pending[0]) this.arm(this.pending[0]);
    }
    if (this.pending.length === 0) {
      this.setBusy(false);
      if (this.ending) this.kill('SIGTERM');
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
    const now = busy && !this.gone;
    if (now !== this.busy) {
      this.busy = now;
      this.launcher.busy(now);
    }
    clearTimeout(this.idleTimer);
    if (now) {
      this.out?.watcher.ref();
      return;
    }
    this.out?.watcher.unref();
    if (this.failure === undefined && !this.gone) {
      this.idleTimer = setTimeout(() => void this.close(), this.o.idleMs);
      this.idleTimer.unref();
    }
  }
}
