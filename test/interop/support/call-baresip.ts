/**
 * baresip (baresip-core) for the calls interop tests: a headless instance on
 * loopback with its own config directory — an endless sine as its audio
 * source (ausine), ALSA's null PCM as player, every call's audio dumped to
 * WAV (sndfile), auto-answer — driven over ctrl_tcp (netstring-framed JSON
 * commands, with events on the same connection). See PEERS.md §3.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freeSipPort, isListening, startPeer, waitFor, type Peer } from './peers.js';

export interface BaresipOptions {
  /** Config directory (created). */
  readonly dir: string;
  /** Frequency of the sine baresip sends. */
  readonly toneHz: number;
  /** `PCMU`, `PCMA`, `GSM`, `G722` or `opus`: the only codec its account offers and accepts. */
  readonly codec: string;
  /** The rate baresip plays (and its sndfile dump keeps) received audio at (default 8000; 48000 for wideband). */
  readonly playRate?: number;
  /** First port of a range of 20 for RTP. */
  readonly rtpBase: number;
  /** Where its SIP and RTP live: 127.0.0.1 (default) or ::1. */
  readonly host?: '127.0.0.1' | '::1';
  /**
   * The account line instead of a stand-alone alice (`<sip:…>;params`; `{port}`
   * becomes baresip's SIP port): e.g. one registering through a registrar.
   */
  readonly account?: string;
  /** Lines of the contacts file (`"name" <sip:…>`); the first is the current contact (`message`). */
  readonly contacts?: readonly string[];
  /** Load the stdio UI module too: what baresip tells its user (a MESSAGE received) goes to its stdout. */
  readonly stdio?: boolean;
  /** More application modules to load (`mwi.so`…). */
  readonly apps?: readonly string[];
  /** SIP over TLS: a PEM file with baresip's certificate and key (it then listens for TLS on its SIP port + 1). */
  readonly tlsCertificate?: string;
  /** The CAs baresip trusts (PEM). */
  readonly tlsCa?: string;
  /**
   * Media encryption of the stand-alone account (`srtp-mand`: SDES SRTP,
   * RTP/SAVP, required; `srtp`: best effort): loads the srtp module.
   */
  readonly mediaenc?: 'srtp' | 'srtp-mand';
}

export interface BaresipEvent {
  readonly type: string;
  readonly param?: string;
  readonly [k: string]: unknown;
}

export class Baresip {
  readonly events: BaresipEvent[] = [];
  private ctrl!: Socket;
  private buf = Buffer.alloc(0);
  private token = 0;
  private readonly replies = new Map<string, (r: Record<string, unknown>) => void>();

  private constructor(
    readonly peer: Peer,
    readonly sipPort: number,
    readonly ctrlPort: number,
    readonly recDir: string,
    /** The ports baresip takes RTP on (its range of 20). */
    readonly rtpPorts: readonly number[] = [],
  ) {}

