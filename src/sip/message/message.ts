/**
 * SIP requests and responses (RFC 3261 7): a start line, header fields in
 * their order, and a body of bytes of any type.
 *
 * Messages are immutable values. Header fields keep their name as written
 * and their value as received (folding unfolded), so a parsed message
 * serializes back to the same bytes. Structured views of the headers every
 * layer needs (Via, From, To, Call-ID, CSeq, Contact…) are parsed on first
 * use and cached (From, To, Contact and the Request-URI shared with earlier
 * messages that wrote them the same, see `shared-views.ts`); the parser
 * checks them up front, so on a received message they never throw.
 *
 * @example
 * const req = new SipRequest('OPTIONS', parseUri('sip:bob@example.com'), [
 *   ['Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1'], ['From', '<sip:alice@example.com>;tag=1'],
 *   ['To', '<sip:bob@example.com>'], ['Call-ID', 'x1'], ['CSeq', '1 OPTIONS'], ['Max-Forwards', '70'],
 * ]);
 * req.cseq; // { seq: 1, method: 'OPTIONS' }
 */
import { SipParseError } from '../errors.js';
import { isToken, MAX_U32, parseUnsigned, splitList } from './grammar.js';
import { headerKey, isListHeader } from './header-names.js';
import { tagOf, type NameAddr } from './name-addr.js';
import { sharedNameAddr, sharedUri } from './shared-views.js';
import { formatUri, type Uri } from './uri.js';
import { formatVia, parseVia, type Via } from './via.js';

export interface HeaderField {
  /** The name as written (`v`, `VIA`, `Via`). */
  readonly name: string;
  /** Lower-case full name: the key lookups use (`via`). */
  readonly key: string;
  /** The value, trimmed, with folded lines joined by one space. */
  readonly value: string;
}

/** Header fields as given to constructors: `[name, value]` pairs or ready fields. */
export type HeaderInit = readonly (readonly [string, string] | HeaderField)[];

export function field(name: string, value: string): HeaderField {
  return { name, key: headerKey(name), value };
}

