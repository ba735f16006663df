/**
 * The narrow-band copy of the pocketsphinx model: the US English model is
 * trained on 16 kHz audio and its `feat.params` sets the filter bank's upper
 * edge at 6800 Hz, above what 8 kHz audio holds. The copy, made once in the
 * cache directory at run time (never shipped), sets `-upperf 3500` so the
 * model decodes 8 kHz audio directly.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$SHTOOM_CACHE_DIR`, else `$XDG_CACHE_HOME/shtoom`, else `~/.cache/shtoom`. */
export function shtoomCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHTOOM_CACHE_DIR) return env.SHTOOM_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'shtoom');
}

/**
 * The directory of an 8 kHz copy of the acoustic model in `hmmDir`, made on
 * first use (atomically, so concurrent runs cannot see half a copy).
 *
 * @example
 * const hmm = narrowbandModel('/usr/share/pocketsphinx/model/en-us/en-us', shtoomCacheDir());
 */
export function narrowbandModel(hmmDir: string, cacheDir: string, upperHz = 3500): string {
  const target = join(cacheDir, `pocketsphinx-en-us-${upperHz}hz`);
  if (existsSync(join(target, 'feat.params'))) return target;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(cacheDir, '.model-'));
  try {
    for (const f of readdirSync(hmmDir)) copyFileSync(join(hmmDir, f), join(tmp, f));
    const params = readFileSync(join(hmmDir, 'feat.params'), 'utf8');
    const edited = /^-upperf\s/m.test(params)
      ? params.replace(/^-upperf\s.*$/m, `-upperf ${upperHz}`)
      : `${params.trimEnd()}\n-upperf ${upperHz}\n`;
    writeFileSync(join(tmp, 'feat.params'), edited);
    try {
      renameSync(tmp, target);
    } catch (e) {
      // Another run finished the same copy first.
      if (!existsSync(join(target, 'feat.params'))) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return target;
}
