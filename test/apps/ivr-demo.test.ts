/**
 * The demo IVR app (`shtoom serve ivr-demo`) on real calls in virtual time:
 * the branches the examples do not take — a PIN set by option, three wrong
 * PINs, a key that is not on the menu, the support menu's way back, hanging
 * up with 9 — and prompts spoken by espeak-ng; and loading it by name.
 */
import { describe, expect, it } from 'vitest';
import { BUILT_IN_APPS, loadApp } from '../../src/apps/index.js';
import { ivrDemo } from '../../src/apps/ivr-demo.js';
import { AppLoadError } from '../../src/doug/errors.js';
import { runScenario } from '../../src/harness/engine/runner.js';
import { parseScenarioYaml } from '../../src/harness/scenario/yaml.js';
import { DEMO_PROMPTS } from '../../src/harness/sim/demo-ivr.js';
import { speak, type SpeakOptions } from '../../src/tts/speak.js';
import { SERVER, appWorld } from '../harness/support/phone-ivr.js';

const P = DEMO_PROMPTS;
const PROMPTS = `prompts:\n${Object.values(P)
  .map((t) => `  - ${t}`)
  .join('\n')}\n`;

async function run(yaml: string, options: Parameters<typeof ivrDemo>[0] = {}) {
  // Rendered before virtual time starts: the app's own renderings then come from the cache.
  await Promise.all(Object.values(P).map((t) => speak(t, options.voice as SpeakOptions)));
  const w = await appWorld(ivrDemo(options));
  const [s] = parseScenarioYaml(
    `name: t\ntimeout: 3m\n${PROMPTS}steps:\n  - call: sip:ivr@${SERVER}\n  - expect: answered\n${yaml}`,
    'test.yaml',
  );
  const r = await w.vt.run(() => runScenario(s!, w.env()));
  await w.close();
  expect(w.logs.records.filter((x) => x.level === 'error')).toEqual([]);
  return r;
}

const say = (...texts: string[]) => texts.map((t) => `  - listen\n  - heard: ${t}\n`).join('');

describe('shtoom serve ivr-demo', () => {
  it('takes the PIN it was given, and after three wrong ones says so and hangs up', async () => {
    const good = await run(
      `${say(P.welcome, P.menu)}  - press: "3"\n${say(P.pin)}  - press: "4321#"\n${say(P.accepted, P.goodbye)}  - ` +
        `expect: hangup\n`,
      { pin: '4321' },
    );
    expect(good.failure).toBeUndefined();
    const wrong = await run(
      `${say(P.welcome, P.menu)}  - press: "3"\n  - repeat:\n      times: 3\n      ` +
        `steps:\n${say(P.pin).replace(/^(?=.)/gm, '    ')}      - press: ` +
        `"1234#"\n${say(P.rejected).replace(/^(?=.)/gm, '    ')}${say(P.tooMany, P.goodbye)}  - expect: hangup\n`,
      { pin: '4321' },
    );
    expect(wrong.failure).toBeUndefined();
  }, 120_000); // real recognition of every prompt (a decision and a free transcript each)

  it('says a key is not on the menu, goes back from support with star, and hangs up on 9', async () => {
    const r = await run(
      `${say(P.welcome, P.menu)}  - press: "7"\n${say(P.invalid, P.menu)}  - press: "2"\n${say(P.support)}  - ` +
        `press: "*"\n${say(P.menu)}  - press: "9"\n${say(P.goodbye)}  - expect: hangup\n`,
    );
    expect(r.failure).toBeUndefined();
  }, 120_000); // real recognition of every prompt (a decision and a free transcript each)

  it('speaks with espeak-ng when asked', async () => {
    const r = await run(`${say(P.welcome, P.menu)}  - press: "1"\n${say(P.sales)}`, { voice: { engine: 'espeak-ng' } });
    expect(r.failure).toBeUndefined();
  });

  it('is a built-in app of shtoom serve; a missing TTS engine is a usage error', async () => {
    expect(BUILT_IN_APPS).toContain('ivr-demo');
    expect(typeof (await loadApp('ivr-demo'))).toBe('function');
    expect(() => ivrDemo({ voice: { engine: 'no-such-tts' as 'flite' } })).toThrow(AppLoadError);
    expect(() => ivrDemo({ voice: { engine: 'no-such-tts' as 'flite' } })).toThrow(/apt-get install no-such-tts/);
  });
});
