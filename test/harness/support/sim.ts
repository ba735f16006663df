/**
 * Engine test helpers: whole scenarios against the IVR simulator in virtual
 * time, a speech stand-in for prompts, and a recogniser fake that answers
 * from a script (the real recogniser is exercised in test/asr and in the
 * examples test).
 */
import type { Recognition, RecognitionRequest, Recogniser } from '../../../src/asr/recogniser.js';
import type { CodecId } from '../../../src/codecs/codec.js';
import type { EngineEnv } from '../../../src/harness/engine/context.js';
import type { ScenarioResult } from '../../../src/harness/engine/results.js';
import { runScenario } from '../../../src/harness/engine/runner.js';
import type { Scenario } from '../../../src/harness/scenario/types.js';
import type { IvrScript } from '../../../src/harness/sim/far-end.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { Random } from '../../../src/sim/random.js';

/** A stand-in for a spoken prompt: `ms` of voiced sound (harmonics of a wobbling pitch), seeded. */
export function speechLike(ms: number, seed = 1): Int16Array {
  const rnd = new Random(seed);
  const n = Math.round(ms * 8);
  const out = new Int16Array(n);
  const f0 = 110 + rnd.int(60);
  let ph = 0;
  for (let i = 0; i < n; i++) {
    const f = f0 * (1 + 0.05 * Math.sin((2 * Math.PI * i) / 2400));
    ph += (2 * Math.PI * f) / 8000;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(h * ph + h) / h;
    const env = Math.min(1, i / 400, (n - i) / 400) * (0.6 + 0.4 * Math.sin((2 * Math.PI * i) / 1800));
    out[i] = Math.round(4000 * env * v);
  }
  return out;
}

/** Answers each recognition with the next scripted transcript, and remembers what it was asked. */
export class ScriptedRecogniser implements Recogniser {
  readonly name = 'scripted';
  /** The requests that chose among phrases. */
  readonly requests: RecognitionRequest[] = [];
  /** Free transcriptions asked for. */
  frees = 0;
  /** What happened, in order: `choose N` for a choice asked for, `heard N` for a free transcription given. */
  readonly log: string[] = [];
  /** Real milliseconds each free transcription takes (0: at once). */
  transcriptionMs = 0;
  private last = '';
  /**
   * `texts`: what each choice among phrases returns, in turn; `heard`: what
   * each free transcription returns (default: the last choice, in capitals so
   * a test can tell the two apart).
   */
  constructor(
    private readonly texts: string[],
    private readonly heard?: string[],
  ) {}
  async check(): Promise<void> {}
  async recognise(audio: Int16Array, request: RecognitionRequest = {}): Promise<Recognition> {
    const free = !request.phrases;
    let text: string;
    if (free) {
      const n = ++this.frees;
      text = this.heard ? (this.heard.shift() ?? '') : this.last.toUpperCase();
      if (this.transcriptionMs > 0) await new Promise((resolve) => setTimeout(resolve, this.transcriptionMs));
      this.log.push(`heard ${n}`);
    } else {
      this.requests.push(request);
      this.log.push(`choose ${this.requests.length}`);
      text = this.last = this.texts.shift() ?? '';
    }
    const mode = free ? 'free' : 'grammar';
    return { text, words: [], mode, audioMs: audio.length / 8, elapsedMs: 1, engine: this.name };
  }
}

export interface SimRun {
  readonly result: ScenarioResult;
  readonly vt: VirtualTime;
  readonly port: IvrSimulator;
}

/** Run `scenario` against `script` in virtual time. */
export async function runSim(
  scenario: Scenario,
  script: IvrScript,
  options: { codecs?: CodecId[]; lossRate?: number; env?: Partial<EngineEnv> } = {},
): Promise<SimRun> {
  const vt = new VirtualTime();
  const port = new IvrSimulator({
    clock: vt.clock,
    timers: vt.timers,
    hold: vt.hold,
    script,
    ...(options.codecs ? { codecs: options.codecs } : {}),
    ...(options.lossRate ? { lossRate: options.lossRate } : {}),
  });
  const result = await vt.run(() =>
    runScenario(scenario, { port, clock: vt.clock, timers: vt.timers, hold: vt.hold, ...options.env }),
  );
  return { result, vt, port };
}
