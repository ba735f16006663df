/**
 * `portaudio:NAME` or `portaudio:INDEX` through naudiodon2 (PortAudio 19.7,
 * with its ALSA and OSS host APIs), an optional dependency loaded only when
 * such a device is opened or listed.
 *
 * Why naudiodon2 rather than naudiodon: the same API over a newer bundled
 * PortAudio (19.7 against 19.6), still maintained, and it builds in half the
 * time; both pass the same byte-exact tests on the headless ALSA devices.
 */
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AUDIO_RATE, type AudioDeviceInfo, type AudioSink, type AudioSource } from '../device.js';
import type { DriftBufferOptions } from '../drift-buffer.js';
import { CaptureInput } from './capture-input.js';
import { PlaybackOutput } from './playback-output.js';
import { AudioConfigError, AudioDeviceError, BackendMissingError } from '../errors.js';

interface PaDevice {
  id: number;
  name: string;
  maxInputChannels: number;
  maxOutputChannels: number;
  defaultSampleRate: number;
  hostAPIName: string;
}

interface PaStreamOptions {
  channelCount: number;
  sampleFormat: number;
  sampleRate: number;
  deviceId: number;
  closeOnError: boolean;
  highwaterMark?: number;
}

interface PaStream {
  start(): void;
  quit(): Promise<void>;
}

interface Naudiodon {
  getDevices(): PaDevice[];
  SampleFormat16Bit: number;
  AudioIO(options: { inOptions?: PaStreamOptions; outOptions?: PaStreamOptions }): PaStream & (Readable | Writable);
}

const PACKAGE = 'naudiodon2';
let loaded: Promise<Naudiodon> | undefined;

/** Load naudiodon2 once; a missing or broken install becomes one line saying what to install. */
export function loadPortAudio(): Promise<Naudiodon> {
  loaded ??= (async () => {
    try {
      const name = PACKAGE; // not a literal: the package is optional
      const mod = (await import(name)) as { default?: Naudiodon } & Naudiodon;
      return mod.default ?? mod;
    } catch (err) {
      loaded = undefined;
      throw new BackendMissingError('portaudio', `npm install ${PACKAGE} (needs a C++ toolchain and libasound2-dev)`, {
        cause: err,
      });
    }
  })();
  return loaded;
}

function pick(devices: PaDevice[], name: string, index: number | undefined, input: boolean): PaDevice {
  const usable = (d: PaDevice) => (input ? d.maxInputChannels : d.maxOutputChannels) > 0;
  const found =
    index !== undefined
      ? devices.find((d) => d.id === index)
      : name === 'default'
        ? devices.find(usable)
        : (devices.find((d) => d.name === name) ?? devices.find((d) => d.name.startsWith(name)));
  if (!found || !usable(found)) {
    const list = devices.filter(usable).map((d) => `${d.id}: ${d.name}`);
    throw new AudioConfigError(
      `no PortAudio ${input ? 'input' : 'output'} device "${index ?? name}"; there are: ${list.join(', ') || 'none'}`,
    );
  }
  return found;
}

export interface PortAudioOptions {
  readonly rate?: number;
  readonly drift?: DriftBufferOptions | undefined;
}

/**
 * Captures from a PortAudio device.
 *
 * @example
 * const src = await PortAudioSource.open('portaudio:default', 'default');
 */
export class PortAudioSource implements AudioSource {
  private readonly input: CaptureInput;
  private failure: AudioDeviceError | undefined;

  private constructor(
    readonly uri: string,
    private readonly stream: PaStream & Readable,
    rate: number,
    drift?: DriftBufferOptions,
  ) {
    this.input = new CaptureInput(rate, drift);
    stream.on('data', (b: Buffer) => this.input.push(b));
    stream.on('error', (err: Error) => (this.failure = new AudioDeviceError(`${uri}: ${err.message}`)));
  }

  static async open(
    uri: string,
    name: string,
    index?: number,
    options: PortAudioOptions = {},
  ): Promise<PortAudioSource> {
    const pa = await loadPortAudio();
    const dev = pick(pa.getDevices(), name, index, true);
    const rate = options.rate ?? AUDIO_RATE;
    let stream: PaStream & Readable;
    try {
      stream = pa.AudioIO({
        inOptions: {
          channelCount: 1,
          sampleFormat: pa.SampleFormat16Bit,
          sampleRate: rate,
          deviceId: dev.id,
          closeOnError: false,
        },
      }) as PaStream & Readable;
    } catch (err) {
      throw new AudioDeviceError(`${uri}: cannot open ${dev.name} at ${rate} Hz: ${(err as Error).message}`);
    }
    const src = new PortAudioSource(uri, stream, rate, options.drift);
    stream.start();
    return src;
  }

