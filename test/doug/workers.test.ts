/**
 * The hand-off of calls to media workers (docs/workers.md) in virtual time:
 * the main side (`WorkerHub`) and the worker side (`WorkerCalls`) joined by
 * in-memory ports that copy each message (`structuredClone`, as a
 * MessagePort does). A caller's calls spread over the workers, are echoed
 * there and released on end; a worker that dies has its calls ended with
 * BYE, is started again, and the other worker's calls go on; a stuck worker
 * cannot grow the main side's queue.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { CallInvite } from '../../src/app/call-sip.js';
import { TransferFailedError } from '../../src/app/errors.js';
import { echo } from '../../src/apps/index.js';
import { registry } from '../../src/codecs/registry.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { type HubSetup, WorkerHub, type WorkerHost, type WorkerHubOptions } from '../../src/doug/workers/hub.js';
import { roomOf } from '../../src/apps/conference/service.js';
import { authenticatedUser } from '../../src/sip/access/access-control.js';
import type { IncomingCall } from '../../src/sip/api/call.js';
import { toMain, toWorker, type Port, type ToMain, type ToWorker } from '../../src/doug/workers/protocol.js';
import { RemoteDialog, Waiting } from '../../src/doug/workers/remote-call.js';
import { WorkerCalls } from '../../src/doug/workers/worker-calls.js';
import type { VoiceApp } from '../../src/doug/server.js';
import { SipRequest } from '../../src/sip/message/message.js';
import { formatUri } from '../../src/sip/message/uri.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';
import { CaptureSink, PhoneWorld, sine } from '../app/support/sim-phones.js';

const CALLER = '10.0.0.1';
const SERVER = '10.0.0.2';

/** Workers in this thread: each message is copied and delivered on a later turn, as a MessagePort does. */
class MemoryHost implements WorkerHost {
  readonly workers = new Map<number, { gen: number; calls: WorkerCalls | undefined; alive: boolean }>();
  hub!: WorkerHub;
  started = 0;
  /** Workers that read nothing (stuck). */
  readonly deaf = new Set<number>();

  constructor(
    private readonly world: PhoneWorld,
    private readonly app: VoiceApp,
    private readonly log: Logger,
  ) {}

  start(index: number, gen: number): Port<ToWorker> {
    this.started++;
    const w: { gen: number; calls: WorkerCalls | undefined; alive: boolean } = { gen, calls: undefined, alive: true };
    this.workers.set(index, w);
    const platform = this.world.platform();
    w.calls = new WorkerCalls({
      port: {
        post: (m) => {
          const copy = structuredClone(m);
          void Promise.resolve().then(() => w.alive && this.hub.fromWorker(index, gen, copy));
        },
      },
      ctx: {
        platform,
        media: { address: SERVER, portMin: 30000, portMax: 40000, rtcpMux: true, rtp: {}, lingerMs: 0 },
        codecs: [registry.byId('PCMU')!],
        inbandDtmf: 'off',
        log: this.log.child(`worker${index}`),
      },
      app: this.app,
      maxCallMs: 3_600_000,
      log: this.log,
      aor: `sip:server@${SERVER}`,
    });
    const calls = w.calls;
    void Promise.resolve().then(() => calls.ready());
    return {
      post: (m) => {
        const copy = structuredClone(m);
        if (this.deaf.has(index)) return;
        void Promise.resolve().then(() => w.alive && calls.handle(copy));
      },
    };
  }

  stop(index: number, gen: number): void {
    const w = this.workers.get(index);
    if (w && w.gen === gen) w.alive = false;
  }

  /** The worker's thread dies: nothing it sends arrives any more; the host reports the exit. */
  crash(index: number): void {
    const w = this.workers.get(index)!;
    w.alive = false;
    this.hub.exited(index, w.gen, 'exit code 1');
  }
}

