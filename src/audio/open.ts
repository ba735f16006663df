/**
 * Opening a device by URI, and listing what is there (`shtoom devices`).
 * Native and helper backends are reached only when asked for, so file,
 * tone, raw and null devices work with nothing but Node installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { AUDIO_RATE, type AudioDeviceInfo, type AudioSink, type AudioSource } from './device.js';
import { parseDeviceUri } from './device-uri.js';
import type { DriftBufferOptions } from './drift-buffer.js';
import { AudioConfigError } from './errors.js';
import { WavSink, WavSource } from './devices/file.js';
import { NoiseSource, NullSink, SilenceSource, ToneSource } from './devices/generators.js';
import { PortAudioSink, PortAudioSource, listPortAudioDevices } from './devices/portaudio.js';
import {
  ProcessSink,
  ProcessSource,
  alsaCapture,
  alsaPlayback,
  ossCapture,
  ossPlayback,
} from './devices/process-device.js';
import { RawFileSource, RawSink, RawStreamSource } from './devices/raw.js';
import { which } from './devices/which.js';

export interface OpenOptions {
  /** Rate to open real devices at; shtoom resamples to 8 kHz (default 8000). */
  readonly deviceRate?: number;
  /** Drift buffer settings for capture from real devices. */
  readonly drift?: DriftBufferOptions;
  /** Environment for helper processes (ALSA_CONFIG_PATH, LD_PRELOAD…). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What `raw:-` reads and writes (default the process's stdin and stdout). */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

/**
 * Open a source: where the audio we send comes from.
 *
 * @example
 * const src = await openSource('tone:440@-10dBFS');
 * src.read(frame);
 */
export async function openSource(uri: string, options: OpenOptions = {}): Promise<AudioSource> {
  const d = parseDeviceUri(uri);
  const rate = options.deviceRate ?? AUDIO_RATE;
  const proc = { rate, env: options.env ?? process.env, drift: options.drift };
  switch (d.kind) {
    case 'tone':
      return new ToneSource(uri, d.freqs, d.dbfs);
    case 'noise':
      return new NoiseSource(uri, d.dbfs);
    case 'silence':
    case 'null':
      return new SilenceSource(uri);
    case 'file':
      return WavSource.open(uri, d.path);
    case 'raw':
      return d.path === '-'
        ? new RawStreamSource(uri, options.stdin ?? process.stdin)
        : RawFileSource.open(uri, d.path);
    case 'alsa': {
      const src = new ProcessSource(uri, alsaCapture(d.name, rate), proc);
      await src.ready;
      return src;
    }
    case 'oss': {
      const src = new ProcessSource(uri, ossCapture(d.path, rate), proc);
      await src.ready;
      return src;
    }
    case 'portaudio':
      return PortAudioSource.open(uri, d.name, d.index, { rate, drift: options.drift });
  }
}

/**
 * Open a sink: where the audio we receive goes.
 *
 * @example
 * const sink = await openSink('file:call.wav');
 * sink.write(frame);
 * await sink.close();
 */
export async function openSink(uri: string, options: OpenOptions = {}): Promise<AudioSink> {
  const d = parseDeviceUri(uri);
  const rate = options.deviceRate ?? AUDIO_RATE;
  const proc = { rate, env: options.env ?? process.env };
  switch (d.kind) {
    case 'null':
      return new NullSink(uri);
    case 'tone':
    case 'noise':
    case 'silence':
      throw new AudioConfigError(`${uri} is a generator: it can be played from, not recorded to (use null to discard)`);
    case 'file':
      return WavSink.create(uri, d.path);
    case 'raw':
      return d.path === '-' ? RawSink.toStream(uri, options.stdout ?? process.stdout) : RawSink.toFile(uri, d.path);
    case 'alsa': {
      const sink = new ProcessSink(uri, alsaPlayback(d.name, rate), proc);
      await sink.ready;
      return sink;
    }
    case 'oss': {
      const sink = new ProcessSink(uri, ossPlayback(d.path, rate), proc);
      await sink.ready;
      return sink;
    }
    case 'portaudio':
      return PortAudioSink.open(uri, d.name, d.index, { rate });
  }
}

const ALWAYS: AudioDeviceInfo[] = [
  {
    uri: 'file:PATH.wav',
    description: 'WAV file (read: any rate/encoding; write: 8 kHz 16-bit)',
    input: true,
    output: true,
    rates: [8000],
    backend: 'file',
  },
  {
    uri: 'raw:-',
    description: 's16le 8 kHz mono on stdin/stdout (or raw:PATH)',
    input: true,
    output: true,
    rates: [8000],
    backend: 'raw',
  },
  {
    uri: 'tone:440[,880][@-10dBFS]',
    description: 'sine generator',
    input: true,
    output: false,
    rates: [8000],
    backend: 'generator',
  },
  {
    uri: 'noise[@-30dBFS]',
    description: 'white noise generator',
    input: true,
    output: false,
    rates: [8000],
    backend: 'generator',
  },
  { uri: 'silence', description: 'digital silence', input: true, output: false, rates: [8000], backend: 'generator' },
  {
    uri: 'null',
    description: 'discards what is played; gives silence',
    input: true,
    output: true,
    rates: [8000],
    backend: 'generator',
  },
];

/**
 * ALSA PCMs from `aplay -L` / `arecord -L` that open here (none when
 * alsa-utils is missing). `-L` lists every PCM the configuration defines —
 * rate converters, JACK, PulseAudio, up- and down-mixers — most of which
 * cannot be opened on a machine without their card or server; each is
 * opened once for playback and once for capture (an empty write, a
 * one-sample read) and kept only in the directions that worked.
 */
