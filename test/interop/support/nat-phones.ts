/**
 * The phones of the NAT lab:
 *
 * - the phone behind the NAT (`shtoom serve APP --register` in `priv`): it
 *   registers to the lab's Kamailio, answers, sends a {@link PHONE_TONE}
 *   tone and records what it hears;
 * - the public caller (`shtoom call` in `pub`): it calls the phone's AOR
 *   through Kamailio, sends a {@link CALLER_TONE} tone and records what it
 *   hears. `callFromBaresip` places the same call with baresip instead.
 *
 * Audio got through one way when the other side's recording holds that
 * side's tone (`tonesHeard`): a different frequency each way, so a
 * recording cannot pass by hearing its own echo.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeAudio } from '../../../src/audio/analyze.js';
import { readWavFile } from '../../../src/audio/formats/wav.js';
import { toMono8k } from '../../../src/audio/to-mono-8k.js';
import type { LabKamailio } from './nat-kamailio.js';
import type { NatLab } from './netns.js';
import { waitFor, type Peer } from './peers.js';

/** What the phone behind the NAT sends, Hz. */
export const PHONE_TONE = 1200;
/** What the public caller sends, Hz. */
export const CALLER_TONE = 700;

/** The voice app of the phone behind the NAT: answer, send a tone, record, until the caller hangs up. */
const APP = `export default async function natLabPhone(call) {
  await call.answer();
  await Promise.all([
    call.play('tone:' + process.env.NATLAB_TONE, { timeoutMs: 30000 }).catch(() => {}),
    call.record(process.env.NATLAB_RECORD, { maxSeconds: 30 }).catch(() => {}),
  ]);
  await call.hangup().catch(() => {});
}
`;

export interface NatPhoneOptions {
  /** User part of the AOR; the password is the user followed by `pw`. */
  readonly user: string;
  readonly registrar: LabKamailio;
  /** `--stun HOST:PORT`; off when absent. */
  readonly stun?: string;
  /** `--stun-keepalive`, e.g. `500ms`. */
  readonly keepAlive?: string;
  /** Where the app and the recording go. */
  readonly dir: string;
  /** Log every SIP datagram sent and received (`--log-level trace`). */
  readonly trace?: boolean;
}

