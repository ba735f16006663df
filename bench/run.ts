/**
 * `npm run bench [-- FILTER…]`: runs every `bench/*.bench.ts` (or those whose
 * name contains a filter word) in its own process, one after another so they
 * do not compete for the cores, and prints their `name value unit` lines.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

const FIGURE = /^[A-Za-z0-9_.-]+ -?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)? \S+$/;

let failed = 0;
for (const file of files) {
  process.stderr.write(`# ${file}\n`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, file)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (FIGURE.test(line)) process.stdout.write(line + '\n');
        else process.stderr.write(`  ${line}\n`);
      }
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    failed++;
    process.stderr.write(`# ${file} failed (exit ${code})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
