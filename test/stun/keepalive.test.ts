import { describe, expect, it } from 'vitest';
import { Driver } from '../../src/clock/drive.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';
import { StunKeepAlive, type KeepAliveEvent } from '../../src/stun/index.js';
import type { StunTransmit } from '../../src/stun/client.js';
import { A, answer } from './fake-server.js';

const SERVER = A('192.0.2.10', 3478);

function rig(reply: (req: Uint8Array, at: number) => Uint8Array | undefined, interval = 25_000) {
  const s = new VirtualScheduler();
  const ka = new StunKeepAlive(SERVER, { interval, rto: 500, rc: 3, rm: 4 });
  const sent: number[] = [];
  const events: (KeepAliveEvent & { at: number })[] = [];
  let d!: Driver<StunTransmit, KeepAliveEvent>;
  d = new Driver(
    ka,
    {
      transmit: (t) => {
        sent.push(s.now());
        const r = reply(t.bytes, s.now());
        if (r) s.after(10, () => d.input((now) => ka.handleDatagram(r, SERVER, now)));
      },
      event: (e) => events.push({ ...e, at: s.now() }),
    },
    s.clock,
    s,
  );
  d.input((now) => ka.start(now));
  return { s, ka, sent, events, d };
}

describe('StunKeepAlive', () => {
  it('sends a Binding request every interval and reports the mapping once as new', () => {
    const { s, sent, events, ka, d } = rig((req) => answer(req, A('203.0.113.1', 40000)));
    s.runUntil(100_010);
    expect(sent).toEqual([0, 25_000, 50_000, 75_000, 100_000]);
    expect(events.map((e) => e.type === 'mapping' && e.changed)).toEqual([true, false, false, false, false]);
    expect(ka.mapped).toEqual(A('203.0.113.1', 40000));
    d.input((now) => ka.stop(now));
    d.close();
    expect(s.pending).toBe(0);
  });

  it('reports a changed mapping and a lost one', () => {
    const { s, events } = rig(
      (req, at) =>
        at >= 60_000 && at < 70_000 ? undefined : answer(req, A('203.0.113.1', at < 30_000 ? 40000 : 40002)),
      20_000,
    );
    s.runUntil(90_000);
    const summary = events.map((e) =>
      e.type === 'mapping' ? `${e.at}:${e.mapped.port}:${e.changed}` : `${e.at}:lost`,
    );
    // 0 and 20000 → 40000; 40000 → 40002 (changed); 60000 → lost after Rc=3, Rm=4: 1500 + 2000 ms;
    // the next keep-alive waits for that to end, so it goes at 80000 and sees 40002 as new again.
    expect(summary).toEqual([
      '10:40000:true',
      '20010:40000:false',
      '40010:40002:true',
      '63500:lost',
      '80010:40002:true',
    ]);
  });
});
