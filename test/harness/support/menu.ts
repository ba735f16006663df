/** A small menu far end for report and load tests (speech stand-ins, not TTS). */
import type { IvrFarEnd } from '../../../src/harness/sim/far-end.js';
import { scenario } from '../../../src/harness/scenario/builder.js';
import { speechLike } from './sim.js';

export async function smallMenu(call: IvrFarEnd): Promise<void> {
  call.ring();
  await call.wait(300);
  call.answer();
  await call.wait(200);
  await call.play(speechLike(1200, 1));
  const d = await call.collectDtmf({ max: 1, timeoutMs: 3000 });
  await call.wait(700);
  await call.play(speechLike(d === '1' ? 900 : 2500, 2));
  await call.wait(300);
  call.hangup();
}

/** Passes against `smallMenu` (its second prompt is short after "1"). */
export const passing = scenario('menu one')
  .call('sip:ivr@127.0.0.1')
  .expect('answered')
  .listen()
  .press('1')
  .listen()
  .duration({ max_ms: 1200 })
  .expect('hangup')
  .build();

/** Fails against `smallMenu` on the duration of the second prompt. */
export const failing = scenario('menu two <fails>')
  .call('sip:ivr@127.0.0.1')
  .expect('answered')
  .listen()
  .press('2')
  .listen()
  .duration({ max_ms: 1200 })
  .expect('hangup')
  .build();
