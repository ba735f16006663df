import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PronunciationDictionary, ipaToCmu } from '../../src/asr/dictionary.js';
import { jsgfChoice } from '../../src/asr/grammar.js';
import { narrowbandModel, shtoomCacheDir } from '../../src/asr/model-cache.js';
import { DEFAULT_MODEL_ROOT, parseHypseg } from '../../src/asr/pocketsphinx.js';
import { levelGain, wideband } from '../../src/asr/front-end.js';

describe('JSGF grammar', () => {
  it('is one public rule choosing among the normalised, distinct phrases', () => {
    expect(jsgfChoice(['Press 1 for sales', 'press one for sales', 'Goodbye!', "you're done", '...'])).toBe(
      '#JSGF V1.0;\ngrammar prompts;\npublic <prompt> = ( press one for sales ) | ( goodbye ) | ( "you\'re" done );\n',
    );
    expect(() => jsgfChoice(['!!'])).toThrow(RangeError);
  });
});

describe('hypseg', () => {
  it('reads words, frames and scores and drops fillers', () => {
    const h = parseHypseg(
      'u0 S 0 T -4097 A -3423 L -674 0 -193 -337 <sil> 19 -423 0 you 35 -642 0 have(2) 55 -100 0 [NOISE] 60 -235 ' +
        '-337 </s> 136',
    )!;
    expect(h.id).toBe('u0');
    expect(h.acoustic).toBe(-3423);
    expect(h.frames).toBe(136);
    expect(h.words).toEqual([
      { word: 'you', startMs: 190, endMs: 350 },
      { word: 'have', startMs: 350, endMs: 550 },
    ]);
    expect(parseHypseg('(u0 0)')).toBeUndefined();
    expect(parseHypseg('')).toBeUndefined();
  });
});

describe('pronunciations', () => {
  const dict = PronunciationDictionary.load(join(DEFAULT_MODEL_ROOT, 'cmudict-en-us.dict'));

  it('come from the CMU dictionary, alternates numbered', () => {
    const text = dict.format(['press', 'for']);
    expect(text).toContain('press P R EH S\n');
    expect(text).toMatch(/^for\(2\) /m);
  });

  it('are guessed for unknown words from both TTS engines, in the model phone set', () => {
    const prons = dict.pronunciations(['shtoom']).get('shtoom')!;
    expect(prons.length).toBeGreaterThanOrEqual(1);
    for (const p of prons) expect(p).toMatch(/^[A-Z]+( [A-Z]+)*$/);
    expect(ipaToCmu('vˈɔɪpstɚ')).toBe('V OY P S T ER');
    expect(ipaToCmu('ʃtˈuːm')).toBe('SH T UW M');
    expect(ipaToCmu('☃')).toBeUndefined();
  });
});

describe('front end', () => {
  it('levels the active part to −20 dBFS and upsamples to 16 kHz with a noise floor', () => {
    const quiet = Int16Array.from({ length: 8000 }, (_, i) => Math.round(300 * Math.sin(i / 3)));
    expect(levelGain(quiet)).toBeGreaterThan(5);
    expect(levelGain(new Int16Array(800))).toBe(1);
    const out = wideband(quiet);
    expect(out.length).toBe(16000);
    const rms = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length);
    expect(20 * Math.log10(rms / 32768)).toBeCloseTo(-20, 0);
    expect(wideband(quiet)).toEqual(out); // seeded: the same every time
  });
});

describe('narrow-band model copy', () => {
  it('is made once in the cache directory with the filter bank ending at 3500 Hz', () => {
    const cache = mkdtempSync(join(tmpdir(), 'shtoom-cache-'));
    try {
      const dir = narrowbandModel(join(DEFAULT_MODEL_ROOT, 'en-us'), cache);
      expect(readFileSync(join(dir, 'feat.params'), 'utf8')).toMatch(/^-upperf 3500$/m);
      expect(narrowbandModel(join(DEFAULT_MODEL_ROOT, 'en-us'), cache)).toBe(dir);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
    expect(shtoomCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/shtoom');
    expect(shtoomCacheDir({ SHTOOM_CACHE_DIR: '/y', XDG_CACHE_HOME: '/x' })).toBe('/y');
  });
});
