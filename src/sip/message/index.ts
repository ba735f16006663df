/** SIP messages: parse, serialize, build, and the structured header values (pure). */
export * from './grammar.js';
export * from './params.js';
export * from './uri.js';
export * from './name-addr.js';
export * from './via.js';
export * from './header-names.js';
export * from './message.js';
export * from './parse.js';
export * from './serialize.js';
export * from './validate.js';
export * from './build.js';
export * from './stream-framer.js';