  get stats() {
    return this.input.stats;
  }

  /** 8 kHz samples captured and not yet read. */
  get buffered(): number {
    return this.input.buffered;
  }

  read(frame: Int16Array): boolean {
    return this.input.read(frame, this.failure);
  }

  async close(): Promise<void> {
    // naudiodon2's abort() passes quit() a callback it refuses; quit() stops the stream.
    this.stream.pause();
    await withTimeout(
      this.stream.quit().then(() => true),
      5000,
      false,
    );
  }
}

/** Plays to a PortAudio device. */
export class PortAudioSink implements AudioSink {
  private failure: AudioDeviceError | undefined;
  private readonly output: PlaybackOutput;

  private constructor(
    readonly uri: string,
    private readonly stream: PaStream & Writable,
    rate: number,
  ) {
    this.output = new PlaybackOutput(rate);
    stream.on('error', (err: Error) => (this.failure = new AudioDeviceError(`${uri}: ${err.message}`)));
  }

  static async open(uri: string, name: string, index?: number, options: PortAudioOptions = {}): Promise<PortAudioSink> {
    const pa = await loadPortAudio();
    const dev = pick(pa.getDevices(), name, index, false);
    const rate = options.rate ?? AUDIO_RATE;
    let stream: PaStream & Writable;
    try {
      stream = pa.AudioIO({
        outOptions: {
          channelCount: 1,
          sampleFormat: pa.SampleFormat16Bit,
          sampleRate: rate,
          deviceId: dev.id,
          closeOnError: false,
        },
      }) as PaStream & Writable;
    } catch (err) {
      throw new AudioDeviceError(`${uri}: cannot open ${dev.name} at ${rate} Hz: ${(err as Error).message}`);
    }
    const sink = new PortAudioSink(uri, stream, rate);
    stream.start();
    return sink;
  }

  write(frame: Int16Array): void {
    if (this.failure) throw this.failure;
    this.stream.write(this.output.encode(frame));
  }

  /**
   * Play out what is queued, then stop. naudiodon2 stops the stream itself
   * once the last write is done (it calls `quit` on 'finish' and then emits
   * 'finished'); calling `quit` a second time can hang it, so this only waits
   * for that, and stops the stream itself only if the device has not taken
   * its audio within `graceMs`. It never waits longer than twice `graceMs`.
   */
  async close(graceMs = 5000): Promise<void> {
    const finished = new Promise<boolean>((resolve) => {
      this.stream.once('finished', () => resolve(true));
      this.stream.end();
    });
    if (await withTimeout(finished, graceMs, false)) return;
    await withTimeout(
      this.stream.quit().then(() => true),
      graceMs,
      false,
    );
  }
}

/** `p`, or `fallback` after `ms`. */
async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * PortAudio's devices, for `shtoom devices` (undefined when naudiodon2 is
 * not installed or does not load). PortAudio's start-up probes every ALSA card and libasound
 * reports each one missing on stderr; a listing is done in a child process
 * whose stderr is dropped, so the user sees the list and not that noise.
 */
export async function listPortAudioDevices(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<AudioDeviceInfo[] | undefined> {
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve(PACKAGE)).href;
  } catch {
    return undefined;
  }
  const script =
    `import(${JSON.stringify(entry)}).then((m) => { const pa = m.default ?? m; ` +
    `process.stdout.write(JSON.stringify(pa.getDevices())); process.exit(0); }, () => process.exit(3));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: env as NodeJS.ProcessEnv,
    timeout: 15_000,
  });
  if (r.status !== 0) return undefined;
  let devices: PaDevice[];
  try {
    devices = JSON.parse(r.stdout) as PaDevice[];
  } catch {
    return undefined;
  }
  return devices.map((d) => ({
    uri: `portaudio:${d.id}`,
    description: `${d.name} (${d.hostAPIName})`,
    input: d.maxInputChannels > 0,
    output: d.maxOutputChannels > 0,
    rates: [...new Set([8000, 16000, 44100, 48000, d.defaultSampleRate])].sort((a, b) => a - b),
    backend: 'portaudio',
  }));
}
