/**
 * A doug app hears the caller's keys however they come, by default
 * (`--inband-dtmf auto`): a caller that offered RFC 4733 but sends tones
 * in the audio is heard by its tones; once RFC 4733 events arrive the call
 * listens to them only (a key heard both ways counts once).
 */
import { describe, expect, it } from 'vitest';
import type { DtmfReceived } from '../../src/app/call-types.js';
import { DougServer, type VoiceApp } from '../../src/doug/server.js';
import { PhoneWorld, sine } from '../app/support/sim-phones.js';

const CALLER = '10.0.0.1';
const SERVER = '10.0.0.2';

async function serve(seed: number, app: VoiceApp) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 10 });
  const caller = await world.phone(CALLER);
  const phone = await world.phone(SERVER);
  const server = new DougServer({ phone, app }).start();
  const close = async () => {
    await world.until(server.close());
    await world.until(Promise.all([caller.close(), phone.close()]));
  };
  return { world, caller, phone, close };
}

describe('in-band DTMF for a doug app, by default', () => {
  it('a caller that offered RFC 4733 but sends tones is heard by its tones', async () => {
    let keys: string | undefined;
    const { world, caller, close } = await serve(81, async (call) => {
      await call.answer();
      keys = await call.collectDtmf({ max: 3, timeoutMs: 8000 });
      await call.hangup();
    });
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(300) });
    const info = await world.until(call.answered);
    expect(info.telephoneEvent).toBe(true);
    await world.run(500);
    await world.until(call.sendDtmf('159', 'inband'));
    await world.until(call.ended);
    expect(keys).toBe('159');
    await close();
  });

  it('once RFC 4733 events arrive only they count: a key heard both ways is one key', async () => {
    const heard: DtmfReceived[] = [];
    const { world, caller, close } = await serve(82, async (call) => {
      call.call.on('dtmf', (d) => heard.push(d));
      await call.answer();
      await call.collectDtmf({ max: 10, timeoutMs: 6000, interDigitMs: 6000 });
      await call.hangup();
    });
    const call = caller.call(`sip:app@${SERVER}`, { source: sine(300) });
    await world.until(call.answered);
    await world.run(500);
    await world.until(call.sendDtmf('7', 'inband'));
    await world.until(call.sendDtmf('7', 'rfc4733'));
    await world.until(call.sendDtmf('8', 'rfc4733'));
    await world.until(call.sendDtmf('9', 'inband'));
    await world.until(call.ended);
    expect(heard.map((d) => `${d.digit} ${d.how}`)).toEqual(['7 inband', '8 rfc4733']);
    await close();
  });
});
