/**
 * `shtoom convert` (the built CLI, and the library function behind it)
 * against `sox -D`: for 8 kHz input in
 * every WAV encoding and channel count, the .gsm, .ul, .al, .sln and .wav it
 * writes are byte-identical to sox's; GSM and G.711 input decode to sox's
 * samples; resampled input matches sox's length and closely its samples;
 * bad input is one line and exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertAudioFile } from '../../src/audio/formats/convert.js';
import { firstDifferentFrame, runTool, samplesOf } from './support/codecs.js';
import { runShtoom } from './support/peers.js';

let dir: string;
const at = (name: string) => join(dir, name);

/** sox's output arguments for each of shtoom's output formats. */
const SOX_OUT: Record<string, string[]> = {
  gsm: ['-t', 'gsm'],
  ul: ['-t', 'ul'],
  al: ['-t', 'al'],
  sln: ['-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L'],
  wav: ['-t', 'wav', '-e', 'signed-integer', '-b', '16'],
};

/** 8 kHz inputs: [file, sox output options, sox effects] that make it from the speech WAV. */
const INPUTS: [string, string[], string[]][] = [
  ['mono16.wav', ['-b', '16', '-e', 'signed-integer'], []],
  ['stereo16.wav', ['-b', '16', '-e', 'signed-integer'], ['remix', '1', '1v0.6']],
  ['three24.wav', ['-b', '24', '-e', 'signed-integer'], ['remix', '1', '1v-0.5', '1v0.3']],
  ['quad32.wav', ['-b', '32', '-e', 'signed-integer'], ['remix', '1', '1v0.9', '1v-0.2', '1v0.7']],
  ['float32.wav', ['-b', '32', '-e', 'floating-point'], ['remix', '1', '1v0.5']],
  ['float64.wav', ['-b', '64', '-e', 'floating-point'], []],
  ['unsigned8.wav', ['-b', '8', '-e', 'unsigned-integer'], []],
  ['ulaw.wav', ['-e', 'u-law'], []],
  ['alaw.wav', ['-e', 'a-law'], ['remix', '1', '1']],
];

async function shtoom(...args: string[]) {
  return runShtoom(['convert', ...args], { timeoutSec: 60 });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-convert-interop-'));
  runTool('espeak-ng', [
    '-v',
    'en-us',
    '-s',
    '160',
    '-w',
    at('speech22.wav'),
    'Welcome to shtoom. Press star to repeat this menu, or hash to hang up.',
  ]);
  runTool('sox', ['-D', at('speech22.wav'), '-r', '8000', at('speech8.wav')]);
  for (const [name, opts, effects] of INPUTS) runTool('sox', ['-D', at('speech8.wav'), ...opts, at(name), ...effects]);
  runTool('sox', [
    '-D',
    '-n',
    '-r',
    '44100',
    '-c',
    '2',
    '-b',
    '16',
    at('tones44.wav'),
    'synth',
    '2',
    'sine',
    '440',
    'sine',
    '2900',
    'gain',
    '-3',
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shtoom convert against sox -D', () => {
  // The first inputs go through the built CLI, the rest through the library
  // function it calls (quicker than starting Node 45 times).
  it.each(INPUTS.map(([name], i) => [name, i < 3] as const))(
    '%s → .gsm .ul .al .sln .wav: the same bytes as sox (CLI: %s)',
    async (name, viaCli) => {
      for (const ext of Object.keys(SOX_OUT)) {
        const ours = at(`${name}.ours.${ext}`);
        if (viaCli) {
          const r = await shtoom(at(name), ours);
          expect(r.code, r.stderr).toBe(0);
        } else {
          convertAudioFile(at(name), ours);
        }
        const ref = runTool('sox', ['-D', at(name), '-r', '8000', '-c', '1', ...SOX_OUT[ext]!, '-']);
        const got = readFileSync(ours);
        const unit = ext === 'gsm' ? 33 : ext === 'sln' || ext === 'wav' ? 320 : 160;
        const bad = firstDifferentFrame(got, ref, unit);
        expect(bad, `${name} → .${ext}: frame ${bad} differs (${got.length} vs ${ref.length} bytes)`).toBe(-1);
      }
    },
  );

  it('decodes .gsm, .ul and .al to the samples sox decodes', async () => {
    for (const ext of ['gsm', 'ul', 'al']) {
      const coded = at(`speech.${ext}`);
      runTool('sox', ['-D', at('speech8.wav'), coded]);
      const r = await shtoom(coded, at(`back-${ext}.sln`));
      expect(r.code, r.stderr).toBe(0);
      const ref = samplesOf(
        runTool('sox', ['-D', ...(ext === 'gsm' ? [] : ['-r', '8000', '-c', '1']), coded, ...SOX_OUT.sln!, '-']),
      );
      expect(firstDifferentFrame(samplesOf(readFileSync(at(`back-${ext}.sln`))), ref, 160)).toBe(-1);
    }
  });

  it('resamples 22.05 kHz speech and 44.1 kHz stereo tones to sox’s length and close to its samples', async () => {
    for (const [name, minSnr] of [
      ['speech22.wav', 25],
      ['tones44.wav', 50],
    ] as const) {
      const r = await shtoom(at(name), at(`${name}.sln`), '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).output).toMatchObject({ format: 'sln', sampleRate: 8000, channels: 1 });
      const ours = samplesOf(readFileSync(at(`${name}.sln`)));
      const ref = samplesOf(runTool('sox', ['-D', at(name), '-r', '8000', '-c', '1', ...SOX_OUT.sln!, '-']));
      expect(ours.length).toBe(ref.length);
      let e = 0;
      let s = 0;
      for (let i = 0; i < ref.length; i++) {
        e += (ours[i]! - ref[i]!) ** 2;
        s += ref[i]! ** 2;
      }
      expect(10 * Math.log10(s / e), `${name}: SNR against sox`).toBeGreaterThan(minSnr);
    }
  });

  it('answers bad input with one line and exit 2', async () => {
    writeFileSync(at('cut.gsm'), readFileSync(at('speech.gsm')).subarray(0, 500));
    const bad = Buffer.from(readFileSync(at('speech.gsm')));
    bad[33 * 9] = 0x3f;
    writeFileSync(at('sig.gsm'), bad);
    runTool('sox', ['-D', at('speech8.wav'), '-e', 'ima-adpcm', at('adpcm.wav')]);
    const cases: [string[], RegExp][] = [
      [[at('nothing.wav'), at('x.gsm')], /nothing\.wav: no such file/],
      [
        [at('cut.gsm'), at('x.wav')],
        /cut\.gsm: 500 bytes are not whole 33-byte GSM frames \(15 frames and 5 bytes left over\)/,
      ],
      [[at('sig.gsm'), at('x.wav')], /sig\.gsm: GSM frame 10 \(bytes 297-329\) has signature 0x3, not 0xD/],
      [[at('adpcm.wav'), at('x.ul')], /adpcm\.wav: unsupported WAV encoding IMA ADPCM \(format tag 0x0011\)/],
    ];
    for (const [args, message] of cases) {
      const r = await shtoom(...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