async function setUp(
  seed: number,
  app: VoiceApp = echo,
  hubOpts: Pick<WorkerHubOptions, 'maxOutstanding' | 'stuckMs' | 'onApp'> = {},
  more: (inc: IncomingCall) => Partial<HubSetup> = () => ({}),
) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 5 });
  const logs = new MemorySink();
  const log = new Logger(logs, 'info');
  const host = new MemoryHost(world, app, log);
  let phone: Awaited<ReturnType<typeof world.phone>> | undefined;
  const ua = () => phone!.ua;
  const hub = new WorkerHub({
    workers: 2,
    host,
    clock: world.scheduler.clock,
    timers: world.scheduler,
    log,
    placer: {
      prepare: (uri) => ua().prepare(uri),
      nextHop: (uri) => ua().nextHop(uri),
      invite: (uri, opts) => ua().invite(uri, opts),
      sdpAddress: (towards) => ua().advertised(undefined, towards).address,
    },
    // As `serve --workers` wires it: a placed call counts against the phone's capacity.
    onPlaced: (c) => phone?.adopt(c),
    ...hubOpts,
  });
  host.hub = hub;
  const caller = await world.phone(CALLER);
  phone = await world.phone(SERVER, { handOff: (inc, setup) => hub.take(inc, { ...setup, ...more(inc) }) });
  hub.start();
  await world.until(hub.ready(1000));
  return { world, host, hub, caller, phone: phone!, logs };
}

function place(caller: Awaited<ReturnType<typeof setUp>>['caller'], n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => {
    const sink = new CaptureSink();
    const freq = 400 + 100 * (i + from);
    const call: Call = caller.call(`sip:echo@${SERVER}`, { source: sine(freq), sink });
    return { call, sink, freq };
  });
}

