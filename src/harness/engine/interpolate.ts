/**
 * `${name}` variables in scenario strings: scenario `vars`, `set` steps, the
 * round of a `repeat`, and `${env.NAME}` for the environment. `$${` writes a
 * literal `${`. An unknown name fails the step that uses it.
 */
import { StepFailure } from '../errors.js';

/**
 * @example interpolate('sip:${user}@${host}', { user: 'ivr', host: '127.0.0.1' }) // 'sip:ivr@127.0.0.1'
 */
export function interpolate(
  text: string,
  vars: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return text.replace(/\$?\$\{([^}]*)\}/g, (whole, name: string) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    const key = name.trim();
    if (key.startsWith('env.')) {
      const v = env[key.slice(4)];
      if (v === undefined)
        throw new StepFailure(`environment variable ${key.slice(4)} is not set`, `\${${key}}`, 'unset');
      return v;
    }
    const v = vars[key];
    if (v === undefined)
      throw new StepFailure(
        `unknown variable \${${key}}; known: ${Object.keys(vars).join(', ') || 'none'}`,
        `\${${key}}`,
        'undefined',
      );
    return v;
  });
}
