/**
 * TEST FIXTURE — a small UAS built on shtoom's public SIP API, standing in
 * for `shtoom serve` (which the calls layer adds later) in interop tests and
 * benchmarks. It is not a product feature.
 *
 * What it does depends on the user part of the Request-URI:
 * - `ring`: 180 Ringing and never answers (for CANCEL tests);
 * - `busy`: 486 Busy Here;
 * - `auth`: digest challenge (401) until the INVITE carries valid credentials;
 * - `hangup`: answers, then sends BYE `hangupAfterMs` after the ACK;
 * - anything else: answers 200 with a minimal SDP answer and takes the BYE.
 */
import { DigestServer } from '../../../src/sip/auth/digest-server.js';
import type { DigestAlgorithm } from '../../../src/sip/auth/digest.js';
import { UserAgent, type UserAgentOptions } from '../../../src/sip/api/user-agent.js';
import type { IncomingCall } from '../../../src/sip/api/call.js';

export function sdpAnswer(address: string, port = 40000): string {
  return [
    'v=0',
    `o=shtoom 1 1 IN IP4 ${address}`,
    's=shtoom test fixture',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export interface FixtureOptions extends UserAgentOptions {
  /** Users and passwords for `auth` calls. */
  readonly users?: Readonly<Record<string, string>>;
  readonly algorithms?: readonly DigestAlgorithm[];
  readonly hangupAfterMs?: number;
  /** Answer every INVITE with this status instead (e.g. 480 for torture tests). */
  readonly answerAll?: number;
}

export interface FixtureStats {
  invites: number;
  answered: number;
  acked: number;
  byeReceived: number;
  byeSent: number;
  cancelled: number;
  challenged: number;
  rejected: number;
}

export interface FixtureUas {
  readonly ua: UserAgent;
  readonly port: number;
  readonly stats: FixtureStats;
  close(): Promise<void>;
}

export async function startFixtureUas(opts: FixtureOptions = {}): Promise<FixtureUas> {
  const ua = await UserAgent.create({ listen: '127.0.0.1:0', userAgent: 'shtoom-test-uas', ...opts });
  const stats: FixtureStats = {
    invites: 0,
    answered: 0,
    acked: 0,
    byeReceived: 0,
    byeSent: 0,
    cancelled: 0,
    challenged: 0,
    rejected: 0,
  };
  const digest = new DigestServer({
    realm: 'shtoom-test',
    lookup: (u) => opts.users?.[u],
    algorithms: opts.algorithms ?? ['MD5'],
  });
  const address = ua.localAddress.address;
  const answer = sdpAnswer(address);

  const onInvite = async (call: IncomingCall) => {
    stats.invites++;
    call.on('cancelled', () => stats.cancelled++);
    const uri = call.request.uri;
    const user = uri.kind === 'sip' ? uri.user : undefined;
    if (opts.answerAll !== undefined) {
      stats.rejected++;
      return call.reject(opts.answerAll);
    }
    if (user === 'ring') return call.progress(180);
    if (user === 'busy') {
      stats.rejected++;
      return call.reject(486);
    }
    if (user === 'auth') {
      const v = digest.verify(call.request, performance.now());
      if (!v.ok) {
        stats.challenged++;
        return call.reject(
          401,
          undefined,
          digest.challenge(performance.now(), v.stale).map((c) => ['WWW-Authenticate', c] as const),
        );
      }
    }
    const dialog = await call.accept(answer, 'application/sdp').catch(() => undefined);
    stats.answered++;
    if (!dialog) return;
    stats.acked++;
    dialog.on('bye', () => stats.byeReceived++);
    if (user === 'hangup') {
      const t = setTimeout(() => {
        if (dialog.state === 'confirmed') {
          stats.byeSent++;
          void dialog.bye();
        }
      }, opts.hangupAfterMs ?? 200);
      t.unref();
    }
  };
  ua.on('invite', (call) => void onInvite(call));
  return { ua, port: ua.localAddress.port, stats, close: () => ua.close() };
}
