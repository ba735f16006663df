/**
 * The demo IVR: a small menu tree, written once against the far-end verbs
 * so that the simulator runs it in tests and `shtoom serve ivr-demo` can run
 * it on real calls.
 *
 * ```
 * welcome ─ main menu ─ 1 ─ sales ─ goodbye
 *                     ├ 2 ─ support menu ─ 1 internet ─ goodbye
 *                     │                  ├ 2 telephone ─ goodbye
 *                     │                  └ * ─ main menu
 *                     ├ 3 ─ PIN entry ─ accepted (balance) ─ goodbye
 *                     │               └ not valid ─ again (3 tries) ─ goodbye
 *                     ├ 9 ─ goodbye
 *                     └ other ─ "not a valid option" ─ main menu
 * ```
 *
 * The user part `busy` is answered 486 Busy Here after ringing.
 */
import type { SpeakOptions } from '../../tts/speak.js';
import type { IvrFarEnd, IvrScript } from './far-end.js';

/** The demo IVR's prompts, word for word. */
export const DEMO_PROMPTS = {
  welcome: 'Welcome to the shtoom demo line.',
  menu: 'For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.',
  sales: 'You have reached sales. All of our agents are busy. Please call back later.',
  support:
    'Support. For internet problems, press 1. For telephone problems, press 2. To return to the main menu, press star.',
  internet: 'Please restart your router and try again.',
  telephone: 'Please check that your phone is plugged in.',
  pin: 'Please enter your four digit PIN, followed by the pound key.',
  accepted: 'Your PIN has been accepted. Your balance is forty two dollars.',
  rejected: 'That PIN is not valid. Please try again.',
  tooMany: 'Too many attempts.',
  invalid: 'Sorry, that is not a valid option.',
  goodbye: 'Thank you for calling. Goodbye.',
} as const;

export interface DemoIvrOptions {
  /** The PIN that is accepted (default 1234). */
  readonly pin?: string;
  /** How the prompts are spoken (default flite kal16). */
  readonly voice?: SpeakOptions;
  /** Ringing before the answer, ms (default 600). */
  readonly ringMs?: number;
  /** Wait for a menu choice, ms (default 5000). */
  readonly choiceTimeoutMs?: number;
}

/**
 * The demo IVR as a script.
 *
 * @example
 * const port = new IvrSimulator({ clock, timers, hold, script: demoIvr({ pin: '4321' }) });
 */
export function demoIvr(options: DemoIvrOptions = {}): IvrScript {
  const pin = options.pin ?? '1234';
  const choiceMs = options.choiceTimeoutMs ?? 5000;
  return async (call: IvrFarEnd) => {
    const say = (text: string) => call.say(text, options.voice);
    call.ring();
    await call.wait(options.ringMs ?? 600);
    if (/^sips?:busy@/i.test(call.target)) {
      call.reject(486, 'Busy Here');
      return;
    }
    call.answer();
    await call.wait(300);
    // Prompts are separated by pauses of at least 800 ms, as on a real IVR.
    const pause = () => call.wait(800);
    await say(DEMO_PROMPTS.welcome);
    await pause();
    const goodbye = async () => {
      await pause();
      await say(DEMO_PROMPTS.goodbye);
      await call.wait(300);
      call.hangup();
    };
    let silentMenus = 0;
    for (;;) {
      call.flushDtmf();
      await say(DEMO_PROMPTS.menu);
      const choice = await call.collectDtmf({ max: 1, timeoutMs: choiceMs });
      if (choice === '') {
        if (++silentMenus >= 3) return goodbye();
        continue;
      }
      silentMenus = 0;
      await pause();
      if (choice === '1') {
        await say(DEMO_PROMPTS.sales);
        return goodbye();
      }
      if (choice === '2') {
        call.flushDtmf();
        await say(DEMO_PROMPTS.support);
        const sub = await call.collectDtmf({ max: 1, timeoutMs: choiceMs });
        await pause();
        if (sub === '1') {
          await say(DEMO_PROMPTS.internet);
          return goodbye();
        }
        if (sub === '2') {
          await say(DEMO_PROMPTS.telephone);
          return goodbye();
        }
        if (sub !== '*') {
          await say(DEMO_PROMPTS.invalid);
          await pause();
        }
        continue;
      }
      if (choice === '3') {
        for (let attempt = 1; ; attempt++) {
          call.flushDtmf();
          await say(DEMO_PROMPTS.pin);
          const entered = await call.collectDtmf({ max: 8, terminator: '#', timeoutMs: 8000 });
          await pause();
          if (entered === pin) {
            await say(DEMO_PROMPTS.accepted);
            return goodbye();
          }
          await say(DEMO_PROMPTS.rejected);
          await pause();
          if (attempt >= 3) {
            await say(DEMO_PROMPTS.tooMany);
            return goodbye();
          }
        }
      }
      if (choice === '9') return goodbye();
      await say(DEMO_PROMPTS.invalid);
      await pause();
    }
  };
}
