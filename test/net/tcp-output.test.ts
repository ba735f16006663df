/**
 * The output guard of a TCP connection, on a fake socket in virtual time: a
 * peer that sends without reading stops being read as soon as our writes
 * back up, is cut off past the queue or time limit, and a graceful close
 * cannot be held open by a peer that never takes the last bytes.
 */
import { describe, expect, it } from 'vitest';
import { OutputGuard, type GuardedSocket, type OutputAbort } from '../../src/net/tcp-output.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

/**
 * A socket whose kernel takes `window` bytes and then nothing until the
 * peer reads (`peerReads`), with Node's write semantics: `write()` returns
 * false once more than `highWater` bytes wait in user space, 'drain' when
 * they are all gone.
 */
class FakeSocket implements GuardedSocket {
  destroyed = false;
  paused = false;
  ended = false;
  private kernel = 0;
  private waiting: { bytes: number; cb: (err?: Error | null) => void }[] = [];
  private needDrain = false;
  onDrain: () => void = () => {};

  constructor(
    private window = 4096,
    private readonly highWater = 16384,
  ) {}

  get writableLength(): number {
    return this.waiting.reduce((n, w) => n + w.bytes, 0);
  }

  write(data: Uint8Array, cb: (err?: Error | null) => void): boolean {
    if (this.destroyed) throw new Error('write after destroy');
    this.waiting.push({ bytes: data.length, cb });
    this.flush();
    const ok = this.writableLength < this.highWater;
    if (!ok) this.needDrain = true;
    return ok;
  }

  /** The peer reads `n` bytes: the kernel takes more of what waits. */
  peerReads(n: number): void {
    this.window += n;
    this.flush();
  }

  private flush(): void {
    while (this.waiting.length > 0 && this.kernel + this.waiting[0]!.bytes <= this.window) {
      const w = this.waiting.shift()!;
      this.kernel += w.bytes;
      w.cb();
    }
    if (this.needDrain && this.waiting.length === 0) {
      this.needDrain = false;
      this.onDrain();
    }
  }

  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

function setup(limits: { maxQueuedBytes?: number; stallMs?: number; closeGraceMs?: number } = {}) {
  const timers = new VirtualScheduler();
  const socket = new FakeSocket();
  const aborts: OutputAbort[] = [];
  const guard = new OutputGuard(
    socket,
    { maxQueuedBytes: 1 << 20, stallMs: 30_000, closeGraceMs: 2000, ...limits },
    timers,
    (why) => aborts.push(why),
  );
  socket.onDrain = () => guard.drained();
  return { timers, socket, guard, aborts };
}

const PONG = new Uint8Array(2);
const ANSWER = new Uint8Array(480);

describe('OutputGuard', () => {
  it('stops reading from a peer that sends without reading, and holds at most a high-water mark for it', () => {
    const { socket, guard } = setup();
    // What a peer that pipelines requests makes us write: an answer per request, as long as we read them.
    let answered = 0;
    for (let i = 0; i < 100_000 && !socket.paused; i++) {
      guard.write(ANSWER, () => {});
      answered++;
    }
    expect(socket.paused).toBe(true);
    expect(guard.readingStopped).toBe(true);
    expect(answered).toBeLessThan(50);
    expect(socket.writableLength).toBeLessThanOrEqual(16384 + ANSWER.length);
  });

  it('reads again once the peer takes what waits', () => {
    const { socket, guard, timers, aborts } = setup();
    while (!socket.paused) guard.write(PONG, () => {});
    socket.peerReads(1 << 20);
    expect(socket.paused).toBe(false);
    timers.runFor(60_000);
    expect(aborts).toEqual([]);
  });

  it('cuts off a peer that leaves our output untaken for stallMs', () => {
    const { socket, guard, timers, aborts } = setup({ stallMs: 5000 });
    while (!socket.paused) guard.write(ANSWER, () => {});
    timers.runFor(4999);
    expect(socket.destroyed).toBe(false);
    timers.runFor(1);
    expect(socket.destroyed).toBe(true);
    expect(aborts).toEqual(['stall']);
  });

  it('cuts off a connection whose unsent output goes over maxQueuedBytes (what we send on our own)', () => {
    const { socket, guard, aborts } = setup({ maxQueuedBytes: 65536 });
    // Requests we send whatever the peer does (reading is already stopped; nothing else holds them back).
    for (let i = 0; i < 1000 && !socket.destroyed; i++) guard.write(new Uint8Array(1000), () => {});
    expect(socket.destroyed).toBe(true);
    expect(aborts).toEqual(['queue']);
    expect(socket.writableLength).toBeLessThanOrEqual(65536 + 1000);
    // Later writes are dropped, not queued on a dead socket.
    guard.write(ANSWER, () => {});
  });

  it('a graceful close sends FIN, and gives a peer that does not read closeGraceMs', () => {
    const { socket, guard, timers, aborts } = setup();
    while (!socket.paused) guard.write(ANSWER, () => {});
    guard.end();
    expect(socket.ended).toBe(true);
    expect(guard.closing).toBe(true);
    // Reading resumes (what the peer sends is dropped), so our close is not turned into a reset.
    expect(socket.paused).toBe(false);
    timers.runFor(1999);
    expect(socket.destroyed).toBe(false);
    timers.runFor(1);
    expect(socket.destroyed).toBe(true);
    expect(aborts).toEqual(['close-grace']);
  });

  it('no timer is left once the socket closed', () => {
    const { socket, guard, timers } = setup();
    while (!socket.paused) guard.write(ANSWER, () => {});
    guard.end();
    guard.closed();
    expect(timers.pending).toBe(0);
  });
});