describe('media workers: the hand-off', () => {
  it('spreads calls over the workers by fewest calls, echoes each there, and releases them on end', async () => {
    const { world, hub, caller, phone } = await setUp(1);
    const calls = place(caller, 4);
    await world.until(Promise.all(calls.map((c) => c.call.answered)));
    expect(hub.workers().map((w) => w.calls)).toEqual([2, 2]);
    expect(phone.handedOff).toBe(4);
    await world.run(2000);
    await world.until(Promise.all(calls.map((c) => c.call.hangup())));
    await world.run(200);
    // Each caller hears its own tone back: the echo ran in its worker, media and all.
    for (const c of calls) expect(c.sink.toneSeconds(c.freq)).toBeGreaterThan(1.5);
    expect(hub.workers().map((w) => w.calls)).toEqual([0, 0]);
    expect(phone.handedOff).toBe(0);
    expect(hub.stats).toMatchObject({ calls: 4, deaths: 0, orphaned: 0, malformed: 0 });
    await world.until(Promise.all([caller.close(), phone.close()]));
    hub.close();
  });

  it("a worker that dies: its calls get BYE, it is started again, the other worker's calls go on", async () => {
    const { world, host, hub, caller, phone, logs } = await setUp(2);
    const calls = place(caller, 4);
    await world.until(Promise.all(calls.map((c) => c.call.answered)));
    await world.run(500);
    host.crash(0);
    await world.run(1000);
    const ended = calls.filter((c) => c.call.end);
    const up = calls.filter((c) => !c.call.end);
    expect(ended).toHaveLength(2);
    for (const c of ended) expect(c.call.end?.reason).toBe('remote-hangup');
    expect(up.map((c) => c.call.state)).toEqual(['answered', 'answered']);
    expect(logs.lines().some((l) => /worker 0 died \(exit code 1\): ending its 2 call/.test(l))).toBe(true);
    // Restarted: ready again, and the next call goes to it (it has the fewest calls).
    await world.until(hub.ready(5000));
    expect(hub.workers()[0]).toMatchObject({ state: 'ready', calls: 0, restarts: 1 });
    const late = place(caller, 1, 4);
    await world.until(late[0]!.call.answered);
    expect(hub.workers().map((w) => w.calls)).toEqual([1, 2]);
    // The survivors still echo.
    const before = up.map((c) => c.sink.toneSeconds(c.freq));
    await world.run(2000);
    for (const [i, c] of up.entries()) expect(c.sink.toneSeconds(c.freq) - before[i]!).toBeGreaterThan(1.5);
    await world.until(Promise.all([...up, ...late].map((c) => c.call.hangup())));
    await world.run(200);
    expect(hub.active).toBe(0);
    expect(phone.handedOff).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close()]));
    hub.close();
  });

  it('a stuck worker cannot grow the queue: past the bound it is stopped, its calls end, it restarts', async () => {
    const { world, host, hub, caller, phone, logs } = await setUp(3, echo, { maxOutstanding: 8, stuckMs: 3000 });
    const calls = place(caller, 2);
    await world.until(Promise.all(calls.map((c) => c.call.answered)));
    const onZero = calls.find((_, i) => i === 0)!;
    host.deaf.add(0);
    // Keys by INFO are messages for the worker; it reads none of them.
    for (let i = 0; i < 12; i++) void onZero.call.sendDtmf('1', 'info').catch(() => {});
    await world.run(4000);
    expect(logs.lines().some((l) => /worker 0: 8 messages unread: stuck|worker 0: silent/.test(l))).toBe(true);
    expect(onZero.call.end?.reason).toBe('remote-hangup');
    expect(calls[1]!.call.state).toBe('answered');
    host.deaf.delete(0);
    await world.until(hub.ready(5000));
    expect(hub.stats.deaths).toBe(1);
    await world.until(calls[1]!.call.hangup());
    await world.until(Promise.all([caller.close(), phone.close()]));
    hub.close();
  });

  it('a worker that answers no ping is stuck: stopped after stuckMs', async () => {
    const { world, host, hub, caller, phone } = await setUp(4, echo, { stuckMs: 3000 });
    host.deaf.add(1);
    await world.run(5000);
    expect(hub.stats.deaths).toBe(1);
    expect(hub.workers()[0]!.restarts).toBe(0);
    expect(hub.workers()[1]!.restarts).toBe(1);
    await world.until(Promise.all([caller.close(), phone.close()]));
    hub.close();
  });

  it('calls with one key (a conference room) share a worker; with every worker dead a call gets 503', () => {
    const started: number[] = [];
    const posted: ToWorker[] = [];
    const sched = new VirtualScheduler();
    const hub = new WorkerHub({
      workers: 3,
      host: {
        start: (i) => {
          started.push(i);
          return { post: (m) => posted.push(m) };
        },
        stop: () => {},
      },
      clock: sched.clock,
      timers: sched,
    }).start();
    const rejected: number[] = [];
    const invite = (): CallInvite => ({
      callId: 'x',
      source: { transport: 'udp', remote: { address: '127.0.0.1', port: 5060 } },
      request: new SipRequest('INVITE', 'sip:room@127.0.0.1', [
        ['Via', 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1'],
        ['From', '<sip:a@127.0.0.1>;tag=1'],
        ['To', '<sip:room@127.0.0.1>'],
        ['Call-ID', 'x'],
        ['CSeq', '1 INVITE'],
      ]),
      on: () => undefined,
      progress: () => {},
      accept: () => new Promise(() => {}),
      reject: (status = 0) => void rejected.push(status),
    });
    const setup = { local: 'a', remote: 'b', sdpAddress: '127.0.0.1' };
    // Still starting: a worker takes the call all the same (its port keeps it).
    expect(hub.take(invite(), setup).worker).toBe(0);
    for (const i of [1, 2]) hub.fromWorker(i, 1, { kind: 'ready' });
    // Ready ones first.
    expect(hub.take(invite(), setup).worker).toBe(1);
    hub.fromWorker(0, 1, { kind: 'ready' });
    // Calls now [1, 1, 0]: the fewest first, a room stays on its worker.
    const a = hub.take(invite(), { ...setup, key: 'room-1' });
    const b = hub.take(invite(), setup);
    const c = hub.take(invite(), setup);
    const d = hub.take(invite(), { ...setup, key: 'room-1' });
    expect([a.worker, b.worker, c.worker]).toEqual([2, 0, 1]);
    expect(d.worker).toBe(a.worker);
    // What goes to a worker is a whole INVITE it can read back.
    const call = posted.find((m) => m.kind === 'call');
    expect(call && toWorker(structuredClone(call))).toMatchObject({ kind: 'call', remote: 'b' });
    // Something else is dropped and counted, never trusted.
    hub.fromWorker(0, 1, { kind: 'accept', id: 1, body: 'not bytes', contentType: 'application/sdp' });
    hub.fromWorker(0, 1, 'junk');
    expect(hub.stats.malformed).toBe(2);
    expect(started).toEqual([0, 1, 2]);
    for (const i of [0, 1, 2]) hub.exited(i, 1, 'exit code 1');
    expect(hub.take(invite(), setup).worker).toBe(-1);
    // The six calls not answered when their workers died got 503, and so did the new one.
    expect(rejected.filter((s) => s === 503)).toHaveLength(7);
  });

  it("a room's calls meet on one worker (by the Request-URI's user); the auth user, app messages cross", async () => {
    const seen: (string | undefined)[] = [];
    const app: VoiceApp = async (call) => {
      seen.push(call.call.request ? authenticatedUser(call.call.request) : 'no request');
      await call.echo();
    };
    const told: [number, string, string][] = [];
    const { world, hub, caller, phone } = await setUp(
      4,
      app,
      { onApp: (w, t, j) => void told.push([w, t, j]) },
      (inc) => {
        const key = roomOf(inc.request.rawUri);
        return { ...(key !== undefined ? { key } : {}), authUser: 'alice' };
      },
    );
    const dial = (room: string) => caller.call(`sip:${room}@${SERVER}`, { source: sine(500), sink: new CaptureSink() });
    const a1 = dial('room-a');
    await world.until(a1.answered);
    const b1 = dial('room-b');
    await world.until(b1.answered);
    const rest = [dial('room-a'), dial('room-a'), dial('room-a')];
    await world.until(Promise.all(rest.map((c) => c.answered)));
    // Fewest calls would have spread them 3/2; the rooms keep them together.
    expect(hub.workers().map((w) => w.calls)).toEqual([4, 1]);
    expect(seen).toEqual(['alice', 'alice', 'alice', 'alice', 'alice']);
    hub.fromWorker(1, 1, { kind: 'app', topic: 'rooms', json: '[]' });
    hub.fromWorker(1, 1, { kind: 'app', topic: 7, json: '[]' });
    expect(told).toEqual([[1, 'rooms', '[]']]);
    expect(hub.stats.malformed).toBe(1);
    await world.until(Promise.all([a1, b1, ...rest].map((c) => c.hangup())));
    await world.run(200);
    expect(hub.active).toBe(0);
    // The rooms are forgotten with their last call: a new room-b call goes to the worker with fewest (none: the first).
    const again = dial('room-b');
    await world.until(again.answered);
    expect(hub.workers().map((w) => w.calls)).toEqual([1, 0]);
    await world.until(again.hangup());
    await world.until(Promise.all([caller.close(), phone.close()]));
    hub.close();
  });

  it('the decoders refuse what does not fit', () => {
    expect(toWorker({ kind: 'call', id: 1 })).toBeUndefined();
    expect(toWorker({ kind: 'dialog-ended', id: 1, reason: 'whatever' })).toBeUndefined();
    expect(toWorker({ kind: 'ping', seq: -1 })).toBeUndefined();
    expect(toMain({ kind: 'ended', id: 1, end: { reason: 'hangup', message: 'x', answered: true } })).toBeUndefined();
    expect(
      toMain({ kind: 'ended', id: 1, end: { reason: 'hangup', message: 'x', answered: true, durationMs: 5 } }),
    ).toEqual({
      kind: 'ended',
      id: 1,
      end: { reason: 'hangup', message: 'x', answered: true, durationMs: 5 },
      appError: false,
      timedOut: false,
    });
    expect(toMain({ kind: 'log', level: 'loud', component: '', msg: 'x' })).toBeUndefined();
  });
});

