/**
 * `heard` without a `prompts:` list on real human voice through real calls:
 * `shtoom serve announce --play` plays an Asterisk core sound prompt
 * (Debian asterisk-core-sounds-en-wav, a recorded voice, not TTS) and
 * `shtoom ivr` asserts what it said, over G.711 and GSM. The right text
 * passes; another prompt's text and a near miss (one key word different)
 * FAIL, and the report's "got" is what was recognised freely, never the
 * expected text echoed back. (The figures over the whole corpus:
 * `npm run bench -- ivr-heard`.)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { normaliseText } from '../../src/asr/text.js';
import { SOUNDS_DIR } from '../support/real-voice-corpus.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';

const MEDIA = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
let dir: string;
beforeAll(() => {
  requireBinary('pocketsphinx_continuous'); // the package that also ships pocketsphinx_batch
  if (!existsSync(join(SOUNDS_DIR, 'conf-hasjoin.wav')))
    throw new Error('missing the real-voice prompts: apt-get install asterisk-core-sounds-en-wav');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-heard-real-'));
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Serve one recorded prompt, assert `text` was heard over `codec`; the JSON report's heard step. */
async function assertHeard(prompt: string, text: string, codec: 'pcmu' | 'gsm') {
  const port = await freeSipPort();
  startShtoom(
    ['serve', 'announce', '--play', join(SOUNDS_DIR, `${prompt}.wav`), '--listen', `127.0.0.1:${port}`, ...MEDIA],
    { timeoutSec: 120 },
  );
  await waitFor(() => isListening(port, 'udp'), 'shtoom serve announce');
  const file = join(dir, `${prompt}-${codec}-${normaliseText(text).replace(/ /g, '-').slice(0, 40)}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${prompt} heard as given`,
      'steps:',
      `  - call: sip:announce@127.0.0.1:${port}`,
      `    codec: ${codec}`,
      '  - expect: answered',
      '  - listen',
      `  - heard: ${JSON.stringify(text)}`,
      '',
    ].join('\n'),
  );
  const r = await runShtoom(['ivr', file, '--json', ...MEDIA], { timeoutSec: 120 });
  const report = JSON.parse(r.stdout);
  const step = report.scenarios[0].steps.find((s: { kind: string }) => s.kind === 'heard');
  return { code: r.code, step, out: r.stdout };
}

describe('heard without a prompts list, real recorded prompts through real calls', () => {
  it.each(['pcmu', 'gsm'] as const)('%s: own text passes; another prompt and a near miss fail', async (codec) => {
    const own = await assertHeard('conf-hasjoin', 'is now in the conference.', codec);
    expect(own.code, own.out).toBe(0);
    // The reproduction: this passed with similarity 1.00, the expected text echoed as heard.
    const other = await assertHeard('conf-hasjoin', 'Your message has been saved.', codec);
    expect(other.code, other.out).toBe(1);
    expect(other.step.status).toBe('failed');
    expect(other.step.details.transcript).not.toBe(normaliseText('Your message has been saved.'));
    expect(other.step.actual).toMatch(/not verified/);
    // The near miss: the same IVR's most similar prompt (conf-hasleft), and one key word changed.
    const near = await assertHeard('conf-hasjoin', 'has left the conference.', codec);
    expect(near.code, near.out).toBe(1);
    expect(near.step.details.transcript).not.toBe(normaliseText('has left the conference.'));
    const word = await assertHeard('vm-msgsaved', 'Your password has been saved.', codec);
    expect(word.code, word.out).toBe(1);
  });
});
