/**
 * The demo IVR as a doug app (`shtoom serve ivr-demo`): the menu tree of
 * `src/harness/sim/demo-ivr.ts` — welcome, "for sales press 1, for support
 * press 2", the support sub-menu, a PIN entry that says whether the PIN was
 * accepted, goodbye and hang-up; `sip:busy@…` gets 486 Busy Here — with its
 * prompts spoken by flite (or espeak-ng). The same script answers the
 * simulator's calls in the unit tests, so the examples in `examples/` pass
 * against both.
 */
import { AppLoadError } from '../doug/errors.js';
import type { VoiceApp } from '../doug/server.js';
import { dougApp } from '../harness/phone/voice-call-far-end.js';
import { DEMO_PROMPTS, demoIvr, type DemoIvrOptions } from '../harness/sim/demo-ivr.js';
import { speak, ttsAvailable } from '../tts/speak.js';

export type IvrDemoOptions = DemoIvrOptions;

/**
 * The demo IVR app. Throws `AppLoadError` (a usage error) when its TTS
 * engine is not installed. Every prompt is rendered at once, in the
 * background, so that the first caller hears no gap.
 *
 * @example
 * new DougServer({ phone, app: ivrDemo({ pin: '4321', voice: { engine: 'flite', voice: 'slt' } }) }).start();
 */
export function ivrDemo(options: IvrDemoOptions = {}): VoiceApp {
  const engine = options.voice?.engine ?? 'flite';
  if (!ttsAvailable(engine))
    throw new AppLoadError(`ivr-demo speaks its prompts with ${engine}: apt-get install ${engine}`);
  for (const text of Object.values(DEMO_PROMPTS)) void speak(text, options.voice).catch(() => undefined);
  return dougApp(demoIvr(options), { ...(options.voice ? { voice: options.voice } : {}) });
}
