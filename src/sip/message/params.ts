/**
 * Parameters: `;name=value` lists of header fields (RFC 3261 25.1
 * generic-param) and of URIs (uri-parameter). Names keep their spelling;
 * lookups ignore case, as RFC 3261 7.3.1 and 19.1.4 ask.
 */
import { SipParseError } from '../errors.js';
import { codeAt, inTable, quotedEnd, skipWs, TOKEN, HOST } from './grammar.js';

/** One parameter: a name and a value, or `null` for a parameter without `=`. */
export type Param = readonly [name: string, value: string | null];
export type Params = readonly Param[];

/** The value of parameter `name` (case-insensitive): the value, `null` when it has no value, undefined when absent. */
export function getParam(params: Params, name: string): string | null | undefined {
  const n = name.toLowerCase();
  for (const p of params) if (p[0].toLowerCase() === n) return p[1];
  return undefined;
}

export function hasParam(params: Params, name: string): boolean {
  return getParam(params, name) !== undefined;
}

/** A copy with `name` set to `value` (replacing an existing one in place, else appended). */
export function setParam(params: Params, name: string, value: string | null): Params {
  const n = name.toLowerCase();
  let found = false;
  const out = params.map((p): Param => {
    if (p[0].toLowerCase() !== n) return p;
    found = true;
    return [p[0], value];
  });
  if (!found) out.push([name, value]);
  return out;
}

export function removeParam(params: Params, name: string): Params {
  const n = name.toLowerCase();
  return params.filter((p) => p[0].toLowerCase() !== n);
}

/** `;a=1;b` */
export function formatParams(params: Params): string {
  let s = '';
  for (const [n, v] of params) s += v === null ? `;${n}` : `;${n}=${v}`;
  return s;
}

/** gen-value = token / host / quoted-string; host adds ":" "[" "]" for IPv6. */
const GVALUE = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (inTable(TOKEN, c) || inTable(HOST, c) || c === 58 || c === 91 || c === 93) t[c] = 1;
  return t;
})();

/**
 * Parse header parameters starting at `s[i] === ';'` up to the end of `s`.
 * Values stay as written (quoted strings keep their quotes, so the field
 * serializes back unchanged); use `unquote` to read one. LWS around `;` and
 * `=` is allowed (SEMI and EQUAL are SWS-padded in the grammar).
 */
export function parseHeaderParams(s: string, i: number, what: string): Param[] {
  const out: Param[] = [];
  const n = s.length;
  i = skipWs(s, i);
  while (i < n) {
    if (s.charCodeAt(i) !== 59 /* ; */)
      throw new SipParseError(`${what}: expected ";" before ${JSON.stringify(s.slice(i, i + 20))}`, 400, what);
    i = skipWs(s, i + 1);
    let j = i;
    while (j < n && inTable(TOKEN, s.charCodeAt(j))) j++;
    if (j === i)
      throw new SipParseError(
        `${what}: empty or invalid parameter name at ${JSON.stringify(s.slice(i, i + 20))}`,
        400,
        what,
      );
    const name = s.slice(i, j);
    i = skipWs(s, j);
    if (codeAt(s, i) === 61 /* = */) {
      i = skipWs(s, i + 1);
      if (codeAt(s, i) === 34 /* " */) {
        const end = quotedEnd(s, i);
        if (end < 0) throw new SipParseError(`${what}: unterminated quoted parameter value for ${name}`, 400, what);
        out.push([name, s.slice(i, end)]);
        i = end;
      } else {
        j = i;
        while (j < n && inTable(GVALUE, s.charCodeAt(j))) j++;
        if (j === i) throw new SipParseError(`${what}: parameter ${name} has "=" but no value`, 400, what);
        out.push([name, s.slice(i, j)]);
        i = j;
      }
    } else {
      out.push([name, null]);
    }
    i = skipWs(s, i);
  }
  return out;
}
