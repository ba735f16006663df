/**
 * `--codec` (and `[call] codec`, `SHTOOM_CALL_CODEC`) takes the codecs calls
 * can use, in the order given: G.722 and Opus first by default (the media
 * path runs at the call's rate), any order the user writes wins.
 */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/options/resolve.js';
import { schema } from '../../src/options/schema/index.js';

const withCodec = (v: string) => resolveOptions(schema, { argv: new Map([['call.codec', v]]) });

describe('the --codec option', () => {
  it('defaults to G.722 and Opus before G.711 and GSM; the order given wins', () => {
    expect(resolveOptions(schema).get('call.codec')).toEqual(['g722', 'opus', 'pcmu', 'pcma', 'gsm']);
    expect(withCodec('gsm,pcmu').get('call.codec')).toEqual(['gsm', 'pcmu']);
    expect(withCodec('pcmu,opus,g722').get('call.codec')).toEqual(['pcmu', 'opus', 'g722']);
    expect(resolveOptions(schema, { env: { SHTOOM_CALL_CODEC: 'opus' } }).get('call.codec')).toEqual(['opus']);
  });

  it('still calls an unknown codec unknown', () => {
    expect(() => withCodec('g729')).toThrow(/has an unknown item "g729"/);
  });
});
