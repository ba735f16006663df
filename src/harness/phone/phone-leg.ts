/**
 * One scenario call on the calls layer: a `Call` of a `Phone`, seen as the
 * engine's `CallLeg`, its events turned into call-port events.
 *
 * - progress: the call's `ringing` (180, 183); `answered` with the codec;
 * - audio: every 20 ms frame the call's media produces from the answer on,
 *   or from early media when a 18x carried SDP
 *   (decoded, or concealed where a packet was lost: the jitter buffer and
 *   packet loss concealment of the calls layer run first), numbered by the
 *   media tick, so `index` is media time;
 * - dtmf: keys received as RFC 4733 events or SIP INFO. Keys in the audio
 *   are left to the engine's own Goertzel detector, which sees every frame;
 * - failed (never answered: the SIP status, 408 for no answer, 0 for a
 *   local failure) or ended (by whom, why).
 *
 * Sending: RFC 4733 keys go one at a time through the call's RTP session
 * (the event length is the phone's `rtp.dtmf-duration`; the gap is the
 * step's); SIP INFO keys as `application/dtmf-relay` with the step's
 * duration; in-band keys as tones from a `DtmfGenerator` over the audio the
 * leg sends, with the step's duration and gap.
 */
import type { Call } from '../../app/call.js';
import type { CallEnd } from '../../app/call-types.js';
import type { Phone } from '../../app/phone.js';
import type { AudioSource } from '../../audio/device.js';
import type { Clock } from '../../clock/clock.js';
import type { TimerHost } from '../../clock/timers.js';
import { RemoteError } from '../../errors.js';
import { dtmfRelayBody } from '../../sip/core/dtmf-body.js';
import type { CallLeg, CallPortEvent, DialOptions, MediaStats, SendDtmfOptions } from '../call-port.js';
import { StepFailure } from '../errors.js';
import { LegSource } from './leg-source.js';

const PHRASES: Record<number, string> = {
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
};

/** `INVITE sip:x@h: 486 Busy Here` → `Busy Here`. */
function reasonOf(end: CallEnd): string {
  return end.message.replace(/^INVITE \S+: /, '').replace(/^\d{3} /, '');
}

/** A URI with `;transport=` when the step asked for one the URI does not name. */
export function withTransport(uri: string, transport: 'udp' | 'tcp' | undefined): string {
  if (!transport || /;transport=/i.test(uri)) return uri;
  const q = uri.indexOf('?');
  return q < 0 ? `${uri};transport=${transport}` : `${uri.slice(0, q)};transport=${transport}${uri.slice(q)}`;
}

export class PhoneLeg implements CallLeg {
  private call: Call | undefined;
  private readonly out = new LegSource();
  private hungUp = false;
  private frames = 0;
  private codec: MediaStats['codec'];
  /** Keys to send wait for the ones before. */
  private sending: Promise<void> = Promise.resolve();
  /** Resolves once the leg's last event (failed or ended) has been emitted. */
  readonly finished: Promise<void>;

  constructor(
    private readonly provisionalId: string,
    private readonly target: string,
    private readonly options: DialOptions,
    private readonly emit: (e: CallPortEvent) => void,
    private readonly clock: Clock,
    private readonly timers: TimerHost,
    phone: Promise<Phone>,
  ) {
    this.finished = this.run(phone);
  }

  get id(): string {
    return this.call?.callId ?? this.provisionalId;
  }

  private now(): number {
    return this.clock.now();
  }

