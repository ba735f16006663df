/**
 * Errors of the options layer. All are usage errors: the user gave a value
 * shtoom cannot take, so the program prints the one-line message and exits 2.
 */
import { UsageError } from '../errors.js';
import type { ValueSource } from './types.js';

/** A value from argv, the environment or an ini file that its option does not accept. */
export class OptionValueError extends UsageError {
  constructor(
    readonly optionId: string,
    readonly source: ValueSource,
    readonly raw: string,
    readonly problem: string,
    readonly allowed: string,
    where: string,
  ) {
    super(`${where}: ${JSON.stringify(raw)} ${problem}; allowed: ${allowed}`);
    this.name = 'OptionValueError';
  }
}

/** The config file named with --config (or SHTOOM_CONFIG) cannot be read. */
export class ConfigFileError extends UsageError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`config file ${file}: ${reason}`);
    this.name = 'ConfigFileError';
  }
}