async function listAlsa(env: Readonly<Record<string, string | undefined>>): Promise<AudioDeviceInfo[]> {
  const names = (program: string): Map<string, string> => {
    const path = which(program, env);
    const found = new Map<string, string>();
    if (!path) return found;
    const r = spawnSync(path, ['-L'], { encoding: 'utf8', env: env as NodeJS.ProcessEnv, timeout: 5000 });
    if (r.status !== 0) return found;
    let last: string | undefined;
    for (const line of r.stdout.split('\n')) {
      if (!line.trim()) continue;
      if (!/^\s/.test(line)) {
        last = line.trim();
        found.set(last, '');
      } else if (last !== undefined && !found.get(last)) found.set(last, line.trim());
    }
    return found;
  };
  const out = names('aplay');
  const inp = names('arecord');
  const opens = (program: 'aplay' | 'arecord', pcm: string) =>
    new Promise<boolean>((resolve) => {
      const args = ['-q', '-D', pcm, '-t', 'raw', '-f', 'S16_LE', '-r', '8000', '-c', '1'];
      if (program === 'arecord') args.push('-s', '1');
      execFile(which(program, env)!, [...args, '/dev/null'], { env: env as NodeJS.ProcessEnv, timeout: 3000 }, (e) =>
        resolve(!e),
      );
    });
  const all = [...new Set([...out.keys(), ...inp.keys()])];
  const probed = await Promise.all(
    all.map(async (n) => {
      const [output, input] = await Promise.all([
        out.has(n) ? opens('aplay', n) : false,
        inp.has(n) ? opens('arecord', n) : false,
      ]);
      return { n, output, input };
    }),
  );
  return probed
    .filter((p) => p.output || p.input)
    .map(({ n, output, input }) => ({
      uri: `alsa:${n}`,
      description: out.get(n) || inp.get(n) || n,
      input,
      output,
      rates: [8000, 16000, 44100, 48000],
      backend: 'alsa',
    }));
}

/** OSS devices that exist (`/dev/dsp*`), or that libpulsedsp would provide. */
function listOss(env: Readonly<Record<string, string | undefined>>): AudioDeviceInfo[] {
  const emulated = (env.LD_PRELOAD ?? '').includes('libpulsedsp');
  let paths: string[] = [];
  try {
    paths = readdirSync('/dev')
      .filter((f) => /^dsp\d*$/.test(f))
      .map((f) => `/dev/${f}`);
  } catch {
    // no /dev to look at
  }
  if (paths.length === 0 && emulated) paths.push('/dev/dsp');
  if (!which('sox', env)) return [];
  return paths.map((p) => ({
    uri: `oss:${p}`,
    description: emulated ? 'OSS (through libpulsedsp)' : 'OSS device',
    input: true,
    output: true,
    rates: [8000, 16000, 44100, 48000],
    backend: 'oss',
  }));
}

/**
 * Everything `shtoom devices` shows: ALSA, OSS and PortAudio devices that are
 * there, then the devices that always are.
 */
export async function listDevices(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<AudioDeviceInfo[]> {
  return (await auditAudio(env)).devices;
}

export interface BackendStatus {
  readonly backend: string;
  /** Whether the backend's program or package is there. */
  readonly available: boolean;
  /** What to install, when it is not available. */
  readonly install?: string;
  /** Devices it has that open here (ALSA, OSS, PortAudio); 0 says the backend is there but has none. */
  readonly devices?: number;
}

/** Which backends can be used here, and what to install for the others (PortAudio probed in a child process). */
export async function backendStatus(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<BackendStatus[]> {
  return (await auditAudio(env)).backends;
}

/**
 * The devices and the backends at once (PortAudio is probed once, in a
 * child process): what `shtoom devices` prints.
 *
 * @example
 * const { devices, backends } = await auditAudio();
 * backends.filter((b) => !b.available)
 * // [{ backend: 'portaudio', available: false, install: 'npm install naudiodon2' }]
 */
export async function auditAudio(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ devices: AudioDeviceInfo[]; backends: BackendStatus[] }> {
  const [alsa, pa] = await Promise.all([listAlsa(env), listPortAudioDevices(env)]);
  const oss = listOss(env);
  const count = (backend: string) => ({
    devices: [...alsa, ...oss, ...(pa ?? [])].filter((d) => d.backend === backend).length,
  });
  const listed: { backend: string; available: boolean; install?: string; devices?: number }[] = [
    {
      backend: 'alsa',
      available: !!which('aplay', env) && !!which('arecord', env),
      install: 'apt-get install alsa-utils',
      ...count('alsa'),
    },
    { backend: 'oss', available: !!which('sox', env), install: 'apt-get install sox libsox-fmt-oss', ...count('oss') },
    { backend: 'portaudio', available: pa !== undefined, install: 'npm install naudiodon2', ...count('portaudio') },
    { backend: 'file', available: true },
    { backend: 'raw', available: true },
    { backend: 'generator', available: true },
  ];
  const backends = listed.map((b): BackendStatus => {
    if (!b.available) return { backend: b.backend, available: false, ...(b.install ? { install: b.install } : {}) };
    return { backend: b.backend, available: true, ...(b.devices !== undefined ? { devices: b.devices } : {}) };
  });
  return { devices: [...alsa, ...oss, ...(pa ?? []), ...ALWAYS], backends };
}