  /** Start baresip and connect to its ctrl_tcp. */
  static async start(o: BaresipOptions): Promise<Baresip> {
    mkdirSync(o.dir, { recursive: true });
    const recDir = join(o.dir, 'rec');
    mkdirSync(recDir, { recursive: true });
    // baresip also opens TCP/TLS on sip_listen + 1: find a port whose successor is free too.
    let sipPort = await freeSipPort();
    for (let i = 0; i < 20 && isListening(sipPort + 1, 'tcp'); i++) sipPort = await freeSipPort();
    const ctrlPort = await freeSipPort();
    const codecModule =
      ({ GSM: 'gsm.so', G722: 'g722.so', opus: 'opus.so' } as Record<string, string>)[o.codec] ?? 'g711.so';
    const host = o.host ?? '127.0.0.1';
    const uriHost = host.includes(':') ? `[${host}]` : host;
    writeFileSync(
      join(o.dir, 'config'),
      [
        'poll_method\t\tepoll',
        `sip_listen\t\t${uriHost}:${sipPort}`,
        `net_interface\t\t${host}`,
        'call_local_timeout\t120',
        'call_max_calls\t\t4',
        'audio_player\t\talsa,null',
        `audio_source\t\tausine,${o.toneHz}`,
        'audio_alert\t\talsa,null',
        'ausrc_srate\t\t48000', // ausine generates at 48 kHz only; baresip resamples
        `auplay_srate\t\t${o.playRate ?? 8000}`,
        'ausrc_channels\t\t2', // and in stereo only
        'auplay_channels\t\t1',
        `rtp_ports\t\t${o.rtpBase}-${o.rtpBase + 19}`,
        'rtp_timeout\t\t0',
        'jitter_buffer_delay\t1-10',
        'module_path\t\t/usr/lib/baresip/modules',
        `module\t\t\t${codecModule}`,
        'module\t\t\tausine.so',
        'module\t\t\tsndfile.so',
        'module\t\t\talsa.so',
        'module\t\t\tctrl_tcp.so',
        ...(o.mediaenc ? ['module\t\t\tsrtp.so'] : []),
        ...(o.stdio ? ['module\t\t\tstdio.so'] : []),
        'module_tmp\t\tuuid.so',
        'module_tmp\t\taccount.so',
        'module_app\t\tcontact.so',
        'module_app\t\tmenu.so',
        ...(o.apps ?? []).map((m) => `module_app\t\t${m}`),
        `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
        ...(o.tlsCertificate ? [`sip_certificate\t\t${o.tlsCertificate}`] : []),
        ...(o.tlsCa ? [`sip_cafile\t\t${o.tlsCa}`] : []),
        `snd_path\t\t${recDir}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(o.dir, 'accounts'),
      `${(
        o.account ??
          `<sip:alice@${uriHost}:{port};transport=udp>;regint=0;answermode=auto;audio_codecs=${o.codec}` +
            (o.mediaenc ? `;mediaenc=${o.mediaenc}` : '')
      ).replaceAll('{port}', String(sipPort))}\n`,
    );
    writeFileSync(join(o.dir, 'contacts'), (o.contacts ?? []).map((c) => `${c}\n`).join(''));
    const peer = startPeer('baresip', [host.includes(':') ? '-6' : '-4', '-f', o.dir], { timeoutSec: 120 });
    const b = new Baresip(
      peer,
      sipPort,
      ctrlPort,
      recDir,
      Array.from({ length: 20 }, (_, i) => o.rtpBase + i),
    );
    await waitFor(() => isListening(ctrlPort, 'tcp') || peer.child.exitCode !== null, 'baresip ctrl_tcp', 15_000);
    if (peer.child.exitCode !== null) throw new Error(`baresip exited: ${peer.stdout().slice(-2000)} ${peer.stderr()}`);
    await waitFor(() => isListening(sipPort, 'udp'), 'baresip SIP');
    await b.connect();
    return b;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ctrl = connect(this.ctrlPort, '127.0.0.1', () => resolve());
      this.ctrl.once('error', reject);
      this.ctrl.on('data', (d: Buffer) => this.onData(d));
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buf.subarray(0, colon).toString());
      if (this.buf.length < colon + 1 + len + 1) return;
      const msg = JSON.parse(this.buf.subarray(colon + 1, colon + 1 + len).toString()) as Record<string, unknown>;
      this.buf = this.buf.subarray(colon + 2 + len);
      if (msg.event === true || typeof msg.type === 'string') this.events.push(msg as unknown as BaresipEvent);
      if (msg.response === true && typeof msg.token === 'string') this.replies.get(msg.token)?.(msg);
    }
  }

  /** Send a command (`dial`, `sndcode`, `hangup`, `quit`…); resolves with baresip's reply. */
  command(command: string, params = ''): Promise<Record<string, unknown>> {
    const token = `t${++this.token}`;
    const body = Buffer.from(JSON.stringify({ command, params, token }));
    return new Promise((resolve, reject) => {
      // baresip answers its control socket at once; 20 s is for a machine starved of CPU (10 s was not enough once).
      const t = setTimeout(() => reject(new Error(`baresip did not answer ${command}`)), 20_000);
      this.replies.set(token, (r) => {
        clearTimeout(t);
        this.replies.delete(token);
        resolve(r);
      });
      this.ctrl.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    });
  }

  /** Wait for an event of `type` (and matching `pred`). */
  async waitEvent(
    type: string,
    pred: (e: BaresipEvent) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<BaresipEvent> {
    await waitFor(() => this.events.some((e) => e.type === type && pred(e)), `baresip event ${type}`, timeoutMs);
    return this.events.find((e) => e.type === type && pred(e))!;
  }

  /** Digits baresip received (CALL_DTMF_START events). */
  digits(): string {
    return this.events
      .filter((e) => e.type === 'CALL_DTMF_START')
      .map((e) => e.param ?? '')
      .join('');
  }

  /** The WAV files sndfile wrote of what baresip received (`*-dec.wav`). */
  received(): string[] {
    return readdirSync(this.recDir)
      .filter((f) => f.endsWith('-dec.wav'))
      .map((f) => join(this.recDir, f));
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.command('quit'), new Promise((r) => setTimeout(r, 1000))]);
    } catch {
      // already gone
    }
    this.ctrl?.destroy();
    await this.peer.stop(3000);
  }
}
