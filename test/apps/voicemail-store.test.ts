/**
 * The voicemail spool: filing (dense numbers, under 1 s of sound
 * discarded), delete and save renumbering, recovery of what a killed
 * server left (no json, a stale json, a header that lags its data), the
 * PIN file; which mailbox a call is for (Diversion, History-Info, RFC 4458
 * target); the mailboxes file's checks.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WavFileWriter, readWavFile } from '../../src/audio/formats/wav.js';
import { addressed, callbackTarget } from '../../src/apps/voicemail/addressing.js';
import { parseSummary, summaryBody } from '../../src/apps/voicemail/message-summary.js';
import { type MessageMeta, VoicemailStore, repairWavHeader } from '../../src/apps/voicemail/store.js';
import { parseMailboxes } from '../../src/cli/voicemail-mailboxes.js';
import { UsageError } from '../../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'shtoom-vm-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => new VoicemailStore(join(root, `s${++n}`));

function tone(hz: number, seconds: number): Int16Array {
  return Int16Array.from({ length: Math.round(seconds * 8000) }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)),
  );
}

function write(path: string, samples: Int16Array): void {
  const w = WavFileWriter.create(path, { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
  w.write(samples);
  w.close();
}

function leave(store: VoicemailStore, mb: string, hz: number, seconds: number, caller = '<sip:bob@x>') {
  const rec = store.begin(mb, { caller, called: `sip:${mb}@vm`, codec: 'PCMU' }, new Date(Date.UTC(2026, 0, 1)));
  write(rec.wav, tone(hz, seconds));
  return store.finish(rec, 'hangup');
}

describe('VoicemailStore', () => {
  it('files messages densely; under 1 s of sound is discarded with its json', () => {
    const s = fresh();
    expect(leave(s, '100', 500, 2)?.index).toBe(0);
    expect(leave(s, '100', 600, 0.5)).toBeUndefined();
    const silent = s.begin('100', { caller: 'x', called: 'y', codec: 'PCMU' }, new Date());
    write(silent.wav, new Int16Array(8000 * 5));
    expect(s.finish(silent, 'silence')).toBeUndefined();
    expect(leave(s, '100', 700, 1.5)?.index).toBe(1);
    expect(readdirSync(s.folderDir('100', 'INBOX'))).toEqual([
      'msg0000.json',
      'msg0000.wav',
      'msg0001.json',
      'msg0001.wav',
    ]);
    expect(readdirSync(s.folderDir('100', 'tmp'))).toEqual([]);
    const meta = JSON.parse(readFileSync(join(s.folderDir('100', 'INBOX'), 'msg0001.json'), 'utf8')) as MessageMeta;
    expect(meta).toMatchObject({
      caller: '<sip:bob@x>',
      called: 'sip:100@vm',
      codec: 'PCMU',
      duration: 1.5,
      ended: 'hangup',
    });
  });

  it('delete and save renumber the rest: numbers stay dense; a message keeps its id', () => {
    const s = fresh();
    for (const hz of [500, 600, 700, 800]) leave(s, '100', hz, 1.5);
    const [a, b, c] = s.list('100', 'INBOX');
    s.delete(b!);
    expect(s.list('100', 'INBOX').map((m) => m.index)).toEqual([0, 1, 2]);
    expect(existsSync(b!.wav.replace('msg0001', 'msg0003'))).toBe(false);
    const movedC = s.find('100', c!.meta.id)!;
    expect(movedC.index).toBe(1);
    expect(readWavFile(movedC.wav).samples.length).toBe(12000);
    const saved = s.save(a!);
    expect(saved).toMatchObject({ folder: 'Old', index: 0 });
    expect(s.counts('100')).toEqual({ new: 2, old: 1 });
    expect(s.list('100', 'INBOX').map((m) => m.index)).toEqual([0, 1]);
    expect(s.find('100', a!.meta.id)?.folder).toBe('Old');
    s.delete(s.find('100', a!.meta.id)!);
    expect(s.counts('100')).toEqual({ new: 2, old: 0 });
    expect(readdirSync(s.folderDir('100', 'Old'))).toEqual([]);
  });

  it(
    'recover(): a recording without json, or with a stale ' +
      'one, is filed with what is known; the header is made whole',
    () => {
      const s = fresh();
      leave(s, '100', 500, 1.5);
      // A killed server: a recording whose json still says "recording", its header a second behind its data.
      const rec = s.begin('100', { caller: '<sip:carol@x>', called: 'sip:100@vm', codec: 'GSM' }, new Date(5000));
      const w = WavFileWriter.create(rec.wav, {
        sampleRate: 8000,
        channels: 1,
        encoding: 'pcm16',
        clock: { now: () => 0 },
      });
      w.write(tone(900, 3));
      w.write(tone(900, 0.8));
      // (no close: the header says 3 s, the file holds 3.8)
      expect(readWavFile(rec.wav).samples.length).toBe(24000);
      // A recording without json at all, and a torn temporary file.
      const bare = join(s.folderDir('100', 'tmp'), 'x.wav');
      write(bare, tone(1100, 2));
      writeFileSync(join(s.folderDir('100', 'tmp'), 'y.json.1.tmp'), '{');
      // A message in INBOX without its json.
      rmSync(join(s.folderDir('100', 'INBOX'), 'msg0000.json'));
      const filed = s.recover();
      expect(filed.map((m) => m.meta.ended)).toEqual(['interrupted', 'interrupted']);
      const list = s.list('100', 'INBOX');
      expect(list.map((m) => m.index)).toEqual([0, 1, 2]);
      expect(readdirSync(s.folderDir('100', 'tmp'))).toEqual([]);
      const carol = list.find((m) => m.meta.caller === '<sip:carol@x>')!;
      expect(carol.meta).toMatchObject({ codec: 'GSM', duration: 3.8, ended: 'interrupted' });
      expect(readWavFile(carol.wav).samples.length).toBe(30400);
      expect(list.map((m) => [m.meta.caller, m.meta.duration])).toEqual([
        ['unknown', 1.5],
        ['<sip:carol@x>', 3.8],
        ['unknown', 2],
      ]);
      expect(existsSync(join(s.folderDir('100', 'INBOX'), 'msg0000.json'))).toBe(true);
    },
  );

  it('repairWavHeader leaves a whole file alone', () => {
    const f = join(root, 'whole.wav');
    write(f, tone(500, 1));
    expect(repairWavHeader(f)).toBe(false);
    expect(statSync(f).size).toBe(44 + 16000);
  });

  it('keeps the PIN the owner set, readable by the owner only', () => {
    const s = fresh();
    expect(s.pin('100')).toBeUndefined();
    s.setPin('100', '9876');
    expect(s.pin('100')).toBe('9876');
    expect(statSync(join(s.boxDir('100'), 'pin')).mode & 0o777).toBe(0o600);
  });
});

describe('addressed: which mailbox a call is for', () => {
  const none = { diversion: [], historyInfo: [] };
  it('the Request-URI user, decoded; none for a URI without one or a path', () => {
    expect(addressed('sip:100@vm.example.com', none)).toEqual({ user: '100', by: 'request-uri' });
    expect(addressed('sip:vm.example.com', none).user).toBeUndefined();
    expect(addressed('sip:..@vm', none).user).toBeUndefined();
    expect(addressed('sip:a%2Fb@vm', none).user).toBeUndefined();
    expect(addressed('tel:+1-555-0100', none)).toEqual({ user: '+15550100', by: 'request-uri' });
  });
  it('Diversion: the top-most entry (the last redirection)', () => {
    const d = ['<sip:200@pbx>;reason=no-answer;counter=1, <sip:100@pbx>;reason=user-busy', '<sip:300@pbx>'];
    expect(addressed('sip:voicemail@vm', { diversion: d, historyInfo: [] })).toEqual({ user: '200', by: 'diversion' });
  });
  it('History-Info: the entry the last mp entry was mapped from', () => {
    const hi = [
      '<sip:alice@pbx>;index=1, <sip:bob@pbx>;index=1.1;rc=1',
      '<sip:carol@pbx>;index=1.1.1;mp=1.1, <sip:vm@vm>;index=1.1.1.1;mp=1.1.1',
    ];
    expect(addressed('sip:vm@vm', { diversion: [], historyInfo: hi })).toEqual({ user: 'carol', by: 'history-info' });
    expect(addressed('sip:100@vm', { diversion: [], historyInfo: ['<sip:a@b>;index=1'] }).by).toBe('request-uri');
  });
  it('RFC 4458 target parameter', () => {
    expect(addressed('sip:voicemail@vm;target=sip:100%40pbx;cause=486', none)).toEqual({ user: '100', by: 'target' });
  });
});

describe('message-summary bodies (RFC 3842)', () => {
  it('writes and reads Messages-Waiting, Message-Account and Voice-Message', () => {
    const body = summaryBody({ waiting: true, account: 'sip:100@vm', voice: { new: 2, old: 1 } });
    expect(body).toBe('Messages-Waiting: yes\r\nMessage-Account: sip:100@vm\r\nVoice-Message: 2/1 (0/0)\r\n');
    expect(parseSummary(body)).toEqual({ waiting: true, account: 'sip:100@vm', voice: { new: 2, old: 1 } });
    expect(parseSummary('Messages-Waiting: no\r\nVoice-Message: 0/3\r\n')).toEqual({
      waiting: false,
      voice: { new: 0, old: 3 },
    });
    expect(() => parseSummary('Voice-Message: 1/0\r\n')).toThrow(/no Messages-Waiting/);
  });
});

describe('callbackTarget: whom 7 calls back', () => {
  it("the caller's URI without header parameters; nothing for unknown, anonymous or undialable callers", () => {
    expect(callbackTarget('"Bob" <sip:bob@pbx.example.com;transport=tcp>;tag=8f1c')).toBe(
      'sip:bob@pbx.example.com;transport=tcp',
    );
    expect(callbackTarget('<tel:+1-555-0100>;tag=1')).toBe('tel:+1-555-0100');
    expect(callbackTarget('sip:201@pbx;tag=2')).toBe('sip:201@pbx');
    expect(callbackTarget('unknown')).toBeUndefined();
    expect(callbackTarget('"Anonymous" <sip:anonymous@anonymous.invalid>;tag=3')).toBeUndefined();
    expect(callbackTarget('<sip:anonymous@pbx.example.com>;tag=3')).toBeUndefined();
    expect(callbackTarget('<sip:pbx.example.com>;tag=4')).toBeUndefined();
    expect(callbackTarget('<mailto:bob@example.com>')).toBeUndefined();
  });
});

describe('the mailboxes file', () => {
  it('reads pin, name and email; warns of unknown keys and of a mailbox without PIN', () => {
    const r = parseMailboxes(
      '[100]\npin = 1234\nname = Alice Smith\nemail = alice@example.com\ncolour = red\nuser = alice\n[200]\n',
      'mb.ini',
    );
    expect(r.mailboxes.get('100')).toEqual({
      number: '100',
      pin: '1234',
      name: 'Alice Smith',
      email: 'alice@example.com',
      user: 'alice',
    });
    expect(r.warnings).toEqual([
      'mb.ini:5: unknown key "colour" in [100] (ignored); keys: pin, name, email, user, notify',
      'mb.ini: [200] has no pin: its owner cannot log in with a PIN, only authenticated by digest' +
        ' (serve --auth; messages are still taken)',
    ]);
  });
  it('refuses what cannot work, naming file, line, mailbox and key', () => {
    expect(() => parseMailboxes('[100]\npin = 12x4\n', 'mb.ini')).toThrow(
      'mb.ini:2: [100] pin: "12x4" is not allowed; allowed: 1 to 16 keys: 0-9 and * (# ends the entry)',
    );
    expect(() => parseMailboxes('[../etc]\n', 'mb.ini')).toThrow(UsageError);
    expect(() => parseMailboxes('[..]\n', 'mb.ini')).toThrow(/not a mailbox number/);
    expect(() => parseMailboxes('pin = 1\n', 'mb.ini')).toThrow(/outside any \[mailbox\] section/);
    expect(() => parseMailboxes('[1]\nemail = nobody\n', 'mb.ini')).toThrow(/e-mail address/);
    expect(() => parseMailboxes('[1]\nuser = al ice\n', 'mb.ini')).toThrow(/user: "al ice" is not allowed/);
    expect(() => parseMailboxes('[1]\nnotify = mailto:a@b\n', 'mb.ini')).toThrow(
      'mb.ini:2: [1] notify: "mailto:a@b" is not allowed; allowed: a sip: or sips: URI: sip:alice@192.0.2.7:5060',
    );
    expect(parseMailboxes('[1]\nnotify = sip:alice@192.0.2.7:5062\n', 'mb.ini').mailboxes.get('1')?.notify).toBe(
      'sip:alice@192.0.2.7:5062',
    );
    expect(() => parseMailboxes('[1]\nuser = alice\n[2]\nuser = alice\n', 'mb.ini')).toThrow(
      'mb.ini:4: [2] user: "alice" already owns mailbox 1',
    );
    mkdirSync(join(root, 'unused'), { recursive: true });
  });
});
