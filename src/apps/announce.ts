/**
 * The announcement app: answers, plays a file (or speaks a text), then hangs
 * up — the seed's `sip:testcall@…` service.
 */
import type { VoiceApp } from '../doug/server.js';

export interface AnnounceOptions {
  /** What to play: a WAV file, `tone:440`… (played to its end, at most `maxMs`). */
  readonly play?: string;
  /** Or a text to speak (text to speech). */
  readonly say?: string;
  /** Pause after answering before the announcement, ms. Default 300. */
  readonly leadInMs?: number;
  /** Longest announcement, ms (for endless sources). Default 60 000. */
  readonly maxMs?: number;
}

/** The text `announce` speaks when given nothing. */
export const DEFAULT_ANNOUNCEMENT = 'Hello. This is shtoom. Goodbye.';

/**
 * @example
 * new DougServer({ phone, app: announce({ play: 'welcome.wav' }) }).start();
 */
export function announce(opts: AnnounceOptions = {}): VoiceApp {
  return async (call) => {
    call.ring();
    await call.answer();
    const lead = opts.leadInMs ?? 300;
    if (lead > 0) await call.play('silence', { timeoutMs: lead });
    const limit = { timeoutMs: opts.maxMs ?? 60_000 };
    if (opts.play !== undefined) await call.play(opts.play, limit);
    else await call.say(opts.say ?? DEFAULT_ANNOUNCEMENT, limit);
    await call.hangup();
  };
}
