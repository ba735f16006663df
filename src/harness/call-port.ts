/**
 * The call port: everything the scenario engine needs from a telephone call,
 * and nothing more. The calls layer implements it over SIP and RTP; the IVR
 * simulator (`sim/`) implements it in memory, in virtual time.
 *
 * Time: every event carries `at`, milliseconds on the clock the port was
 * built with (the engine's clock). Audio additionally carries its media-time
 * position: `index` counts 20 ms frames from the first frame of the call's
 * media, so a lost packet shows as a gap in `index`, never as a shift.
 */
import type { AudioSource } from '../audio/device.js';
import type { CodecId } from '../codecs/codec.js';

/** How DTMF is sent: RFC 4733 telephone-events, SIP INFO, or tones in the audio. */
export type DtmfMode = 'rfc4733' | 'info' | 'inband';

/** How a received digit arrived. In-band digits are found by the harness itself, in the audio. */
export type DtmfMethod = 'rfc4733' | 'info';

/** The credentials and server a call is placed through. */
export interface CallAccount {
  /** Address of record, `sip:alice@example.com`. */
  readonly aor?: string;
  /** Digest user name (default: the user part of the AOR). */
  readonly username?: string;
  readonly password?: string;
  /** Outbound proxy or registrar, `host[:port]`. */
  readonly proxy?: string;
  /** Register before calling. */
  readonly register?: boolean;
}

/** How to place a call. */
export interface DialOptions {
  readonly account?: CallAccount;
  /** Codecs to offer, in order of preference (default: every codec). */
  readonly codecs?: readonly CodecId[];
  /** SIP transport (default udp). */
  readonly transport?: 'udp' | 'tcp';
  /** Extra headers for the INVITE. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A provisional response: 180 Ringing, 183 Session Progress. */
export interface ProgressEvent {
  readonly type: 'progress';
  readonly at: number;
  readonly status: number;
  readonly reason: string;
}

/** 200 OK: the call is up, with the negotiated codec. */
export interface AnsweredEvent {
  readonly type: 'answered';
  readonly at: number;
  readonly codec: CodecId;
}

/**
 * The call never came up: a final error response (486/600 busy, any other
 * 4xx–6xx rejected), or no answer (408, also for a local timeout), or a
 * local failure (status 0: no route, transport error).
 */
export interface FailedEvent {
  readonly type: 'failed';
  readonly at: number;
  readonly status: number;
  readonly reason: string;
}

/** 20 ms of received audio: 160 samples at 8 kHz, after decoding. */
export interface AudioEvent {
  readonly type: 'audio';
  readonly at: number;
  /** Frame number in media time (20 ms per frame) from the first frame of the call. */
  readonly index: number;
  readonly frame: Int16Array;
  /**
   * The receiver made (part of) this frame up instead of hearing it:
   * `lost`, a packet lost or late was concealed in its place; `stretch`, the
   * jitter buffer inserted a concealed frame to grow its delay (what follows
   * comes 20 ms later). Absent: decoded from the far end's packets (or silence).
   */
  readonly concealed?: 'lost' | 'stretch';
  /**
   * Frames of the far end's audio the receiver's jitter buffer dropped
   * unplayed just before this one (to cut its delay, even mid-word): the
   * audio skips there. Absent: none.
   */
  readonly dropped?: number;
  /**
   * The silence just before this frame was an underrun (the receiver had
   * concealed a loss as long as it could, then played silence) that the
   * stream's return showed to be a loss, not a pause of the sender: of its
   * frames, `lost` stood in for audio never heard and the `inserted` after
   * them were added before this frame's audio (a stall: the stream came
   * back where it stopped, late). Absent: no such underrun.
   */
  readonly underrun?: { readonly lost: number; readonly inserted: number };
}

/** A digit the far end sent as an RFC 4733 event or in a SIP INFO. */
export interface DtmfEvent {
  readonly type: 'dtmf';
  readonly at: number;
  readonly digit: string;
  readonly durationMs: number;
  readonly method: DtmfMethod;
}

/** An established call ended: the far end hung up (BYE received), or we did, or media timed out. */
export interface EndedEvent {
  readonly type: 'ended';
  readonly at: number;
  readonly by: 'remote' | 'local';
  readonly reason: string;
}

/**
 * The far end asked to transfer the call (a REFER, RFC 3515) to `target`. The
 * harness does not follow it: it declines the REFER and reports it here.
 */
export interface TransferEvent {
  readonly type: 'transfer';
  readonly at: number;
  readonly target: string;
}

export type CallPortEvent =
  | ProgressEvent
  | AnsweredEvent
  | FailedEvent
  | AudioEvent
  | DtmfEvent
  | EndedEvent
  | TransferEvent;

/** Media statistics of one call, as the report shows them. */
export interface MediaStats {
  readonly codec?: CodecId;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  /** Packets the receiver found missing (sequence gaps). */
  readonly packetsLost: number;
  /** RFC 3550 interarrival jitter, ms. */
  readonly jitterMs: number;
}

/** Options for sending digits. */
export interface SendDtmfOptions {
  readonly mode: DtmfMode;
  /** Tone or event length per digit, ms (default 100). */
  readonly durationMs?: number;
  /** Pause between digits, ms (default 100). */
  readonly gapMs?: number;
}

/** One call placed through a port. */
export interface CallLeg {
  /** An identifier for logs and reports (the SIP Call-ID for real calls). */
  readonly id: string;
  /** Send digits; resolves when the last one has been sent in full. */
  sendDtmf(digits: string, options: SendDtmfOptions): Promise<void>;
  /**
   * Play audio into the call, 20 ms frame by frame, until the source ends;
   * resolves then (or when `stopPlayback` or the end of the call cuts it
   * short). A new `play` replaces the one playing.
   */
  play(source: AudioSource): Promise<void>;
  /** Stop what `play` is playing (silence follows). */
  stopPlayback(): void;
  /** Hang up: CANCEL before an answer, BYE after. Resolves once the call is over. */
  hangup(): Promise<void>;
  /** Media statistics so far. */
  stats(): MediaStats;
}

/**
 * Places calls for the scenario engine.
 *
 * @example
 * const leg = port.dial('sip:ivr@127.0.0.1:5080', { codecs: ['pcmu'] }, (e) => {
 *   if (e.type === 'answered') console.log('up with', e.codec);
 * });
 * await leg.sendDtmf('1', { mode: 'rfc4733' });
 */
export interface CallPort {
  /**
   * Start a call to `target` (a SIP URI). Every event of the call, from the
   * first provisional response to its end, goes to `onEvent`, in order.
   */
  dial(target: string, options: DialOptions, onEvent: (event: CallPortEvent) => void): CallLeg;
}
