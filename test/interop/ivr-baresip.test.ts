/**
 * `shtoom ivr` against another phone: baresip, registered as alice at
 * Kamailio, auto-answers and plays a prompt file flite rendered (not shtoom:
 * another voice, resampled by sox, padded with silence). The scenario
 * registers bob with digest auth (401), calls alice through the proxy (407,
 * Record-Route), hears and recognises the prompt, matches it against the
 * very file baresip plays, presses keys baresip reports on its control
 * socket, speaks into the call what baresip records, and hangs up. A second
 * scenario expecting another prompt fails with what was heard.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { readAudioFile } from '../../src/harness/audio-file.js';
import { matchReference } from '../../src/harness/match/reference-matcher.js';
import { speak } from '../../src/tts/speak.js';
import { startBaresip, type Baresip } from './support/ivr-baresip.js';
import { requireBinary, runShtoom, stopAllPeers, waitFor } from './support/peers.js';
import { startKamailio, type Kamailio } from './support/sip-kamailio.js';

const PROMPT = 'Thank you for calling the baresip test line. Please press one, two, then pound.';
const SAY = 'Hello from the shtoom test harness.';
const dir = mkdtempSync(join(tmpdir(), 'shtoom-ivr-baresip-'));
const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
let kam: Kamailio;
let baresip: Baresip;

function sh(cmd: string, args: string[]): void {
  const r = spawnSync('timeout', ['60', cmd, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

beforeAll(async () => {
  for (const b of ['baresip', 'kamailio', 'flite', 'sox', 'timeout']) requireBinary(b);
  await new PocketsphinxRecogniser().check();
  // The prompt: flite's slt voice at 16 kHz, to 8 kHz by sox (no dither), half a second of lead-in and
  // 30 s of silence after it (baresip's aufile ends the call at the end of the file).
  sh('flite', ['-voice', 'slt', '-t', PROMPT, '-o', join(dir, 'prompt16.wav')]);
  sh('sox', ['-D', join(dir, 'prompt16.wav'), '-r', '8000', '-c', '1', '-b', '16', join(dir, 'prompt.wav')]);
  sh('sox', ['-D', join(dir, 'prompt.wav'), join(dir, 'prompt-padded.wav'), 'pad', '0.5', '30']);
  kam = await startKamailio();
  baresip = await startBaresip({
    prompt: join(dir, 'prompt-padded.wav'),
    register: { aor: `alice@127.0.0.1:${kam.port}`, password: 'alicepw' },
    dir,
  });
});

afterAll(async () => {
  await baresip?.stop();
  await kam?.stop();
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

const scenario = (name: string, heard: string) => `name: ${name}
timeout: 1m
prompts:
  - ${PROMPT}
  - Thank you for calling the shtoom demo line. Please hold.
steps:
  - call: sip:alice@\${kam}
    codec: pcmu
    account:
      aor: sip:bob@127.0.0.1
      password: bobpw
      proxy: \${kam}
      register: true
  - expect: answered
    timeout: 10s
  - listen
  - heard: ${heard}
  - matches: prompt.wav
  - press: "12#"
  - say: ${SAY}
  - wait: 600ms
  - hangup
`;

describe('shtoom ivr against baresip through Kamailio', () => {
  it(
    'registers, calls with digest auth, hears and matches the prompt, ' + 'presses keys baresip gets, speaks, hangs up',
    async () => {
      writeFileSync(join(dir, 'baresip.yaml'), scenario('baresip prompt', PROMPT));
      const r = await runShtoom(['ivr', join(dir, 'baresip.yaml'), '--var', `kam=127.0.0.1:${kam.port}`, ...LOOPBACK], {
        timeoutSec: 90,
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^ {2}ok {3}2 expect answered .* answered \(pcmu\)$/m);
      // got is the free transcript (recognised knowing none of the phrases), the decision beside it.
      expect(r.stdout).toMatch(/^ {2}ok {3}4 heard .* "[^"]*" \(chose the expected phrase over \d+ others?\)$/m);
      const score = Number(/^ {2}ok {3}5 matches prompt\.wav .* score (\d\.\d\d)/m.exec(r.stdout)?.[1]);
      expect(score).toBeGreaterThan(0.9);
      // baresip's side: the keys as RFC 4733 events, then our BYE.
      await waitFor(() => baresip.events.some((e) => e.type === 'CALL_CLOSED'), 'baresip to close the call', 10_000);
      expect(baresip.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param)).toEqual(['1', '2', '#']);
      expect(baresip.events.find((e) => e.type === 'CALL_CLOSED')?.param).toMatch(
        /Connection reset by peer|Rejected|closed|BYE|reset/i,
      );
      // What baresip recorded of us holds the sentence `say` spoke.
      const heard = baresip.recorded().find((f) => f.endsWith('-dec.wav'));
      expect(heard).toBeDefined();
      const said = matchReference(readAudioFile(heard!), await speak(SAY));
      expect(said.score).toBeGreaterThan(0.85);
    },
  );

  it('fails a scenario that expects another prompt, with what baresip said', async () => {
    writeFileSync(
      join(dir, 'wrong.yaml'),
      scenario('wrong prompt', 'Thank you for calling the shtoom demo line. Please hold.'),
    );
    const r = await runShtoom(
      ['ivr', join(dir, 'wrong.yaml'), '--var', `kam=127.0.0.1:${kam.port}`, '--tap', ...LOOPBACK],
      { timeoutSec: 90 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^not ok 1 - wrong prompt$/m);
    expect(r.stdout).toMatch(/^ {2}step: "4 heard \\"Thank you for calling the shtoom demo line\. Please hold\.\\""$/m);
    // The prompt chosen in the failure, the free transcript as what was heard.
    expect(r.stdout).toMatch(
      /heard a different prompt: \\?"thank you for calling the baresip test line please press one two then pound\\?"/,
    );
    expect(r.stdout).toMatch(/^ {2}transcript: ".*"$/m);
  });
});
