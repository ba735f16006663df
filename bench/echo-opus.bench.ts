/**
 * serve.echo_concurrent_calls_opus: the most concurrent Opus calls one
 * `shtoom serve` process holds while decoding every packet and encoding
 * every reply — what `serve echo` (which returns packets as they are)
 * never does; and what that costs per call beside G.711 through the same
 * media path.
 *
 * The server runs `bench/lib/loopback-app.ts`: each call answered in media
 * mode, its received audio (jitter buffer, Opus decoder at 16 kHz, the
 * call's rate) written to a sink whose frames a source gives back to the
 * encoder (Opus at 16 kHz, following our offer's fmtp: in-band FEC, VBR
 * 32 kbit/s) on the call's media clock, one frame later. The project's load
 * generator (`lib/load-generator.ts`) offers `opus/48000/2` as a call does
 * and sends 20 ms packets of a 400 Hz + 2 kHz tone encoded beforehand (CBR,
 * so every payload has one size) 50 times a second per call.
 *
 * A reply cannot carry a send time through a codec, so a step holds when,
 * over its window: the replies number at least 99.5 % of the packets sent
 * (the server sends 50 a second per call on its own clock), at least 95 %
 * of them carry audio (over 20 bytes of Opus: the tone went through the
 * decoder and the encoder — silence codes to a few bytes), the gap between
 * a call's replies is off 20 ms by under 10 ms at p99 (the server's media
 * clock keeping time), and the generator's send lateness p99 is under 2 ms.
 *
 * Then the same app and generator with PCMU at the Opus figure's number
 * of calls (`serve.echo_pcmu_media_cpu_percent`, `…_per_call_percent`):
 * the media path without Opus. What Opus adds per call is the difference
 * divided by the calls (`serve.echo_opus_transcode_cpu_per_call_percent`,
 * and `serve.echo_opus_transcode_us_per_frame`: per 20 ms decoded and
 * encoded); `serve.echo_opus_transcode_cost_ratio` is the two CPU figures'
 * ratio (fixed costs of the process included).
 *
 * Steps: SHTOOM_BENCH_OPUS_STEPS (default 10,20,30,40,50,60,80,100),
 * each held SHTOOM_BENCH_OPUS_SECONDS (default 10) after a 2 s warm-up; a
 * failed step is run once more (the machine is shared); failing twice ends
 * the climb. `npm run bench -- echo-opus`.
 */
import { ulawEncode } from '../src/codecs/ulaw.js';
import { OpusFrameEncoder } from '../src/codecs/opus/index.js';
import { OPUS_16K } from '../src/codecs/opus.js';
import { codecFormat } from '../src/app/sdp-local.js';
import { UserAgent } from '../src/sip/api/user-agent.js';
import { loadServerArgs, startServe } from './lib/echo-load.js';
import {
  type CallBehaviour,
  climb,
  connectAll,
  cpuPercent,
  cpuTicks,
  LoadGenerator,
  type LoadCodec,
  PCMU_LOAD,
} from './lib/load-generator.js';
import { freePort } from './lib/ports.js';
import { note, percentile, report } from './lib/report.js';

const SECONDS = Number(process.env.SHTOOM_BENCH_OPUS_SECONDS ?? 10);
const STEPS = (process.env.SHTOOM_BENCH_OPUS_STEPS ?? '10,20,30,40,50,60,80,100').split(',').map(Number);

interface Step {
  calls: number;
  sent: number;
  replies: number;
  audible: number;
  gapP99: number;
  latenessP99: number;
  cpuPercent: number;
}

const ok = (r: Step): boolean =>
  r.replies >= 0.995 * r.sent && r.audible >= 0.95 * r.replies && r.gapP99 < 10 && r.latenessP99 < 2;

const line = (r: Step, good: boolean): string =>
  `${r.calls} calls: ${r.sent} packets out, ${r.replies} replies (${r.audible} with audio), reply gap off 20 ms ` +
  `p99 ${r.gapP99.toFixed(3)} ms, generator lateness p99 ${r.latenessP99.toFixed(3)} ms, ` +
  `CPU ${r.cpuPercent.toFixed(1)} %${good ? '' : ' (fails)'}`;

function tone(rate: number, n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * 400 * i) / rate) + 4000 * Math.sin((2 * Math.PI * 2000 * i) / rate)),
  );
}

/** 50 packets (one second) of the tone, and the codec the generator offers. */
function opusLoad(): { codec: LoadCodec; packets: Buffer[] } {
  const enc = new OpusFrameEncoder({ sampleRate: 16000, bitrate: 32000, cbr: true });
  const pcm = tone(16000, 16000);
  const packets = Array.from({ length: 50 }, (_, k) => Buffer.from(enc.encode(pcm.subarray(k * 320, k * 320 + 320))));
  const size = packets[0]!.length;
  if (packets.some((p) => p.length !== size)) throw new Error('libopus CBR gave packets of different sizes');
  return { codec: { format: codecFormat(OPUS_16K), payloadBytes: size, ticksPerPacket: 960 }, packets };
}

function pcmuLoad(): { codec: LoadCodec; packets: Buffer[] } {
  const pcm = tone(8000, 8000);
  const packets = Array.from({ length: 50 }, (_, k) => Buffer.from(ulawEncode(pcm.subarray(k * 160, k * 160 + 160))));
  return { codec: PCMU_LOAD, packets };
}

