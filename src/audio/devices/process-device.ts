/**
 * Devices served by a helper process that speaks raw s16le on a pipe: ALSA
 * through `aplay`/`arecord` (alsa-utils) and OSS through `sox -t oss` (sox
 * does the `SNDCTL_DSP_*` ioctls plain Node cannot). The helper opens the
 * device at `rate` (8 kHz by default; other rates go through the resampler
 * here) and runs on the device's clock: captured audio goes into a
 * `DriftBuffer` that the media clock drains a frame at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { AUDIO_RATE, type AudioSink, type AudioSource } from '../device.js';
import type { DriftBufferOptions } from '../drift-buffer.js';
import { AudioDeviceError, BackendMissingError } from '../errors.js';
import { CaptureInput } from './capture-input.js';
import { PlaybackOutput } from './playback-output.js';
import { which } from './which.js';

export interface HelperCommand {
  readonly backend: string;
  readonly program: string;
  readonly args: readonly string[];
  /** What to install when the program is missing. */
  readonly install: string;
}

export interface ProcessDeviceOptions {
  /** The rate the helper opens the device at (default 8000). */
  readonly rate?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly drift?: DriftBufferOptions | undefined;
}

/** Shared life cycle: start the helper, notice when it fails, stop it by its PID. */
abstract class HelperProcess {
  protected readonly child: ChildProcess;
  private stderr = '';
  /** Why the helper stopped, once it has. */
  failure: AudioDeviceError | undefined;
  exited = false;
  /** Resolves once the helper process runs (rejects if it cannot start). */
  readonly ready: Promise<void>;
  private readonly exitPromise: Promise<void>;

  constructor(
    readonly uri: string,
    cmd: HelperCommand,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    const path = which(cmd.program, env);
    if (!path) throw new BackendMissingError(cmd.backend, cmd.install);
    this.child = spawn(path, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'], env: env as NodeJS.ProcessEnv });
    this.child.stderr!.on('data', (b: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += b.toString();
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('spawn', () => resolve());
      this.child.once('error', (err) =>
        reject(new AudioDeviceError(`${uri}: cannot start ${cmd.program}: ${err.message}`)),
      );
    });
    this.ready.catch(() => undefined);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exited = true;
        if (!this.closing && (code !== 0 || signal)) {
          // One line: the helper's messages joined (ALSA names the device in the first, aplay says what failed in the
          // last).
          const lines = this.stderr
            .trim()
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
          const why = lines.slice(-3).join('; ') || `exit ${code ?? signal}`;
          this.failure = new AudioDeviceError(`${uri}: ${cmd.program} stopped: ${why}`);
        }
        resolve();
      });
      this.child.once('error', () => resolve());
    });
  }

  protected closing = false;

  /** Wait for the helper to end, ending it by its PID after `graceMs`. */
  protected async stop(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.exited || this.child.pid === undefined) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    timer.unref();
    await this.exitPromise;
    clearTimeout(timer);
  }
}

/**
 * Captures from a helper's stdout.
 *
 * @example
 * const src = new ProcessSource('alsa:default', alsaCapture('default', 8000), {});
 * await src.ready;
 * src.read(frame); // every 20 ms
 */
export class ProcessSource extends HelperProcess implements AudioSource {
  private readonly input: CaptureInput;

  constructor(uri: string, cmd: HelperCommand, options: ProcessDeviceOptions = {}) {
    super(uri, cmd, options.env ?? process.env);
    this.input = new CaptureInput(options.rate ?? AUDIO_RATE, options.drift);
    this.child.stdout!.on('data', (b: Buffer) => this.input.push(b));
  }

  /** Drift and underrun counts. */
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

  /** Stop capturing. A helper blocked in a read may ignore SIGTERM (arecord does), so SIGKILL follows soon. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.exited) this.child.kill('SIGTERM');
    await this.stop(300);
  }
}

/** Plays into a helper's stdin. */
export class ProcessSink extends HelperProcess implements AudioSink {
  private readonly output: PlaybackOutput;

  constructor(uri: string, cmd: HelperCommand, options: ProcessDeviceOptions = {}) {
    super(uri, cmd, options.env ?? process.env);
    this.output = new PlaybackOutput(options.rate ?? AUDIO_RATE);
    this.child.stdin!.on('error', () => undefined); // reported through `failure` when the helper exits
  }

  write(frame: Int16Array): void {
    if (this.failure) throw this.failure;
    if (this.exited || this.closing) return;
    this.child.stdin!.write(this.output.encode(frame));
  }

  /** Let the helper play out what it has, then end it (after at most `graceMs`). */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    this.child.stdin!.end();
    await this.stop(graceMs);
    if (this.failure) throw this.failure;
  }
}

const RAW = (rate: number) => ['-t', 'raw', '-f', 'S16_LE', '-r', String(rate), '-c', '1'];
const ALSA_INSTALL = 'apt-get install alsa-utils (for aplay and arecord)';

/** 20 ms periods in an 80 ms buffer: low latency, and captured audio arrives in frame-sized pieces. */
const PERIODS = ['--period-time=20000', '--buffer-time=80000'];

export function alsaPlayback(name: string, rate: number): HelperCommand {
  return {
    backend: 'alsa',
    program: 'aplay',
    args: ['-q', '-D', name, ...PERIODS, ...RAW(rate), '-'],
    install: ALSA_INSTALL,
  };
}

export function alsaCapture(name: string, rate: number): HelperCommand {
  return {
    backend: 'alsa',
    program: 'arecord',
    args: ['-q', '-D', name, ...PERIODS, ...RAW(rate), '-'],
    install: ALSA_INSTALL,
  };
}

const SOX_RAW = (rate: number) => [
  '-t',
  'raw',
  '-r',
  String(rate),
  '-e',
  'signed-integer',
  '-b',
  '16',
  '-c',
  '1',
  '-L',
];
const OSS_INSTALL = 'apt-get install sox libsox-fmt-oss (sox drives /dev/dsp for shtoom)';

/** sox's arguments for an OSS device: 16-bit signed mono at `rate`. */
const SOX_OSS = (path: string, rate: number): string[] => [
  '-t',
  'oss',
  '-r',
  String(rate),
  '-e',
  'signed-integer',
  '-b',
  '16',
  '-c',
  '1',
  path,
];

export function ossPlayback(path: string, rate: number): HelperCommand {
  return {
    backend: 'oss',
    program: 'sox',
    args: ['-q', '-D', ...SOX_RAW(rate), '-', ...SOX_OSS(path, rate)],
    install: OSS_INSTALL,
  };
}

export function ossCapture(path: string, rate: number): HelperCommand {
  return {
    backend: 'oss',
    program: 'sox',
    args: ['-q', '-D', ...SOX_OSS(path, rate), ...SOX_RAW(rate), '-'],
    install: OSS_INSTALL,
  };
}
