/**
 * One shell that starts the recogniser's processes, so that Node forks once.
 *
 * Why: a call's media clock runs on Node's main thread, in the real-time
 * class when permitted. Forking from it blocks that thread until the child
 * has run far enough to exec, and the child (reset to the normal class so
 * that it cannot starve the clock) waits for a CPU like any other process:
 * on a machine whose cores are all busy, measured at 100 ms to over a second
 * per process started — and every call on the thread lost that much audio.
 * The shell is started once (before the calls when the harness prepares its
 * recogniser) and forks the decoders itself.
 *
 * Protocol, one line each way per event. Node writes `ID<TAB>COMMAND`
 * (COMMAND is shell words, quoted by `shellQuote`); the shell runs it in the
 * background and answers `pid ID PID` when it has started, then `exit ID
 * STATUS` when it ended (128 + N for signal N). The command's standard error
 * goes to `DIR/ID.err`; standard output is the shell's, so a command may
 * print its own lines (`echo ready ID`) for Node. When Node goes away the
 * shell reads the end of its input and exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { RecogniserFailedError } from './errors.js';

/** `it's` → `'it'\''s'`: one shell word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const SCRIPT = [
  // IFS is a tab for the split of the line, the default again for the command.
  "while IFS='\t' read -r id cmd; do",
  '  ( IFS=\' \t\n\'; eval "$cmd" 2>"$0/$id.err" & p=$!; echo "pid $id $p"; wait "$p"; echo "exit $id $?" ) &',
  'done',
].join('\n');

interface Job {
  onLine(kind: string, rest: string): void;
}

/**
 * @example
 * const l = new Launcher('/tmp/work');
 * l.run('d1', `echo ready d1 && exec sleep 1`, { onLine: (kind) => console.log(kind) }); // ready, pid, exit
 */
export class Launcher {
  private readonly child: ChildProcess;
  private readonly jobs = new Map<string, Job>();
  private buffered = '';
  private failure: Error | undefined;
  private holds = 0;

  constructor(readonly dir: string) {
    this.child = spawn('sh', ['-c', SCRIPT, dir], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => this.onData(s));
    this.child.stdin!.on('error', () => undefined);
    const lost = (why: string) => {
      this.failure ??= new RecogniserFailedError(`the recogniser's launcher shell ${why}`);
      for (const job of this.jobs.values()) job.onLine('lost', this.failure.message);
      this.jobs.clear();
    };
    this.child.once('error', (e) => lost(`failed: ${e.message}`));
    this.child.once('close', (code) => lost(`exited (${code})`));
    this.unref();
  }

  /** False once the shell is gone. */
  get usable(): boolean {
    return this.failure === undefined;
  }

  /**
   * Run `command` (shell words) as job `id`; `job.onLine` gets the job's
   * lines: `pid` (rest: the PID), `exit` (rest: the status), `lost` (the
   * shell died), and whatever else the command prints with its id second.
   */
  run(id: string, command: string, job: Job): void {
    if (this.failure) throw this.failure;
    if (/[\t\n]/.test(id) || /\n/.test(command)) throw new RangeError('a job id or command with a line break or tab');
    this.jobs.set(id, job);
    this.child.stdin!.write(`${id}\t${command}\n`);
  }

  /** Keep Node alive while any job matters (a decode waits on it): `busy(true)` … `busy(false)`, counted. */
  busy(on: boolean): void {
    this.holds = Math.max(0, this.holds + (on ? 1 : -1));
    if (this.holds > 0) {
      this.child.ref();
      (this.child.stdout as { ref?(): void }).ref?.();
    } else this.unref();
  }

  /** End the shell (its jobs go on until they end). */
  close(): void {
    this.child.stdin!.end();
  }

  private unref(): void {
    this.child.unref();
    (this.child.stdout as { unref?(): void }).unref?.();
    (this.child.stdin as { unref?(): void }).unref?.();
  }

  private onData(s: string): void {
    this.buffered += s;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      const [kind = '', id = '', ...rest] = line.split(' ');
      const job = this.jobs.get(id);
      if (!job) continue;
      if (kind === 'exit') this.jobs.delete(id);
      job.onLine(kind, rest.join(' '));
    }
  }
}

const launchers = new Map<string, Launcher>();

/** The launcher for work directory `dir` (started on first use, again if it died). */
export function launcherFor(dir: string): Launcher {
  let l = launchers.get(dir);
  if (!l?.usable) launchers.set(dir, (l = new Launcher(dir)));
  return l;
}

/** End the launcher of `dir`, if there is one. */
export function closeLauncher(dir: string): void {
  launchers.get(dir)?.close();
  launchers.delete(dir);
}
