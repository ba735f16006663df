/**
 * PROTOS c07-sip: all 4,527 cases (malformed INVITEs and their CANCEL
 * teardowns) sent over UDP to a live shtoom UAS running in its own process
 * (the test fixture), in batches. After each batch the valid case #0 must
 * still be answered. The answer counts are printed. Then cases 1100-1199
 * against `shtoom serve echo` (the built CLI), which must still stop on
 * SIGTERM in time: cases 1151-1161 have Contacts that cannot be routed
 * (`<aaaa…:…>`), and their calls, answered and never ACKed, once kept it
 * from stopping (and logged "unexpected error").
 */
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/sip/message/parse.js';
import { terminate } from './support/call-process.js';
import { freeSipPort, isListening, startPeer, startShtoom, stopAllPeers, waitFor, type Peer } from './support/peers.js';
import { fill, readCase, type ProtosCase } from './support/sip-protos.js';
import { protosCases } from '../sip/support/vectors.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Largest UDP payload over IPv4: larger cases are cut to it (then answered 400/513 or dropped). */
const MAX_DATAGRAM = 65507;
/** Flush a batch at this many cases or bytes (keeps the UAS's socket buffer from overflowing). */
const BATCH_CASES = 40;
const BATCH_BYTES = 96 * 1024;

let uas: Peer;
let port: number;
beforeAll(async () => {
  uas = startPeer('node', ['--import', 'tsx', join(HERE, 'support', 'sip-uas-main.ts'), '--force-rport'], {
    timeoutSec: 170,
    cwd: join(HERE, '..', '..'),
  });
  await waitFor(() => /listening (\d+)/.test(uas.stdout()), 'the fixture UAS', 30_000);
  port = Number(/listening (\d+)/.exec(uas.stdout())![1]);
});
afterAll(async () => stopAllPeers());

