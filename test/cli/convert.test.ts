import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeOggOpus } from '../../src/audio/formats/ogg-opus.js';
import { oggCrc } from '../../src/audio/formats/ogg.js';
import { encodeWav } from '../../src/audio/formats/wav-format.js';
import { speechLike } from '../codecs/support/signals.js';
import { runCli, tempDir } from '../support/cli.js';

describe('shtoom convert', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir('shtoom-cli-convert-'));
    writeFileSync(
      join(dir, 'in.wav'),
      encodeWav(speechLike(1, 3), { sampleRate: 8000, channels: 1, encoding: 'pcm16' }),
    );
  });
  afterEach(() => cleanup());

  it('converts and says what it did', async () => {
    const r = await runCli(['convert', join(dir, 'in.wav'), join(dir, 'out.gsm')], { NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /in\.wav \(wav, 16-bit PCM, 8000 Hz, mono\) → .*out\.gsm \(gsm, 8000 Hz, mono\): 1 s, 1650 bytes/,
    );
    expect(readFileSync(join(dir, 'out.gsm'))).toHaveLength(1650);
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['convert', '--json', join(dir, 'in.wav'), join(dir, 'out.al')], {});
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      input: { format: 'wav', sampleRate: 8000, channels: 1, seconds: 1 },
      output: { format: 'alaw', bytes: 8000 },
    });
  });

  it('--wav-encoding, --from and --to', async () => {
    writeFileSync(join(dir, 'capture.pcm'), new Uint8Array(3200));
    const r = await runCli(
      [
        'convert',
        '--from',
        'sln',
        '--to',
        'wav',
        '--wav-encoding',
        'ulaw',
        join(dir, 'capture.pcm'),
        join(dir, 'x.out'),
      ],
      {},
    );
    expect(r.code).toBe(0);
    const wav = readFileSync(join(dir, 'x.out'));
    expect(wav.readUInt16LE(20)).toBe(7); // WAVE_FORMAT_MULAW
  });

  it('--rate 16000 and 48000 for WAV and raw PCM; .g722 at 16 kHz; .opus at 48 kHz', async () => {
    const wav = await runCli(['convert', '--json', '--rate', '16000', join(dir, 'in.wav'), join(dir, 'w.wav')], {});
    expect(wav.code, wav.stderr).toBe(0);
    expect(JSON.parse(wav.stdout).output).toMatchObject({ sampleRate: 16000, seconds: 1, bytes: 44 + 32000 });
    expect(readFileSync(join(dir, 'w.wav')).readUInt32LE(24)).toBe(16000);
    const sln = await runCli(['convert', '--json', '--rate', '48000', join(dir, 'in.wav'), join(dir, 'w.raw')], {});
    expect(JSON.parse(sln.stdout).output).toMatchObject({ sampleRate: 48000, bytes: 96000 });
    const g722 = await runCli(['convert', '--json', join(dir, 'in.wav'), join(dir, 'w.g722')], {});
    expect(JSON.parse(g722.stdout).output).toMatchObject({ format: 'g722', sampleRate: 16000, bytes: 8000 });
    const back = await runCli(['convert', '--json', join(dir, 'w.g722'), join(dir, 'g.wav')], {});
    expect(JSON.parse(back.stdout).input).toMatchObject({ format: 'g722', sampleRate: 16000, seconds: 1 });
    const opus = await runCli(['convert', '--json', join(dir, 'in.wav'), join(dir, 'w.opus')], {});
    expect(opus.code, opus.stderr).toBe(0);
    expect(JSON.parse(opus.stdout).output).toMatchObject({ format: 'opus', sampleRate: 48000 });
    const fromOpus = await runCli(['convert', '--json', join(dir, 'w.opus'), join(dir, 'o.wav')], {});
    expect(JSON.parse(fromOpus.stdout)).toMatchObject({
      input: { format: 'opus', sampleRate: 48000, seconds: 1 },
      output: { sampleRate: 8000, bytes: 44 + 16000 },
    });
  });

  /** A 1 s Ogg Opus file, edited by `edit` (after which page 1's CRC is recomputed when `reseal`). */
  function opusFile(d: string, name: string, edit: (f: Uint8Array) => void, reseal: boolean): string[] {
    const f = encodeOggOpus(speechLike(1, 3), { sampleRate: 8000, serial: 5 });
    edit(f);
    if (reseal) {
      const size = 27 + f[26]! + 19;
      const page = f.slice(0, size);
      page.fill(0, 22, 26);
      new DataView(f.buffer).setUint32(22, oggCrc(page), true);
    }
    writeFileSync(join(d, name), f);
    return [join(d, name), join(d, 'x.wav')];
  }

  const cases: [string, (d: string) => string[], RegExp][] = [
    [
      'an Ogg page with a corrupt CRC',
      (d) => opusFile(d, 'crc.opus', (f) => void (f[f.length - 5]! ^= 0x40), false),
      /crc\.opus: Ogg page \d+ \(byte \d+\) has CRC 0x[0-9a-f]{8}, but its contents give 0x[0-9a-f]{8}/,
    ],
    [
      'a truncated Ogg Opus file',
      (d) => {
        const args = opusFile(d, 'cut.opus', () => {}, false);
        writeFileSync(args[0]!, readFileSync(args[0]!).subarray(0, 400));
        return args;
      },
      /cut\.opus: Ogg page 3 \(byte \d+\) is cut short: it needs \d+ bytes, the file has \d+ left/,
    ],
    [
      'a wrong OpusHead version',
      (d) => opusFile(d, 'v.opus', (f) => void (f[27 + f[26]! + 8] = 0x21), true),
      /v\.opus: OpusHead version 33 \(major 2\) is not one shtoom reads/,
    ],
    [
      'a rate a format does not take',
      (d) => ['--rate', '16000', join(d, 'in.wav'), join(d, 'x.gsm')],
      /x\.gsm: gsm is not written at 16000 Hz; it takes 8000 Hz/,
    ],
    ['a bad --rate', (d) => ['--rate', '44100', join(d, 'in.wav'), join(d, 'x.wav')], /--rate: "44100"/],
    ['a missing file', (d) => [join(d, 'missing.wav'), join(d, 'x.gsm')], /^shtoom: .*missing\.wav: no such file\n$/],
    [
      'a GSM file that is not whole frames',
      (d) => {
        writeFileSync(join(d, 'cut.gsm'), new Uint8Array(40));
        return [join(d, 'cut.gsm'), join(d, 'x.wav')];
      },
      /cut\.gsm: 40 bytes are not whole 33-byte GSM frames/,
    ],
    [
      'a GSM frame with a wrong signature',
      (d) => {
        const b = new Uint8Array(99).fill(0xd0);
        b[66] = 0x00;
        writeFileSync(join(d, 'sig.gsm'), b);
        return [join(d, 'sig.gsm'), join(d, 'x.wav')];
      },
      /sig\.gsm: GSM frame 3 \(bytes 66-98\) has signature 0x0, not 0xD/,
    ],
    [
      'an unsupported WAV encoding',
      (d) => {
        const w = encodeWav(new Int16Array(8), { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
        w[20] = 0x31;
        writeFileSync(join(d, 'wav49.wav'), w);
        return [join(d, 'wav49.wav'), join(d, 'x.ul')];
      },
      /wav49\.wav: unsupported WAV encoding GSM 6\.10 \(Microsoft WAV49\) \(format tag 0x0031\)/,
    ],
    ['an unknown output type', (d) => [join(d, 'in.wav'), join(d, 'x.mp3')], /x\.mp3: cannot tell the output format/],
    ['a bad --to', (d) => ['--to', 'mp3', join(d, 'in.wav'), join(d, 'x')], /--to: "mp3"/],
  ];

  it.each(cases)('%s is one line on stderr and exit 2', async (_what, args, message) => {
    const r = await runCli(['convert', ...args(dir)], {});
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
