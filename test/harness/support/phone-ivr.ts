/**
 * Scenarios on real calls in virtual time: a caller phone (the harness's
 * `PhonePort`) and a server phone running an IVR script as a doug app, both
 * on a simulated network (`PhoneWorld`), driven by the harness's
 * `VirtualTime` so that recognition (held) does not let time run on.
 */
import type { Phone } from '../../../src/app/phone.js';
import { DougServer, type VoiceApp } from '../../../src/doug/server.js';
import type { EngineEnv } from '../../../src/harness/engine/context.js';
import { PhonePort, type PhonePortOptions } from '../../../src/harness/phone/phone-port.js';
import { dougApp, type DougAppOptions } from '../../../src/harness/phone/voice-call-far-end.js';
import type { IvrScript } from '../../../src/harness/sim/far-end.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { MemorySink, Logger } from '../../../src/log/logger.js';
import { PhoneWorld } from '../../app/support/sim-phones.js';

export const CALLER = '10.0.0.1';
export const SERVER = '10.0.0.2';

export interface IvrWorld {
  readonly world: PhoneWorld;
  readonly vt: VirtualTime;
  readonly caller: Phone;
  readonly server: Phone;
  readonly doug: DougServer;
  readonly port: PhonePort;
  readonly logs: MemorySink;
  /** The engine's environment on this port (virtual clock, timers, hold). */
  env(extra?: Partial<EngineEnv>): EngineEnv;
  close(): Promise<void>;
}

export interface IvrWorldOptions {
  readonly seed?: number;
  /** One-way delay of the simulated network, ms (default 10). */
  readonly delayMs?: number;
  readonly loss?: number;
  readonly app?: DougAppOptions;
  readonly phoneFor?: PhonePortOptions['phoneFor'];
}

/** A caller and a server running `script` on every incoming call. */
export function ivrWorld(script: IvrScript, o: IvrWorldOptions = {}): Promise<IvrWorld> {
  return appWorld(dougApp(script, o.app), o);
}

/** A caller and a server running a doug app on every incoming call. */
export async function appWorld(app: VoiceApp, o: IvrWorldOptions = {}): Promise<IvrWorld> {
  const world = new PhoneWorld(o.seed ?? 1);
  world.net.setProfile({ delayMs: o.delayMs ?? 10, ...(o.loss ? { loss: o.loss } : {}) });
  const vt = new VirtualTime(world.scheduler);
  const caller = await world.phone(CALLER);
  const server = await world.phone(SERVER, { inbandDtmf: 'on' });
  const logs = new MemorySink();
  const doug = new DougServer({ phone: server, app, log: new Logger(logs, 'info') }).start();
  const port = new PhonePort({ phone: caller, ...(o.phoneFor ? { phoneFor: o.phoneFor } : {}) });
  return {
    world,
    vt,
    caller,
    server,
    doug,
    port,
    logs,
    env: (extra = {}) => ({ ...port.env(), hold: vt.hold, ...extra }),
    close: () =>
      vt.run(async () => {
        await port.close();
        await doug.close();
        await Promise.all([caller.close(), server.close()]);
      }),
  };
}
