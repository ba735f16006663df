/**
 * `shtoom call URI`: place a call from the terminal or from CI — progress
 * (trying, ringing, answered with codec and peer), a live statistics line
 * each second on a terminal, DTMF, recording, and a final summary (or one
 * JSON document). Ctrl-C or SIGTERM sends CANCEL or BYE, unregisters,
 * finishes the recording, then exits.
 */
import type { Call } from '../../app/call.js';
import type { CallEnd, CallStats, DtmfReceived } from '../../app/call-types.js';
import type { AudioSink, AudioSource } from '../../audio/device.js';
import { openSink, openSource } from '../../audio/open.js';
import { UsageError } from '../../errors.js';
import { isDialString, telToSip, telUriOf } from '../../sip/message/tel.js';
import { formatUri, parseSipUri, parseUri } from '../../sip/message/uri.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { aborted, clockTime, ephemeralSipPort, exitCodeOfEnd, phoneFrom, registerIfAsked } from './call-common.js';
import { audioOpenOptions, checkSipsTarget } from '../settings.js';
import { reportSipFailure } from './sip-failure.js';
import { typeKeys } from './call-keys.js';

function statsLine(s: CallStats): string {
  const rtt = s.rttMs !== undefined ? `  rtt ${s.rttMs.toFixed(1)} ms` : '';
  return (
    `  ${clockTime(s.durationMs)}  ${s.codec}  out ${s.sent.packets}  in ${s.received.packets}  lost ` +
    `${s.received.lossPercent.toFixed(1)} %  jitter ${s.received.jitterMs.toFixed(1)} ms${rtt}`
  );
}

/** How long after the answer a call with no audio from the other side is worth a warning. */
export const NO_AUDIO_WARN_MS = 2000;

/** An answered call from which not one RTP packet arrived. */
function noAudio(end: CallEnd, s: CallStats | undefined): boolean {
  return end.answered && (s?.received.packets ?? 0) === 0;
}

function summary(end: CallEnd, s: CallStats | undefined, peer: string | undefined): string {
  const lines = [`call ${end.answered ? 'ended' : 'failed'}: ${end.message}${end.status ? ` (${end.status})` : ''}`];
  if (noAudio(end, s)) lines.push('  audio     no audio received (not one RTP packet from the other side)');
  if (s?.srtp && s.srtp.authFailed > 0)
    lines.push(
      `  SRTP authentication failed: ${s.srtp.authFailed} packets (dropped unheard: a wrong key, or tampering)`,
    );
  if (end.answered && s) {
    lines.push(`  duration  ${(end.durationMs / 1000).toFixed(1)} s`);
    lines.push(`  codec     ${s.codec}${peer ? `, media to ${peer}` : ''}`);
    lines.push(`  packets   ${s.sent.packets} sent, ${s.received.packets} received`);
    if (s.srtp)
      lines.push(
        `  SRTP      ${s.srtp.suite}: ${s.srtp.received.rtp.ok} RTP and ${s.srtp.received.rtcp.ok} RTCP ` +
          `packets authenticated, ${s.srtp.authFailed} failed, ${s.srtp.received.rtp.replayed} replayed` +
          (s.srtp.received.rtcp.unprotected > 0
            ? `, ${s.srtp.received.rtcp.unprotected} RTCP in clear text from the peer (dropped)`
            : ''),
      );
    lines.push(
      `  loss      ${s.received.lost} of ${s.received.expected} (${s.received.lossPercent.toFixed(2)} %) received` +
        (s.remote ? `; the peer lost ${s.remote.lost} of ours (${s.remote.lossPercent.toFixed(2)} %)` : ''),
    );
    lines.push(`  jitter    ${s.received.jitterMs.toFixed(2)} ms (max ${s.received.maxJitterMs.toFixed(2)} ms)`);
    lines.push(
      `  RTT       ${s.rttMs !== undefined ? `${s.rttMs.toFixed(2)} ms` : 'unknown (no RTCP report from the peer)'}`,
    );
  }
  return lines.join('\n');
}

/**
 * What to call: a sip:/sips: URI as given; a tel: URI or a bare number
 * (`+1 555 0100`) at the account's domain with user=phone (RFC 3261 19.1.6,
 * RFC 3966), which needs the account.
 */
