/**
 * `shtoom phone --control` as the interop tests drive it: the built CLI in
 * its own process on loopback, commands written to its stdin, its stdout
 * read as JSON events (every line must be one), its stderr kept (with
 * `--log-level trace` it holds every SIP message).
 */
import { startShtoom, waitFor, type Peer } from './peers.js';

export type PhoneEvent = { readonly event: string; readonly [k: string]: unknown };

export class ControlPhone {
  readonly events: PhoneEvent[] = [];
  private seen = 0;

  private constructor(readonly peer: Peer) {}

  /** Start a phone on a free port; resolves on its `ready` event. */
  static async start(args: readonly string[] = []): Promise<ControlPhone> {
    const peer = startShtoom(
      [
        'phone',
        '--control',
        '--sip-address',
        '127.0.0.1',
        '--rtp-address',
        '127.0.0.1',
        '--rtp-clock-realtime',
        '0',
        ...(args.includes('--sip-port') ? [] : ['--sip-port', '0']),
        ...args,
      ],
      { timeoutSec: 170 },
    );
    const p = new ControlPhone(peer);
    await p.next('ready', () => true, 20_000);
    return p;
  }

  /** The events so far (stdout parsed; a line that is not JSON fails the test). */
  private read(): PhoneEvent[] {
    const lines = this.peer.stdout().split('\n');
    const whole = lines.slice(0, -1);
    for (const line of whole.slice(this.seen)) {
      if (line.trim() === '') continue;
      try {
        this.events.push(JSON.parse(line) as PhoneEvent);
      } catch {
        throw new Error(`stdout line is not JSON: ${JSON.stringify(line)}`);
      }
    }
    this.seen = whole.length;
    return this.events;
  }

  /** The SIP port it listens on. */
  get port(): number {
    const ready = this.read().find((e) => e.event === 'ready');
    return (ready!.listen as { port: number }[])[0]!.port;
  }

  /** Type one command line. */
  send(line: string): void {
    this.peer.child.stdin!.write(`${line}\n`);
  }

  /** Wait for an event `name` (matching `pred`) not already taken by an earlier `next`. */
  async next(name: string, pred: (e: PhoneEvent) => boolean = () => true, timeoutMs = 20_000): Promise<PhoneEvent> {
    let found: PhoneEvent | undefined;
    await waitFor(
      () => {
        found = this.read().find((e) => e.event === name && pred(e));
        if (this.peer.child.exitCode !== null && !found)
          throw new Error(`the phone exited (${this.peer.child.exitCode}): ${this.peer.stderr().slice(-2000)}`);
        return found !== undefined;
      },
      `phone event ${name} (got ${this.read()
        .map((e) => e.event)
        .join(', ')})`,
      timeoutMs,
    );
    return found!;
  }

  /** Every event `name` so far. */
  all(name: string): PhoneEvent[] {
    return this.read().filter((e) => e.event === name);
  }

  /** The call list now (the `calls` command's answer). */
  async calls(): Promise<Record<string, unknown>[]> {
    const before = this.all('calls').length;
    this.send('calls');
    await waitFor(() => this.all('calls').length > before, 'the calls event');
    return this.all('calls').at(-1)!.calls as Record<string, unknown>[];
  }

  /** `quit`, and the exit code. */
  async quit(): Promise<number | string> {
    if (this.peer.child.exitCode === null) this.send('quit');
    return this.peer.exited;
  }

  async stop(): Promise<void> {
    await Promise.race([this.quit(), new Promise((r) => setTimeout(r, 15_000))]);
    await this.peer.stop(3000);
  }
}
