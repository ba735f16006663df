/**
 * The messages between the benchmarks' generator pool (`gen-pool.ts`, the
 * parent) and its generator threads (`gen-worker.ts`): plain data, each
 * request numbered (`seq`) and answered once.
 */
import type { SrtpSuiteName } from '../../src/rtp/srtp/srtp-suites.js';
import type { ConfState } from './conference-load.js';
import type { LoadCodec } from './load-generator.js';

/** What every call of a pool sends and counts. */
export type GenBehaviour = 'echo' | 'conference';

/** A generator thread's settings (its `workerData`). */
export interface GenSpec {
  readonly behaviour: GenBehaviour;
  readonly srtp?: SrtpSuiteName;
  readonly codec?: LoadCodec;
}

export type ToGen =
  /** Place these calls (a SIP call to `target`, or a stream straight to `port`) and start their media. */
  | {
      readonly t: 'connect';
      readonly seq: number;
      readonly calls: readonly { readonly index: number; readonly target?: string; readonly port?: number }[];
    }
  /** Open the measured window: counts reset, lateness and round trips kept from now. */
  | { readonly t: 'open'; readonly seq: number }
  /** Close the window and send what it measured. */
  | { readonly t: 'close'; readonly seq: number }
  /** Hang every call up. */
  | { readonly t: 'end'; readonly seq: number }
  /** Close the user agent and the media clock; the thread then exits. */
  | { readonly t: 'exit'; readonly seq: number };

/** One call's figures over the window. */
export interface CallFigures {
  readonly index: number;
  /** Packets sent in the window. */
  readonly sent: number;
  /** Echoes of those that came back (echo). */
  readonly received: number;
  /** The conference's counts (conference). */
  readonly conf?: ConfState;
}

/** What one generator thread measured over the window. */
export interface GenFigures {
  readonly calls: readonly CallFigures[];
  /** Send lateness of each tick, ms. */
  readonly lateness: Float64Array;
  /** Round trips of the echoes that came back, ms (echo). */
  readonly rtts: Float64Array;
  /** Deviation of each received packet's spacing from 20 ms (conference). */
  readonly spacing: Float64Array;
  /** What the probe (call 0) heard, 8 kHz samples, when this thread has it (conference). */
  readonly probe?: Int16Array;
}

export type FromGen =
  | { readonly t: 'ready' }
  | { readonly t: 'done'; readonly seq: number; readonly figures?: GenFigures }
  | { readonly t: 'failed'; readonly seq: number; readonly message: string };
