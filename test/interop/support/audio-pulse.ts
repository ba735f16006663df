/**
 * A private PulseAudio server for a test: no sound card, a pipe sink whose
 * FIFO receives what is played (paced in real time by the server's clock)
 * and a pipe source whose FIFO the test fills. Started under `timeout`, with
 * its runtime directory in the test's temporary directory, and stopped by
 * its PID.
 */
import { mkdirSync, chmodSync, existsSync } from 'node:fs';
import { createReadStream, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { requireBinary, startPeer, waitFor, type Peer } from './peers.js';

export interface PulseServer {
  readonly peer: Peer;
  /** Environment that sends PulseAudio clients (and ALSA's pulse plugin) to this server. */
  readonly env: NodeJS.ProcessEnv;
  /** What the pipe sink played; written by the server in real time. */
  readonly sinkFifo: string;
  /** What the pipe source captures; the test writes it. */
  readonly sourceFifo: string;
  stop(): Promise<void>;
}

function pactl(env: NodeJS.ProcessEnv, args: string[]): string {
  const r = spawnSync(requireBinary('pactl'), args, { env, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`pactl ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export async function startPulse(dir: string): Promise<PulseServer> {
  const runtime = join(dir, 'pulse-runtime');
  mkdirSync(runtime, { recursive: true });
  chmodSync(runtime, 0o700);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_RUNTIME_DIR: runtime,
    HOME: dir,
    PULSE_SERVER: `unix:${join(runtime, 'pulse', 'native')}`,
  };
  const peer = startPeer(
    'pulseaudio',
    [
      '-n',
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      '--log-target=stderr',
      '-L',
      'module-native-protocol-unix auth-anonymous=1',
      '-L',
      'module-null-sink sink_name=shtoom_null format=s16le rate=8000 channels=1',
      '-L',
      'module-always-sink',
    ],
    { env, timeoutSec: 120 },
  );
  const socket = join(runtime, 'pulse', 'native');
  await waitFor(
    () => existsSync(socket) && spawnSync(requireBinary('pactl'), ['info'], { env, timeout: 5000 }).status === 0,
    'PulseAudio to answer',
  );
  const sinkFifo = join(dir, 'sink.fifo');
  const sourceFifo = join(dir, 'source.fifo');
  // The pipe modules make their FIFOs themselves.
  pactl(env, [
    'load-module',
    'module-pipe-sink',
    'sink_name=shtoom_pipe',
    `file=${sinkFifo}`,
    'format=s16le',
    'rate=8000',
    'channels=1',
    'use_system_clock_for_timing=yes',
  ]);
  pactl(env, [
    'load-module',
    'module-pipe-source',
    'source_name=shtoom_pipe_src',
    `file=${sourceFifo}`,
    'format=s16le',
    'rate=8000',
    'channels=1',
  ]);
  pactl(env, ['set-default-sink', 'shtoom_pipe']);
  pactl(env, ['set-default-source', 'shtoom_pipe_src']);
  return {
    peer,
    env,
    sinkFifo,
    sourceFifo,
    async stop() {
      await peer.stop();
    },
  };
}

/** Collect what the pipe sink plays (the server paces it in real time). */
export function readSink(fifo: string): { stream: ReadStream; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = createReadStream(fifo);
  stream.on('data', (b) => chunks.push(b as Buffer));
  stream.on('error', () => undefined);
  return { stream, bytes: () => Buffer.concat(chunks) };
}