/** Sends the packets in turn; counts replies, those with audio, and the gaps between a call's replies. */
function behaviour(packets: Buffer[], audible: (payload: Buffer) => boolean, gaps: number[]): CallBehaviour {
  return {
    fill(c, payload) {
      packets[c.counter % packets.length]!.copy(payload);
    },
    receive(c, msg, now) {
      if (msg.length < 12 || (msg[1]! >= 192 && msg[1]! <= 223)) return; // RTCP
      if (!c.state.measuring) return;
      c.windowReceived++;
      const payload = msg.subarray(12 + 4 * (msg[0]! & 0x0f));
      if (audible(payload)) c.state.audible = ((c.state.audible as number) ?? 0) + 1;
      const last = c.state.last as number | undefined;
      if (last !== undefined) gaps.push(Math.abs(now - last - 20));
      c.state.last = now;
    },
  };
}

async function step(gen: LoadGenerator, gaps: number[], pid: number, n: number, target: string): Promise<Step> {
  const calls = await connectAll(n, (i) => gen.place(i, target));
  for (const c of calls) gen.start(c);
  await new Promise((r) => setTimeout(r, 2000));
  gaps.length = 0;
  gen.lateness.length = 0;
  for (const c of calls) {
    c.windowFrom = c.counter;
    c.windowReceived = 0;
    c.state = { measuring: true, audible: 0 };
  }
  const cpu0 = cpuTicks(pid);
  const t0 = performance.now();
  gen.measuring = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  gen.measuring = false;
  for (const c of calls) c.state.measuring = false;
  const elapsed = performance.now() - t0;
  const cpu1 = cpuTicks(pid);
  for (const c of calls) c.windowTo = c.counter;
  const result: Step = {
    calls: n,
    sent: calls.reduce((s, c) => s + (c.windowTo - c.windowFrom), 0),
    replies: calls.reduce((s, c) => s + c.windowReceived, 0),
    audible: calls.reduce((s, c) => s + (c.state.audible as number), 0),
    gapP99: percentile(gaps, 99),
    latenessP99: percentile(gen.lateness, 99),
    cpuPercent: cpuPercent(cpu0, cpu1, elapsed),
  };
  await gen.end(calls);
  await new Promise((r) => setTimeout(r, 500));
  return result;
}

const port = await freePort();
const server = await startServe(loadServerArgs(new URL('./lib/loopback-app.ts', import.meta.url).pathname, port));
const target = `sip:loop@127.0.0.1:${port}`;
const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:load@127.0.0.1' });
const gaps: number[] = [];
let best: Step | undefined;
let failedAt: Step | undefined;
let pcmu: Step | undefined;
try {
  const opus = opusLoad();
  const gen = new LoadGenerator(
    ua,
    behaviour(opus.packets, (p) => p.length > 20, gaps),
    { codec: opus.codec },
  );
  try {
    ({ best, failedAt } = await climb(
      'Opus through the media path',
      STEPS,
      (n) => step(gen, gaps, server.pid!, n, target),
      ok,
      line,
    ));
  } finally {
    gen.close();
  }
  if (best) {
    const g711 = pcmuLoad();
    // PCMU of silence is all 0xFF (or 0x7F): audio is a payload with other bytes.
    const pgen = new LoadGenerator(
      ua,
      behaviour(g711.packets, (p) => p.some((b) => (b & 0x7f) !== 0x7f), gaps),
      {
        codec: g711.codec,
      },
    );
    try {
      pcmu = await step(pgen, gaps, server.pid!, best.calls, target);
      note(`PCMU through the same path, ${line(pcmu, ok(pcmu))}`);
    } finally {
      pgen.close();
    }
  }
} finally {
  server.kill('SIGTERM');
  await ua.close();
}
note(
  `measured for ${SECONDS} s per step (SHTOOM_BENCH_OPUS_SECONDS), steps ${STEPS.join(', ')} ` +
    `(SHTOOM_BENCH_OPUS_STEPS); ${failedAt ? `${failedAt.calls} calls failed the criteria` : 'held every step'}`,
);
report('serve.echo_concurrent_calls_opus', best?.calls ?? 0, 'calls');
if (best) {
  report('serve.echo_opus_cpu_percent', best.cpuPercent, '%');
  report('serve.echo_opus_cpu_per_call_percent', best.cpuPercent / best.calls, '%');
}
if (best && pcmu) {
  report('serve.echo_pcmu_media_cpu_percent', pcmu.cpuPercent, '%');
  report('serve.echo_pcmu_media_cpu_per_call_percent', pcmu.cpuPercent / pcmu.calls, '%');
  // What Opus adds per call over G.711 on the same path: 1 % of a core is 10 ms a second, 50 frames each way.
  const extra = (best.cpuPercent - pcmu.cpuPercent) / best.calls;
  report('serve.echo_opus_transcode_cpu_per_call_percent', extra, '%');
  report('serve.echo_opus_transcode_us_per_frame', (extra * 10_000) / 50, 'us');
  report('serve.echo_opus_transcode_cost_ratio', best.cpuPercent / pcmu.cpuPercent, 'ratio');
}
