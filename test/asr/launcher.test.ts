import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Launcher, shellQuote } from '../../src/asr/launcher.js';

const open: { l: Launcher; dir: string }[] = [];
afterEach(() => {
  for (const { l, dir } of open.splice(0)) {
    l.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function launcher(): Launcher {
  const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
  const l = new Launcher(dir);
  open.push({ l, dir });
  return l;
}

/** Every line job `id` gets, until its `exit` (or the shell is lost). */
function lines(l: Launcher, id: string, command: string): Promise<string[]> {
  return new Promise((resolve) => {
    const got: string[] = [];
    l.busy(true);
    l.run(id, command, {
      onLine(kind, rest) {
        got.push(kind === 'pid' ? `pid ${/^\d+$/.test(rest) ? 'N' : rest}` : `${kind} ${rest}`.trim());
        if (kind === 'exit' || kind === 'lost') {
          l.busy(false);
          resolve(got);
        }
      },
    });
  });
}

describe('recogniser launcher shell', () => {
  it('quotes any text as one shell word', () => {
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });

  it('runs jobs side by side: their own lines, the PID, the exit status, standard error to DIR/ID.err', async () => {
    const l = launcher();
    const [a, b] = await Promise.all([
      lines(l, 'a', `echo ready a && echo 'to err' >&2 && cat ${shellQuote(join(l.dir, 'none'))} 2>/dev/null; exit 3`),
      lines(l, 'b', `echo hello b ${shellQuote("it's one word")}`),
    ]);
    expect(a).toContain('ready');
    expect(a).toContain('pid N');
    expect(a.at(-1)).toBe('exit 3');
    expect(readFileSync(join(l.dir, 'a.err'), 'utf8')).toBe('to err\n');
    expect(b).toEqual(expect.arrayContaining(["hello it's one word", 'exit 0']));
  });

  it('says a job was killed by a signal as 128 + N', async () => {
    const l = launcher();
    expect((await lines(l, 'k', `sh -c 'kill -9 $$'`)).at(-1)).toBe('exit 137');
  });

  it('refuses a command with a line break (it would be two commands)', () => {
    const l = launcher();
    expect(() => l.run('x', 'echo a\necho b', { onLine: () => undefined })).toThrow(RangeError);
  });
});
