/**
 * The address advertised per destination: the kernel's source address
 * towards each destination (a connected UDP socket, nothing sent), kept a
 * minute, with the first interface address when there is no route.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.js';
import { advertisedAddress, RouteSources, routeSource } from '../../src/net/local-address.js';

describe('routeSource', () => {
  it('is loopback towards loopback, of either family', () => {
    expect(routeSource('127.0.0.1')).toBe('127.0.0.1');
    // The whole 127/8 is on lo: the kernel sends from 127.0.0.1.
    expect(routeSource('127.0.0.53')).toBe('127.0.0.1');
    expect(routeSource('::1')).toBe('::1');
  });

  it('is undefined for what is not an IP address, or cannot be routed', () => {
    expect(routeSource('example.com')).toBeUndefined();
    // A link-local address needs a scope: connect(2) refuses it (EINVAL).
    expect(routeSource('fe80::1')).toBeUndefined();
  });
});

describe('RouteSources', () => {
  it('asks once per destination and minute, on its clock', () => {
    const clock = new ManualClock();
    const asked: string[] = [];
    const sources = new RouteSources(clock, (ip) => {
      asked.push(ip);
      return ip.startsWith('127.') ? '127.0.0.1' : '198.51.100.2';
    });
    expect(sources.for('127.0.0.1')).toBe('127.0.0.1');
    expect(sources.for('203.0.113.9')).toBe('198.51.100.2');
    expect(sources.for('127.0.0.1')).toBe('127.0.0.1');
    expect(asked).toEqual(['127.0.0.1', '203.0.113.9']);
    clock.advance(60_001);
    expect(sources.for('127.0.0.1')).toBe('127.0.0.1');
    expect(asked).toEqual(['127.0.0.1', '203.0.113.9', '127.0.0.1']);
  });

  it('falls back to the first interface address of the family without a route', () => {
    const sources = new RouteSources(new ManualClock(), () => undefined);
    expect(sources.for('203.0.113.9')).toBe(advertisedAddress('0.0.0.0'));
    expect(sources.for('2001:db8::9')).toBe(advertisedAddress('::'));
  });

  it('hears an answer that comes a tick later', () => {
    let later: ((a: string | undefined) => void) | undefined;
    const sources = new RouteSources(new ManualClock(), (_ip, cb) => {
      later = cb;
      return undefined;
    });
    expect(sources.for('203.0.113.9')).toBe(advertisedAddress('0.0.0.0'));
    later!('198.51.100.2');
    expect(sources.for('203.0.113.9')).toBe('198.51.100.2');
  });
});
