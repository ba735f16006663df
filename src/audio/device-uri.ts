/**
 * Device URIs, as `--play`, `--record` and `--audio` take them:
 *
 * | URI                        | what                                         |
 * |----------------------------|----------------------------------------------|
 * | `alsa:NAME`                | an ALSA PCM (`default`, `hw:0`, `plughw:1,0`) |
 * | `portaudio:NAME` / `:INDEX`| a PortAudio device by name or index           |
 * | `oss:/dev/dsp`             | an OSS device                                 |
 * | `file:PATH.wav` / `PATH.wav` | a WAV file (read: any rate and encoding)   |
 * | `raw:-` / `raw:PATH`       | s16le 8 kHz mono on stdin/stdout or a file   |
 * | `tone:440[,880][@-10dBFS]` | sines, each at the level (dBFS or dBm0)       |
 * | `silence`, `noise[@-30dBFS]`, `null` | generators; `null` discards     |
 */
import { AudioConfigError } from './errors.js';

export type DeviceUri =
  | { readonly kind: 'alsa'; readonly name: string }
  | { readonly kind: 'portaudio'; readonly name: string; readonly index?: number }
  | { readonly kind: 'oss'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'raw'; readonly path: string }
  | { readonly kind: 'tone'; readonly freqs: readonly number[]; readonly dbfs: number }
  | { readonly kind: 'noise'; readonly dbfs: number }
  | { readonly kind: 'silence' }
  | { readonly kind: 'null' };

const SCHEMES = 'alsa:, portaudio:, oss:, file:, raw:, tone:, silence, noise, null';

/** Default levels of the generators, dBFS. */
export const DEFAULT_TONE_DBFS = -10;
export const DEFAULT_NOISE_DBFS = -30;

/** Parse a level `-10dBFS`, `-13dBm0` or `-10` (dBFS) into dBFS. */
function parseLevel(text: string, uri: string): number {
  const m = /^(-?\d+(?:\.\d+)?)\s*(dbfs|dbm0)?$/i.exec(text.trim());
  if (!m) throw new AudioConfigError(`${uri}: level "${text}" is not like -10dBFS or -13dBm0`);
  const v = Number(m[1]);
  const dbfs = m[2]?.toLowerCase() === 'dbm0' ? v - 3.17 : v;
  if (dbfs > 0) throw new AudioConfigError(`${uri}: level ${text} is above full scale`);
  return dbfs;
}

/**
 * Parse a device URI; throws `AudioConfigError` (a usage error) naming the
 * URI and what is wrong.
 *
 * @example
 * parseDeviceUri('tone:350,440@-13dBm0'); // { kind: 'tone', freqs: [350, 440], dbfs: -16.17 }
 */
export function parseDeviceUri(uri: string): DeviceUri {
  const colon = uri.indexOf(':');
  const scheme = (colon < 0 ? uri : uri.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : uri.slice(colon + 1);
  const needRest = (what: string) => {
    if (!rest) throw new AudioConfigError(`${uri}: missing ${what} after "${scheme}:"`);
    return rest;
  };
  switch (scheme) {
    case 'alsa':
      return { kind: 'alsa', name: rest || 'default' };
    case 'portaudio': {
      const name = rest || 'default';
      return /^\d+$/.test(name) ? { kind: 'portaudio', name, index: Number(name) } : { kind: 'portaudio', name };
    }
    case 'oss':
      return { kind: 'oss', path: rest || '/dev/dsp' };
    case 'file':
      return { kind: 'file', path: needRest('a path') };
    case 'raw':
      return { kind: 'raw', path: needRest('a path or -') };
    case 'tone': {
      const [list, level] = needRest('frequencies').split('@');
      const freqs = list!.split(',').map((f) => Number(f.trim()));
      // Up to 24 kHz (a 48 kHz device); a tone at or above half the rate it is played at is left out.
      if (freqs.some((f) => !(f > 0 && f < 24000))) {
        throw new AudioConfigError(`${uri}: frequencies must be numbers between 0 and 24000 Hz`);
      }
      return { kind: 'tone', freqs, dbfs: level === undefined ? DEFAULT_TONE_DBFS : parseLevel(level, uri) };
    }
    case 'noise':
      if (rest && !rest.startsWith('@')) throw new AudioConfigError(`${uri}: expected noise or noise@LEVEL`);
      return { kind: 'noise', dbfs: rest ? parseLevel(rest.slice(1), uri) : DEFAULT_NOISE_DBFS };
    case 'silence':
    case 'null':
      if (rest) throw new AudioConfigError(`${uri}: "${scheme}" takes no argument`);
      return { kind: scheme };
    default:
      break;
  }
  if (scheme.startsWith('noise@')) return { kind: 'noise', dbfs: parseLevel(uri.slice(6), uri) };
  // A bare path to a WAV file is the common case: `--play prompt.wav`.
  if (/\.wav$/i.test(uri) && (colon < 0 || colon === 1 || uri.startsWith('/') || uri.startsWith('.')))
    return { kind: 'file', path: uri };
  throw new AudioConfigError(`unknown audio device "${uri}"; use one of ${SCHEMES}`);
}
