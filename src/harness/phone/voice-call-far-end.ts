/**
 * An IVR script on real calls: the far-end verbs the simulator gives a
 * script (`IvrFarEnd`), implemented on a doug `VoiceCall`, so one script —
 * the demo IVR — answers in-memory calls in the unit tests and SIP calls
 * under `shtoom serve`.
 *
 * Differences from the simulator, all of them the real thing's: `answer()`
 * completes when the caller's ACK arrives (the script's next verb waits for
 * it); prompts start when the media clock next ticks; a caller hanging up
 * rejects every wait with `FarEndHangup`, which the app returned by
 * `dougApp` takes as the normal end of the call.
 */
import { CallEndedError, TransferFailedError } from '../../app/errors.js';
import type { AudioSource } from '../../audio/device.js';
import type { CodecId } from '../../codecs/codec.js';
import type { VoiceApp } from '../../doug/server.js';
import type { VoiceCall } from '../../doug/voice-call.js';
import { speak, type SpeakOptions } from '../../tts/speak.js';
import type { DtmfMode } from '../call-port.js';
import { CadencedToneSource, PcmSource, type CadencedToneOptions } from '../pcm-source.js';
import { FarEndHangup, type CollectOptions, type IvrFarEnd, type IvrScript } from '../sim/far-end.js';

export interface DougAppOptions {
  /** How `say` speaks (default flite kal16); a script's own options override it. */
  readonly voice?: SpeakOptions;
  /** Text to 8 kHz speech (default `speak`: flite or espeak-ng). */
  readonly tts?: (text: string, options: SpeakOptions) => Promise<Int16Array>;
}

/** The URI of a name-addr (`"Bob" <sip:bob@host>` → `sip:bob@host`). */
function uriOf(nameAddr: string): string {
  return /<([^>]*)>/.exec(nameAddr)?.[1] ?? nameAddr.trim();
}

class VoiceCallFarEnd implements IvrFarEnd {
  readonly target: string;
  private answering: Promise<void> | undefined;

  constructor(
    private readonly vc: VoiceCall,
    private readonly options: DougAppOptions,
  ) {
    this.target = uriOf(vc.to);
  }

  get codec(): CodecId {
    return this.vc.call.media?.codec.id ?? 'pcmu';
  }

  /** Run a verb; the call's end becomes `FarEndHangup`. */
  private async live<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.answering) await this.answering;
    if (this.vc.signal.aborted || this.vc.call.end) throw new FarEndHangup();
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CallEndedError || this.vc.call.end) throw new FarEndHangup();
      throw e;
    }
  }

  ring(): void {
    if (this.vc.call.state === 'ringing' && !this.answering) this.vc.ring();
  }

  progress(): void {
    if (this.vc.call.state === 'ringing' && !this.answering) this.vc.call.ring(183);
  }

  answer(): void {
    if (this.answering || this.vc.call.state !== 'ringing') return;
    const p = this.vc.answer();
    // A failed answer shows in the next verb (the call has ended by then).
    this.answering = p.catch(() => undefined);
  }

  reject(status: number, reason?: string): void {
    if (this.vc.call.state === 'ringing' && !this.answering) this.vc.reject(status, reason);
  }

  play(audio: Int16Array | AudioSource): Promise<void> {
    return this.live(async () => {
      await this.vc.play(audio instanceof Int16Array ? new PcmSource(audio, 'pcm:prompt') : audio);
    });
  }

  async say(text: string, options?: SpeakOptions): Promise<void> {
    const pcm = await this.live(() => (this.options.tts ?? speak)(text, { ...this.options.voice, ...options }));
    await this.play(new PcmSource(pcm, `say:${text.slice(0, 40)}`));
  }

  playTone(freqs: readonly number[], options?: CadencedToneOptions): Promise<void> {
    return this.play(new CadencedToneSource(freqs, options));
  }

  collectDtmf(options: CollectOptions = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return this.live(() =>
      this.vc.collectDtmf({
        max: options.max ?? Number.MAX_SAFE_INTEGER,
        ...(options.terminator !== undefined ? { terminator: options.terminator } : {}),
        timeoutMs,
        interDigitMs: timeoutMs,
      }),
    );
  }

  flushDtmf(): void {
    const n = this.vc.pendingDigits.length;
    if (n === 0 || this.vc.call.end) return;
    // Collecting exactly what is buffered takes it at once.
    void this.vc.collectDtmf({ max: n }).catch(() => undefined);
  }

  sendDtmf(digits: string, mode: DtmfMode = 'rfc4733'): Promise<void> {
    return this.live(() => this.vc.sendDtmf(digits, mode));
  }

  wait(ms: number): Promise<void> {
    return this.live(
      () =>
        new Promise<void>((resolve, reject) => {
          const timers = this.vc.call.timers;
          const onEnd = () => {
            timers.clearTimer(h);
            reject(new FarEndHangup());
          };
          const h = timers.setTimer(ms, () => {
            this.vc.signal.removeEventListener('abort', onEnd);
            resolve();
          });
          this.vc.signal.addEventListener('abort', onEnd, { once: true });
        }),
    );
  }

  hangup(): void {
    void this.vc.hangup();
  }

  async transfer(target: string): Promise<boolean> {
    try {
      await this.vc.transfer(target);
      return true;
    } catch (e) {
      if (this.vc.signal.aborted) throw new FarEndHangup();
      if (e instanceof TransferFailedError) return false;
      throw e;
    }
  }
}

/**
 * A doug voice app that runs an IVR script on each call.
 *
 * @example
 * new DougServer({ phone, app: dougApp(demoIvr({ pin: '4321' })) }).start();
 */
export function dougApp(script: IvrScript, options: DougAppOptions = {}): VoiceApp {
  return async (call) => {
    try {
      await script(new VoiceCallFarEnd(call, options));
    } catch (e) {
      // The caller hanging up is how most IVR calls end.
      if (e instanceof FarEndHangup) return;
      throw e;
    }
  };
}
