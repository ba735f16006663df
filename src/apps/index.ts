/**
 * The voice apps that come with shtoom, and loading a user's own app from a
 * JavaScript file (`shtoom serve ./my-app.js`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppLoadError } from '../doug/errors.js';
import type { VoiceApp } from '../doug/server.js';
import { announce, type AnnounceOptions } from './announce.js';
import { echo } from './echo.js';
import { ivrDemo, type IvrDemoOptions } from './ivr-demo.js';

export { echo } from './echo.js';
export { announce, DEFAULT_ANNOUNCEMENT, type AnnounceOptions } from './announce.js';
export { ivrDemo, type IvrDemoOptions } from './ivr-demo.js';
export * as conference from './conference/index.js';

/** Names `shtoom serve` knows. */
export const BUILT_IN_APPS = ['echo', 'announce', 'ivr-demo'] as const;

/**
 * A built-in app by name, or the app a file exports (its default export,
 * or an export named `app`). Throws `AppLoadError` (a usage error) when the
 * file is missing, does not load or exports no function.
 *
 * @example
 * const app = await loadApp('./ivr.js');
 */
export async function loadApp(
  nameOrFile: string,
  opts: AnnounceOptions & { readonly ivrDemo?: IvrDemoOptions } = {},
): Promise<VoiceApp> {
  if (nameOrFile === 'echo') return echo;
  if (nameOrFile === 'ivr-demo') return ivrDemo(opts.ivrDemo);
  if (nameOrFile === 'announce') return announce(opts);
  const path = resolve(nameOrFile);
  if (!existsSync(path))
    throw new AppLoadError(
      `no app "${nameOrFile}": neither ${BUILT_IN_APPS.join(' nor ')} nor a file (${path} does not exist)`,
    );
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppLoadError(`cannot load ${nameOrFile}: ${(err as Error).message.split('\n')[0]}`);
  }
  const app = typeof mod.default === 'function' ? mod.default : mod.app;
  if (typeof app !== 'function')
    throw new AppLoadError(`${nameOrFile} exports no app: export a function (default or named "app") taking the call`);
  return app as VoiceApp;
}
