/**
 * The main side of the hand-off (`docs/workers.md`): N worker slots, each
 * call given to the slot with the fewest calls (or to the slot that already
 * has its `key`: a conference room), its SIP handles kept here (`MainCall`,
 * `main-call.ts`) and driven by the worker's messages. Sans-I/O: the host starts and stops workers
 * and carries their messages; time is a `Clock` and a `TimerHost`.
 *
 * A worker that dies (or is declared stuck) has its calls ended here with
 * BYE (or 503 before the answer), and is started again; the others go on.
 * Bounded: a slot takes at most `maxOutstanding` messages without a word
 * back from its worker; one more declares the worker stuck, and it is
 * stopped like a dead one. A worker that answers no ping for `stuckMs` is
 * stuck too.
 */
import type { CallEnd } from '../../app/call-types.js';
import type { CallInvite } from '../../app/call-sip.js';
import type { HandedCall, HandOffSetup } from '../../app/phone-handoff.js';
import type { Clock } from '../../clock/clock.js';
import type { TimerHandle, TimerHost } from '../../clock/timers.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { serializeMessage } from '../../sip/message/serialize.js';
import { MainCall, type CallLink } from './main-call.js';
import { MainPlacedCall, type MainPlacer } from './main-placed.js';
import { toMain, type Port, type ToMain, type ToWorker } from './protocol.js';
import { restartDelay } from '../../util/restart-delay.js';

type HubTransport = Extract<ToWorker, { kind: 'placed' }>['transport'];

/** Starts and stops the workers; gives their messages to `hub.fromWorker`, their ends to `hub.exited`. */
export interface WorkerHost {
  start(index: number, generation: number): Port<ToWorker>;
  stop(index: number, generation: number): void;
}

export interface WorkerHubOptions {
  readonly workers: number;
  readonly host: WorkerHost;
  readonly clock: Clock;
  readonly timers: TimerHost;
  readonly log?: Logger;
  /** Messages a worker may have to read before it says anything back (default 4096). */
  readonly maxOutstanding?: number;
  /** Ping interval, ms (default 1000). */
  readonly pingMs?: number;
  /** A worker silent this long is stuck (default 10 000 ms). */
  readonly stuckMs?: number;
  /** The peer's re-INVITEs one call may have waiting for its worker (default 4; more get 491). */
  readonly maxPendingReinvites?: number;
  /** A worker's app told its main-side part something (`app` messages: a topic and JSON text). */
  readonly onApp?: (worker: number, topic: string, json: string) => void;
  /** What sends the INVITEs of the calls the workers place (following a REFER); none: they are refused. */
  readonly placer?: MainPlacer;
  /** Calls the workers placed that may be up or under way at once (default 1024; more are refused 503). */
  readonly maxPlaced?: number;
  /** Told of each call a worker places (the phone counts it against its capacity until it ends). */
  readonly onPlaced?: (call: HubCall) => void;
}

/** A call's setup, and the key that puts calls on one worker (a conference room). */
export interface HubSetup extends HandOffSetup {
  readonly key?: string;
  /** The user the access control authenticated the INVITE as (the worker's app may ask). */
  readonly authUser?: string;
}

/** A call handed to a worker: `worker` is its slot (-1: refused, no worker running). */
export interface HubCall extends HandedCall {
  readonly worker: number;
}

export interface WorkerState {
  readonly index: number;
  readonly state: 'starting' | 'ready' | 'dead';
  readonly calls: number;
  readonly restarts: number;
}

export interface HubStats {
  /** Calls handed to workers. */
  calls: number;
  appErrors: number;
  timedOut: number;
  /** Workers that died or were stopped stuck. */
  deaths: number;
  /** Calls ended here because their worker died. */
  orphaned: number;
  /** Messages from workers that did not fit the protocol. */
  malformed: number;
  /** Calls refused because no worker was ready (503). */
  refused: number;
  /** Calls the workers placed (their apps followed a REFER). */
  placed: number;
}

