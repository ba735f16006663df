/**
 * Tags, branches and Call-IDs (RFC 3261 19.3, 8.1.1.7, 8.1.1.4): random
 * and unique. The random source is injected so simulations are repeatable.
 */
import { randomBytes } from 'node:crypto';
import { MAGIC_COOKIE } from '../message/via.js';

/** A source of 32-bit random words. */
export type RandomWords = () => number;

/** Cryptographic random words (the default outside tests). */
export const cryptoWords: RandomWords = (() => {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 4 > pool.length) {
      pool = randomBytes(4096);
      at = 0;
    }
    const v = pool.readUInt32LE(at);
    at += 4;
    return v;
  };
})();

export class IdGenerator {
  constructor(private readonly words: RandomWords = cryptoWords) {}

  private hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += this.words().toString(16).padStart(8, '0');
    return s;
  }

  /** A From/To tag: "at least 32 bits of randomness" (RFC 3261 19.3). */
  tag(): string {
    return this.hex(2);
  }

  /** A branch with the magic cookie. */
  branch(): string {
    return `${MAGIC_COOKIE}${this.hex(3)}`;
  }

  callId(): string {
    return this.hex(4);
  }

  /** A client nonce for digest. */
  cnonce(): string {
    return this.hex(2);
  }

  /** A random initial CSeq below 2**31 (RFC 3261 8.1.1.5). */
  initialSeq(): number {
    return (this.words() & 0x7fff) + 1;
  }

  /** A random integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.words() / 4294967296) * n);
  }
}
