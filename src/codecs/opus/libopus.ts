/**
 * libopus, as the WebAssembly build the optional npm package `@evan/opus`
 * ships (its `wasm/simd.wasm`, or `wasm/opus.wasm` where WebAssembly SIMD
 * is missing), instantiated here once per process and driven through the
 * C API it exports: `opus_encode`, `opus_decode` with its `decode_fec`
 * flag and NULL-packet concealment, and the encoder and decoder CTLs.
 * The package's own JavaScript wrapper is not used: it allocates on every
 * call and does not expose FEC or concealment.
 *
 * Loaded on first use; when the package is not installed `loadLibopus`
 * throws `CodecUnavailableError` saying what to install, and
 * `libopusMissing()` says so without throwing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CodecUnavailableError } from '../errors.js';

export const OPUS_PACKAGE = '@evan/opus';

/** The parts of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** The C API of the WebAssembly module (pointers are byte offsets into its memory). */
interface OpusExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  malloc(bytes: number): number;
  free(ptr: number): void;
  opus_strerror(code: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, rate: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_encoder_ctl_get(st: number, request: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, rate: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, decodeFec: number): number;
  opus_decoder_ctl_set(st: number, request: number, value: number): number;
  opus_decoder_ctl_get(st: number, request: number): number;
  _initialize?(): void;
}

/** libopus request and constant numbers (opus_defines.h). */
export const OPUS = {
  APPLICATION_VOIP: 2048,
  SET_BITRATE: 4002,
  GET_BITRATE: 4003,
  SET_MAX_BANDWIDTH: 4004,
  SET_VBR: 4006,
  GET_VBR: 4007,
  SET_INBAND_FEC: 4012,
  GET_INBAND_FEC: 4013,
  SET_PACKET_LOSS_PERC: 4014,
  GET_PACKET_LOSS_PERC: 4015,
  GET_MAX_BANDWIDTH: 4005,
  SET_SIGNAL: 4024,
  GET_LOOKAHEAD: 4027,
  SIGNAL_VOICE: 3001,
  BANDWIDTH_NARROWBAND: 1101,
  BANDWIDTH_MEDIUMBAND: 1102,
  BANDWIDTH_WIDEBAND: 1103,
  BANDWIDTH_SUPERWIDEBAND: 1104,
  BANDWIDTH_FULLBAND: 1105,
} as const;

/** The loaded module: its exports and byte and sample views of its memory, renewed when the memory grows. */
export class Libopus {
  private u8: Uint8Array;
  private i16: Int16Array;

  constructor(readonly api: OpusExports) {
    this.u8 = new Uint8Array(api.memory.buffer);
    this.i16 = new Int16Array(api.memory.buffer);
  }

  /** The module's memory as bytes (a new view after the memory grew). */
  bytes(): Uint8Array {
    if (this.u8.buffer !== this.api.memory.buffer) this.renew();
    return this.u8;
  }

  /** The module's memory as 16-bit samples (index = byte offset / 2). */
  samples(): Int16Array {
    if (this.i16.buffer !== this.api.memory.buffer) this.renew();
    return this.i16;
  }

  /** libopus's text for a negative return code. */
  error(code: number): string {
    const bytes = this.bytes();
    let end = this.api.opus_strerror(code);
    const start = end;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return `${new TextDecoder().decode(bytes.subarray(start, end))} (${code})`;
  }

  /** malloc that fails loudly. */
  alloc(bytes: number): number {
    const p = this.api.malloc(bytes);
    if (p === 0) throw new CodecUnavailableError('opus', `libopus could not allocate ${bytes} bytes`);
    return p;
  }

  private renew(): void {
    this.u8 = new Uint8Array(this.api.memory.buffer);
    this.i16 = new Int16Array(this.api.memory.buffer);
  }
}

let loaded: Libopus | undefined;
let missing: string | undefined;

function wasmPath(): string {
  const require = createRequire(import.meta.url);
  // The same probe the package makes: a module with one SIMD instruction.
  const simd = wasm.validate(
    Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11),
  );
  return require.resolve(`${OPUS_PACKAGE}/wasm/${simd ? 'simd' : 'opus'}.wasm`);
}

/**
 * libopus, loaded on first call (synchronously: about 20 ms once).
 * @throws CodecUnavailableError when the optional package is not installed or does not load.
 */
export function loadLibopus(): Libopus {
  if (loaded) return loaded;
  if (missing !== undefined) throw new CodecUnavailableError('opus', missing);
  try {
    const module = new wasm.Module(readFileSync(wasmPath()));
    const instance = new wasm.Instance(module, {
      // Standalone libopus prints nothing and never exits; these imports are never called with effect.
      wasi_snapshot_preview1: { fd_seek: () => 0, fd_write: () => 0, fd_close: () => 0, proc_exit: () => {} },
      env: { emscripten_notify_memory_growth: () => {} },
    });
    const api = instance.exports as unknown as OpusExports;
    api._initialize?.();
    loaded = new Libopus(api);
    return loaded;
  } catch (err) {
    missing =
      `Opus needs the optional package ${OPUS_PACKAGE} (libopus as WebAssembly), which is not installed or does ` +
      `not load: npm install ${OPUS_PACKAGE} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    throw new CodecUnavailableError('opus', missing, { cause: err });
  }
}

/** Why Opus cannot be used here (the package is missing or broken), or undefined when libopus loads. */
export function libopusMissing(): string | undefined {
  try {
    loadLibopus();
    return undefined;
  } catch (err) {
    return err instanceof CodecUnavailableError ? err.reason : String(err);
  }
}