describe('media workers: transfers (REFER) across the boundary', () => {
  const CAROL = '10.0.0.3';

  it("a worker's call transfers the caller to Carol: the caller follows, the app sees 100/180/200", async () => {
    const progress: number[] = [];
    const ends: string[] = [];
    const app: VoiceApp = async (call) => {
      call.call.on('transfer-progress', (p) => progress.push(p.status));
      await call.answer();
      await call.play('tone:400', { timeoutMs: 500 });
      await call.transfer(`sip:carol@${CAROL}`);
      ends.push((await call.call.ended).reason);
    };
    const { world, hub, caller, phone } = await setUp(5, app);
    const carol = await world.phone(CAROL);
    const heardByCarol = new CaptureSink();
    carol.on('incoming', (c) => {
      c.ring();
      world.scheduler.after(200, () => void c.answer({ source: sine(1700), sink: heardByCarol }).catch(() => {}));
    });
    const toServer = caller.call(`sip:app@${SERVER}`, { source: sine(700), sink: new CaptureSink() });
    const heardByCaller = new CaptureSink();
    let follow: Call | undefined;
    toServer.on('transfer-requested', (r) => {
      expect(r.target).toBe(`sip:carol@${CAROL}`);
      follow = r.accept({ source: sine(700), sink: heardByCaller });
    });
    await world.until(toServer.answered);
    expect((await world.until(toServer.ended)).reason).toBe('transferred');
    await world.until(follow!.answered);
    await world.run(1500);
    expect(progress).toEqual([100, 180, 200]);
    expect(ends).toEqual(['transferred']);
    expect(heardByCaller.toneSeconds(1700)).toBeGreaterThan(1);
    expect(heardByCarol.toneSeconds(700)).toBeGreaterThan(1);
    await world.run(200);
    expect(hub.active).toBe(0);
    await world.until(follow!.hangup());
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it("the caller's REFER reaches the app in the worker, which declines it; the call goes on", async () => {
    const asked: string[] = [];
    const app: VoiceApp = async (call) => {
      call.call.on('transfer-requested', (r) => {
        asked.push(r.target);
        r.reject(486, 'Busy Here');
      });
      await call.echo();
    };
    const { world, hub, caller, phone } = await setUp(6, app);
    const sink = new CaptureSink();
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink });
    await world.until(call.answered);
    await world.run(200);
    const failed = await world.until(call.transfer(`sip:dave@${CAROL}`).catch((e: unknown) => e));
    expect(failed).toBeInstanceOf(TransferFailedError);
    expect((failed as TransferFailedError).status).toBe(486);
    expect(asked).toEqual([`sip:dave@${CAROL}`]);
    // Still up, still echoed.
    await world.run(1500);
    expect(call.state).toBe('answered');
    expect(sink.toneSeconds(900)).toBeGreaterThan(1);
    await world.until(call.hangup());
    await world.run(200);
    expect(hub.active).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close()]));
    hub.close();
  });

  it('the REFER messages are checked: a Replaces without tags, a refer-answer with no action, are dropped', () => {
    expect(toMain({ kind: 'refer', id: 1, rid: 1, target: 'sip:a@b', replaces: { callId: 'x' } })).toBeUndefined();
    expect(toMain({ kind: 'refer-answer', id: 1, rid: 1, action: 'maybe', status: 202 })).toBeUndefined();
    expect(toWorker({ kind: 'referred', id: 1, rid: 1, target: 'sip:a@b' })).toBeUndefined();
    expect(toWorker({ kind: 'refer-progress', id: 1, rid: 1, status: 180, reason: 'Ringing' })).toEqual({
      kind: 'refer-progress',
      id: 1,
      rid: 1,
      status: 180,
      reason: 'Ringing',
    });
  });
});

