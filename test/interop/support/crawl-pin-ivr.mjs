/**
 * A third IVR for the crawler's interop test, as a doug app file for
 * `shtoom serve FILE`, speaking in a real voice: the Asterisk core sound
 * prompts (Debian asterisk-core-sounds-en-wav, recorded by Allison Smith,
 * CC-BY-SA 3.0; read from where the package installs them, never copied).
 * Its shape:
 *
 *   "Please enter your password followed by the pound key." (keys until #)
 *     ├ 1234# ─ "Thank you." ─ inner menu: "press 1 to accept this call,
 *     │          or 2 to reject it"
 *     │            ├ 1 ─ "Goodbye", hang up
 *     │            ├ 2 ─ the password prompt again
 *     │            └ other key, no key ─ the inner menu again
 *     ├ another PIN ─ "Login incorrect." ─ the password prompt again
 *     └ no key ─ the password prompt again
 */
import { join } from 'node:path';
import { dougApp } from '../../../dist/src/harness/phone/voice-call-far-end.js';
import { readWavFile } from '../../../dist/src/audio/formats/wav.js';

export const SOUNDS_DIR = '/usr/share/asterisk/sounds/en_US_f_Allison';
/** The prompts by name, with the package's own transcripts. */
export const PROMPTS = {
  password: { file: 'agent-pass', text: 'Please enter your password followed by the pound key.' },
  thanks: { file: 'auth-thankyou', text: 'Thank you.' },
  inner: { file: 'followme/options', text: 'press 1 to accept this call, or 2 to reject it' },
  incorrect: { file: 'vm-incorrect', text: 'Login incorrect.' },
  goodbye: { file: 'vm-goodbye', text: 'Goodbye' },
};
export const PIN = '1234';
/** The pause between two prompts said in a row (as the other test IVR: docs/ivr.md). */
const PAUSE = 900;

const audio = Object.fromEntries(
  Object.entries(PROMPTS).map(([name, p]) => [name, readWavFile(join(SOUNDS_DIR, `${p.file}.wav`)).samples]),
);

/** @param {import('../../../dist/src/harness/sim/far-end.js').IvrFarEnd} call */
async function script(call) {
  call.answer();
  await call.wait(300);
  let inside = false;
  for (let turns = 0; turns < 20; turns++) {
    call.flushDtmf();
    if (!inside) {
      await call.play(audio.password);
      const pin = await call.collectDtmf({ max: 8, terminator: '#', timeoutMs: 4000 });
      if (pin === '') continue;
      await call.wait(500);
      if (pin === PIN) {
        await call.play(audio.thanks);
        await call.wait(PAUSE);
        inside = true;
      } else {
        await call.play(audio.incorrect);
        await call.wait(PAUSE);
      }
      continue;
    }
    await call.play(audio.inner);
    const key = await call.collectDtmf({ max: 1, timeoutMs: 3000 });
    if (key === '') continue;
    await call.wait(500);
    if (key === '1') {
      await call.play(audio.goodbye);
      await call.wait(300);
      return call.hangup();
    }
    if (key === '2') inside = false;
  }
  call.hangup();
}

export default dougApp(script);
