/** `shtoom smoke --calls` and `shtoom ivr --workers`: bad values of the load options are one line on stderr and exit 2, before any call. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-smoke-load-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function smoke(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await main(['smoke', 'sip:echo@127.0.0.1:9', '--sip-address', '127.0.0.1', ...args], {
    stdout: { write: () => {} },
    stderr: { write: (s: string) => (err += s) },
    env: { PATH: process.env.PATH, HOME: dir },
  });
  return { code, err };
}

describe('shtoom smoke load options', () => {
  it.each([
    [['--calls', '0'], /^shtoom: --calls: .*1 to 10000/],
    [['--calls', 'many'], /^shtoom: --calls: /],
    [['--calls', '2', '--workers', '-1'], /^shtoom: --workers: .*0 to 256/],
    [['--calls', '2', '--rate', '0'], /^shtoom: --rate: .*above 0/],
    [['--calls', '2', '--rate', 'fast'], /^shtoom: --rate: /],
    [['--calls', '2', '--record', join(dir, 'x.wav')], /^shtoom: --record keeps one call/],
    [['--calls', '4', '--workers', '2', '--sip-port', '5099'], /^shtoom: --sip-port: the 2 workers/],
  ])('%j: one line, exit 2', async (args, line) => {
    const r = await smoke(args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(line)]);
  });
});

describe('ivr --workers', () => {
  it('ivr crawl refuses it in one line, exit 2', async () => {
    let err = '';
    const code = await main(['ivr', 'crawl', 'sip:ivr@127.0.0.1:9', '--workers', '2'], {
      stdout: { write: () => {} },
      stderr: { write: (s: string) => (err += s) },
      env: { PATH: process.env.PATH, HOME: dir },
    });
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(/^shtoom: --workers spreads scenario runs/)]);
  });

  it.each([['-1'], ['257'], ['two']])('--workers %s: one line, exit 2', async (bad) => {
    let err = '';
    const code = await main(['ivr', 'examples/', '--workers', bad], {
      stdout: { write: () => {} },
      stderr: { write: (s: string) => (err += s) },
      env: { PATH: process.env.PATH, HOME: dir },
    });
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([expect.stringMatching(/^shtoom: --workers: .*0 to 256$/)]);
  });
});
