/**
 * Logging for the whole program: five levels, a component name per layer,
 * structured fields, and one sink that renders human lines on stderr
 * (coloured on a terminal) or JSON lines for machines.
 *
 * Cores never log from their hot paths unless the level is enabled; check
 * `log.enabled('trace')` before building an expensive message.
 */
import type { ChalkInstance } from 'chalk';

export const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LEVELS)[number];

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

export interface LogRecord {
  readonly time: number; // ms since the epoch
  readonly level: LogLevel;
  readonly component: string | undefined;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

export interface LogSink {
  write(record: LogRecord): void;
}

export class Logger {
  constructor(
    private readonly sink: LogSink,
    readonly level: LogLevel = 'info',
    readonly component?: string,
  ) {}

  /** A logger for a part of the program: its lines carry the component name. */
  child(component: string): Logger {
    return new Logger(this.sink, this.level, this.component ? `${this.component}.${component}` : component);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] <= RANK[this.level];
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  trace(msg: string, fields?: Record<string, unknown>): void {
    this.log('trace', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    this.sink.write({ time: Date.now(), level, component: this.component, msg, fields });
  }
}

/** A logger that drops everything: the default for library users who pass none. */
export const silentLogger = new Logger({ write() {} }, 'error');

export interface StreamSinkOptions {
  /** Colours for human lines; `undefined` writes plain text. */
  readonly chalk?: ChalkInstance;
  /** Write one JSON object per line instead of human text. */
  readonly json?: boolean;
}

/** A sink writing to a stream (stderr for the CLI). */
export function streamSink(stream: { write(s: string): unknown }, opts: StreamSinkOptions = {}): LogSink {
  return {
    write(r) {
      stream.write((opts.json ? formatJson(r) : formatHuman(r, opts.chalk)) + '\n');
    },
  };
}

/** A sink that keeps records in memory (tests). */
export class MemorySink implements LogSink {
  readonly records: LogRecord[] = [];
  write(record: LogRecord): void {
    this.records.push(record);
  }
  lines(): string[] {
    return this.records.map((r) => formatHuman(r));
  }
}

export function formatJson(r: LogRecord): string {
  return JSON.stringify({
    time: new Date(r.time).toISOString(),
    level: r.level,
    ...(r.component ? { component: r.component } : {}),
    msg: r.msg,
    ...r.fields,
  });
}

const LEVEL_TEXT: Record<LogLevel, string> = {
  error: 'ERROR',
  warn: 'WARN ',
  info: 'INFO ',
  debug: 'DEBUG',
  trace: 'TRACE',
};

export function formatHuman(r: LogRecord, c?: ChalkInstance): string {
  const d = new Date(r.time);
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${ms}`;
  let level = LEVEL_TEXT[r.level];
  if (c) {
    const paint = { error: c.red.bold, warn: c.yellow, info: c.green, debug: c.blue, trace: c.gray }[r.level];
    level = paint(level);
  }
  const comp = r.component ? `${c ? c.cyan(r.component) : r.component}: ` : '';
  const fields = r.fields ? formatFields(r.fields) : '';
  const head = `${c ? c.gray(time) : time} ${level} ${comp}${r.msg}${fields}`;
  return head;
}

function formatFields(fields: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (typeof v === 'string' && v.includes('\n')) {
      // Multi-line values (SIP messages at trace level) go below the line, indented.
      out += `\n  ${k}:\n` + v.replace(/\r?\n$/, '').replace(/^/gm, '    ');
      continue;
    }
    out += ` ${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`;
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
