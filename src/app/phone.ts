/**
 * `Phone`: one SIP user agent with its registration, its calls (several at
 * once) and incoming-call events — what `shtoom call` and `shtoom serve`
 * run on, and what a script imports.
 *
 * Admission control: beyond `capacity` calls at once, a new INVITE is
 * answered 503 Service Unavailable with Retry-After (RFC 3261 21.5.4)
 * instead of degrading every call in progress. An INVITE whose SDP cannot
 * be parsed gets 400, one with no codec in common 488 (RFC 3261 21.4.26),
 * both with a Warning saying why; without an `incoming` listener, 480. An
 * INVITE without a body is a delayed offer: the answer's 200 OK carries our
 * offer and the caller's ACK the answer (RFC 3261 13.2.1).
 */
import type { AudioSink, AudioSource } from '../audio/device.js';
import type { Codec, CodecId } from '../codecs/codec.js';
import { registry } from '../codecs/registry.js';
import type { TimerHandle } from '../clock/timers.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { resolveStunServer } from '../net/stun-discover.js';
import { StunSocket } from '../net/stun-socket.js';
import { createAnswer } from '../sdp/offer-answer.js';
import { parseSdp } from '../sdp/parse.js';
import { SdpNegotiationError, SdpParseError } from '../sdp/errors.js';
import type { SessionDescription } from '../sdp/types.js';
import type { IncomingCall } from '../sip/api/call.js';
import { quietPromise, TypedEmitter } from '../util/emitter.js';
import type { Registration } from '../sip/api/registration.js';
import { UserAgent, type RegisterOptions, type UserAgentOptions } from '../sip/api/user-agent.js';
import { SipUsageError } from '../sip/errors.js';
import { warningValue } from '../sip/message/build.js';
import { formatNameAddr } from '../sip/message/name-addr.js';
import { parseUri } from '../sip/message/uri.js';
import type { TransportAddress as StunAddress } from '../stun/ip-address.js';
import type { Call, CallMediaSettings, PlacingContext } from './call.js';
import { ReceivedCall } from './call-incoming.js';
import { PlacedCall, type PlaceCallOptions } from './call-outgoing.js';
import type { CallEnd } from './call-types.js';
import type { HandedCall, HandOffSetup } from './phone-handoff.js';
import { realMediaPlatform, type MediaPlatform } from './media-platform.js';
import type { MediaRtpOptions } from './media-session.js';
import { formatsFor, screeningMedia } from './sdp-local.js';
import { screeningSrtp } from './negotiation.js';

export interface PhoneStunOptions {
  /** The STUN server: `host[:port]` or an address. */
  readonly server: string | StunAddress;
  /**
   * Keep-alive interval, ms (default 25 000): STUN to the server, and a double CRLF to the registrar while registered.
   */
  readonly keepAliveMs?: number;
  /** RFC 5389 7.2.1 retransmission settings for the bindings of calls (defaults 500 ms, 3 requests). */
  readonly rto?: number;
  readonly rc?: number;
}

export interface PhoneOptions {
  /** A user agent to use (the phone closes it on `close()`), or the options to create one. */
  readonly ua?: UserAgent;
  readonly userAgent?: UserAgentOptions;
  /** Media clock, timers and RTP sockets (default: the process's real ones). */
  readonly platform?: MediaPlatform;
  /** Codecs in order of preference (default PCMU, PCMA, GSM). */
  readonly codecs?: readonly (Codec | CodecId)[];
  /** RTP sockets and session settings. */
  readonly media?: Partial<Omit<CallMediaSettings, 'stun'>>;
  /** Most calls at once (default: no limit). */
  readonly capacity?: number;
  /**
   * Give each screened incoming call away (to a media worker, `docs/workers.md`) instead of making
   * a `Call` here: no `incoming` event for it; it counts against `capacity` until its `ended`.
   */
  readonly handOff?: (inc: IncomingCall, setup: HandOffSetup) => HandedCall;
  /** Retry-After of the 503 beyond capacity, seconds (default 10). */
  readonly retryAfterSec?: number;
  /** Listen for in-band DTMF: until RFC 4733 events arrive (`auto`, default), always, never. */
  readonly inbandDtmf?: 'auto' | 'on' | 'off';
  /** Learn and keep the public mapping of the SIP and RTP sockets (RFC 5389). */
  readonly stun?: PhoneStunOptions;
  /**
   * How long `close()` waits for its calls to end, ms; calls still up then
   * end here without waiting further. Default: Timer H (64*T1, what a BYE
   * may have to wait for the ACK of our 2xx) and 5 s.
   */
  readonly closeTimeoutMs?: number;
  /** Uniform in [0, 1): the `o=` of each call's SDP (tests make it predictable). Default `Math.random`. */
  readonly random?: () => number;
  readonly log?: Logger;
}

