import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseText, normaliseWords, numberWords } from '../../src/asr/text.js';
import { wordDistance, wordSimilarity } from '../../src/asr/similarity.js';
import { digitDecoys } from '../../src/asr/decoys.js';

describe('normaliseWords', () => {
  it('speaks digits, keys and punctuation the way a prompt says them', () => {
    expect(normaliseWords('Press 1 for Sales, # to end.')).toEqual([
      'press',
      'one',
      'for',
      'sales',
      'pound',
      'to',
      'end',
    ]);
    expect(normaliseText('Your balance is 42 dollars')).toBe('your balance is forty two dollars');
    expect(normaliseText('press *')).toBe('press star');
    expect(normaliseText("You're  calling   ACME's line")).toBe("you're calling acme's line");
    expect(normaliseText('PIN 0042')).toBe('pin zero zero four two');
    expect(normaliseText('1,200 minutes')).toBe('one thousand two hundred minutes');
  });

  it('reads numbers up to 999999 as words and longer ones digit by digit', () => {
    expect(numberWords('0')).toEqual(['zero']);
    expect(numberWords('13')).toEqual(['thirteen']);
    expect(numberWords('100')).toEqual(['one', 'hundred']);
    expect(numberWords('999999').join(' ')).toBe('nine hundred ninety nine thousand nine hundred ninety nine');
    expect(numberWords('1234567')).toHaveLength(7);
  });

  it('never yields anything but lower-case words of letters and apostrophes (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        for (const w of normaliseWords(s)) expect(w).toMatch(/^[a-z][a-z']*$|^[a-z']*[a-z]$/);
      }),
    );
  });
});

describe('wordSimilarity', () => {
  it('is 1 for the same words however written, and falls by one word in the longer length per edit', () => {
    expect(wordSimilarity('press one for sales', 'Press 1 for sales.')).toBe(1);
    expect(wordSimilarity('press two for sales', 'press one for sales')).toBe(0.75);
    expect(wordSimilarity('press one', 'press one for sales')).toBe(0.5);
    expect(wordSimilarity('', 'goodbye')).toBe(0);
    expect(wordSimilarity('', '')).toBe(1);
  });

  it('is symmetric and within 0..1 (property)', () => {
    const words = fc.array(fc.constantFrom('press', 'one', 'two', 'for', 'sales', 'support'), { maxLength: 8 });
    fc.assert(
      fc.property(words, words, (a, b) => {
        const s = wordSimilarity(a.join(' '), b.join(' '));
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(wordSimilarity(b.join(' '), a.join(' '))).toBeCloseTo(s);
        expect(wordDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('digitDecoys', () => {
  it('varies each key word once and leaves the rest', () => {
    const d = digitDecoys('press 1 for sales');
    expect(d).toHaveLength(11);
    expect(d).toContain('press two for sales');
    expect(d).toContain('press pound for sales');
    expect(d).not.toContain('press one for sales');
    expect(digitDecoys('goodbye')).toEqual([]);
  });
});
