/** The options layer: one schema, and everything generated from it. */
export * from './types.js';
export { opt, flagOf, envOf, sectionOf, keyOf, offeredBy, isGlobal } from './define.js';
export { parseValue, formatValue, allowedOf, parseDuration, parseAddress } from './values.js';
export { readIni, writeIni, setIniValue } from './ini-file.js';
export { EffectiveOptions, resolveOptions, describeSource } from './resolve.js';
export { OptionValueError, ConfigFileError } from './errors.js';
export { defaultConfigPath } from './config-path.js';
export { loadOptions } from './load.js';
export { optionsFromWire, optionsToWire, type OptionsWire } from './transfer.js';
export { schema, type ShtoomSchema, type ShtoomOptions, type OptionId } from './schema/index.js';
