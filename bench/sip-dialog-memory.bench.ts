/**
 * sip.dialog_memory: heap bytes per idle confirmed dialog, measured with
 * 10,000 calls between two SIP cores joined in memory (virtual time; every
 * transaction has ended, so only the dialogs remain). Reported per dialog
 * per side (each call leaves one dialog in the caller and one in the callee),
 * for the core's dialogs (the public `Dialog` handles of the API add theirs).
 * sip.answered_call_memory: heap bytes per call (both sides) just after the
 * calls were answered and ACKed, while their transactions wait out Timer L
 * and the rest (64*T1): what a busy UAS holds per call for 32 s. A
 * transaction that kept its request (or a callback that kept it) shows here.
 */
import { SipCore } from '../src/sip/core/sip-core.js';
import type { Source } from '../src/sip/transport/types.js';
import { parseSipUri } from '../src/sip/message/uri.js';
import { Random } from '../src/sim/random.js';
import { note, report } from './lib/report.js';

const N = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  note('run with --expose-gc (npm run bench does)');
  process.exit(1);
}

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

function measure(): { perDialog: number; perAnsweredCall: number; dialogs: number } {
  const r = new Random(1);
  const a = new SipCore({
    local: { udp: { address: '10.0.0.1', port: 5060 } },
    aor: parseSipUri('sip:alice@10.0.0.1'),
    random: () => r.u32(),
  });
  const b = new SipCore({
    local: { udp: { address: '10.0.0.2', port: 5060 } },
    aor: parseSipUri('sip:bob@10.0.0.2'),
    random: () => r.u32(),
  });
  const from = (x: string): Source => ({
    transport: 'udp',
    remote: { address: x, port: 5060 },
    local: { address: x === '10.0.0.1' ? '10.0.0.2' : '10.0.0.1', port: 5060 },
  });
  let now = 0;
  const pump = () => {
    for (let moved = true; moved; ) {
      moved = false;
      for (let t = a.pollTransmit(); t; t = a.pollTransmit()) {
        moved = true;
        b.handleDatagram(t.bytes, from('10.0.0.1'), now);
      }
      for (let t = b.pollTransmit(); t; t = b.pollTransmit()) {
        moved = true;
        a.handleDatagram(t.bytes, from('10.0.0.2'), now);
      }
      for (let e = b.pollEvent(); e; e = b.pollEvent()) {
        moved = true;
        if (e.type === 'invite') e.invite.accept(now);
      }
      while (a.pollEvent()) moved = true;
    }
  };
  const target = parseSipUri('sip:bob@10.0.0.2');
  const before = heap();
  for (let i = 0; i < N; i++) {
    a.invite(target, {}, now);
    pump();
  }
  const answered = heap();
  // Let every transaction end (Timer L, M, J… at 64*T1) so only the dialogs remain.
  for (
    let t = a.pollTimeout() ?? b.pollTimeout();
    t !== undefined;
    t = Math.min(a.pollTimeout() ?? Infinity, b.pollTimeout() ?? Infinity)
  ) {
    if (!Number.isFinite(t)) break;
    now = t;
    a.handleTimeout(now);
    b.handleTimeout(now);
    pump();
  }
  const after = heap();
  const dialogs = a.dialogs.size + b.dialogs.size;
  if (a.pendingTimers + b.pendingTimers !== 0 || a.transactions.size + b.transactions.size !== 0)
    throw new Error('transactions still alive');
  if (dialogs !== 2 * N) throw new Error(`expected ${2 * N} dialogs, have ${dialogs}`);
  return { perDialog: (after - before) / dialogs, perAnsweredCall: (answered - before) / N, dialogs };
}

const m = measure();
note(`${m.dialogs} dialogs (${N} calls, both sides), all transactions ended`);
report('sip.dialog_memory', Math.round(m.perDialog), 'bytes');
report('sip.answered_call_memory', Math.round(m.perAnsweredCall), 'bytes');
