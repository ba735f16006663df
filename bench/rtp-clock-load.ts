/**
 * The load the media clock benchmark measures: `sessions` streams on one
 * media scheduler for `seconds`, each tick building an RTP packet (as a real
 * session would) and recording its lateness. Runs on the calling thread, or
 * as the body of a worker thread (see `bench/rtp-clock.bench.ts`).
 */
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PreciseMediaScheduler, type MediaClockStrategy } from '../src/net/rtp-media-clock.js';
import { writeRtp } from '../src/rtp/rtp-packet.js';

export interface ClockRun {
  /** Lateness of every tick after the warm-up, ms. */
  readonly lateness: Float64Array;
  /** Per stream: how far its last tick ran from start + n x 20 ms, ms. */
  readonly lastTick: Float64Array;
  /** CPU time of the thread that ran the clock, as a percentage of one core. */
  readonly cpuPercent: number;
}

/** CPU seconds used by the calling thread (Linux /proc/thread-self/stat: utime + stime). */
export function threadCpuSeconds(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const payload = new Uint8Array(160);
/** The first second of each stream (JIT warm-up, a thousand streams being added) is not counted. */
export const WARM_UP_TICKS = 50;

/** How the clock's thread is prioritised (`rtp.clock-realtime`, `rtp.clock-priority`). */
export interface ClockPriority {
  readonly realtime?: number;
  readonly priority?: number;
}

export function runClock(
  strategy: MediaClockStrategy,
  seconds: number,
  sessions: number,
  prio: ClockPriority = {},
): Promise<ClockRun> {
  const media = new PreciseMediaScheduler({ strategy, ...prio });
  const perStream = Math.ceil((seconds * 1000) / 20) + 2;
  const lateness = new Float64Array(perStream * sessions);
  const lastTick = new Float64Array(sessions);
  const out = new Uint8Array(172);
  let count = 0;
  const cpu0 = threadCpuSeconds();
  const wall0 = performance.now();
  return new Promise((resolve) => {
    let done = 0;
    for (let s = 0; s < sessions; s++) {
      const stream = media.add(({ n, due, now }) => {
        writeRtp(
          {
            marker: n === 0,
            payloadType: 0,
            sequenceNumber: n & 0xffff,
            timestamp: (n * 160) >>> 0,
            ssrc: s,
            csrcs: [],
            payload,
            padding: 0,
          },
          out,
          0,
        );
        const late = now - due;
        if (n >= WARM_UP_TICKS) lateness[count++] = late;
        lastTick[s] = late;
        if (n * 20 >= seconds * 1000) {
          stream.stop();
          if (++done === sessions) {
            const cpu = threadCpuSeconds() - cpu0;
            const wall = (performance.now() - wall0) / 1000;
            media.close();
            resolve({ lateness: lateness.subarray(0, count), lastTick, cpuPercent: (100 * cpu) / wall });
          }
        }
      });
    }
  });
}

/**
 * The seed's first attempt, for comparison: every stream re-arms
 * `setTimeout(tick, 20)` after each tick, so each tick's lateness adds to
 * the next.
 */
export function runNaive(seconds: number, sessions: number): Promise<ClockRun> {
  const perStream = Math.ceil((seconds * 1000) / 20) + 2;
  const lateness = new Float64Array(perStream * sessions);
  const lastTick = new Float64Array(sessions);
  let count = 0;
  const cpu0 = threadCpuSeconds();
  const wall0 = performance.now();
  const end = wall0 + seconds * 1000;
  return new Promise((resolve) => {
    let done = 0;
    for (let s = 0; s < sessions; s++) {
      const start = wall0 + 10 + (s % 20);
      let n = 0;
      const tick = () => {
        const now = performance.now();
        const late = now - (start + n * 20);
        if (n >= WARM_UP_TICKS) lateness[count++] = late;
        lastTick[s] = late;
        n++;
        if (now < end) setTimeout(tick, 20);
        else if (++done === sessions) {
          const cpu = threadCpuSeconds() - cpu0;
          resolve({
            lateness: lateness.subarray(0, count),
            lastTick,
            cpuPercent: (100 * cpu) / ((performance.now() - wall0) / 1000),
          });
        }
      };
      setTimeout(tick, start - performance.now());
    }
  });
}

if (!isMainThread && parentPort && workerData?.kind === 'rtp-clock') {
  const { strategy, seconds, sessions, prio } = workerData as {
    strategy: MediaClockStrategy;
    seconds: number;
    sessions: number;
    prio: ClockPriority;
  };
  void runClock(strategy, seconds, sessions, prio).then((r) => parentPort!.postMessage(r));
}
