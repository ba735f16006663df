/** UserAgents on a simulated network in virtual time (public API tests). */
import { SimNetwork } from '../../../src/sim/network.js';
import { VirtualScheduler } from '../../../src/sim/scheduler.js';
import { Random } from '../../../src/sim/random.js';
import type { SipTransportFactory } from '../../../src/net/sip-transport.js';
import { UserAgent, type UserAgentOptions } from '../../../src/sip/api/user-agent.js';

/** Transports on a SimNetwork: UDP only (the simulated network carries datagrams). */
export function simTransports(net: SimNetwork): SipTransportFactory {
  return {
    async bind(spec, h) {
      if (spec.transport !== 'udp') throw new Error('the simulated network has UDP only');
      let sock: ReturnType<SimNetwork['bind']>;
      // eslint-disable-next-line prefer-const
      sock = net.bind(spec.address, spec.port, (data, from) =>
        h.message(data, { transport: 'udp', remote: { address: from.address, port: from.port }, local: sock.local }),
      );
      return {
        kind: 'udp' as const,
        local: sock.local,
        send: (t, address) => {
          if (t.bytes.length) sock.send(t.bytes, { address, port: t.destination.port });
        },
        close: async () => sock.close(),
      };
    },
  };
}

export class VirtualWorld {
  readonly scheduler = new VirtualScheduler();
  readonly net: SimNetwork;
  private seed: number;
  constructor(seed = 1) {
    this.net = new SimNetwork(this.scheduler, seed);
    this.seed = seed;
  }

  ua(address: string, opts: Partial<UserAgentOptions> = {}): Promise<UserAgent> {
    const r = new Random(this.seed++ * 7919);
    return UserAgent.create({
      listen: `udp:${address}:5060`,
      clock: this.scheduler.clock,
      timerHost: this.scheduler,
      transports: simTransports(this.net),
      random: () => r.u32(),
      ...opts,
    });
  }

  /** Run virtual time (timer by timer, letting promises settle in between) until `p` settles. */
  async until<T>(p: Promise<T>, limitMs = 600_000): Promise<T> {
    let done = false;
    const q = p.finally(() => (done = true));
    q.catch(() => {});
    const end = this.scheduler.now() + limitMs;
    for (let i = 0; i < 1_000_000; i++) {
      await flush();
      if (done) return p;
      const next = this.scheduler.nextAt();
      if (next === undefined || next > end) break;
      this.scheduler.runUntil(next);
    }
    await flush();
    if (done) return p;
    throw new Error(`virtual time: nothing settled within ${limitMs} ms`);
  }

  /** Let virtual time pass (running timers, settling promises). */
  async run(ms: number): Promise<void> {
    const end = this.scheduler.now() + ms;
    for (;;) {
      await flush();
      const next = this.scheduler.nextAt();
      if (next === undefined || next > end) break;
      this.scheduler.runUntil(next);
    }
    this.scheduler.runUntil(end);
    await flush();
  }
}

export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
