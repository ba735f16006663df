/**
 * The project's RTP load generator: many G.711 calls from one process (or
 * calls of another codec, `LoadCodec`), each
 * set up by a `UserAgent` (PCMU, rtcp-mux) and then sending a 20 ms packet
 * 50 times a second from its own UDP socket on the precise media clock.
 * What each packet carries and what is done with what comes back is the
 * caller's (`CallBehaviour`): the echo benchmark timestamps its payloads
 * and measures round trips; the conference benchmark and its interop test
 * send tones and silence and count what the room sends.
 *
 * Also here: the server's CPU from /proc/PID/stat, and a climb through
 * steps of concurrent calls (a failed step gets a second chance on a
 * shared machine).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { PreciseMediaScheduler } from '../../src/net/rtp-media-clock.js';
import type { MediaStream } from '../../src/rtp/media-scheduler.js';
import { SrtpSession } from '../../src/rtp/srtp/srtp-session.js';
import { SRTP_SUITES, type SrtpSuiteName } from '../../src/rtp/srtp/srtp-suites.js';
import type { MediaFormat } from '../../src/sdp/media-format.js';
import { createOffer, processAnswer } from '../../src/sdp/offer-answer.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { serializeSdp } from '../../src/sdp/serialize.js';
import type { Dialog } from '../../src/sip/api/dialog.js';
import type { UserAgent } from '../../src/sip/api/user-agent.js';
import { note } from './report.js';

/** Bytes of a 20 ms PCMU payload. */
export const PAYLOAD = 160;

/** The codec the generator's calls offer and send: its SDP format, payload size and RTP timestamp step. */
export interface LoadCodec {
  readonly format: MediaFormat;
  /** Bytes of each payload (`CallBehaviour.fill` fills them). */
  readonly payloadBytes: number;
  /** RTP timestamp units per 20 ms packet. */
  readonly ticksPerPacket: number;
}

/** G.711 µ-law, the generator's default. */
export const PCMU_LOAD: LoadCodec = {
  format: { name: 'PCMU', clockRate: 8000 },
  payloadBytes: PAYLOAD,
  ticksPerPacket: 160,
};
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU time of a process so far, in clock ticks (utime + stime). */
export function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Percent of one core between two `cpuTicks` readings `ms` apart. */
export function cpuPercent(ticks0: number, ticks1: number, ms: number): number {
  return (100 * (ticks1 - ticks0)) / CLK_TCK / (ms / 1000);
}

/** What a call sends and what it does with what comes back. */
export interface CallBehaviour {
  /** Fill the next packet's payload (`LoadCodec.payloadBytes`: `PAYLOAD` for PCMU). */
  fill(c: LoadCall, payload: Buffer): void;
  /** A datagram came back (RTP or RTCP). */
  receive(c: LoadCall, msg: Buffer, now: number): void;
}

/** One call of the load generator. */
export class LoadCall {
  socket!: Socket;
  dialog: Dialog | undefined;
  remote!: { address: string; port: number };
  stream: MediaStream | undefined;
  seq = Math.floor(Math.random() * 65536);
  ts = Math.floor(Math.random() * 2 ** 32);
  /** Packets sent so far. */
  counter = 0;
  /** Errors the socket reported (a send refused). */
  socketErrors = 0;
  /** The window measured: packets numbered [windowFrom, windowTo) and what came back of them. */
  windowFrom = Infinity;
  windowTo = Infinity;
  windowReceived = 0;
  /** Whatever the behaviour keeps per call. */
  state: Record<string, unknown> = {};
  /** SRTP of the call, when the generator offers it. */
  srtp: SrtpSession | undefined;
  /** The payload type the peer expects (the answer's). */
  payloadType = 0;
  constructor(readonly index: number) {}
}

export class LoadGenerator {
  readonly clock = new PreciseMediaScheduler({ strategy: 'atomics', realtime: 10, priority: -10 });
  /** Send lateness of each tick while `measuring`, ms. */
  readonly lateness: number[] = [];
  measuring = false;
  private readonly ssrc = 0x5107;

  /**
   * `srtp`: offer RTP/SAVP with this suite (SDES), protect what is sent and check what comes back.
   * `codec`: what the calls offer and send (default PCMU).
   */
  constructor(
    private readonly ua: UserAgent,
    private readonly behaviour: CallBehaviour,
    private readonly opts: { readonly srtp?: SrtpSuiteName; readonly codec?: LoadCodec } = {},
  ) {}

  private get codec(): LoadCodec {
    return this.opts.codec ?? PCMU_LOAD;
  }