  private async run(phoneP: Promise<Phone>): Promise<void> {
    let phone: Phone;
    try {
      phone = await phoneP;
    } catch (e) {
      const status = e instanceof RemoteError && e.status !== undefined ? e.status : 0;
      this.emit({ type: 'failed', at: this.now(), status, reason: (e as Error).message });
      return;
    }
    if (this.hungUp) {
      this.emit({ type: 'ended', at: this.now(), by: 'local', reason: 'cancelled' });
      return;
    }
    const o = this.options;
    let call: Call;
    try {
      call = phone.call(withTransport(this.target, o.transport), {
        source: this.out,
        ...(o.codecs ? { codecs: o.codecs } : {}),
        ...(o.headers ? { headers: Object.entries(o.headers) } : {}),
      });
    } catch (e) {
      this.emit({ type: 'failed', at: this.now(), status: 0, reason: (e as Error).message });
      return;
    }
    this.call = call;
    call.on('ringing', (status) =>
      this.emit({ type: 'progress', at: this.now(), status, reason: PHRASES[status] ?? '' }),
    );
    // The tap runs on every media tick from the first one: from early media
    // (a 18x with SDP: announcements before any answer) or from the answer.
    let tapped: unknown;
    const tap = () => {
      const media = call.media;
      if (!media || media === tapped) return;
      tapped = media;
      // What the media session concealed for this frame (a lost or late packet, or a stretch of its jitter buffer).
      // A lost frame rebuilt from the next packet's FEC (Opus) is the far end's audio, not made up.
      const p = media.played;
      let concealed = p.concealed - p.recovered;
      let stretched = p.stretched;
      // Frames dropped unplayed before this one, and underruns found to be a loss (see `AudioEvent`).
      let dropped = p.dropped;
      let [uLost, uInserted] = [p.underrunLost, p.underrunInserted];
      media.addTap((frame) => {
        const made = p.concealed - p.recovered > concealed;
        const stretch = p.stretched > stretched;
        concealed = p.concealed - p.recovered;
        stretched = p.stretched;
        const e = { type: 'audio' as const, at: this.now(), index: this.frames++, frame: frame.slice() };
        if (p.dropped === dropped && p.underrunLost === uLost && p.underrunInserted === uInserted) {
          // Every frame: a literal, not a spread of one more object.
          this.emit(made ? { ...e, concealed: stretch ? 'stretch' : 'lost' } : e);
          return;
        }
        const skipped = p.dropped - dropped;
        const [lost, inserted] = [p.underrunLost - uLost, p.underrunInserted - uInserted];
        [dropped, uLost, uInserted] = [p.dropped, p.underrunLost, p.underrunInserted];
        this.emit({
          ...e,
          ...(made ? { concealed: stretch ? ('stretch' as const) : ('lost' as const) } : {}),
          ...(skipped > 0 ? { dropped: skipped } : {}),
          ...(lost + inserted > 0 ? { underrun: { lost, inserted } } : {}),
        });
      });
    };
    call.on('early-media', tap);
    call.on('answered', () => {
      const media = call.media!;
      this.codec = media.codec.id;
      this.emit({ type: 'answered', at: this.now(), codec: media.codec.id });
      tap();
    });
    // A REFER from the far end (an IVR handing the call on) is reported, not
    // followed: the harness tests the IVR, not the agent it transfers to.
    call.on('transfer-requested', (t) => {
      this.emit({ type: 'transfer', at: this.now(), target: t.target });
      t.reject(603, 'Declined');
    });
    call.on('dtmf', (d) => {
      if (d.how === 'inband') return;
      this.emit({ type: 'dtmf', at: this.now(), digit: d.digit, durationMs: d.durationMs ?? 0, method: d.how });
    });
    const end = await call.ended;
    await this.out.close();
    if (end.answered) {
      const by = end.reason === 'remote-hangup' || end.reason === 'failed' ? 'remote' : 'local';
      this.emit({ type: 'ended', at: this.now(), by, reason: end.message });
    } else if (this.hungUp) {
      this.emit({ type: 'ended', at: this.now(), by: 'local', reason: 'cancelled' });
    } else {
      const status = end.status ?? (end.reason === 'no-answer' ? 408 : 0);
      this.emit({ type: 'failed', at: this.now(), status, reason: reasonOf(end) });
    }
  }

  sendDtmf(digits: string, options: SendDtmfOptions): Promise<void> {
    const run = this.sending.then(async () => {
      try {
        await this.send(digits, options);
      } catch (e) {
        // Like any phone: keys pressed into a call that ends are simply not sent.
        if (this.call?.end && !(e instanceof StepFailure)) return;
        throw e;
      }
    });
    this.sending = run.catch(() => undefined);
    return run;
  }

  private async send(digits: string, options: SendDtmfOptions): Promise<void> {
    if (!/^[0-9*#A-Da-d]*$/.test(digits))
      throw new StepFailure(`not DTMF keys: ${JSON.stringify(digits)}`, 'keys 0-9 * # A-D', digits);
    const duration = options.durationMs ?? 100;
    const gap = options.gapMs ?? 100;
    if (options.mode === 'inband') return this.out.sendInband(digits, duration, gap);
    const call = this.call;
    if (call?.state !== 'answered')
      throw new StepFailure(
        `cannot send DTMF: the call is ${call?.state ?? 'not placed yet'}`,
        'an answered call',
        call?.state ?? 'no call',
      );
    for (const [i, d] of [...digits].entries()) {
      if (i > 0) await this.sleep(gap);
      if (call.end) return;
      if (options.mode === 'rfc4733') {
        await call.sendDtmf(d, 'rfc4733');
        continue;
      }
      // RFC 6086 INFO with application/dtmf-relay: the key is "pressed" for its duration.
      const dialog = call.dialog;
      if (!dialog) return;
      const res = await dialog.info(dtmfRelayBody(d, duration), 'application/dtmf-relay');
      if (res.status >= 300)
        throw new RemoteError(`INFO with DTMF ${d} refused: ${res.status} ${res.reason}`, res.status);
      await this.sleep(duration);
    }
  }

  /** Sleep on the phone's timers; the end of the call cuts it short. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const call = this.call;
      const done = () => {
        this.timers.clearTimer(h);
        call?.off('ended', done);
        resolve();
      };
      const h = this.timers.setTimer(ms, done);
      call?.on('ended', done);
    });
  }

  play(source: AudioSource): Promise<void> {
    return this.out.play(source);
  }

  stopPlayback(): void {
    this.out.stop();
  }

  async hangup(): Promise<void> {
    this.hungUp = true;
    if (this.call) await this.call.hangup();
    await this.finished;
  }

  stats(): MediaStats {
    const s = this.call?.stats();
    if (!s)
      return {
        ...(this.codec ? { codec: this.codec } : {}),
        packetsSent: 0,
        packetsReceived: 0,
        packetsLost: 0,
        jitterMs: 0,
      };
    return {
      ...(this.codec ? { codec: this.codec } : {}),
      packetsSent: s.sent.packets,
      packetsReceived: s.received.packets,
      packetsLost: s.received.lost,
      jitterMs: s.received.jitterMs,
    };
  }
}
