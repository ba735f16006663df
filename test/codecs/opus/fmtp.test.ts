import { describe, expect, it } from 'vitest';
import { encoderOptionsFor } from '../../../src/codecs/opus/encoder.js';
import { formatOpusFmtp, parseOpusFmtp } from '../../../src/codecs/opus/fmtp.js';

describe('Opus fmtp (RFC 7587 7)', () => {
  it('reads the example of RFC 7587 7.1', () => {
    expect(
      parseOpusFmtp(
        'maxplaybackrate=16000; sprop-maxcapturerate=16000; maxaveragebitrate=20000; stereo=1; useinbandfec=1; ' +
          'usedtx=0',
      ),
    ).toEqual({
      maxplaybackrate: 16000,
      spropMaxcapturerate: 16000,
      maxaveragebitrate: 20000,
      stereo: true,
      useinbandfec: true,
      usedtx: false,
    });
  });

  it('ignores unknown parameters, bad values and odd spacing; names in any case', () => {
    expect(parseOpusFmtp('foo=1;MAXPLAYBACKRATE = 24000;stereo=2; cbr=1;useinbandfec=yes;;ptime=20')).toEqual({
      maxplaybackrate: 24000,
      cbr: true,
      ptime: 20,
    });
    expect(parseOpusFmtp('maxplaybackrate=4000; maxaveragebitrate=1000000')).toEqual({});
    expect(parseOpusFmtp(undefined)).toEqual({});
  });

  it('writes parameters that read back the same', () => {
    const f = {
      maxplaybackrate: 48000,
      spropMaxcapturerate: 16000,
      maxaveragebitrate: 40000,
      stereo: false,
      spropStereo: false,
      cbr: false,
      useinbandfec: true,
      usedtx: false,
      ptime: 20,
      maxptime: 60,
    };
    const text = formatOpusFmtp(f);
    expect(text).toBe(
      'maxplaybackrate=48000; sprop-maxcapturerate=16000; maxaveragebitrate=40000; stereo=0; sprop-stereo=0; ' +
        'cbr=0; useinbandfec=1; usedtx=0; ptime=20; maxptime=60',
    );
    expect(parseOpusFmtp(text)).toEqual(f);
  });

  it('turns the peer parameters into encoder settings: FEC, bandwidth, bit-rate cap, CBR', () => {
    expect(encoderOptionsFor({})).toEqual({ bitrate: 32000, fec: false });
    expect(
      encoderOptionsFor({ useinbandfec: true, maxplaybackrate: 16000, maxaveragebitrate: 20000, cbr: true }),
    ).toEqual({ bitrate: 20000, fec: true, maxBandwidthRate: 16000, cbr: true });
    // A cap above our own rate leaves ours.
    expect(encoderOptionsFor({ maxaveragebitrate: 64000 }, { bitrate: 24000 }).bitrate).toBe(24000);
  });
});
