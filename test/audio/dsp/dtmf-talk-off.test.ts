/**
 * Talk-off: the DTMF receiver must not hear a key in speech. The corpus is
 * generated here (espeak-ng and flite, twelve voices at several rates and
 * pitches reading varied texts, plus the spoken samples Debian packages
 * ship): at least ten minutes, checked as is and through GSM 06.10.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtmfDetector } from '../../../src/audio/dsp/dtmf-detector.js';
import { soxCodec } from '../support/sox.js';
import { makeSpeechCorpus, type SpeechCorpus } from '../support/speech.js';

let corpus: SpeechCorpus;
beforeAll(() => {
  corpus = makeSpeechCorpus(600);
}, 120_000);
afterAll(() => corpus?.dispose());

function falseKeys(x: Int16Array): string[] {
  const det = new DtmfDetector();
  for (let i = 0; i < x.length; i += 160) det.process(x.subarray(i, i + 160));
  det.flush();
  const found: string[] = [];
  for (let e; (e = det.pollEvent()); )
    if (e.type === 'start') found.push(`${e.digit} at ${(e.start / 8000).toFixed(2)} s`);
  return found;
}

describe('DtmfDetector talk-off', () => {
  it('the corpus holds at least ten minutes of speech from many voices', () => {
    expect(corpus.seconds).toBeGreaterThanOrEqual(600);
    expect(new Set(corpus.clips.map((c) => c.name.split(' #')[0])).size).toBeGreaterThanOrEqual(12);
  });

  it('finds no key in any clip', () => {
    for (const clip of corpus.clips) expect(falseKeys(clip.samples), clip.name).toEqual([]);
  });

  it('finds no key in any clip through GSM 06.10', () => {
    for (const clip of corpus.clips) expect(falseKeys(soxCodec(clip.samples, 'gsm')), clip.name).toEqual([]);
  });

  it('keeps a margin: speech blocks that pass every other check leave at least 15 % unexplained', () => {
    let worst = 1;
    let candidates = 0;
    for (const clip of corpus.clips) {
      const det = new DtmfDetector({ maxResidual: 1 });
      const x = clip.samples;
      for (let i = 0; i < x.length; i += 40) {
        det.process(x.subarray(i, i + 40));
        if (det.last.digit !== undefined) {
          candidates++;
          worst = Math.min(worst, det.last.residual);
        }
      }
    }
    expect(candidates).toBeGreaterThan(0); // the other checks alone would be fooled
    expect(worst).toBeGreaterThanOrEqual(0.15);
  });
});