describe('PROTOS c07-sip against a live shtoom UAS (UDP)', () => {
  it('survives all 4,527 cases and answers the valid case after every batch', async () => {
    const files = protosCases();
    expect(files).toHaveLength(4527);
    const cases: ProtosCase[] = files.map((f) => readCase(f.path, f.name));
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const local = sock.address().port;
    /** INVITE answers by Call-ID: every status seen. */
    const answers = new Map<string, number[]>();
    let unattributed = 0;
    let waiting: { callId: string; resolve: () => void } | undefined;
    sock.on('message', (m) => {
      const res = parseMessage(m, { datagram: true }).message;
      if (res?.type !== 'response') return;
      let callId = res.header('call-id');
      if (callId === undefined || !answers.has(callId)) {
        // A case that mangled its Call-ID: find it by the branch we gave it (`<case number>t`).
        const byBranch = /(\d{7})t(?=[;,\s]|$)/.exec(res.header('via') ?? '');
        callId = byBranch ? `protos-${byBranch[1]}-t@127.0.0.1` : undefined;
        if (callId === undefined || !answers.has(callId)) {
          unattributed++;
          return;
        }
      }
      // Count the answers to the INVITE, not those to its CANCEL teardown.
      if (!/\bCANCEL\b/.test(res.header('cseq') ?? '')) answers.get(callId)!.push(res.status);
      // Our 400 answers copy the broken CSeq of the case as they got it: read it loosely.
      const cseq = /^\s*(\d+)\s+INVITE\s*$/.exec(res.header('cseq') ?? '');
      if (cseq && res.status >= 300 && res.header('call-id') !== undefined) {
        // ACK the final answer to the INVITE (RFC 3261 17.1.1.3) so the UAS stops retransmitting it.
        const ack = [
          `ACK sip:ring@127.0.0.1:${port} SIP/2.0`,
          `Via: ${res.headerValues('via')[0]}`,
          `From: ${res.header('from')}`,
          `To: ${res.header('to')}`,
          `Call-ID: ${res.header('call-id')}`,
          `CSeq: ${cseq[1]} ACK`,
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        sock.send(Buffer.from(ack, 'latin1'), port, '127.0.0.1');
      }
      if (waiting && callId === waiting.callId && res.status >= 180) waiting.resolve();
    });
    const fillFor = (c: ProtosCase, msg: Buffer, tag: string) =>
      fill(msg, {
        to: `ring@127.0.0.1:${port}`,
        from: `protos@127.0.0.1:${local}`,
        address: '127.0.0.1',
        localPort: local,
        callId: `protos-${c.name}-${tag}`,
        cseq: 1,
        branch: `${c.name}${tag}`,
        teardownMethod: 'CANCEL',
      });
    let truncated = 0;
    const send = (b: Buffer) => {
      if (b.length > MAX_DATAGRAM) {
        truncated++;
        b = b.subarray(0, MAX_DATAGRAM);
      }
      sock.send(b, port, '127.0.0.1');
    };
    let batches = 0;
    const check = async () => {
      // The valid case #0, freshly numbered: the UAS must ring for it (180) within 5 s.
      batches++;
      const valid = cases[0]!;
      const tag = `check${batches}`;
      const callId = `protos-${valid.name}-${tag}@127.0.0.1`; // the case writes <Call-ID>@<From-Address>
      answers.set(callId, []);
      const answered = new Promise<void>((resolve) => (waiting = { callId, resolve }));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`the UAS did not answer the valid case after batch ${batches}: ${uas.stderr().slice(-500)}`),
            ),
          5000,
        );
      });
      // Retransmitted every 500 ms like any UDP client would (T1): a burst of 64 KB cases may fill the socket buffer.
      const inv = fillFor(valid, valid.invite, tag);
      send(inv);
      const retransmit = setInterval(() => send(inv), 500);
      await Promise.race([answered, timeout]).finally(() => {
        clearTimeout(timer);
        clearInterval(retransmit);
      });
      send(fillFor(valid, valid.teardown, tag));
    };
    let inBatch = 0;
    let bytes = 0;
    for (const c of cases) {
      answers.set(`protos-${c.name}-t@127.0.0.1`, []);
      const inv = fillFor(c, c.invite, 't');
      send(inv);
      send(fillFor(c, c.teardown, 't'));
      inBatch++;
      bytes += inv.length;
      if (inBatch >= BATCH_CASES || bytes >= BATCH_BYTES) {
        await check();
        inBatch = 0;
        bytes = 0;
      }
    }
    await check();
    // Let the last 487s and their ACKs cross.
    await new Promise((r) => setTimeout(r, 200));
    sock.close();

    expect(uas.child.exitCode).toBeNull(); // still running
    const counts = new Map<string, number>();
    for (const c of cases) {
      const got = answers.get(`protos-${c.name}-t@127.0.0.1`) ?? [];
      const first = got.find((s) => s !== 100);
      const key = first === undefined ? (got.length ? '100 only' : 'no answer') : String(first);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const table = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const lines = [
      `PROTOS c07-sip: ${cases.length} cases in ${batches} batches, each followed by the valid case (answered every ` +
        `time)`,
      ...table.map(([k, n]) => `  ${k.padEnd(10)} ${n}`),
      `  (${truncated} datagrams cut to ${MAX_DATAGRAM} bytes; ${unattributed} responses matched no case by Call-ID ` +
        `or branch)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    // Every case that reached the UAS as an INVITE it could read got an answer; no case crashed it.
    expect(counts.get('180') ?? 0).toBeGreaterThan(0);
    expect(counts.get('400') ?? 0).toBeGreaterThan(0);
    expect(batches).toBeGreaterThan(100);
  });
});

describe('PROTOS c07-sip against shtoom serve echo, then SIGTERM', () => {
  it('cases 1100-1199 (unroutable Contacts): no unexpected error; SIGTERM ends serve in time (exit 0)', async () => {
    const files = protosCases().slice(1100, 1200);
    const echoPort = await freeSipPort();
    const serve = startShtoom(
      [
        'serve',
        'echo',
        '--listen',
        `udp:127.0.0.1:${echoPort}`,
        '--sip-address',
        '127.0.0.1',
        '--rtp-address',
        '127.0.0.1',
      ],
      { timeoutSec: 150 },
    );
    await waitFor(() => isListening(echoPort, 'udp'), 'shtoom serve echo');
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const local = sock.address().port;
    let answers = 0;
    sock.on('message', () => answers++);
    for (const [i, f] of files.entries()) {
      const c = readCase(f.path, f.name);
      const opts = {
        to: `echo@127.0.0.1:${echoPort}`,
        from: `protos@127.0.0.1:${local}`,
        address: '127.0.0.1',
        localPort: local,
        callId: `protos-serve-${c.name}`,
        cseq: 1,
        branch: `${c.name}s`,
        teardownMethod: 'CANCEL',
      };
      for (const m of [fill(c.invite, opts), fill(c.teardown, opts)])
        sock.send(m.length > MAX_DATAGRAM ? m.subarray(0, MAX_DATAGRAM) : m, echoPort, '127.0.0.1');
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => answers > 0, 'answers from serve', 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    terminate(serve);
    const code = await serve.exited;
    sock.close();
    expect(code, serve.stderr().slice(-2000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(32_000 + 10_000);
    expect(serve.stderr()).not.toMatch(/unexpected error|internal error/);
  }, 120_000);
});
