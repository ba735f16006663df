/**
 * Media plane throughput: RTP packet encode + decode, and the per-packet
 * work of a session (send), the jitter buffer (put + pull), RFC 3550 receive
 * statistics and PLC, each in operations per second of one core.
 */
import { JitterBuffer } from '../src/rtp/jitter-buffer.js';
import { PacketLossConcealer } from '../src/rtp/plc.js';
import { parseRtp, writeRtp, type RtpPacket } from '../src/rtp/rtp-packet.js';
import { RtpSession } from '../src/rtp/rtp-session.js';
import { SourceStatistics } from '../src/rtp/source-stats.js';
import { opsPerSecond, report } from './lib/report.js';

const payload = new Uint8Array(160).fill(0x55);
const buf = new Uint8Array(1500);
let seq = 0;
let sink = 0;
report(
  'rtp.packet_encode_decode',
  Math.round(
    opsPerSecond(
      () => {
        for (let i = 0; i < 1000; i++) {
          const p: RtpPacket = {
            marker: false,
            payloadType: 0,
            sequenceNumber: seq++ & 0xffff,
            timestamp: (seq * 160) >>> 0,
            ssrc: 0x1234,
            csrcs: [],
            payload,
            padding: 0,
          };
          const n = writeRtp(p, buf, 0);
          sink += parseRtp(buf.subarray(0, n)).sequenceNumber;
        }
      },
      1000,
      2000,
    ),
  ),
  'packets/s',
);

const session = new RtpSession({
  remoteRtp: { address: '127.0.0.1', port: 4000 },
  payloadType: 0,
  clockRate: 8000,
  rtcpIntervalMs: 0,
});
let now = 0;
report(
  'rtp.session_send_frame',
  Math.round(
    opsPerSecond(
      () => {
        for (let i = 0; i < 1000; i++) {
          session.sendFrame(payload, (now += 20));
          sink += session.pollTransmit()!.data.length;
        }
      },
      1000,
      1000,
    ),
  ),
  'frames/s',
);

const stats = new SourceStatistics(1, 8000, 0);
let rseq = 0;
report(
  'rtp.receive_statistics_update',
  Math.round(
    opsPerSecond(
      () => {
        for (let i = 0; i < 1000; i++, rseq++)
          stats.update(rseq & 0xffff, (rseq * 160) >>> 0, rseq * 20 + (rseq % 7), 160);
      },
      1000,
      1000,
    ),
  ),
  'packets/s',
);

const jb = new JitterBuffer();
let jseq = 0;
report(
  'rtp.jitter_buffer_put_pull',
  Math.round(
    opsPerSecond(
      () => {
        for (let i = 0; i < 1000; i++, jseq++) {
          const t = jseq * 20;
          jb.put(
            {
              sequenceNumber: jseq & 0xffff,
              timestamp: (jseq * 160) >>> 0,
              payloadType: 0,
              marker: false,
              ssrc: 1,
              payload,
            },
            t + 30 + ((jseq * 7919) % 40),
          );
          const f = jb.pull(t);
          sink += f.samples;
        }
      },
      1000,
      1000,
    ),
  ),
  'frames/s',
);

const plc = new PacketLossConcealer();
const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
const out = new Int16Array(160);
let k = 0;
report(
  'rtp.plc_frames',
  Math.round(
    opsPerSecond(
      () => {
        for (let i = 0; i < 100; i++, k++) sink += (k % 10 < 2 ? plc.conceal(160, out) : plc.good(frame, out))[0]!;
      },
      100,
      1000,
    ),
  ),
  'frames/s',
);
// The common case, every frame of a call with no loss: the copy path, and
// beside it the per-sample path it replaced (the same output).
for (const [name, fast] of [
  ['rtp.plc_good_frames', true],
  ['rtp.plc_good_frames_per_sample', false],
] as const) {
  const p = new PacketLossConcealer();
  p.fastPath = fast;
  report(
    name,
    Math.round(
      opsPerSecond(
        () => {
          for (let i = 0; i < 100; i++) sink += p.good(frame, out)[0]!;
        },
        100,
        1000,
      ),
    ),
    'frames/s',
  );
}
if (sink === 42) console.error('');