export type PhoneEvents = {
  /** A new call arrived: `ring()`, `answer()` or `reject()` it. */
  incoming: [call: Call];
  /** Any call ended. */
  ended: [call: Call, end: CallEnd];
  /** A call was refused because the phone was at capacity (503). */
  overload: [request: IncomingCall];
  /** The NAT gave the SIP socket a new public address (STUN keep-alive). */
  mapping: [address: string, port: number];
};

export interface CallOptions extends Omit<PlaceCallOptions, 'codecs'> {
  readonly codecs?: readonly (Codec | CodecId)[];
}

function toCodecs(list: readonly (Codec | CodecId)[] | undefined): Codec[] {
  if (!list) return [...registry.all];
  return list.map((c) => (typeof c === 'string' ? registry.select([c])[0]! : c));
}

function text(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/**
 * @example
 * import { Phone, audio } from 'shtoom';
 *
 * const phone = await Phone.create({ userAgent: { listen: '127.0.0.1:0' } });
 * const call = phone.call('sip:echo@127.0.0.1:5070', { source: await audio.openSource('tone:440') });
 * await call.answered;
 * setTimeout(() => void call.hangup(), 5000);
 * const end = await call.ended;
 * console.log(end.reason, call.stats()?.received.lossPercent);
 * await phone.close();
 */
export class Phone extends TypedEmitter<PhoneEvents> {
  readonly ua: UserAgent;
  readonly platform: MediaPlatform;
  readonly log: Logger;
  /** Calls refused beyond capacity so far. */
  overloaded = 0;
  private readonly active = new Set<Call>();
  private readonly handed = new Set<HandedCall>();
  private readonly handOff: PhoneOptions['handOff'];
  private readonly ctx: PlacingContext;
  private readonly capacity: number;
  private readonly retryAfter: number;
  private registration: Registration | undefined;
  private registerOpts: RegisterOptions | undefined;
  private stunSocket: StunSocket | undefined;
  private closing: Promise<void> | undefined;
  private readonly closeTimeoutMs: number;

  private constructor(ua: UserAgent, opts: PhoneOptions, stun: CallMediaSettings['stun']) {
    super();
    this.ua = ua;
    this.platform = opts.platform ?? realMediaPlatform();
    this.log = opts.log ?? silentLogger;
    this.capacity = opts.capacity ?? Infinity;
    this.handOff = opts.handOff;
    this.retryAfter = opts.retryAfterSec ?? 10;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 64 * ua.core.config.timers.t1 + 5000;
    const m = opts.media ?? {};
    const media: CallMediaSettings = {
      address: m.address ?? '0.0.0.0',
      portMin: m.portMin ?? 16384,
      portMax: m.portMax ?? 32767,
      rtcpMux: m.rtcpMux ?? true,
      rtp: m.rtp ?? ({} as MediaRtpOptions),
      lingerMs: m.lingerMs ?? 0,
      ...(m.allowMulticast ? { allowMulticast: true } : {}),
      ...(m.srtp && m.srtp.mode !== 'off' ? { srtp: m.srtp } : {}),
      ...(stun ? { stun } : {}),
    };
    this.ctx = {
      ua,
      platform: this.platform,
      media,
      codecs: toCodecs(opts.codecs),
      inbandDtmf: opts.inbandDtmf ?? 'auto',
      log: this.log.child('call'),
      ...(opts.random ? { random: opts.random } : {}),
      sdpAddress: (towards) => ua.advertised(undefined, towards).address,
      place: (uri, o) => this.call(uri, o),
      done: (call) => {
        this.active.delete(call);
        if (call.end) this.emit('ended', call, call.end);
      },
    };
    ua.on('invite', (inc) => this.onInvite(inc));
  }

  /**
   * Start a phone: bind (or take) the user agent, and with `stun` learn the
   * SIP socket's public mapping and keep it.
   */
  static async create(opts: PhoneOptions = {}): Promise<Phone> {
    const log = opts.log ?? silentLogger;
    const ua = opts.ua ?? (await UserAgent.create({ log, ...opts.userAgent }));
    let stun: CallMediaSettings['stun'];
    try {
      if (opts.stun) {
        const server =
          typeof opts.stun.server === 'string'
            ? await resolveStunServer(...hostPort(opts.stun.server))
            : opts.stun.server;
        stun = {
          server,
          keepAliveMs: opts.stun.keepAliveMs ?? 25_000,
          rto: opts.stun.rto ?? 500,
          rc: opts.stun.rc ?? 3,
        };
      }
      const phone = new Phone(ua, opts, stun);
      if (stun) await phone.discoverSip(stun);
      return phone;
    } catch (err) {
      if (!opts.ua) await ua.close();
      throw err;
    }
  }

  /** Calls in progress (ringing, answered, or being set up). */
  get calls(): readonly Call[] {
    return [...this.active];
  }

  /** What every call of this phone shares (what a media worker needs to run its calls). */
  get callSettings(): { media: CallMediaSettings; codecs: readonly Codec[]; inbandDtmf: 'auto' | 'on' | 'off' } {
    return { media: this.ctx.media, codecs: this.ctx.codecs, inbandDtmf: this.ctx.inbandDtmf };
  }

  /** Calls handed off (`handOff`) and not yet over. */
  get handedOff(): number {
    return this.handed.size;
  }

  /**
   * Count a call that runs elsewhere but is this phone's (a media worker
   * placed it, following a REFER) against `capacity` until it ends, as a
   * call placed here is counted; it is hung up when the phone closes.
   */
  adopt(call: HandedCall): void {
    this.handed.add(call);
    void call.ended.then(() => this.handed.delete(call));
  }

  /** The codecs this phone offers and accepts, in order. */
  get codecs(): readonly Codec[] {
    return this.ctx.codecs;
  }

  /**
   * Place a call. Returns at once; follow it with its events, `answered`
   * and `ended`. A malformed URI throws `SipUsageError`.
   */
  call(uri: string, opts: CallOptions = {}): Call {
    if (this.closing) throw new SipUsageError('the phone is closed');
    let target;
    try {
      target = parseUri(uri.trim());
    } catch (err) {
      throw new SipUsageError(`call ${JSON.stringify(uri)}: ${(err as Error).message}`);
    }
    if (target.kind !== 'sip')
      throw new SipUsageError(`call ${JSON.stringify(uri)}: only sip: and sips: URIs can be called`);
    const { codecs, ...rest } = opts;
    const call = new PlacedCall(this.ctx, opts.from ?? this.ua.aor, uri.trim(), uri.trim(), {
      ...rest,
      ...(codecs ? { codecs: toCodecs(codecs) } : {}),
    });
    this.active.add(call);
    return call;
  }

  /**
   * Register the phone's address-of-record (the user agent's `aor`), and
   * keep the registration fresh until `unregister()` or `close()`.
   */
  async register(opts: RegisterOptions = {}): Promise<Registration> {
    this.registerOpts = opts;
    this.registration = this.keepAlive(await this.ua.register(opts));
    return this.registration;
  }

  /**
   * With STUN, the phone is behind a NAT: keep the flow to the registrar
   * open too, or the registrar's INVITEs stop reaching us once the NAT
   * forgets it — the STUN keep-alives only hold the mapping towards the
   * STUN server, and NATs filter by destination.
   */
  private keepAlive(reg: Registration): Registration {
    const stun = this.ctx.media.stun;
    if (stun) reg.keepAlive(stun.keepAliveMs);
    return reg;
  }

  /**
   * Remove our binding at the registrar: resolves once the registrar
   * answered the un-REGISTER (a digest challenge answered on the way), or it
   * failed. A registration whose refresh is under way, or failed, is removed
   * too. Called again while it runs, the same promise.
   */
  unregister(): Promise<void> {
    if (this.unregistering) return this.unregistering;
    const r = this.registration;
    this.registration = undefined;
    if (!r?.active) return Promise.resolve();
    this.log.info(`unregistering ${r.aor}`);
    this.unregistering = r.unregister().finally(() => (this.unregistering = undefined));
    return this.unregistering;
  }
  private unregistering: Promise<void> | undefined;

  /**
   * Drain before a shutdown: from now on new INVITEs and OPTIONS are
   * answered 503 with `retryAfterS` (a load balancer moves on, its OPTIONS
   * probes take this node out), while the calls up go on.
   */
  drain(retryAfterS: number): void {
    this.ua.core.outOfService = Math.max(0, Math.round(retryAfterS));
  }

  /**
   * Hurry the closing (a second Ctrl-C): calls still up end at once without
   * waiting for their peers, and the un-REGISTER under way gets at most
   * `HURRY_UNREGISTER_MS` more. Call it before or during `close()`.
   */
  hurry(): void {
    this.hurried.resolve();
    this.ua.hurry();
  }
  private readonly hurried = quietPromise<void>();

  private async discoverSip(stun: NonNullable<CallMediaSettings['stun']>): Promise<void> {
    const socket = this.ua.udpSocket();
    if (!socket) {
      this.log.warn('STUN: no UDP SIP socket to map; Contact and Via keep the local address');
      return;
    }
    const s = new StunSocket(socket, { rto: stun.rto ?? 500, rc: stun.rc ?? 3 });
    this.stunSocket = s;
    // The SIP transport also reads the socket and drops what is not SIP: STUN answers are ours.
    s.listen();
    try {
      const r = await s.binding(stun.server);
      this.useMapping(r.mapped.address, r.mapped.port);
    } catch (err) {
      this.log.warn(
        `STUN server ${stun.server.address}:${stun.server.port} did not answer (${(err as Error).message}); Contact ` +
          `and Via keep the local address`,
      );
    }
    s.keepAlive(stun.server, { interval: stun.keepAliveMs }, (e) => {
      if (e.type === 'lost') this.log.warn(`STUN keep-alive of the SIP socket got no answer: ${e.error.message}`);
      else if (e.changed) this.useMapping(e.mapped.address, e.mapped.port);
    });
  }

  private useMapping(address: string, port: number): void {
    const cur = this.ua.advertised('udp');
    if (cur.address === address && cur.port === port) return;
    this.log.info(`public SIP address ${address}:${port} (STUN)`);
    this.ua.advertise('udp', address, port);
    this.emit('mapping', address, port);
    const old = this.registration;
    if (old?.registered && this.registerOpts) {
      // A new registration carries the new Contact; the old binding is removed.
      void this.ua.register(this.registerOpts).then(
        (fresh) => {
          this.registration = this.keepAlive(fresh);
          void old.unregister().catch(() => {});
        },
        (err: Error) => this.log.warn(`re-REGISTER after the NAT moved us failed: ${err.message}`),
      );
    }
  }

  private onInvite(inc: IncomingCall): void {
    const from = formatNameAddr({ ...inc.from, params: [] });
    if (this.closing) {
      inc.reject(503, 'Service Unavailable');
      return;
    }
    const draining = this.ua.core.outOfService;
    if (draining !== undefined) {
      this.log.info(`refused a call from ${from}: draining; 503, Retry-After ${draining}`);
      inc.reject(503, 'Service Unavailable', [['Retry-After', String(draining)]]);
      return;
    }
    if (this.active.size + this.handed.size >= this.capacity) {
      this.overloaded++;
      this.log.info(
        `refused a call from ${from}: at capacity (${this.capacity} calls); 503, Retry-After ${this.retryAfter}`,
      );
      inc.reject(503, 'Service Unavailable', [['Retry-After', String(this.retryAfter)]]);
      this.emit('overload', inc);
      return;
    }
    const towards = inc.source.remote.address;
    const agent = this.ua.advertised(undefined, towards).address;
    // No body: a delayed offer (RFC 3261 13.2.1). Our 200 OK will carry the offer, the ACK the answer.
    let offer: SessionDescription | undefined;
    if (inc.body.length > 0) {
      try {
        offer = parseSdp(text(inc.body));
        // Refuse at once what no answer could accept.
        const screening = screeningMedia(this.ctx.media, this.ctx.sdpAddress(towards), formatsFor(this.ctx.codecs));
        const srtp = screeningSrtp(this.ctx.media.srtp, inc.source.transport);
        createAnswer(offer, srtp ? { ...screening, srtp } : screening);
      } catch (err) {
        if (err instanceof SdpParseError) inc.reject(400, 'Bad SDP', [['Warning', warningValue(agent, err.message)]]);
        else if (err instanceof SdpNegotiationError)
          inc.reject(488, 'Not Acceptable Here', [['Warning', warningValue(agent, err.reason)]]);
        else inc.reject(500, 'Server Internal Error');
        this.log.info(`refused a call from ${from}: ${(err as Error).message}`);
        return;
      }
    }
    if (this.handOff) {
      const setup = {
        local: formatNameAddr({ ...inc.to, params: [] }),
        remote: from,
        sdpAddress: this.ctx.sdpAddress(towards),
      };
      const h = this.handOff(inc, setup);
      this.handed.add(h);
      void h.ended.then(() => this.handed.delete(h));
      return;
    }
    if (this.listenerCount('incoming') === 0) {
      inc.reject(480, 'Temporarily Unavailable');
      return;
    }
    // RFC 3891: an INVITE that replaces one of our calls (the core checked the dialog; the call must be ours).
    let replaces: Call | undefined;
    if (inc.replaces) {
      replaces = [...this.active].find((c) => c.dialog === inc.replaces);
      if (!replaces) {
        inc.reject(481, 'Call/Transaction Does Not Exist');
        this.log.info(`refused a call from ${from}: it replaces a dialog that is not one of our calls`);
        return;
      }
    }
    const call = new ReceivedCall(this.ctx, formatNameAddr({ ...inc.to, params: [] }), from, inc, offer, replaces);
    this.active.add(call);
    this.emit('incoming', call);
  }

  /**
   * Hang up every call (BYE, CANCEL, 503 for unanswered incoming ones),
   * unregister, stop STUN, close the user agent. Resolves when all is done.
   */
  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    // The binding goes at once, beside the calls' ends: a caller can no longer reach us through the
    // registrar, and a second signal finds the un-REGISTER already on its way.
    const unregistering = this.unregister().catch((err: Error) => this.log.warn(`unregister: ${err.message}`));
    // Every call ends, whatever its peer does: those still up after `closeTimeoutMs` (or once hurried) end here.
    const hangups = Promise.all([
      ...[...this.active].map((c) => c.hangup('shutdown')),
      ...[...this.handed].map((h) => {
        h.hangup();
        return h.ended;
      }),
    ]);
    const timers = this.platform.timers;
    let timer: TimerHandle | undefined;
    const late = await Promise.race([
      hangups.then(() => false),
      this.hurried.promise.then(() => true),
      new Promise<boolean>((r) => (timer = timers.setTimer(this.closeTimeoutMs, () => r(true)))),
    ]);
    if (timer !== undefined) timers.clearTimer(timer);
    if (late && this.active.size > 0) {
      this.log.warn(`${this.active.size} call(s) did not end in time: ending them here`);
      for (const c of [...this.active]) c.abandon();
      await Promise.all([...this.active].map((c) => c.ended));
    }
    let hurryTimer: TimerHandle | undefined;
    await Promise.race([
      unregistering,
      this.hurried.promise.then(() => new Promise<void>((r) => (hurryTimer = timers.setTimer(HURRY_UNREGISTER_MS, r)))),
    ]);
    if (hurryTimer !== undefined) timers.clearTimer(hurryTimer);
    this.stunSocket?.close();
    await this.ua.close();
  }
}

/** After `hurry()`, how long an un-REGISTER under way may still take, ms. */
export const HURRY_UNREGISTER_MS = 3000;

/** `host[:port]` or `[v6]:port` into resolveStunServer's arguments. */
function hostPort(s: string): [string, number?] {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return [s];
  return m[2] !== undefined ? [m[1]!, Number(m[2])] : [m[1]!];
}

export type { AudioSink, AudioSource };
