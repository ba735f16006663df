/** Where shtoom's ini file lives. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_CONFIG_HOME/shtoom/shtoom.ini`, else `~/.config/shtoom/shtoom.ini`. */
export function defaultConfigPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg?.startsWith('/') ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'shtoom', 'shtoom.ini');
}
