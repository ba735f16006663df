/**
 * tshark for the media interop tests: a capture on lo limited to the test's
 * own ports, and the `-z rtp,streams` table parsed into numbers.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { ulawDecode } from '../../../src/codecs/ulaw.js';
import { freeUdpPort, requireBinary, startPeer, waitFor, type Peer } from './peers.js';

export interface Capture {
  readonly file: string;
  readonly peer: Peer;
  /** Stop the capture (SIGINT flushes the file) and wait for tshark to exit. */
  stop(): Promise<void>;
}

/**
 * Start `tshark -i lo` on the given UDP (or TCP) ports; resolves once it is
 * really capturing: "Capturing on" comes slightly before the filter sees
 * packets, so probe datagrams go to an extra UDP port until tshark prints one
 * (`-P`).
 */
export async function startCapture(
  file: string,
  ports: readonly number[],
  maxSeconds = 60,
  proto: 'udp' | 'tcp' = 'udp',
): Promise<Capture> {
  const probePort = await freeUdpPort();
  const filter = `(${proto} and (${ports.map((p) => `port ${p}`).join(' or ')})) or (udp and port ${probePort})`;
  const peer = startPeer('tshark', ['-i', 'lo', '-f', filter, '-w', file, '-P', '-a', `duration:${maxSeconds}`], {
    timeoutSec: maxSeconds + 20,
  });
  await waitFor(
    () => peer.stderr().includes('Capturing on') || peer.child.exitCode !== null,
    'tshark to start capturing',
    20_000,
  );
  if (peer.child.exitCode !== null) throw new Error(`tshark exited at start: ${peer.stderr()}`);
  const probe = createSocket('udp4');
  try {
    await waitFor(
      () => {
        probe.send('shtoom capture probe', probePort, '127.0.0.1');
        return peer.stdout().includes(`${probePort}`);
      },
      'tshark to see a probe packet',
      20_000,
    );
  } finally {
    probe.close();
  }
  return {
    file,
    peer,
    async stop() {
      if (peer.child.exitCode === null && peer.child.signalCode === null) peer.child.kill('SIGINT');
      await peer.exited;
    },
  };
}

/** One row of `tshark -z rtp,streams`. */
export interface TsharkStream {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly ssrc: number;
  readonly payload: string;
  readonly packets: number;
  readonly lost: number;
  readonly meanDeltaMs: number;
  readonly maxDeltaMs: number;
  readonly meanJitterMs: number;
  readonly maxJitterMs: number;
  readonly problems: boolean;
}

const ROW =
  /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+)\s+\((-?[\d.]+)%\)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*(X)?\s*$/;

/** Analyse a capture: every UDP port in `rtpPorts` is decoded as RTP. */
export function rtpStreams(file: string, rtpPorts: readonly number[]): TsharkStream[] {
  const bin = requireBinary('tshark');
  const args = ['-r', file, '-q', ...rtpPorts.flatMap((p) => ['-d', `udp.port==${p},rtp`]), '-z', 'rtp,streams'];
  const r = spawnSync('timeout', ['60', bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark analysis failed (${r.status}): ${r.stderr}`);
  const rows: TsharkStream[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    rows.push({
      srcPort: Number(m[2]),
      dstPort: Number(m[4]),
      ssrc: parseInt(m[5]!, 16),
      payload: m[6]!,
      packets: Number(m[7]),
      lost: Number(m[8]),
      meanDeltaMs: Number(m[11]),
      maxDeltaMs: Number(m[12]),
      meanJitterMs: Number(m[14]),
      maxJitterMs: Number(m[15]),
      problems: m[16] === 'X',
    });
  }
  if (rows.length === 0) throw new Error(`tshark found no RTP stream in ${file}:\n${r.stdout}`);
  return rows;
}

/** RFC 4733 events on the wire, as tshark decodes them. */
export interface TsharkEvent {
  readonly srcPort: number;
  readonly seq: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly event: number;
  readonly end: boolean;
  readonly volume: number;
  readonly duration: number;
}

export function rtpEvents(file: string, rtpPorts: readonly number[]): TsharkEvent[] {
  const bin = requireBinary('tshark');
  const fields = [
    'udp.srcport',
    'rtp.seq',
    'rtp.timestamp',
    'rtp.marker',
    'rtpevent.event_id',
    'rtpevent.end_of_event',
    'rtpevent.volume',
    'rtpevent.duration',
  ];
  const args = [
    '-r',
    file,
    ...rtpPorts.flatMap((p) => ['-d', `udp.port==${p},rtp`]),
    '-Y',
    'rtpevent',
    '-T',
    'fields',
    ...fields.flatMap((f) => ['-e', f]),
  ];
  const r = spawnSync('timeout', ['60', bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [src, seq, ts, marker, ev, end, vol, dur] = l.split('\t');
      const bool = (s: string | undefined) => s === '1' || s === 'True' || s === 'true';
      return {
        srcPort: Number(src),
        seq: Number(seq),
        timestamp: Number(ts),
        marker: bool(marker),
        event: Number(ev),
        end: bool(end),
        volume: Number(vol),
        duration: Number(dur),
      };
    });
}

/**
 * The PCMU audio sent to `dstPorts` in a capture, decoded, in sequence
 * order (8 kHz): what a peer received on the wire, whatever it did with it.
 */
export function receivedPcmu(file: string, dstPorts: readonly number[]): Int16Array {
  const bin = requireBinary('tshark');
  const filter = `rtp.p_type == 0 && (${dstPorts.map((p) => `udp.dstport == ${p}`).join(' || ')})`;
  const args = [
    '-r',
    file,
    ...dstPorts.flatMap((p) => ['-d', `udp.port==${p},rtp`]),
    '-Y',
    filter,
    '-T',
    'fields',
    '-e',
    'rtp.payload',
  ];
  const r = spawnSync('timeout', ['60', bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  const chunks = r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => ulawDecode(Uint8Array.from(Buffer.from(l.trim().replace(/:/g, ''), 'hex'))));
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** One RTP packet as tshark saw it on the wire: its kernel arrival time and header fields. */
export interface TsharkArrival {
  readonly arrivalMs: number;
  readonly seq: number;
  readonly timestamp: number;
  readonly payloadBytes: number;
}

/** The packets of one stream (`ssrc`, sent to `dstPort`) in capture order, with tshark's arrival times. */
export function rtpArrivals(file: string, rtpPorts: readonly number[], ssrc: number, dstPort: number): TsharkArrival[] {
  const bin = requireBinary('tshark');
  const fields = ['frame.time_epoch', 'rtp.seq', 'rtp.timestamp', 'rtp.ssrc', 'udp.dstport', 'udp.length'];
  const args = ['-r', file, ...rtpPorts.flatMap((p) => ['-d', `udp.port==${p},rtp`]), '-Y', 'rtp', '-T', 'fields'];
  const r = spawnSync('timeout', ['60', bin, ...args, ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  const out: TsharkArrival[] = [];
  for (const line of r.stdout.split('\n')) {
    const [t, seq, ts, s, port, udpLength] = line.split('\t');
    if (!t || Number(s) !== ssrc || Number(port) !== dstPort) continue;
    // UDP length less its 8-byte header and the 12-byte RTP header (SIPp's stream has no CSRC or extension).
    out.push({
      arrivalMs: Number(t) * 1000,
      seq: Number(seq),
      timestamp: Number(ts),
      payloadBytes: Number(udpLength) - 20,
    });
  }
  return out;
}
