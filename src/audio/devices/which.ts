/** Find a program on PATH without running a shell. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function which(
  program: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, program);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
