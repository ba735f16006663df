/**
 * The terminal edge of the phone UI: the alternate screen, raw keys decoded
 * by Node's readline, drawing frames (only the rows that changed, so it
 * stays light over SSH), the bell, resizes — and putting the terminal back
 * as it was on every way out: `close()`, the process exiting (a crash
 * included), a signal that ends it.
 */
import { emitKeypressEvents } from 'node:readline';
import ansiEscapes from 'ansi-escapes';
import type { Input } from '../command.js';
import type { Key } from './keys.js';
import type { Frame, Size } from './render.js';

/** Standard output as the UI draws on it. */
export interface Screen {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  on(event: 'resize' | 'error', listener: () => void): unknown;
  off(event: 'resize' | 'error', listener: () => void): unknown;
}

const REVERSE = '\u001b[7m';
const NORMAL = '\u001b[27m';

/** What readline's keypress gives, as the reducer takes it. */
export function keyOf(
  str: string | undefined,
  key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined,
): Key {
  const name = key?.name;
  const ch = str !== undefined && [...str].length === 1 && str >= ' ' && str !== '\u007f' ? str : undefined;
  return {
    ...(ch !== undefined && !key?.ctrl && !key?.meta ? { ch } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(key?.ctrl ? { ctrl: true } : {}),
  };
}

export class Terminal {
  private drawn: string[] = [];
  private open = true;
  private readonly onExit = () => this.restore();
  private readonly onWriteError = () => {
    this.open = false;
  };
  private readonly onKeypress: (str: string | undefined, key: { name?: string; ctrl?: boolean }) => void;
  private readonly onResize: () => void;

  constructor(
    private readonly input: Input,
    private readonly output: Screen,
    onKey: (key: Key) => void,
    onResize: () => void,
  ) {
    this.onKeypress = (str, key) => onKey(keyOf(str, key));
    this.onResize = () => {
      // After a resize the terminal's content is not what we drew: draw it all again.
      this.drawn = [];
      this.output.write(ansiEscapes.clearScreen);
      onResize();
    };
    emitKeypressEvents(input);
    input.setRawMode?.(true);
    input.on('keypress', this.onKeypress);
    input.resume();
    output.on('resize', this.onResize);
    // A write to a terminal that went away fails: nothing more is drawn, the phone ends by its SIGHUP.
    // (The listener stays: an error after close must not become an uncaught exception either.)
    output.on('error', this.onWriteError);
    // A crash or process.exit() anywhere still gives the terminal back.
    process.on('exit', this.onExit);
    output.write(ansiEscapes.enterAlternativeScreen + ansiEscapes.cursorHide + ansiEscapes.clearScreen);
  }

  get size(): Size {
    return { cols: this.output.columns ?? 80, rows: this.output.rows ?? 24 };
  }

  /** Draw a frame: the rows that differ from the last one, then the cursor. */
  draw(frame: Frame): void {
    if (!this.open) return;
    const { cols } = this.size;
    let out = ansiEscapes.beginSynchronizedOutput;
    frame.lines.forEach((line, row) => {
      const inverse = frame.inverse.includes(row);
      // The last column of the last row is left alone: writing it scrolls some terminals.
      const text = row === frame.lines.length - 1 ? line.slice(0, Math.max(0, cols - 1)) : line;
      const drawn = `${inverse ? REVERSE : ''}${text}${inverse ? NORMAL : ''}`;
      if (this.drawn[row] === drawn) return;
      this.drawn[row] = drawn;
      out += ansiEscapes.cursorTo(0, row) + drawn + ansiEscapes.eraseEndLine;
    });
    this.drawn.length = frame.lines.length;
    out += frame.cursor
      ? ansiEscapes.cursorTo(frame.cursor.col, frame.cursor.row) + ansiEscapes.cursorShow
      : ansiEscapes.cursorHide;
    out += ansiEscapes.endSynchronizedOutput;
    this.output.write(out);
  }

  /** Forget what is on screen, so the next frame draws every row (Ctrl-L). */
  invalidate(): void {
    this.drawn = [];
    this.output.write(ansiEscapes.clearScreen);
  }

  bell(): void {
    if (this.open) this.output.write(ansiEscapes.beep);
  }

  /**
   * The terminal is gone (SIGHUP: the SSH session or the window closed):
   * stop drawing without writing anything more.
   */
  gone(): void {
    this.open = false;
    this.input.off('keypress', this.onKeypress);
    this.output.off('resize', this.onResize);
    process.off('exit', this.onExit);
    // A SIGHUP sent while the terminal stays (by `kill`, by a parent) must not leave keys raw, nor the
    // phone waiting on its input: raw mode is an ioctl (no write), and a paused input lets it exit.
    try {
      this.input.setRawMode?.(false);
    } catch {
      // the terminal is really gone
    }
    this.input.pause();
  }

  /** Give the terminal back: keys cooked, cursor shown, the screen as it was before. */
  close(): void {
    if (!this.open) return;
    this.input.off('keypress', this.onKeypress);
    this.output.off('resize', this.onResize);
    process.off('exit', this.onExit);
    this.restore();
    this.input.pause();
  }

  private restore(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.input.setRawMode?.(false);
    } catch {
      // stdin already gone (the SSH session closed): nothing to give back.
    }
    this.output.write(ansiEscapes.cursorShow + ansiEscapes.exitAlternativeScreen);
  }
}
