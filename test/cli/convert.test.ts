import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

  const cases: [string, (d: string) => string[], RegExp][] = [
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
