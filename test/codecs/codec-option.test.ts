/**
 * `--codec` (and `[call] codec`, `SHTOOM_CALL_CODEC`) takes the codecs calls
 * can use; G.722 and Opus are known but refused with one line saying that
 * wideband calls are not supported yet, which the CLI prints before exiting 2.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { OptionValueError } from '../../src/options/errors.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { schema } from '../../src/options/schema/index.js';

const withCodec = (v: string) => resolveOptions(schema, { argv: new Map([['call.codec', v]]) });

describe('the --codec option', () => {
  it('defaults to the codecs calls offer: pcmu, pcma, gsm', () => {
    expect(resolveOptions(schema).get('call.codec')).toEqual(['pcmu', 'pcma', 'gsm']);
    expect(withCodec('gsm,pcmu').get('call.codec')).toEqual(['gsm', 'pcmu']);
  });

  it.each(['g722', 'pcmu,opus', 'opus,g722'])(
    'refuses %s: a usage error (exit 2) saying wideband is not yet supported',
    (v) => {
      let err: unknown;
      try {
        withCodec(v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OptionValueError);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(
        /--codec: ".*" cannot be used: (g722|opus): wideband calls are not supported yet/,
      );
      expect((err as Error).message).toMatch(/use pcmu, pcma, gsm/);
    },
  );

  it('still calls an unknown codec unknown', () => {
    expect(() => withCodec('g729')).toThrow(/has an unknown item "g729"/);
  });

  it('refuses wideband codecs from the environment too', () => {
    expect(() => resolveOptions(schema, { env: { SHTOOM_CALL_CODEC: 'g722' } })).toThrow(
      /wideband calls are not supported yet/,
    );
  });
});