class Slot {
  state: 'starting' | 'ready' | 'dead' = 'starting';
  generation = 0;
  port: Port<ToWorker> | undefined;
  readonly calls = new Map<number, MainCall<Slot>>();
  outstanding = 0;
  heardAt = 0;
  restarts = 0;
  /** Deaths in a row without a call ending well in between: the restart waits longer each time. */
  crashes = 0;
  restartTimer: TimerHandle | undefined;
  constructor(readonly index: number) {}
}

export class WorkerHub {
  readonly stats: HubStats = {
    calls: 0,
    appErrors: 0,
    timedOut: 0,
    deaths: 0,
    orphaned: 0,
    malformed: 0,
    refused: 0,
    placed: 0,
  };
  /** Placed calls up or under way now. */
  private placing = 0;
  private readonly slots: Slot[];
  private readonly log: Logger;
  private readonly rooms = new Map<string, { slot: Slot; calls: number }>();
  private nextId = 1;
  private pingSeq = 0;
  private pingTimer: TimerHandle | undefined;
  private closed = false;
  private readonly maxOutstanding: number;
  private readonly stuckMs: number;
  private readonly pingMs: number;

  constructor(private readonly o: WorkerHubOptions) {
    if (!Number.isInteger(o.workers) || o.workers < 1) throw new RangeError(`workers: ${o.workers}: at least 1`);
    this.log = (o.log ?? silentLogger).child('workers');
    this.maxOutstanding = o.maxOutstanding ?? 4096;
    this.stuckMs = o.stuckMs ?? 10_000;
    this.pingMs = o.pingMs ?? 1000;
    this.slots = Array.from({ length: o.workers }, (_, i) => new Slot(i));
  }

  /** Start every worker and the pings. */
  start(): this {
    for (const s of this.slots) this.spawn(s);
    this.armPing();
    return this;
  }

  /** Each worker: its state and calls (for the status). */
  workers(): WorkerState[] {
    return this.slots.map((s) => ({ index: s.index, state: s.state, calls: s.calls.size, restarts: s.restarts }));
  }

  /** Calls in the workers now. */
  get active(): number {
    let n = 0;
    for (const s of this.slots) n += s.calls.size;
    return n;
  }

  /** Resolves once every worker is ready (or `false` after `maxMs`). */
  async ready(maxMs: number): Promise<boolean> {
    const until = this.o.clock.now() + maxMs;
    while (this.slots.some((s) => s.state !== 'ready')) {
      if (this.o.clock.now() >= until) return false;
      await new Promise<void>((r) => this.o.timers.setTimer(20, r));
    }
    return true;
  }

  /**
   * Give an incoming call (screened by the phone) to a worker: a ready one
   * with the fewest calls, else one still starting. When every worker is
   * dead (between a death and its restart) it is refused 503 at once.
   */
  take(inc: CallInvite, setup: HubSetup): HubCall {
    const slot = this.pick(setup.key);
    if (!slot) {
      this.stats.refused++;
      this.log.warn(`refused a call from ${setup.remote}: no media worker is running; 503`);
      inc.reject(503, 'Service Unavailable', [['Retry-After', '1']]);
      const end: CallEnd = {
        reason: 'failed',
        status: 503,
        message: 'no worker running',
        answered: false,
        durationMs: 0,
      };
      return { worker: -1, ended: Promise.resolve(end), hangup: () => {} };
    }
    const call: MainCall<Slot> = new MainCall(this.nextId++, inc, slot, setup.key, this.o.clock.now(), this.link(slot));
    slot.calls.set(call.id, call);
    if (setup.key !== undefined) {
      const room = this.rooms.get(setup.key);
      if (room) room.calls++;
      else this.rooms.set(setup.key, { slot, calls: 1 });
    }
    this.stats.calls++;
    inc.on('cancelled', () => this.send(slot, { kind: 'cancelled', id: call.id }));
    this.send(slot, {
      kind: 'call',
      id: call.id,
      local: setup.local,
      remote: setup.remote,
      transport: inc.source.transport,
      remoteAddress: inc.source.remote.address,
      remotePort: inc.source.remote.port,
      sdpAddress: setup.sdpAddress,
      invite: new Uint8Array(serializeMessage(inc.request)),
      ...(setup.authUser !== undefined ? { authUser: setup.authUser } : {}),
    });
    return {
      worker: slot.index,
      ended: call.done.promise,
      hangup: () => {
        if (call.slot.state !== 'dead') this.send(slot, { kind: 'hangup', id: call.id, reason: 'shutdown' });
      },
    };
  }

