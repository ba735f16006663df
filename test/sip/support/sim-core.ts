/** SIP cores on a simulated network in virtual time (the default integration test shape). */
import { Driver } from '../../../src/clock/drive.js';
import { SimNetwork, type SimSocket } from '../../../src/sim/network.js';
import { VirtualScheduler } from '../../../src/sim/scheduler.js';
import { Random } from '../../../src/sim/random.js';
import { SipCore } from '../../../src/sip/core/sip-core.js';
import type { CoreConfig } from '../../../src/sip/core/config.js';
import type { CoreEvent } from '../../../src/sip/core/events.js';
import type { Transmit } from '../../../src/sip/transport/types.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipMessage } from '../../../src/sip/message/message.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';

export class SimUa {
  readonly core: SipCore;
  readonly driver: Driver<Transmit, CoreEvent>;
  readonly socket: SimSocket;
  readonly events: CoreEvent[] = [];
  /** Every message sent, parsed (for assertions). */
  readonly sent: SipMessage[] = [];
  onEvent: (e: CoreEvent, ua: SimUa) => void = () => {};

  constructor(
    readonly sim: Sim,
    readonly address: string,
    port: number,
    config: Partial<CoreConfig> = {},
  ) {
    this.socket = sim.net.bind(address, port, (data, from) =>
      this.driver.input((now) =>
        this.core.handleDatagram(
          data,
          { transport: 'udp', remote: { address: from.address, port: from.port }, local: { address, port } },
          now,
        ),
      ),
    );
    const rnd = new Random(port);
    this.core = new SipCore({
      local: { udp: { address, port } },
      aor: parseSipUri(`sip:${address.replace(/\./g, '')}@${address}`),
      random: () => rnd.u32(),
      ...config,
    });
    this.driver = new Driver(
      this.core,
      {
        transmit: (t) => {
          if (t.message) this.sent.push(t.message);
          else if (t.bytes.length) this.sent.push(parseMessage(t.bytes, { datagram: true }).message!);
          this.socket.send(t.bytes, { address: t.destination.host, port: t.destination.port });
        },
        event: (e) => {
          this.events.push(e);
          this.onEvent(e, this);
        },
      },
      sim.scheduler.clock,
      sim.scheduler,
    );
  }

  /** Run a command on the core (drained by the driver). */
  act<T>(fn: (now: number) => T): T {
    let out!: T;
    this.driver.input((now) => (out = fn(now)));
    return out;
  }

  uri(user = 'x'): ReturnType<typeof parseSipUri> {
    return parseSipUri(`sip:${user}@${this.address}:${this.socket.local.port}`);
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

export class Sim {
  readonly scheduler = new VirtualScheduler();
  readonly net: SimNetwork;
  constructor(seed = 1) {
    this.net = new SimNetwork(this.scheduler, seed);
  }
  ua(address: string, port = 5060, config: Partial<CoreConfig> = {}): SimUa {
    return new SimUa(this, address, port, config);
  }
  /** Run until nothing is pending (bounded). */
  idle(limitMs = 600_000): void {
    this.scheduler.runUntilIdle(limitMs);
  }
  run(ms: number): void {
    this.scheduler.runFor(ms);
  }
}
