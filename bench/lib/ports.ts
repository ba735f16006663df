/** Ports for benchmark peers, on loopback. */
import { createSocket } from 'node:dgram';

/** A UDP port on 127.0.0.1 that was free a moment ago (the kernel chose it). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}
