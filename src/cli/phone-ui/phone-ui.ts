/**
 * The full-screen terminal phone (`shtoom phone` on a terminal): the view
 * model fed by the phone core's events and `update`s, keys through the pure
 * reducer, commands to the core, the frame redrawn after each change and
 * once a second (durations, levels), the terminal bell while a call waits
 * to be answered, and preferences saved to the ini file. It uses the core
 * only: its commands, events and call list.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PhoneCore } from '../../app/phone-core/phone-core.js';
import { formatHuman, type LogRecord, type LogSink } from '../../log/logger.js';
import { readIni, setIniValue } from '../../options/ini-file.js';
import { describeFsError } from '../../options/load.js';
import type { EffectiveOptions } from '../../options/resolve.js';
import { formatValue } from '../../options/values.js';
import type { Input } from '../command.js';
import { runCommand } from '../phone/phone-commands.js';
import type { PrintedEvent } from '../phone/phone-output.js';
import { reduceKey, type Key, type UiAction } from './keys.js';
import { initialState, logged, onEvent, onUpdate, ringing, withCalls, type UiState } from './model.js';
import { checkPreference, preferenceRows } from './preferences.js';
import { render } from './render.js';
import { Terminal, type Screen } from './terminal.js';

/** The bell rings again every this many seconds while a call waits (the ring cadence's period). */
const BELL_EVERY_S = 6;

export interface PhoneUiOptions {
  readonly core: PhoneCore;
  readonly stdin: Input;
  readonly stdout: Screen;
  /** The effective options: the preferences screen lists the phone's. */
  readonly options: EffectiveOptions;
  /** The ini file preferences are saved to. */
  readonly configFile: string;
  readonly registering: boolean;
}

/**
 * Log records shown in the UI's message pane while it runs (stderr would
 * scribble over the screen), and written to `after` before and after.
 */
export class UiLogSink implements LogSink {
  private target: ((line: string) => void) | undefined;
  constructor(private readonly after: (line: string) => void) {}
  write(r: LogRecord): void {
    const line = formatHuman(r).replace(/\n$/, '');
    if (this.target) this.target(line);
    else this.after(`${line}\n`);
  }
  to(target: ((line: string) => void) | undefined): void {
    this.target = target;
  }
}

export class PhoneUi {
  private state: UiState;
  private readonly terminal: Terminal;
  private readonly timer: NodeJS.Timeout;
  private drawPending = false;
  private ringSeconds = 0;
  private quit!: () => void;
  /** Resolves when the user quits (`q`, Ctrl-C). */
  readonly done: Promise<void>;

  constructor(private readonly o: PhoneUiOptions) {
    this.done = new Promise((resolve) => {
      this.quit = resolve;
    });
    this.state = initialState({
      configFile: o.configFile,
      preferences: preferenceRows(o.options),
      registering: o.registering,
    });
    this.terminal = new Terminal(
      o.stdin,
      o.stdout,
      (k) => this.key(k),
      () => this.draw(),
    );
    o.core.on('update', (info) => this.set(onUpdate(this.state, info)));
    this.timer = setInterval(() => this.tick(), 1000);
    this.draw();
  }

  /**
   * The terminal closed (SIGHUP: SSH dropped, the window closed): quit as `q`
   * would, the calls ending with BYE, without drawing on the terminal that is
   * gone. Said again (one SIGHUP from the kernel, one passed on by a parent)
   * it changes nothing.
   */
  hangup(): void {
    this.terminal.gone();
    this.quit();
  }

  /** One of the core's events (or `ready`, or an error the command met). */
  event(e: PrintedEvent): void {
    if (e.event === 'incoming') {
      this.terminal.bell();
      this.ringSeconds = 0;
    }
    this.set(onEvent(this.state, e, Date.now()));
  }

  /** A line for the message pane (a log record). */
  log(line: string): void {
    this.set(logged(this.state, line));
  }

  close(): void {
    clearInterval(this.timer);
    this.terminal.close();
  }

  private set(next: UiState): void {
    this.state = next;
    this.draw();
  }

  private draw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    setImmediate(() => {
      this.drawPending = false;
      this.terminal.draw(render(this.state, this.terminal.size));
    });
  }

  private tick(): void {
    this.set(withCalls(this.state, this.o.core.calls()));
    if (ringing(this.state) && ++this.ringSeconds % BELL_EVERY_S === 0) this.terminal.bell();
  }

  private key(k: Key): void {
    const r = reduceKey(this.state, k);
    this.state = r.state;
    for (const a of r.actions) this.act(a);
    this.draw();
  }

  private act(a: UiAction): void {
    switch (a.kind) {
      case 'command':
        try {
          const r = runCommand(this.o.core, a.command);
          if (r.kind === 'quit') this.quit();
        } catch (err) {
          this.state = logged(
            { ...this.state, note: `error: ${(err as Error).message}` },
            `error: ${(err as Error).message}`,
          );
        }
        return;
      case 'save':
        this.save(a.id, a.raw);
        return;
      case 'interrupt':
        // Raw mode takes Ctrl-C from the terminal: raise the SIGINT it would have sent, so that the
        // command's own handling applies (the first ends the calls gracefully, a second hurries).
        process.kill(process.pid, 'SIGINT');
        return;
      case 'quit':
        this.quit();
        return;
      case 'redraw':
        this.terminal.invalidate();
        return;
    }
  }

  /** Write one option to the ini file, keeping the rest of it; what it did or why not goes on the note line. */
  private save(id: string, raw: string): void {
    const rows = this.state.preferences;
    const row = rows.find((r) => r.spec.id === id);
    if (!row) return;
    const checked = checkPreference(row.spec, raw);
    if (!checked.ok) {
      this.state = { ...this.state, note: checked.message };
      return;
    }
    const file = this.o.configFile;
    try {
      let text = '';
      // The file keeps its mode (one holding a password stays private); a new one is private if this is a secret.
      let mode = row.spec.secret ? 0o600 : 0o644;
      try {
        text = readFileSync(file, 'utf8');
        mode = statSync(file).mode & 0o777;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const next = setIniValue(text, row.spec, checked.value);
      // The file must still read (an error elsewhere in it is said, not made worse).
      readIni(next, file, this.o.options.schema);
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, next, { mode });
      renameSync(tmp, file);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ? describeFsError(err) : (err as Error).message;
      this.state = { ...this.state, note: `not saved: ${file}: ${why}` };
      return;
    }
    const value = formatValue(row.spec, checked.value);
    this.state = {
      ...this.state,
      preferences: rows.map((r) => (r.spec.id === id ? { ...r, value, source: 'saved' } : r)),
      note: `saved ${id} = ${row.spec.secret ? '********' : value} to ${file} (used from the next start${
        row.source === 'argv' || row.source === 'env'
          ? `, unless the ${row.source === 'argv' ? 'command line' : 'environment'} sets it`
          : ''
      })`,
    };
  }
}