export interface NatPhone {
  readonly aor: string;
  /** The Contact it registered (from `serve --json`). */
  readonly contact: string;
  /** The WAV of what it heard (exists once a call was answered). */
  readonly recording: string;
  readonly peer: Peer;
  /** The phone's one-line summary of its finished call, waited for at most `timeoutMs`; undefined when none came. */
  callSummary(timeoutMs: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

/**
 * Start the phone behind the NAT and wait until it is registered.
 *
 * @example
 * const phone = await startNatPhone(lab, { user: 'alice', registrar: kam, stun: '198.51.100.2:3478', dir });
 */
export async function startNatPhone(lab: NatLab, o: NatPhoneOptions): Promise<NatPhone> {
  const app = join(o.dir, 'nat-lab-phone.mjs');
  if (!existsSync(app)) writeFileSync(app, APP);
  const recording = join(o.dir, `${o.user}-heard.wav`);
  const aor = `sip:${o.user}@${o.registrar.address}:${o.registrar.port}`;
  const args = [
    'serve',
    app,
    '--register',
    '--aor',
    aor,
    '--password',
    `${o.user}pw`,
    '--sip-port',
    '0',
    '--json',
    '--log-level',
    o.trace ? 'trace' : 'info',
    ...(o.stun ? ['--stun', o.stun, '--stun-rto', '200ms'] : []),
    ...(o.keepAlive ? ['--stun-keepalive', o.keepAlive] : []),
  ];
  const peer = lab.priv.startShtoom(args, {
    timeoutSec: 120,
    env: { ...process.env, NATLAB_TONE: String(PHONE_TONE), NATLAB_RECORD: recording },
  });
  let serving: { contact: string } | undefined;
  try {
    await waitFor(
      () => {
        if (peer.child.exitCode !== null) throw new Error(`the phone exited (${peer.child.exitCode})`);
        const out = peer.stdout().trim();
        if (!out.endsWith('}')) return false;
        serving = JSON.parse(out) as { contact: string };
        return true;
      },
      `the phone ${aor} to register`,
      20_000,
    );
  } catch (err) {
    await peer.stop();
    throw new Error(`${(err as Error).message}\n${peer.stderr().slice(-2000)}`);
  }
  return {
    aor,
    contact: serving!.contact,
    recording,
    peer,
    async callSummary(timeoutMs) {
      const line = () =>
        peer
          .stderr()
          .split('\n')
          .find((l) => /: call from .*; ended: /.test(l));
      await waitFor(() => line() !== undefined, 'the call summary', timeoutMs).catch(() => {});
      return line();
    },
    async stop() {
      await peer.stop(5000);
    },
  };
}

export interface PubCallOptions {
  readonly phone: NatPhone;
  /** The caller's own user (password user + `pw`). */
  readonly user: string;
  /** Seconds to talk once answered. */
  readonly seconds: number;
  /** Latch onto where the phone's RTP comes from (symmetric RTP, RFC 4961), as shtoom does by default. */
  readonly symmetric: boolean;
  /** The caller's address in `pub`. */
  readonly address: string;
  readonly dir: string;
}

export interface PubCallResult {
  readonly code: number | string;
  /** `shtoom call --json` output. */
  readonly result: {
    answered: boolean;
    end: { reason: string; status?: number; message: string };
    stats?: { received: { packets: number } };
    rtp?: { remote: string; latched: boolean };
  };
  readonly stderr: string;
  /** The WAV of what the caller heard. */
  readonly recording: string;
}

/** Call the phone's AOR from `pub` through the lab's Kamailio. */
export async function callFromPub(lab: NatLab, o: PubCallOptions): Promise<PubCallResult> {
  const recording = join(o.dir, `${o.user}-heard.wav`);
  const r = await lab.pub.shtoom(
    [
      'call',
      o.phone.aor,
      '--aor',
      `sip:${o.user}@${o.phone.aor.split('@')[1]}`,
      '--password',
      `${o.user}pw`,
      '--sip-address',
      o.address,
      '--sip-port',
      '0',
      '--rtp-address',
      o.address,
      '--play',
      `tone:${CALLER_TONE}`,
      '--record',
      recording,
      '--duration',
      `${o.seconds}s`,
      '--answer-timeout',
      '15s',
      ...(o.symmetric ? [] : ['--no-rtp-symmetric']),
      '--json',
      '--log-level',
      'info',
    ],
    { timeoutSec: 60 },
  );
  let result: PubCallResult['result'];
  try {
    result = JSON.parse(r.stdout) as PubCallResult['result'];
  } catch {
    throw new Error(`shtoom call printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr.slice(-2000)}`);
  }
  return { code: r.code, result, stderr: r.stderr, recording };
}

export interface BaresipCallOptions {
  readonly phone: NatPhone;
  /** The caller's own user (password user + `pw`). */
  readonly user: string;
  /** Seconds baresip runs (it dials at once and hangs up when it quits). */
  readonly seconds: number;
  /**
   * baresip's address in `pub`: the interface's first address, since its
   * RTP socket is bound to the wildcard and the kernel sends from that
   * address, whatever its SDP says.
   */
  readonly address: string;
  readonly dir: string;
}

export interface BaresipCallResult {
  readonly code: number | string;
  readonly output: string;
  /** The WAV of what baresip heard (its sndfile module's `-dec` dump), if the call got that far. */
  readonly recording: string | undefined;
}

/**
 * Call the phone's AOR from `pub` with baresip (PEERS.md §3): a 700 Hz sine
 * (`ausine`, which runs at 48 kHz stereo and is resampled), PCMU, through
 * Kamailio as outbound proxy with digest auth, no registration.
 */
export async function callFromBaresip(lab: NatLab, o: BaresipCallOptions): Promise<BaresipCallResult> {
  const conf = join(o.dir, `baresip-${o.user}-to-${o.phone.aor.slice(4, o.phone.aor.indexOf('@'))}`);
  const rec = join(conf, 'rec');
  mkdirSync(rec, { recursive: true });
  const registrar = o.phone.aor.split('@')[1]!;
  writeFileSync(
    join(conf, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${o.address}:5080`,
      `net_interface ${o.address}`,
      'call_local_timeout 20',
      'audio_player alsa,null',
      `audio_source ausine,${CALLER_TONE}`,
      'audio_alert alsa,null',
      'ausrc_srate 48000',
      'ausrc_channels 2',
      'auplay_srate 8000',
      'auplay_channels 1',
      'rtp_ports 20000-20099',
      'rtp_timeout 0',
      'jitter_buffer_delay 1-10',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module ausine.so',
      'module sndfile.so',
      'module alsa.so',
      'module_tmp uuid.so',
      'module_tmp account.so',
      'module_app menu.so',
      `snd_path ${rec}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(conf, 'accounts'),
    `<sip:${o.user}@${registrar};transport=udp>;auth_pass=${o.user}pw;regint=0;` +
      `outbound="sip:${registrar}";audio_codecs=PCMU\n`,
  );
  writeFileSync(join(conf, 'contacts'), '');
  const p = lab.pub.start('baresip', ['-4', '-f', conf, '-e', `/dial ${o.phone.aor}`, '-t', String(o.seconds)], {
    timeoutSec: o.seconds + 20,
  });
  const code = await p.exited;
  const dec = readdirSync(rec).find((f) => f.endsWith('-dec.wav'));
  return { code, output: p.stdout() + p.stderr(), recording: dec ? join(rec, dec) : undefined };
}

/** Seconds of each lab tone found in a recording (0 for a tone not there; all 0 without a file). */
export function tonesHeard(wav: string): { caller: number; phone: number } {
  if (!existsSync(wav)) return { caller: 0, phone: 0 };
  const w = readWavFile(wav);
  const a = analyzeAudio(toMono8k(w.samples, w.format.channels, w.format.sampleRate), {
    tones: [
      { name: 'caller', freqs: [CALLER_TONE] },
      { name: 'phone', freqs: [PHONE_TONE] },
    ],
  });
  const total = (name: string) => a.tones.filter((t) => t.name === name).reduce((s, t) => s + t.duration, 0);
  return { caller: total('caller'), phone: total('phone') };
}
