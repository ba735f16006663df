/**
 * What a simulated IVR script sees of its call: the doug voice-app verbs
 * (answer, play, say, collect digits, send digits, hang up), driven in the
 * simulator's time. The demo IVR (`demo-ivr.ts`) is written against it.
 */
import type { AudioSource } from '../../audio/device.js';
import type { CodecId } from '../../codecs/codec.js';
import type { SpeakOptions } from '../../tts/speak.js';
import type { DtmfMode } from '../call-port.js';
import type { CadencedToneOptions } from '../pcm-source.js';

export interface CollectOptions {
  /** Stop after this many digits. */
  readonly max?: number;
  /** A digit that ends collection (not included), e.g. '#'. */
  readonly terminator?: string;
  /** Give up this long after the last digit (or the start), ms (default 5000). */
  readonly timeoutMs?: number;
}

/** One call as the far end's script sees it. Every wait rejects with `FarEndHangup` when the caller hangs up. */
export interface IvrFarEnd {
  /** The URI the caller dialled. */
  readonly target: string;
  /** The codec the call negotiated. */
  readonly codec: CodecId;
  /** Send 180 Ringing. */
  ring(): void;
  /** Send 183 Session Progress: media flows before the answer (early media). */
  progress(): void;
  /** Answer (200 OK). */
  answer(): void;
  /** Reject with a final status (486 busy, 403, 404…). */
  reject(status: number, reason?: string): void;
  /** Play PCM or a source; resolves when it has been sent. Digits pressed meanwhile are kept for `collectDtmf`. */
  play(audio: Int16Array | AudioSource): Promise<void>;
  /** Speak text with a TTS engine and play it. */
  say(text: string, options?: SpeakOptions): Promise<void>;
  /** Play a tone (busy, ringback, a test tone) with a cadence. */
  playTone(freqs: readonly number[], options?: CadencedToneOptions): Promise<void>;
  /** Digits the caller pressed (RFC 4733, INFO or in-band), including any pressed during prompts. */
  collectDtmf(options?: CollectOptions): Promise<string>;
  /** Forget digits pressed so far. */
  flushDtmf(): void;
  sendDtmf(digits: string, mode?: DtmfMode): Promise<void>;
  wait(ms: number): Promise<void>;
  /** Hang up (BYE). */
  hangup(): void;
  /**
   * Transfer the caller (a blind REFER) to `target`: resolves `true` when the
   * caller followed it (the call then ends), `false` when it declined.
   */
  transfer(target: string): Promise<boolean>;
}

/** A simulated IVR: an async function of one call. */
export type IvrScript = (call: IvrFarEnd) => Promise<void>;

/** The caller hung up while the far end's script was waiting. */
export class FarEndHangup extends Error {
  constructor() {
    super('the caller hung up');
    this.name = 'FarEndHangup';
  }
}
