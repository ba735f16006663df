/**
 * Parsed header values shared between messages.
 *
 * The From, To and Contact values of a dialog's requests, and Request-URIs,
 * are written the same way message after message (a call's ACK and BYE
 * repeat its INVITE's From and Contact; a load generator repeats its To).
 * Messages read those views through these small caches: a value parsed once
 * is parsed again only after it has dropped out of the cache. The parsed
 * objects are immutable (their types are readonly), so sharing them is
 * invisible; values that fail to parse are not cached and throw every time.
 *
 * Each cache holds two generations of at most `GENERATION` values: when the
 * current one is full it becomes the old one, and a value found in the old
 * one moves back to the current one, so values in use stay while one-off
 * values (each call's own tags) age out. Keys and parsed values are made
 * from a flat copy of the text (`own`), so no cached value keeps a message
 * alive.
 *
 * @example
 * const from = sharedNameAddr('sipp <sip:sipp@127.0.0.1:5061>;tag=1', 'From'); // parsed
 * sharedNameAddr('sipp <sip:sipp@127.0.0.1:5061>;tag=1', 'From') === from;     // true
 */
import { own } from '../../util/strings.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { parseUri, type Uri } from './uri.js';

const GENERATION = 256;

class SharedParses<T> {
  private current = new Map<string, T>();
  private old = new Map<string, T>();

  constructor(private readonly parse: (text: string, what: string) => T) {}

  get(text: string, what: string): T {
    let v = this.current.get(text);
    if (v !== undefined) return v;
    v = this.old.get(text);
    // Parse a flat copy: the parsed value's strings are slices of it, not of the message.
    const key = own(text);
    if (v === undefined) v = this.parse(key, what);
    if (this.current.size >= GENERATION) {
      this.old = this.current;
      this.current = new Map();
    }
    this.current.set(key, v);
    return v;
  }
}

const nameAddrs = new SharedParses<NameAddr>(parseNameAddr);
const uris = new SharedParses<Uri>((text) => parseUri(text));

/** `parseNameAddr(value, what)`, shared with earlier messages that had the same value. */
export function sharedNameAddr(value: string, what: string): NameAddr {
  return nameAddrs.get(value, what);
}

/** `parseUri(text)`, shared with earlier messages that had the same URI. */
export function sharedUri(text: string): Uri {
  return uris.get(text, '');
}
