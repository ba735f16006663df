/**
 * Framing SIP messages on a stream (TCP, later TLS): RFC 3261 18.3 — the
 * header section ends at the empty line, the body is exactly Content-Length
 * bytes. Bytes arrive in arbitrary pieces: one message split over many
 * segments, several messages in one segment. RFC 5626 3.5.1 keep-alives:
 * a double CRLF between messages is a ping (answer with one CRLF), a single
 * CRLF is a pong (ignored).
 *
 * @example
 * const f = new StreamFramer();
 * for (const item of f.push(chunk)) if (item.kind === 'message') handle(item.bytes);
 */
import { SipParseError } from '../errors.js';
import { findHeaderEnd } from './parse.js';

export type FramedItem =
  | { readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly kind: 'ping' }
  /**
   * The stream cannot be framed any more (bad or conflicting Content-Length,
   * too large). `head` holds the header section when there was one, so the
   * request can still be answered (400, 513) before the connection closes.
   */
  | { readonly kind: 'error'; readonly error: SipParseError; readonly head?: Uint8Array };

export interface StreamFramerOptions {
  /** Largest message accepted (headers + body), in bytes. Larger: 513 and close. */
  readonly maxMessageSize?: number;
}

const CL_LINE = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/gim;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;
  private readonly max: number;

  constructor(opts: StreamFramerOptions = {}) {
    this.max = opts.maxMessageSize ?? 65535;
  }

  /** Bytes held waiting for the rest of a message. */
  get pending(): number {
    return this.buf.length;
  }

  /**
   * Whether part of a message is held: bytes that are not the CRLFs of a
   * keep-alive (a lone CRLF waiting to become a ping does not count).
   */
  get midMessage(): boolean {
    const b = this.buf;
    return b.length > 0 && b[0] !== 13 && b[0] !== 10;
  }

  push(chunk: Uint8Array): FramedItem[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: FramedItem[] = [];
    for (;;) {
      const b = this.buf;
      if (b.length === 0) break;
      if (b[0] === 13 || b[0] === 10) {
        if (b.length >= 4 && b[0] === 13 && b[1] === 10 && b[2] === 13 && b[3] === 10) {
          out.push({ kind: 'ping' });
          this.buf = b.subarray(4);
          continue;
        }
        if (b.length >= 2 && b[0] === 13 && b[1] === 10) {
          // Maybe the start of a ping split across segments: wait for the rest.
          if (b.length === 2 || (b.length === 3 && b[2] === 13)) break;
          this.buf = b.subarray(2);
          continue;
        }
        if (b[0] === 10) {
          this.buf = b.subarray(1);
          continue;
        }
        if (b.length === 1) break;
        this.buf = b.subarray(1);
        continue;
      }
      const end = findHeaderEnd(b);
      if (!end) {
        if (b.length > this.max) {
          // RFC 3261 21.5.14: 513 Message Too Large. The whole lines read so far carry the start line and
          // (usually) the Via, which is what the answer needs; a line cut by the limit is left out.
          const lastLf = b.lastIndexOf(10, this.max);
          return this.fail(
            out,
            new SipParseError(`header section longer than ${this.max} bytes`, 513, 'size'),
            lastLf > 0 ? b.subarray(0, lastLf + 1) : undefined,
          );
        }
        break;
      }
      const [headEnd, bodyStart] = end;
      const headText = b.toString('latin1', 0, headEnd);
      const values = [...headText.matchAll(CL_LINE)].map((m) => m[1]!);
      let length = 0;
      if (values.length > 1) {
        return this.fail(
          out,
          new SipParseError(
            `${values.length} Content-Length headers: the stream cannot be framed`,
            400,
            'content-length',
          ),
          b.subarray(0, bodyStart),
        );
      }
      if (values.length === 1) {
        if (!/^\d{1,10}$/.test(values[0]!)) {
          return this.fail(
            out,
            new SipParseError(
              `Content-Length ${JSON.stringify(values[0])}: the stream cannot be framed`,
              400,
              'content-length',
            ),
            b.subarray(0, bodyStart),
          );
        }
        length = Number(values[0]);
      }
      if (bodyStart + length > this.max) {
        return this.fail(
          out,
          new SipParseError(`message of ${bodyStart + length} bytes is larger than ${this.max}`, 513, 'size'),
          b.subarray(0, bodyStart),
        );
      }
      if (b.length < bodyStart + length) break;
      out.push({ kind: 'message', bytes: b.subarray(0, bodyStart + length) });
      this.buf = b.subarray(bodyStart + length);
    }
    // Do not pin a large buffer for a small remainder.
    if (this.buf.length > 0 && this.buf.byteOffset > 65536) this.buf = Buffer.from(this.buf);
    return out;
  }

  private fail(out: FramedItem[], error: SipParseError, head?: Uint8Array): FramedItem[] {
    this.failed = true;
    this.buf = Buffer.alloc(0);
    out.push(head ? { kind: 'error', error, head: Buffer.from(head) } : { kind: 'error', error });
    return out;
  }
}
