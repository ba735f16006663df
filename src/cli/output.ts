/**
 * Command results on stdout: one JSON document with --json, human text
 * otherwise (coloured on a terminal unless NO_COLOR or --color never).
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Writable {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

export class Output {
  constructor(
    private readonly stream: Writable,
    /** Whether results are printed as JSON. */
    readonly json: boolean,
    /** Colours for human text (level 0 when colour is off). */
    readonly chalk: ChalkInstance,
  ) {}

  /** Whether this is an interactive terminal (live progress lines are only drawn there). */
  get isTTY(): boolean {
    return this.stream.isTTY === true && !this.json;
  }

  /** A result: `value` as JSON with --json, else what `human` renders. */
  data(value: unknown, human: (c: ChalkInstance) => string): void {
    if (this.json) this.stream.write(JSON.stringify(value, null, 2) + '\n');
    else this.line(human(this.chalk));
  }

  /** A line of human output (suppressed with --json, where stdout holds only the JSON). */
  line(text: string): void {
    if (!this.json) this.stream.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Write raw text regardless of --json (e.g. TAP on stdout). */
  raw(text: string): void {
    this.stream.write(text);
  }
}

/** Colour level for a stream: `auto` colours only a terminal without NO_COLOR. */
export function colorLevel(
  mode: 'auto' | 'always' | 'never',
  stream: Writable,
  env: Readonly<Record<string, string | undefined>>,
): 0 | 1 | 2 | 3 {
  if (mode === 'never') return 0;
  if (mode === 'always') return env.COLORTERM === 'truecolor' ? 3 : 2;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (stream.isTTY !== true) return 0;
  if (env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' ? 3 : 2;
}

export function makeChalk(level: 0 | 1 | 2 | 3): ChalkInstance {
  return new Chalk({ level });
}
