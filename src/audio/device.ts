/**
 * The one audio interface: a source gives and a sink takes 20 ms frames of
 * mono signed 16-bit PCM at the device's `rate` (8 kHz unless it says:
 * `Int16Array(160)`; at 16 kHz `Int16Array(320)`).
 *
 * Rates: a device that can produce or take any rate (files, generators,
 * null) has `follow(rate)`, and a call asks it for the call's own rate (16
 * kHz for G.722) before its first frame; a device of a fixed rate (a sound
 * card through its backend, raw streams) is resampled by whoever uses it,
 * once (`FrameResampler`).
 *
 * Pacing comes from outside: the media scheduler calls `read` or `write` once
 * per 20 ms tick. Files and generators simply produce or consume a frame per
 * call. Real devices run on their own clock; their backends keep a small
 * adaptive buffer between that clock and the media clock (`DriftBuffer`), so
 * `read` never blocks: it returns what the device captured, or silence while
 * the device has not caught up.
 */

/** Samples per second of every frame crossing this interface. */
export const AUDIO_RATE = 8000;
/** Samples per frame: 20 ms at 8 kHz. */
export const FRAME_SAMPLES = 160;

export interface AudioSource {
  /** The device URI it was opened from (`file:prompt.wav`). */
  readonly uri: string;
  /** The rate of its frames, Hz; undefined means `AUDIO_RATE` (8000). */
  readonly rate?: number;
  /** Produce frames at `rate` from now on (devices that can: files and generators). */
  follow?(rate: number): void;
  /**
   * Fill `frame` (20 ms: `rate / 50` samples) with the next 20 ms. Returns false once the
   * source has ended (a file ran out) and the frame is silence; a last,
   * partial frame is padded with silence and still returns true.
   */
  read(frame: Int16Array): boolean;
  /** Release the device (stop a helper process, close a file). */
  close(): Promise<void>;
}

export interface AudioSink {
  readonly uri: string;
  /** The rate of the frames it takes, Hz; undefined means `AUDIO_RATE` (8000). */
  readonly rate?: number;
  /**
   * Take frames at `rate` from now on, when it can (null, and a file before
   * its first frame); `rate` tells what it then takes.
   */
  follow?(rate: number): void;
  /** Take the next 20 ms (`rate / 50` samples). */
  write(frame: Int16Array): void;
  /** Flush what is buffered and release the device. */
  close(): Promise<void>;
}

/** What `shtoom devices` lists. */
export interface AudioDeviceInfo {
  /** The URI to pass to `--play`, `--record` or `--audio`. */
  readonly uri: string;
  readonly description: string;
  /** Whether it can be read (capture), written (playback), or both. */
  readonly input: boolean;
  readonly output: boolean;
  /** Sample rates it opens at (shtoom converts to and from 8 kHz). */
  readonly rates: readonly number[];
  /** The backend that serves it. */
  readonly backend: string;
}

/** Build an empty frame. */
export function newFrame(): Int16Array {
  return new Int16Array(FRAME_SAMPLES);
}