describe("media workers: following the peer's REFER from a worker", () => {
  const CAROL = '10.0.0.3';
  /** The app follows every transfer it is asked for, playing a 1300 Hz tone to whom it calls. */
  function follower(followed: Call[]): VoiceApp {
    return async (call) => {
      call.call.on('transfer-requested', (t) => {
        followed.push(t.accept({ source: sine(1300) }));
      });
      await call.echo();
    };
  }

  it('the caller transfers the app to Carol: the worker calls her, she hears it, the caller hears 200', async () => {
    const followed: Call[] = [];
    const { world, hub, caller, phone } = await setUp(7, follower(followed));
    const carol = await world.phone(CAROL);
    const heardByCarol = new CaptureSink();
    let carolsCall: Call | undefined;
    carol.on('incoming', (c) => {
      carolsCall = c;
      c.ring();
      world.scheduler.after(300, () => void c.answer({ source: sine(1700), sink: heardByCarol }).catch(() => {}));
    });
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink: new CaptureSink() });
    await world.until(call.answered);
    const worker = hub.workers().findIndex((w) => w.calls === 1);
    const progress: number[] = [];
    call.on('transfer-progress', (p) => progress.push(p.status));
    const done = await world.until(call.transfer(`sip:carol@${CAROL}`));
    expect(done.status).toBe(200);
    expect(progress).toContain(200);
    expect((await world.until(call.ended)).reason).toBe('transferred');
    // The followed call lives in the worker of the call it follows (its media is there).
    expect(followed).toHaveLength(1);
    await world.until(followed[0]!.answered);
    expect(carolsCall!.remote).toContain(SERVER);
    await world.run(1500);
    expect(heardByCarol.toneSeconds(1300)).toBeGreaterThan(1);
    expect(hub.workers()[worker]!.calls).toBe(1);
    expect(hub.stats.placed).toBe(1);
    // The call the worker placed counts against the phone's capacity while it is up.
    expect(phone.handedOff).toBe(1);
    await world.until(carolsCall!.hangup());
    await world.run(200);
    expect(followed[0]!.end?.reason).toBe('remote-hangup');
    expect(hub.active).toBe(0);
    expect(phone.handedOff).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it("Carol refuses (486): the caller's transfer fails with 486, the call with the app goes on", async () => {
    const followed: Call[] = [];
    const { world, hub, caller, phone } = await setUp(8, follower(followed));
    const carol = await world.phone(CAROL);
    carol.on('incoming', (c) => c.reject(486, 'Busy Here'));
    const sink = new CaptureSink();
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink });
    await world.until(call.answered);
    const failed = await world.until(call.transfer(`sip:carol@${CAROL}`).catch((e: unknown) => e));
    expect(failed).toBeInstanceOf(TransferFailedError);
    expect((failed as TransferFailedError).status).toBe(486);
    expect((await world.until(followed[0]!.ended)).reason).toBe('busy');
    await world.run(1500);
    expect(call.state).toBe('answered');
    expect(sink.toneSeconds(900)).toBeGreaterThan(1);
    expect(hub.active).toBe(1);
    await world.until(call.hangup());
    await world.run(200);
    expect(hub.active).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it('the app gives up before Carol answers: CANCEL reaches her, nothing is held', async () => {
    const followed: Call[] = [];
    const { world, hub, caller, phone } = await setUp(9, follower(followed));
    const carol = await world.phone(CAROL);
    const ringing = new Promise<Call>((resolve) =>
      carol.on('incoming', (c) => {
        c.ring();
        resolve(c);
      }),
    );
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink: new CaptureSink() });
    await world.until(call.answered);
    const outcome = call.transfer(`sip:carol@${CAROL}`).catch((e: unknown) => e);
    const carolsCall = await world.until(ringing);
    await world.run(100);
    await world.until(followed[0]!.hangup());
    expect((await world.until(carolsCall.ended)).reason).toBe('cancelled');
    expect(((await world.until(outcome)) as TransferFailedError).status).toBe(487);
    await world.run(200);
    expect(hub.active).toBe(1);
    await world.until(call.hangup());
    await world.run(200);
    expect(hub.active).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it('the worker dies while Carol rings: her call is cancelled, the caller gets BYE, no call is held', async () => {
    const followed: Call[] = [];
    const { world, host, hub, caller, phone } = await setUp(10, follower(followed));
    const carol = await world.phone(CAROL);
    const ringing = new Promise<Call>((resolve) =>
      carol.on('incoming', (c) => {
        c.ring();
        resolve(c);
      }),
    );
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink: new CaptureSink() });
    await world.until(call.answered);
    void call.transfer(`sip:carol@${CAROL}`).catch(() => {});
    const carolsCall = await world.until(ringing);
    await world.run(100);
    expect(hub.active).toBe(2);
    host.crash(hub.workers().findIndex((w) => w.calls === 2));
    expect((await world.until(carolsCall.ended)).reason).toBe('cancelled');
    expect((await world.until(call.ended)).reason).toBe('remote-hangup');
    expect(hub.active).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it('the server stops while Carol rings: the worker cancels, every call is released', async () => {
    const followed: Call[] = [];
    const { world, hub, caller, phone } = await setUp(11, follower(followed));
    const carol = await world.phone(CAROL);
    const ringing = new Promise<Call>((resolve) =>
      carol.on('incoming', (c) => {
        c.ring();
        resolve(c);
      }),
    );
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink: new CaptureSink() });
    await world.until(call.answered);
    void call.transfer(`sip:carol@${CAROL}`).catch(() => {});
    const carolsCall = await world.until(ringing);
    await world.run(100);
    hub.hangupAll();
    expect((await world.until(carolsCall.ended)).reason).toBe('cancelled');
    expect((await world.until(call.ended)).reason).toBe('remote-hangup');
    await world.run(200);
    expect(hub.active).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it('an attended transfer: the worker calls Carol with Replaces, her call with the caller is replaced', async () => {
    const followed: Call[] = [];
    const { world, hub, caller, phone } = await setUp(12, follower(followed));
    const carol = await world.phone(CAROL);
    const atCarol: Call[] = [];
    const heardByCarol = new CaptureSink();
    carol.on('incoming', (c) => {
      atCarol.push(c);
      void c.answer({ source: sine(1700), sink: heardByCarol }).catch(() => {});
    });
    const toApp = caller.call(`sip:app@${SERVER}`, { source: sine(900), sink: new CaptureSink() });
    await world.until(toApp.answered);
    const toCarol = caller.call(`sip:carol@${CAROL}`, { source: sine(500), sink: new CaptureSink() });
    await world.until(toCarol.answered);
    const done = await world.until(toApp.transfer(formatUri(toCarol.dialog!.remoteTarget), { replaces: toCarol }));
    expect(done.status).toBe(200);
    expect(atCarol).toHaveLength(2);
    expect(atCarol[1]!.replaces).toBe(atCarol[0]);
    // The worker's call knows its Call-ID (the main thread made the INVITE).
    expect(followed[0]!.callId).toBe(atCarol[1]!.callId);
    expect((await world.until(atCarol[0]!.ended)).reason).toBe('replaced');
    expect((await world.until(toApp.ended)).reason).toBe('transferred');
    const before = heardByCarol.toneSeconds(1300);
    await world.run(1500);
    expect(heardByCarol.toneSeconds(1300) - before).toBeGreaterThan(1);
    await world.until(followed[0]!.hangup());
    await world.run(200);
    expect(hub.active).toBe(0);
    await world.until(Promise.all([caller.close(), phone.close(), carol.close()]));
    hub.close();
  });

  it('the placing messages are checked', () => {
    expect(toMain({ kind: 'place', ref: 1 })).toBeUndefined();
    expect(
      toMain({ kind: 'invite', id: 1, target: 'sip:a@b', body: new Uint8Array(1), contentType: 'x', headers: [['A']] }),
    ).toBeUndefined();
    expect(
      toMain({
        kind: 'invite',
        id: 1,
        target: 'sip:a@b',
        body: new Uint8Array(1),
        contentType: 'x',
        headers: [['A', 'b']],
      }),
    ).toMatchObject({ kind: 'invite', headers: [['A', 'b']] });
    expect(
      toWorker({ kind: 'placed', id: 1, ref: 1, host: 'h', transport: 'carrier-pigeon', sdpAddress: 'a' }),
    ).toBeUndefined();
    expect(
      toWorker({
        kind: 'invite-failed',
        id: 1,
        status: 486,
        reason: 'Busy',
        message: 'm',
        failure: 'status',
        response: 'x',
      }),
    ).toBeUndefined();
    expect(toWorker({ kind: 'place-refused', ref: 2, status: 503, message: 'no' })).toEqual({
      kind: 'place-refused',
      ref: 2,
      status: 503,
      message: 'no',
    });
  });

  it('a REFER right behind the ACK waits for the call in the worker instead of 603 (bounded)', async () => {
    const sched = new VirtualScheduler();
    const posted: ToMain[] = [];
    const info = { role: 'uas', remoteTarget: 'sip:a@10.0.0.1', callId: 'c', localTag: 'l', remoteTag: 'r' } as const;
    const dialog = new RemoteDialog(
      1,
      { ...info, ackBody: new Uint8Array(0) },
      { post: (m) => void posted.push(m) },
      new Waiting(),
      undefined,
      sched,
    );
    const referred = (rid: number) =>
      dialog.onReferred({ kind: 'referred', id: 1, rid, target: `sip:t${rid}@10.0.0.3`, method: 'INVITE' });
    // Six REFERs before anyone listens: four wait, the fifth and sixth are declined at once.
    for (let rid = 1; rid <= 6; rid++) referred(rid);
    const answers = () => posted.filter((m) => m.kind === 'refer-answer').map((m) => [m.rid, m.action, m.status]);
    expect(answers()).toEqual([
      [5, 'reject', 603],
      [6, 'reject', 603],
    ]);
    // The call watches its dialog (in the ACK's turn): the four reach it once that turn is over.
    const got: string[] = [];
    dialog.on('refer', (r) => {
      got.push(r.target);
      r.accept();
    });
    await Promise.resolve();
    expect(got).toEqual(['sip:t1@10.0.0.3', 'sip:t2@10.0.0.3', 'sip:t3@10.0.0.3', 'sip:t4@10.0.0.3']);
    // Nobody listens on another dialog: its REFER is declined after the hold (2 s), not kept.
    const lonely = new RemoteDialog(
      2,
      { ...info, ackBody: new Uint8Array(0) },
      { post: (m) => void posted.push(m) },
      new Waiting(),
      undefined,
      sched,
    );
    lonely.onReferred({ kind: 'referred', id: 2, rid: 1, target: 'sip:x@10.0.0.3', method: 'INVITE' });
    sched.runFor(1999);
    expect(posted.filter((m) => m.kind === 'refer-answer' && m.id === 2)).toEqual([]);
    sched.runFor(2);
    expect(posted.filter((m) => m.kind === 'refer-answer' && m.id === 2)).toMatchObject([
      { action: 'reject', status: 603 },
    ]);
  });
});
