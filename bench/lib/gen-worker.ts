/**
 * One generator thread of the benchmarks' generator pool (`gen-pool.ts`):
 * its own `UserAgent` on its own SIP port, its own `LoadGenerator` and
 * media clock, the calls the parent gives it; it answers each request of
 * the parent (`gen-messages.ts`) once, with the window's figures on
 * `close`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { ConferenceLoad, type ConfState } from './conference-load.js';
import { echoBehaviour } from './echo-load.js';
import type { CallFigures, FromGen, GenFigures, GenSpec, ToGen } from './gen-messages.js';
import { connectAll, type LoadCall, LoadGenerator } from './load-generator.js';

const port = parentPort;
if (!port) throw new Error('gen-worker.ts runs as a worker thread of gen-pool.ts');
const spec = workerData as GenSpec;
const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:load@127.0.0.1' });
const rtts: number[] = [];
const conference = spec.behaviour === 'conference' ? new ConferenceLoad() : undefined;
const gen = new LoadGenerator(ua, conference ?? echoBehaviour(rtts), {
  ...(spec.srtp ? { srtp: spec.srtp } : {}),
  ...(spec.codec ? { codec: spec.codec } : {}),
});
let calls: LoadCall[] = [];

const post = (m: FromGen, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function handle(m: ToGen): Promise<GenFigures | undefined> {
  switch (m.t) {
    case 'connect': {
      const placed = await connectAll(m.calls.length, (k) => {
        const c = m.calls[k]!;
        return c.target !== undefined ? gen.place(c.index, c.target) : gen.direct(c.index, c.port!);
      });
      for (const c of placed) gen.start(c);
      calls.push(...placed);
      return undefined;
    }
    case 'open':
      rtts.length = 0;
      gen.lateness.length = 0;
      for (const c of calls) {
        c.windowFrom = c.counter;
        c.windowTo = Infinity;
        c.windowReceived = 0;
      }
      conference?.reset(calls);
      if (conference) conference.measuring = true;
      gen.measuring = true;
      return undefined;
    case 'close': {
      gen.measuring = false;
      if (conference) conference.measuring = false;
      for (const c of calls) c.windowTo = c.counter;
      // What is still on its way back.
      await new Promise((r) => setTimeout(r, 500));
      const per: CallFigures[] = calls.map((c) => ({
        index: c.index,
        sent: c.windowTo - c.windowFrom,
        received: c.windowReceived,
        ...(conference ? { conf: { ...(c.state as unknown as ConfState) } } : {}),
      }));
      const probe = conference?.probe.length
        ? Int16Array.from(conference.probe.flatMap((f) => Array.from(f)))
        : undefined;
      return {
        calls: per,
        lateness: Float64Array.from(gen.lateness),
        rtts: Float64Array.from(rtts),
        spacing: Float64Array.from(conference?.spacing ?? []),
        ...(probe ? { probe } : {}),
      };
    }
    case 'end':
      await gen.end(calls);
      calls = [];
      return undefined;
    case 'exit':
      gen.close();
      await ua.close();
      return undefined;
  }
}

port.on('message', (m: ToGen) => {
  handle(m).then(
    (figures) => {
      const transfer = figures
        ? [
            figures.lateness.buffer,
            figures.rtts.buffer,
            figures.spacing.buffer,
            ...(figures.probe ? [figures.probe.buffer] : []),
          ]
        : [];
      post({ t: 'done', seq: m.seq, ...(figures ? { figures } : {}) }, transfer as ArrayBuffer[]);
      if (m.t === 'exit') port.close();
    },
    (e: unknown) => post({ t: 'failed', seq: m.seq, message: e instanceof Error ? e.message : String(e) }),
  );
});
post({ t: 'ready' });
