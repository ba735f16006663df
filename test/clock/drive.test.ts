import { describe, expect, it } from 'vitest';
import { Driver, type SansIoCore } from '../../src/clock/drive.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

/** A core that echoes inputs and retransmits each one every 100 ms, three times. */
class EchoCore implements SansIoCore<string, string> {
  private out: string[] = [];
  private events: string[] = [];
  private retx: { at: number; msg: string; left: number }[] = [];
  receive(msg: string, now: number) {
    this.out.push(msg);
    this.events.push(`got ${msg}`);
    this.retx.push({ at: now + 100, msg, left: 3 });
  }
  handleTimeout(now: number) {
    for (const r of this.retx) {
      if (r.at <= now && r.left > 0) {
        this.out.push(`${r.msg}'`);
        r.left--;
        r.at = now + 100;
      }
    }
    this.retx = this.retx.filter((r) => r.left > 0);
  }
  pollTransmit() {
    return this.out.shift();
  }
  pollEvent() {
    return this.events.shift();
  }
  pollTimeout() {
    return this.retx.length ? Math.min(...this.retx.map((r) => r.at)) : undefined;
  }
}

describe('Driver', () => {
  it('drains after every input and keeps exactly one timer armed for the next deadline', () => {
    const s = new VirtualScheduler();
    const core = new EchoCore();
    const sent: string[] = [];
    const events: string[] = [];
    const d = new Driver(
      core,
      { transmit: (t) => sent.push(`${t}@${s.now()}`), event: (e) => events.push(e) },
      s.clock,
      s,
    );
    d.input((now) => core.receive('x', now));
    expect(sent).toEqual(['x@0']);
    expect(events).toEqual(['got x']);
    expect(s.pending).toBe(1);
    s.runUntilIdle();
    expect(sent).toEqual(['x@0', "x'@100", "x'@200", "x'@300"]);
    expect(s.pending).toBe(0);
  });

  it('handles inputs fed from inside an event handler without nesting', () => {
    const s = new VirtualScheduler();
    const core = new EchoCore();
    const sent: string[] = [];
    let d!: Driver<string, string>;
    d = new Driver(
      core,
      {
        transmit: (t) => sent.push(t),
        event: (e) => {
          if (e === 'got a') d.input((now) => core.receive('b', now));
        },
      },
      s.clock,
      s,
    );
    d.input((now) => core.receive('a', now));
    expect(sent).toEqual(['a', 'b']);
  });

  it('close() cancels the timer', () => {
    const s = new VirtualScheduler();
    const core = new EchoCore();
    const d = new Driver(core, { transmit() {}, event() {} }, s.clock, s);
    d.input((now) => core.receive('x', now));
    d.close();
    expect(s.pending).toBe(0);
  });
});
