/**
 * A small IVR for the crawler's interop test, as a doug app file for
 * `shtoom serve FILE` (it uses the built package). Its shape, which the test
 * compares the crawl with:
 *
 *   main menu ─ 1 ─ billing menu ─ 1 ─ "your last bill…", goodbye, hang up
 *             │                  ├ * ─ main menu (the loop)
 *             │                  ├ other key ─ "not valid" ─ billing menu again
 *             │                  └ no key ─ billing menu again
 *             ├ 2 ─ "transferring you" ─ REFER to sip:agent@…
 *             ├ 9 ─ goodbye, hang up
 *             ├ other key ─ "not valid" ─ main menu again
 *             └ no key ─ main menu again
 *
 * When the file named by SHTOOM_TEST_IVR_CHANGED exists, the billing menu
 * says something else and the main menu's 2 is gone (an invalid key): the
 * test's changed IVR.
 */
import { existsSync } from 'node:fs';
import { dougApp } from '../../../dist/src/harness/phone/voice-call-far-end.js';
import { speak } from '../../../dist/src/tts/speak.js';

// Short prompts: every probe call replays them, and the interop test crawls this IVR three times.
export const PROMPTS = {
  main: 'Main menu: billing one, agent two.',
  billing: 'Billing: last bill one, main menu star.',
  changedBilling: 'Accounts department: statement one, back star.',
  bill: 'Your last bill was ten dollars.',
  invalid: 'That key is not valid.',
  transferring: 'Transferring you to an agent.',
  goodbye: 'Goodbye.',
};

// Every prompt rendered before the first call (as the demo IVR does): no
// caller waits for flite, and no call's media waits while another renders.
await Promise.all(Object.values(PROMPTS).map((text) => speak(text)));

/**
 * The pause between two prompts said in a row: with flite's own silences about
 * 1.2 s, well apart from the 700 ms that cuts prompts and from the quiet the
 * test's crawl takes for a menu (--settle 1800ms).
 */
const PAUSE = 900;

const changed = () => {
  const flag = process.env.SHTOOM_TEST_IVR_CHANGED;
  return flag !== undefined && existsSync(flag);
};

/** @param {import('../../../dist/src/harness/sim/far-end.js').IvrFarEnd} call */
async function script(call) {
  call.answer();
  await call.wait(300);
  const say = (text) => call.say(text);
  const goodbye = async () => {
    await say(PROMPTS.goodbye);
    await call.wait(300);
    call.hangup();
  };
  let menu = 'main';
  for (let turns = 0; turns < 20; turns++) {
    call.flushDtmf();
    await say(menu === 'main' ? PROMPTS.main : changed() ? PROMPTS.changedBilling : PROMPTS.billing);
    const key = await call.collectDtmf({ max: 1, timeoutMs: 3000 });
    if (key === '') continue;
    await call.wait(500);
    if (menu === 'main' && key === '1') menu = 'billing';
    else if (menu === 'main' && key === '2' && !changed()) {
      await say(PROMPTS.transferring);
      const followed = await call.transfer(`sip:agent@127.0.0.1:9`);
      if (!followed) call.hangup();
      return;
    } else if (menu === 'main' && key === '9') return goodbye();
    else if (menu === 'billing' && key === '1') {
      await say(PROMPTS.bill);
      await call.wait(PAUSE);
      return goodbye();
    } else if (menu === 'billing' && key === '*') menu = 'main';
    else {
      await say(PROMPTS.invalid);
      await call.wait(PAUSE);
    }
  }
  call.hangup();
}

export default dougApp(script);
