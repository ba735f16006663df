/** Where a user agent listens (parsed by the transport layer). */
export { normalizeListen, parseListen, type ListenEntry, type ListenOption } from '../transport/listen.js';