  private async open(index: number): Promise<LoadCall> {
    const c = new LoadCall(index);
    c.socket = createSocket('udp4');
    // A connected socket hears ICMP errors (the peer's port closed at hang-up): counted, never thrown.
    c.socket.on('error', () => c.socketErrors++);
    await new Promise<void>((r) => c.socket.bind(0, '127.0.0.1', () => r()));
    c.socket.on('message', (msg) => {
      const srtp = c.srtp;
      if (!srtp) return this.behaviour.receive(c, msg, performance.now());
      const rtcp = msg.length >= 2 && msg[1]! >= 192 && msg[1]! <= 223;
      const plain = rtcp ? srtp.unprotectRtcp(msg) : srtp.unprotectRtp(msg);
      if (plain)
        this.behaviour.receive(c, Buffer.from(plain.buffer, plain.byteOffset, plain.length), performance.now());
    });
    return c;
  }

  /**
   * Connect the call's socket to its peer: each packet is then sent without
   * an address to resolve and route (the cheaper send), and only the peer's
   * datagrams are received (an echo answers from the port its SDP names).
   */
  private connectSocket(c: LoadCall): Promise<void> {
    return new Promise<void>((resolve) => c.socket.connect(c.remote.port, c.remote.address, () => resolve()));
  }

  /** A stream straight to a port (a bare echo). */
  async direct(index: number, port: number): Promise<LoadCall> {
    const c = await this.open(index);
    c.remote = { address: '127.0.0.1', port };
    await this.connectSocket(c);
    return c;
  }

  /** A SIP call to `target`. */
  async place(index: number, target: string): Promise<LoadCall> {
    const c = await this.open(index);
    const suite = this.opts.srtp;
    const offer = createOffer({
      address: '127.0.0.1',
      port: c.socket.address().port,
      formats: [this.codec.format],
      rtcpMux: true,
      ...(suite
        ? {
            srtp: {
              mode: 'mandatory' as const,
              keys: [
                {
                  suite,
                  keySalt: new Uint8Array(randomBytes(SRTP_SUITES[suite].keyLength + SRTP_SUITES[suite].saltLength)),
                },
              ],
            },
          }
        : {}),
    });
    const inv = this.ua.invite(target, { body: serializeSdp(offer) });
    c.dialog = await inv.answered;
    const n = processAnswer(offer, parseSdp(Buffer.from(inv.response!.body).toString()));
    c.remote = n.remoteRtp!;
    c.payloadType = n.send.payloadType;
    await this.connectSocket(c);
    if (n.srtp) {
      const k = SRTP_SUITES[n.srtp.suite].keyLength;
      c.srtp = new SrtpSession({
        suite: n.srtp.suite,
        local: { key: n.srtp.local.subarray(0, k), salt: n.srtp.local.subarray(k) },
        remote: { key: n.srtp.remote.subarray(0, k), salt: n.srtp.remote.subarray(k) },
      });
    }
    return c;
  }

  /** Start sending, 50 packets a second. */
  start(c: LoadCall): void {
    const { payloadBytes, ticksPerPacket } = this.codec;
    c.stream = this.clock.add(({ due, now }) => {
      if (this.measuring) this.lateness.push(now - due);
      const b = Buffer.allocUnsafe(12 + payloadBytes);
      b[0] = 0x80;
      b[1] = c.payloadType;
      b.writeUInt16BE(c.seq, 2);
      b.writeUInt32BE(c.ts >>> 0, 4);
      b.writeUInt32BE(this.ssrc + c.index, 8);
      this.behaviour.fill(c, b.subarray(12));
      c.counter++;
      c.seq = (c.seq + 1) & 0xffff;
      c.ts = (c.ts + ticksPerPacket) >>> 0;
      c.socket.send(c.srtp ? c.srtp.protectRtp(b) : b);
    });
  }

  /** Stop sending, hang up (BYE), close the sockets. */
  async end(calls: readonly LoadCall[]): Promise<void> {
    for (const c of calls) c.stream?.stop();
    await Promise.all(calls.map((c) => c.dialog?.bye().catch(() => undefined)));
    for (const c of calls) c.socket.close();
  }

  close(): void {
    this.clock.close();
  }
}

/** Connect `n` calls, 25 at a time. */
export async function connectAll(n: number, connect: (i: number) => Promise<LoadCall>): Promise<LoadCall[]> {
  const calls: LoadCall[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, k) => connect(i + k)));
    calls.push(...batch);
  }
  return calls;
}

/** Climb `steps` (a failed step gets a second chance); the last step that held and the one that failed. */
export async function climb<R extends { readonly calls: number }>(
  label: string,
  steps: readonly number[],
  run: (n: number) => Promise<R>,
  ok: (r: R) => boolean,
  line: (r: R, ok: boolean) => string,
  seen: (r: R) => void = () => undefined,
): Promise<{ best?: R; failedAt?: R }> {
  let best: R | undefined;
  for (const n of steps) {
    let r = await run(n);
    note(`${label}, ${line(r, ok(r))}`);
    seen(r);
    if (!ok(r)) {
      r = await run(n);
      note(`${label}, again: ${line(r, ok(r))}`);
      seen(r);
    }
    if (!ok(r)) return { ...(best ? { best } : {}), failedAt: r };
    best = r;
  }
  return best ? { best } : {};
}