export function dialTarget(given: string, aor: string | undefined): string {
  let parsed: ReturnType<typeof parseUri> | undefined;
  if (!isDialString(given)) {
    try {
      parsed = parseUri(given.trim());
    } catch (e) {
      throw new UsageError(`URI ${JSON.stringify(given)}: ${(e as Error).message}`);
    }
    if (parsed.kind === 'sip') return given.trim();
    if (parsed.kind !== 'tel')
      throw new UsageError(`URI ${JSON.stringify(given)}: only sip:, sips: and tel: URIs (or a number) can be called`);
  }
  if (!aor)
    throw new UsageError(
      `${JSON.stringify(given)} is a telephone number: calling it needs the account whose domain dials it ` +
        '(--aor sip:user@domain, and --user/--password), or call a sip: URI',
    );
  let via;
  try {
    via = parseSipUri(aor);
  } catch (e) {
    throw new UsageError(`--aor ${JSON.stringify(aor)}: ${(e as Error).message}`);
  }
  return formatUri(telToSip(telUriOf(given), via));
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const given = ctx.args[0]!;
  const uri = dialTarget(given, o.get('account.aor'));
  checkSipsTarget(o, uri);
  if (uri !== given.trim()) ctx.out.line(`dialling ${uri}`);
  const log = ctx.log.child('call');
  const audioOpts = audioOpenOptions(o);
  // Open the audio first: a missing file is a usage error before anything is sent.
  const source: AudioSource = await openSource(o.get('call.play'), audioOpts);
  let sink: AudioSink | undefined;
  try {
    const record = o.get('call.record');
    if (record !== undefined)
      sink = await openSink(/^[a-z]+:/i.test(record) || record === 'null' ? record : `file:${record}`, audioOpts);
  } catch (e) {
    await source.close();
    throw e;
  }
  let phone;
  try {
    phone = await phoneFrom(o, ctx.log, { ephemeralPort: ephemeralSipPort('call') });
  } catch (e) {
    await Promise.all([source.close(), sink?.close()]);
    throw e;
  }
  let interrupted = false;
  // A second Ctrl-C: no more waiting for the peer (the call is dropped); a registration is still removed.
  ctx.urgent.addEventListener('abort', () => phone.hurry(), { once: true });
  try {
    try {
      await registerIfAsked(o, phone, log);
    } catch (e) {
      await Promise.all([source.close(), sink?.close()]);
      return reportSipFailure(ctx, e, { uri });
    }
    const call: Call = phone.call(uri, {
      source,
      ...(sink ? { sink } : {}),
      answerTimeoutMs: o.get('call.answer-timeout'),
    });
    const say = (s: string) => ctx.out.line(s);
    const tty = ctx.out.isTTY;
    let live = false;
    const clearLive = () => {
      if (live) ctx.out.raw('\r\x1b[K');
      live = false;
    };
    call.on('trying', () => say('trying (100)'));
    call.on('ringing', (status) => say(status === 183 ? 'session progress (183)' : `ringing (${status})`));
    call.on('early-media', (e) => say(`early media (${e.codec}, from the ${e.status})`));
    call.on('redirected', (r) => say(`redirected (${r.status}) to ${r.target}`));
    const received: DtmfReceived[] = [];
    call.on('dtmf', (d) => {
      received.push(d);
      clearLive();
      say(`DTMF ${d.digit} received (${d.how}${d.durationMs !== undefined ? `, ${d.durationMs} ms` : ''})`);
    });
    call.on('hold', (h) => {
      clearLive();
      say(h.held ? `on hold (${h.by === 'remote' ? 'by the other side' : 'by us'}, media ${h.direction})` : 'off hold');
    });
    if (tty)
      call.on('stats', (s) => {
        ctx.out.raw(`\r\x1b[K${statsLine(s)}`);
        live = true;
      });
    const onAbort = () => {
      interrupted = call.state !== 'answered';
      clearLive();
      log.info(call.state === 'answered' ? 'hanging up (BYE)' : 'cancelling (CANCEL)');
      void call.hangup();
    };
    void aborted(ctx.signal).then(onAbort);
    void aborted(ctx.urgent).then(() => call.abandon());
    let sentDtmf = '';
    // On a terminal, keys typed during the call are sent as DTMF.
    let stopKeys = () => {};
    const stdin = ctx.stdin?.();
    call.on('answered', () => {
      if (!stdin?.isTTY) return;
      say('type 0-9 * # A-D to send them as DTMF');
      stopKeys = typeKeys(call, {
        stdin,
        mode: o.get('call.dtmf-mode'),
        say: (s) => {
          clearLive();
          say(s);
        },
        interrupt: onAbort,
      });
    });
    call.on('answered', (info) => {
      say(`answered by ${info.remote}: ${info.codec}${info.peer ? `, media to ${info.peer}` : ''}`);
      phone.platform.timers.setTimer(NO_AUDIO_WARN_MS, () => {
        if (call.state !== 'answered' || (call.stats()?.received.packets ?? 0) > 0) return;
        clearLive();
        log.warn(`no audio received within ${NO_AUDIO_WARN_MS / 1000} s of the answer`);
      });
      const duration = o.get('call.duration');
      if (duration > 0) phone.platform.timers.setTimer(duration, () => void call.hangup());
      const digits = o.get('call.dtmf');
      if (digits) {
        phone.platform.timers.setTimer(o.get('call.dtmf-delay'), () => {
          if (call.state !== 'answered') return;
          call.sendDtmf(digits, o.get('call.dtmf-mode')).then(
            () => {
              sentDtmf = digits;
              clearLive();
              say(`DTMF ${digits} sent`);
            },
            (e: Error) => log.error(`cannot send DTMF: ${e.message}`),
          );
        });
      }
    });
    const end = await call.ended;
    stopKeys();
    clearLive();
    const stats = call.stats();
    const peer = call.media?.peer;
    const silent = noAudio(end, stats);
    let code = exitCodeOfEnd(end, interrupted);
    if (silent && code === ExitCode.OK && o.get('call.require-audio')) code = ExitCode.FAILURE;
    const warnings = silent ? ['no audio received'] : [];
    if (stats?.srtp && stats.srtp.authFailed > 0)
      warnings.push(`SRTP authentication failed: ${stats.srtp.authFailed} packets`);
    ctx.out.data(
      {
        ok: code === ExitCode.OK,
        uri,
        ...(uri !== given.trim() ? { dialled: given } : {}),
        answered: end.answered,
        end: { reason: end.reason, ...(end.status !== undefined ? { status: end.status } : {}), message: end.message },
        durationMs: end.durationMs,
        ...(end.answered ? { audioReceived: !silent } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(stats ? { codec: stats.codec } : {}),
        ...(peer ? { peer } : {}),
        dtmf: {
          sent: sentDtmf,
          received: received.map((d) => ({
            digit: d.digit,
            how: d.how,
            ...(d.durationMs !== undefined ? { durationMs: d.durationMs } : {}),
          })),
        },
        ...(stats ? { stats: { ...stats, rtp: undefined }, rtp: stats.rtp } : {}),
        ...(sink ? { recording: sink.uri } : {}),
      },
      () => summary(end, stats, peer),
    );
    return code;
  } finally {
    await phone.close();
  }
}

export const callCommand: CommandSpec = {
  name: 'call',
  globals: [
    'account.aor',
    'account.user',
    'account.password',
    'sip.outbound-proxy',
    'sip.transport',
    'sip.port',
    'rtp.address',
    'stun.server',
  ],
  description: 'place a call: progress, live statistics, DTMF, recording, a final summary; exit code by outcome',
  args: [
    {
      name: 'uri',
      description:
        'whom to call: sip:bob@example.com, sip:echo@127.0.0.1:5070, or a number (tel:+15550100, +1 555 0100) ' +
        "dialled at the account's domain",
      required: true,
    },
  ],
  run,
  examples: [
    'shtoom call sip:echo@127.0.0.1:5070 --duration 10',
    'shtoom call sip:ivr@pbx.example.com --play tone:440 --dtmf "123#" --dtmf-mode rfc4733 --record reply.wav',
    'shtoom call sip:bob@example.com --register --aor sip:alice@example.com --password secret --codec gsm,pcmu',
    'shtoom call sip:echo@127.0.0.1:5070 --duration 5 --json',
    'shtoom call tel:+15550100 --aor sip:alice@pbx.example.com --password secret',
  ],
};