  private link(slot: Slot): CallLink {
    return { send: (m) => this.send(slot, m), log: this.log, maxPending: this.o.maxPendingReinvites ?? 4 };
  }

  /**
   * A worker places a call (its app follows the peer's REFER): where the
   * INVITE goes is resolved here, the call gets its number and stays in
   * that worker (its media is there); the worker then sends its offer
   * (`invite`). Refused when the hub closes, has no placer, or is full.
   */
  private place(slot: Slot, ref: number, target: string): void {
    const placer = this.o.placer;
    const refuse = (status: number, message: string) =>
      this.send(slot, { kind: 'place-refused', ref, status, message });
    if (!placer || this.closed) return refuse(503, 'this server places no calls');
    if (this.placing >= (this.o.maxPlaced ?? 1024)) return refuse(503, 'too many calls placed at once');
    const gen = slot.generation;
    void placer.prepare(target).then(() => {
      if (this.closed || slot.generation !== gen || slot.state === 'dead') return;
      let hop: { host: string; transport: HubTransport };
      let sdpAddress: string;
      try {
        hop = placer.nextHop(target);
        sdpAddress = placer.sdpAddress(hop.host);
      } catch (err) {
        return refuse(400, (err as Error).message);
      }
      const call = new MainPlacedCall(this.nextId++, slot, this.o.clock.now(), this.link(slot), placer);
      slot.calls.set(call.id, call);
      this.stats.placed++;
      this.placing++;
      this.o.onPlaced?.({
        worker: slot.index,
        ended: call.done.promise,
        hangup: () => {
          if (call.slot.state !== 'dead') this.send(slot, { kind: 'hangup', id: call.id, reason: 'shutdown' });
        },
      });
      this.send(slot, { kind: 'placed', id: call.id, ref, host: hop.host, transport: hop.transport, sdpAddress });
    });
  }

