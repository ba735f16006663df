/**
 * Room for the packets a stream sends, carved from shared 8 KB slabs (about
 * 47 G.711 packets each) instead of one ArrayBuffer per packet: a typed
 * array with a backing store of its own costs several times the rest of
 * building an RTP packet (`npm run bench -- rtp-packet`). A slab is freed
 * when the last packet in it is; a packet kept long keeps its slab (8 KB at
 * most) alive. The bytes are not cleared: the caller writes every one.
 *
 * @example
 * const out = packetBytes(12 + payload.length);
 * writeHeader(out); out.set(payload, 12);
 */
const SLAB = 8192;
/** Larger packets get an ArrayBuffer of their own. */
const LARGEST = SLAB / 8;

let slab = new ArrayBuffer(SLAB);
let used = 0;

export function packetBytes(n: number): Uint8Array {
  if (n > LARGEST) return new Uint8Array(n);
  if (used + n > SLAB) {
    slab = new ArrayBuffer(SLAB);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  // The next packet starts 8-byte aligned.
  used += (n + 7) & ~7;
  return out;
}
