/** The package's own name and version, read from its package.json. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { name: string; version: string; root: string } | undefined;

/** Walks up from this file to the package root (works from `src/` and from `dist/src/`). */
export function packageInfo(): { name: string; version: string; root: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'shtoom') return (cached = { name: pkg.name, version: pkg.version ?? '0.0.0', root: dir });
    } catch {
      // not here: keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = { name: 'shtoom', version: '0.0.0', root: process.cwd() });
}