  private pick(key: string | undefined): Slot | undefined {
    if (key !== undefined) {
      const room = this.rooms.get(key);
      if (room && room.slot.state !== 'dead') return room.slot;
    }
    // Ready workers first; a worker still starting takes calls too (its port keeps them until it listens):
    // the SIP socket is open before the workers are.
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.state === 'dead') continue;
      const better =
        !best ||
        (s.state === 'ready' && best.state !== 'ready') ||
        (s.state === best.state && s.calls.size < best.calls.size);
      if (better) best = s;
    }
    return best;
  }

  /** A message from worker `index` (of `generation`: a message from a worker since replaced is ignored). */
  fromWorker(index: number, generation: number, raw: unknown): void {
    const slot = this.slots[index];
    if (!slot || slot.generation !== generation || slot.state === 'dead') return;
    slot.outstanding = 0;
    slot.heardAt = this.o.clock.now();
    const m = toMain(raw);
    if (!m) {
      this.stats.malformed++;
      this.log.warn(`worker ${index}: a message that is not one of the protocol's: dropped`);
      return;
    }
    if (m.kind === 'ready') {
      if (slot.state === 'starting') this.log.debug(`worker ${index} ready`);
      slot.state = 'ready';
      return;
    }
    if (m.kind === 'pong') return;
    if (m.kind === 'app') {
      try {
        this.o.onApp?.(index, m.topic, m.json);
      } catch (err) {
        this.log.warn(`worker ${index}: its app's ${m.topic}: ${(err as Error).message}`);
      }
      return;
    }
    if (m.kind === 'log') {
      (this.o.log ?? silentLogger).child(m.component).log(m.level, m.msg);
      return;
    }
    if (m.kind === 'place') {
      this.place(slot, m.ref, m.target);
      return;
    }
    const call = slot.calls.get(m.id);
    if (!call) return;
    this.onCallMessage(slot, call, m);
  }

  private onCallMessage(
    slot: Slot,
    call: MainCall<Slot>,
    m: Exclude<ToMain, { kind: 'ready' | 'pong' | 'log' | 'app' | 'place' }>,
  ): void {
    if (m.kind !== 'ended') return call.onMessage(m);
    if (m.appError) this.stats.appErrors++;
    if (m.timedOut) this.stats.timedOut++;
    if (m.end.answered || m.end.reason !== 'failed') slot.crashes = 0;
    this.release(call, m.end);
  }

  private release(call: MainCall<Slot>, end: CallEnd): void {
    const slot = call.slot;
    if (!slot.calls.delete(call.id)) return;
    if (call instanceof MainPlacedCall) this.placing--;
    if (call.key !== undefined) {
      const room = this.rooms.get(call.key);
      if (room && --room.calls <= 0) this.rooms.delete(call.key);
    }
    call.done.resolve(end);
  }

  /** Post to a slot's worker: bounded; past the bound the worker is stuck. */
  private send(slot: Slot, m: ToWorker): void {
    if (slot.state === 'dead' || !slot.port) return;
    if (++slot.outstanding > this.maxOutstanding) {
      this.log.error(`worker ${slot.index}: ${this.maxOutstanding} messages unread: stuck`);
      this.kill(slot, 'stuck: too many messages unread');
      return;
    }
    slot.port.post(m);
  }

  private spawn(slot: Slot): void {
    slot.generation++;
    slot.state = 'starting';
    slot.outstanding = 0;
    slot.heardAt = this.o.clock.now();
    slot.port = this.o.host.start(slot.index, slot.generation);
  }

  private kill(slot: Slot, why: string): void {
    const gen = slot.generation;
    this.o.host.stop(slot.index, gen);
    this.exited(slot.index, gen, why);
  }

  /**
   * Worker `index` is gone (it crashed, exited, or was stopped): its calls
   * end here — BYE when answered, 503 when not — and a new worker starts.
   */
  exited(index: number, generation: number, why: string): void {
    const slot = this.slots[index];
    if (!slot || slot.generation !== generation || slot.state === 'dead') return;
    slot.state = 'dead';
    slot.port = undefined;
    this.stats.deaths++;
    const calls = [...slot.calls.values()];
    if (!this.closed || calls.length > 0)
      this.log.error(`worker ${index} died (${why}): ending its ${calls.length} call(s) with BYE`);
    for (const call of calls) this.orphaned(call);
    if (this.closed) return;
    slot.crashes++;
    slot.restarts++;
    slot.restartTimer = this.o.timers.setTimer(restartDelay(slot.crashes), () => {
      slot.restartTimer = undefined;
      if (!this.closed) this.spawn(slot);
    });
  }

  private orphaned(call: MainCall<Slot>): void {
    this.stats.orphaned++;
    call.abandon();
    const now = this.o.clock.now();
    this.release(call, {
      reason: 'failed',
      message: 'its media worker died',
      answered: call.accepted,
      durationMs: call.accepted ? now - call.startedAt : 0,
    });
  }

  private armPing(): void {
    this.pingTimer = this.o.timers.setTimer(this.pingMs, () => {
      this.pingTimer = undefined;
      if (this.closed) return;
      const now = this.o.clock.now();
      const seq = ++this.pingSeq;
      for (const s of this.slots) {
        if (s.state === 'dead') continue;
        if (now - s.heardAt > this.stuckMs) {
          this.log.error(`worker ${s.index}: silent for ${Math.round((now - s.heardAt) / 1000)} s: stuck`);
          this.kill(s, 'stuck: no answer to pings');
        } else this.send(s, { kind: 'ping', seq });
      }
      this.armPing();
    });
  }

  /** Hang up every call (each worker ends its own). */
  hangupAll(): void {
    for (const s of this.slots)
      for (const c of s.calls.values()) this.send(s, { kind: 'hangup', id: c.id, reason: 'shutdown' });
  }

  /** Stop the pings and every worker; calls still in them end here (BYE). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer !== undefined) this.o.timers.clearTimer(this.pingTimer);
    for (const s of this.slots) {
      if (s.restartTimer !== undefined) this.o.timers.clearTimer(s.restartTimer);
      if (s.state !== 'dead') this.kill(s, 'closing');
    }
  }
}
