/**
 * No line over 120 characters in the project's TypeScript, outside data:
 * a line that is a regular expression literal alone (a test's expected
 * output, a parser's pattern) and the files the formatter leaves alone
 * (tables transcribed from standards; see biome.json) are data.
 *
 * Run by `npm run lint`; prints each long line and exits 1.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;
/** Tables transcribed from standards, kept in their published layout. */
const DATA_FILES = new Set(['src/codecs/gsm610/short-term.ts', 'src/stun/saslprep.ts']);
const REGEX_LINE = /^\s*\/.*\/[dgimsuvy]*[,;)]?$/;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && !f.startsWith('test/vectors/') && !DATA_FILES.has(f));

let long = 0;
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  text.split('\n').forEach((line, i) => {
    // Characters as the reader counts them (code points), not UTF-16 units.
    const length = [...line].length;
    if (length > LIMIT && !REGEX_LINE.test(line)) {
      console.log(`${file}:${i + 1}: ${length} characters (at most ${LIMIT})`);
      long++;
    }
  });
}
if (long > 0) {
  console.log(`check-line-length: ${long} line(s) over ${LIMIT} characters`);
  process.exit(1);
}
console.log(`check-line-length: no line over ${LIMIT} characters in ${files.length} files`);
