import { describe, expect, it } from 'vitest';
import { parseDeviceUri } from '../../src/audio/device-uri.js';
import { AudioConfigError } from '../../src/audio/errors.js';
import { UsageError } from '../../src/errors.js';

describe('parseDeviceUri', () => {
  it.each([
    ['alsa:shtoom_plug', { kind: 'alsa', name: 'shtoom_plug' }],
    ['alsa:', { kind: 'alsa', name: 'default' }],
    ['portaudio:3', { kind: 'portaudio', name: '3', index: 3 }],
    ['portaudio:shtoom', { kind: 'portaudio', name: 'shtoom' }],
    ['oss:/dev/dsp1', { kind: 'oss', path: '/dev/dsp1' }],
    ['oss:', { kind: 'oss', path: '/dev/dsp' }],
    ['file:a b.wav', { kind: 'file', path: 'a b.wav' }],
    ['prompts/hello.wav', { kind: 'file', path: 'prompts/hello.wav' }],
    ['/tmp/x.WAV', { kind: 'file', path: '/tmp/x.WAV' }],
    ['raw:-', { kind: 'raw', path: '-' }],
    ['tone:440', { kind: 'tone', freqs: [440], dbfs: -10 }],
    ['tone:350,440@-20dBFS', { kind: 'tone', freqs: [350, 440], dbfs: -20 }],
    ['tone:1000@-3.17dBm0', { kind: 'tone', freqs: [1000], dbfs: -6.34 }],
    ['noise', { kind: 'noise', dbfs: -30 }],
    ['noise@-40dBFS', { kind: 'noise', dbfs: -40 }],
    ['silence', { kind: 'silence' }],
    ['null', { kind: 'null' }],
  ])('%s', (uri, want) => {
    const got = parseDeviceUri(uri);
    if (got.kind === 'tone' && 'freqs' in want && 'dbfs' in want) {
      expect(got.freqs).toEqual(want.freqs);
      expect(got.dbfs).toBeCloseTo(want.dbfs, 6);
    } else expect(got).toEqual(want);
  });

  it.each([
    'speaker',
    'tone:',
    'tone:abc',
    'tone:25000',
    'tone:440@loud',
    'tone:440@+3dBFS',
    'file:',
    'raw:',
    'null:x',
    'noise:x',
  ])('refuses %s with a usage error', (uri) => {
    expect(() => parseDeviceUri(uri)).toThrow(AudioConfigError);
    expect(() => parseDeviceUri(uri)).toThrow(UsageError);
  });
});