function toFields(h: HeaderInit): readonly HeaderField[] {
  let ready = true;
  for (const x of h) if (!('key' in x)) ready = false;
  if (ready) return h as readonly HeaderField[];
  return h.map((x) =>
    'key' in x ? (x as HeaderField) : field((x as readonly [string, string])[0], (x as readonly [string, string])[1]),
  );
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export const SIP_VERSION = 'SIP/2.0';
const EMPTY = new Uint8Array(0);

export abstract class SipMessageBase {
  readonly headers: readonly HeaderField[];
  readonly body: Uint8Array;
  readonly version: string;
  #via?: Via[];
  #from?: NameAddr | undefined;
  #to?: NameAddr | undefined;
  #cseq?: CSeq | undefined;
  #contacts?: NameAddr[] | '*' | undefined;
  /** Max-Forwards once read; -1 when absent. */
  #maxForwards?: number;

  constructor(headers: HeaderInit, body: Uint8Array = EMPTY, version = SIP_VERSION) {
    this.headers = toFields(headers);
    this.body = body;
    this.version = version;
  }

  /** The value of the first field named `name` (any case, compact forms too). */
  header(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.header(name) !== undefined;
  }

  /** Every field named `name`, in order. */
  fields(name: string): HeaderField[] {
    const key = headerKey(name);
    return this.headers.filter((h) => h.key === key);
  }

  /**
   * Every value of `name`: list headers (Via, Contact, Allow, Supported…)
   * split on their separating commas, others one value per field.
   */
  headerValues(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (!isListHeader(key)) out.push(h.value);
      else if (h.value.indexOf(',') < 0) {
        // One element (the usual case): what splitList would give, without splitting.
        const v = h.value.trim();
        if (v !== '') out.push(v);
      } else for (const v of splitList(h.value)) if (v !== '' || h.value.trim() !== '') out.push(v);
    }
    return out;
  }

  /** Comma-list header values as lower-case tokens (Supported, Require, Allow…), empty elements dropped. */
  tokens(name: string): string[] {
    return this.headerValues(name)
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((v) => v.toLowerCase());
  }

  get via(): readonly Via[] {
    return (this.#via ??= this.headerValues('via').map((v) => {
      if (v === '') throw new SipParseError('Via: empty value in the list', 400, 'via');
      return parseVia(v);
    }));
  }

  get topVia(): Via {
    const v = this.via[0];
    if (!v) throw new SipParseError('no Via header', 400, 'via');
    return v;
  }

  get from(): NameAddr {
    return (this.#from ??= sharedNameAddr(this.required('from'), 'From'));
  }

  get to(): NameAddr {
    return (this.#to ??= sharedNameAddr(this.required('to'), 'To'));
  }

  get fromTag(): string | undefined {
    return tagOf(this.from);
  }

  get toTag(): string | undefined {
    return tagOf(this.to);
  }

  get callId(): string {
    return this.required('call-id');
  }

  get cseq(): CSeq {
    return (this.#cseq ??= parseCSeq(this.required('cseq')));
  }

  /** Contact values; `'*'` for the wildcard of a REGISTER that removes every binding. */
  get contacts(): readonly NameAddr[] | '*' {
    if (this.#contacts) return this.#contacts;
    const values = this.headerValues('contact');
    if (values.length === 1 && values[0] === '*') return (this.#contacts = '*');
    return (this.#contacts = values.map((v) => {
      if (v === '') throw new SipParseError('Contact: empty value in the list', 400, 'contact');
      return sharedNameAddr(v, 'Contact');
    }));
  }

  /** The media type of the body, lower case, without parameters (`application/sdp`). */
  get contentType(): string | undefined {
    const c = this.header('content-type');
    return c === undefined ? undefined : c.split(';')[0]!.trim().toLowerCase();
  }

  get maxForwards(): number | undefined {
    if (this.#maxForwards !== undefined) return this.#maxForwards === -1 ? undefined : this.#maxForwards;
    const v = this.header('max-forwards');
    if (v === undefined) {
      this.#maxForwards = -1;
      return undefined;
    }
    const n = parseUnsigned(v.trim(), 255);
    if (n === undefined)
      throw new SipParseError(`Max-Forwards: ${JSON.stringify(v)} is not 0-255`, 400, 'max-forwards');
    return (this.#maxForwards = n);
  }

  /** The body decoded as UTF-8 text. */
  get text(): string {
    return Buffer.from(this.body.buffer, this.body.byteOffset, this.body.byteLength).toString('utf8');
  }

  /**
   * @internal Take over what `src` already parsed (a copy whose header
   * fields are the same except the first Via value, which is now `topVia`;
   * undefined when the Via list must be read again).
   */
  protected adoptViews(src: SipMessageBase, topVia: Via | undefined): void {
    if (src.#via && topVia) {
      const via = src.#via.slice();
      via[0] = topVia;
      this.#via = via;
    }
    this.#from = src.#from;
    this.#to = src.#to;
    this.#cseq = src.#cseq;
    this.#contacts = src.#contacts;
  }

  protected required(key: string): string {
    const v = this.header(key);
    if (v === undefined) throw new SipParseError(`missing ${key} header`, 400, key);
    return v;
  }

  abstract startLine(): string;
}

export class SipRequest extends SipMessageBase {
  readonly type = 'request' as const;
  /** The Request-URI as written on the request line. */
  readonly rawUri: string;
  #uri?: Uri;

  constructor(
    readonly method: string,
    uri: Uri | string,
    headers: HeaderInit,
    body?: Uint8Array,
    version?: string,
  ) {
    super(headers, body, version);
    if (typeof uri === 'string') this.rawUri = uri;
    else {
      this.rawUri = formatUri(uri);
      this.#uri = uri;
    }
  }

  get uri(): Uri {
    return (this.#uri ??= sharedUri(this.rawUri));
  }

  startLine(): string {
    return `${this.method} ${this.rawUri} ${this.version}`;
  }

  /**
   * @internal A copy whose top Via is `via` (the first value of the first
   * Via field rewritten), keeping every header already parsed: how a UAS
   * stamps `received` and `rport` on a request (RFC 3261 18.2.1).
   */
  withTopVia(via: Via): SipRequest {
    const headers: HeaderField[] = [];
    let done = false;
    // Whether the value replaced is the one `this.via[0]` was read from (an empty first Via field is skipped there).
    let same = false;
    for (const h of this.headers) {
      if (!done && h.key === 'via') {
        const values = splitList(h.value);
        same = h.value.trim() !== '';
        values[0] = formatVia(via);
        headers.push(field(h.name, values.join(', ')));
        done = true;
      } else headers.push(h);
    }
    const copy = new SipRequest(this.method, this.#uri ?? this.rawUri, headers, this.body, this.version);
    copy.adoptViews(this, same ? via : undefined);
    return copy;
  }

  /** A copy with other header fields (and optionally another URI or body). */
  with(changes: { headers?: HeaderInit; uri?: Uri | string; body?: Uint8Array; method?: string }): SipRequest {
    return new SipRequest(
      changes.method ?? this.method,
      changes.uri ?? this.#uri ?? this.rawUri,
      changes.headers ?? this.headers,
      changes.body ?? this.body,
      this.version,
    );
  }
}

export class SipResponse extends SipMessageBase {
  readonly type = 'response' as const;

  constructor(
    readonly status: number,
    readonly reason: string,
    headers: HeaderInit,
    body?: Uint8Array,
    version?: string,
  ) {
    super(headers, body, version);
  }

  startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }

  with(changes: { headers?: HeaderInit; body?: Uint8Array }): SipResponse {
    return new SipResponse(
      this.status,
      this.reason,
      changes.headers ?? this.headers,
      changes.body ?? this.body,
      this.version,
    );
  }
}

export type SipMessage = SipRequest | SipResponse;

export function parseCSeq(value: string): CSeq {
  const s = value.trim();
  // "number method", separated by a run of SP / HTAB (the string is trimmed, so both parts are non-empty).
  let sp = 0;
  while (sp < s.length && s.charCodeAt(sp) !== 32 && s.charCodeAt(sp) !== 9) sp++;
  let m = sp;
  while (m < s.length && (s.charCodeAt(m) === 32 || s.charCodeAt(m) === 9)) m++;
  let end = m;
  while (end < s.length && s.charCodeAt(end) !== 32 && s.charCodeAt(end) !== 9) end++;
  if (sp === s.length || end !== s.length)
    throw new SipParseError(`CSeq: ${JSON.stringify(value)} is not "number method"`, 400, 'cseq');
  const number = s.slice(0, sp);
  const method = s.slice(m);
  // RFC 3261 8.1.1.5: "The sequence number MUST be expressible as a 32-bit unsigned integer."
  const seq = parseUnsigned(number, MAX_U32);
  if (seq === undefined)
    throw new SipParseError(
      `CSeq: sequence number ${JSON.stringify(number)} is not a 32-bit unsigned integer`,
      400,
      'cseq',
    );
  if (!isToken(method)) throw new SipParseError(`CSeq: bad method ${JSON.stringify(method)}`, 400, 'cseq');
  return { seq, method };
}
