/**
 * The owner's menu of `shtoom serve voicemail`, driven by `shtoom ivr`
 * scenarios (test/interop/scenarios/voicemail-owner-*.yaml) as a user
 * would test a voicemail system: both built CLIs as processes on loopback,
 * prompts spoken by flite in the server and recognised by pocketsphinx in
 * the harness.
 * - Before any message is left, the "one new message" scenario MUST fail,
 *   at the step that expects it, having heard "You have no messages".
 * - `shtoom call --play tone:1300` leaves a message.
 * - The scenario passes: it hears "1 new message", the envelope, the
 *   message (the 1300 Hz tone), the choices; deletes it, hears "Message
 *   deleted" and "You have no messages"; the files are gone.
 * - The "no messages" scenario passes.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { terminate } from './support/call-process.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';

const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
const SCENARIOS = join(import.meta.dirname, 'scenarios');
const ONE = join(SCENARIOS, 'voicemail-owner-one-message.yaml');
const NONE = join(SCENARIOS, 'voicemail-owner-no-messages.yaml');

const dir = mkdtempSync(join(tmpdir(), 'shtoom-vm-ivr-'));
const spool = join(dir, 'spool');
let server: Peer;
let port: number;
let vars: string;

beforeAll(async () => {
  requireBinary('flite');
  await new PocketsphinxRecogniser().check();
  writeFileSync(join(dir, 'mailboxes.ini'), '[100]\npin = 1234\nname = Alice\n');
  port = await freeSipPort();
  server = startShtoom(
    [
      ...['serve', 'voicemail', '--listen', `udp:127.0.0.1:${port}`, '--log-level', 'info'],
      ...['--mailboxes', join(dir, 'mailboxes.ini'), '--voicemail-dir', spool, ...LOOPBACK],
    ],
    { timeoutSec: 400 },
  );
  await waitFor(() => isListening(port, 'udp'), 'shtoom serve voicemail', 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.stderr()}`);
  });
  vars = `vm=sip:voicemail@127.0.0.1:${port},mailbox=100,pin=1234`;
});

afterAll(async () => {
  if (server) terminate(server);
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

const ivr = (file: string) =>
  runShtoom(['ivr', file, '--var', vars, '--clips', join(dir, 'clips'), ...LOOPBACK], { timeoutSec: 150 });

describe("the voicemail owner's menu, tested with shtoom ivr", () => {
  it('fails before a message is left, passes after, and hears none left once it is deleted', async () => {
    // An empty mailbox: the scenario that expects one new message must fail, at that step.
    const early = await ivr(ONE);
    expect(early.code, early.stdout + early.stderr).toBe(1);
    expect(early.stdout).toMatch(/^FAIL voicemail - the owner hears one new message and deletes it/m);
    expect(early.stdout).toMatch(/^ {2}FAIL \d+ heard "You have 1 new message and no old messages\."/m);
    expect(early.stdout).toMatch(/^ {2}got: .*\(chose "you have no messages"\)$/m);

    const caller = await runShtoom(
      [
        ...['call', `sip:100@127.0.0.1:${port}`, '--play', 'tone:1300@-16dBFS', '--dtmf', '*'],
        ...['--duration', '6s', ...LOOPBACK],
      ],
      { timeoutSec: 40 },
    );
    expect(caller.code, caller.stderr).toBe(0);
    await waitFor(
      () => readdirSync(join(spool, '100', 'INBOX')).some((f) => f.endsWith('.json')),
      'the message',
      10_000,
    );

    const one = await ivr(ONE);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^PASS voicemail - the owner hears one new message and deletes it/m);
    expect(readdirSync(join(spool, '100', 'INBOX'))).toEqual([]);
    expect(server.stderr()).toMatch(/100: the owner deleted a message/);

    const none = await ivr(NONE);
    expect(none.code, none.stdout + none.stderr).toBe(0);
    expect(none.stdout).toMatch(/^PASS voicemail - the owner hears that no message is left/m);
  }, 400_000);
});
