/**
 * baresip as the far end of IVR scenarios: headless (no sound card),
 * auto-answering, playing a prompt WAV through its `aufile` source and
 * recording what it hears with `sndfile`, registered at a registrar (or
 * standing alone), and watched through its `ctrl_tcp` interface (netstring
 * JSON: CALL_ESTABLISHED, CALL_DTMF_START with the key, CALL_CLOSED…).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freeSipPort, isListening, startPeer, waitFor, type Peer } from './peers.js';

export interface BaresipEvent {
  readonly type: string;
  readonly param?: string;
  readonly [key: string]: unknown;
}

export interface Baresip {
  readonly peer: Peer;
  readonly sipPort: number;
  /** Events from ctrl_tcp, in order. */
  readonly events: BaresipEvent[];
  /** Where sndfile writes `dump-…-dec.wav` (what baresip heard) and `-enc.wav`. */
  readonly recordings: string;
  /** The WAV files recorded so far. */
  recorded(): string[];
  stop(): Promise<void>;
}

export interface BaresipOptions {
  /** The WAV (8 kHz mono) baresip plays to every caller: pad it with silence, the call ends at its end. */
  readonly prompt: string;
  /** `user@registrar-host:port` and password to register with; stand-alone otherwise. */
  readonly register?: { readonly aor: string; readonly password: string };
  readonly dir: string;
}

/** Start baresip; resolves when ctrl_tcp answers and, with `register`, the registrar said 200. */
export async function startBaresip(o: BaresipOptions): Promise<Baresip> {
  // baresip also opens TCP/TLS on sip_listen + 1: find a port whose successor is free too.
  let sipPort = await freeSipPort();
  for (let i = 0; i < 20 && isListening(sipPort + 1, 'tcp'); i++) sipPort = await freeSipPort();
  const ctrlPort = await freeSipPort();
  const consPort = await freeSipPort();
  const rtpBase = 40000 + 2 * Math.floor(Math.random() * 5000);
  const conf = join(o.dir, 'baresip');
  const recordings = join(o.dir, 'baresip-rec');
  mkdirSync(conf, { recursive: true });
  mkdirSync(recordings, { recursive: true });
  writeFileSync(
    join(conf, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'net_interface 127.0.0.1',
      'call_local_timeout 120',
      'call_max_calls 4',
      'audio_player alsa,null',
      `audio_source aufile,${o.prompt}`,
      'audio_alert alsa,null',
      'ausrc_srate 8000',
      'auplay_srate 8000',
      'ausrc_channels 1',
      'auplay_channels 1',
      'audio_buffer 20-160',
      `rtp_ports ${rtpBase}-${rtpBase + 99}`,
      'rtp_timeout 0',
      'jitter_buffer_delay 1-10',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module sndfile.so',
      'module alsa.so',
      'module cons.so',
      'module ctrl_tcp.so',
      'module_tmp uuid.so',
      'module_tmp account.so',
      'module_app contact.so',
      'module_app menu.so',
      `cons_listen 127.0.0.1:${consPort}`,
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      `snd_path ${recordings}`,
      '',
    ].join('\n'),
  );
  const account = o.register
    ? `<sip:${o.register.aor};transport=udp>;auth_pass=${o.register.password};regint=300;` +
      'answermode=auto;audio_codecs=PCMU,PCMA'
    : `<sip:ivr@127.0.0.1:${sipPort};transport=udp>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA`;
  writeFileSync(join(conf, 'accounts'), `${account}\n`);
  writeFileSync(join(conf, 'contacts'), '');
  const peer = startPeer('baresip', ['-4', '-f', conf], { timeoutSec: 300 });
  const fail = (e: unknown) => {
    throw new Error(`${(e as Error).message}\n${peer.stdout().slice(-3000)}\n${peer.stderr().slice(-1000)}`);
  };
  await waitFor(() => isListening(ctrlPort, 'tcp') && isListening(sipPort, 'udp'), `baresip on ${sipPort}`).catch(fail);
  const events: BaresipEvent[] = [];
  const socket = await watch(ctrlPort, events);
  if (o.register)
    await waitFor(
      () => /200 OK/.test(peer.stdout()) || events.some((e) => e.type === 'REGISTER_OK'),
      'baresip registered',
    ).catch(fail);
  return {
    peer,
    sipPort,
    events,
    recordings,
    recorded: () => readdirSync(recordings).map((f) => join(recordings, f)),
    async stop() {
      socket.destroy();
      // Registered, baresip un-REGISTERs on the way out; stop it while the registrar still runs.
      await peer.stop(5000);
    },
  };
}

/** Read ctrl_tcp's netstring-framed JSON events into `events`. */
function watch(port: number, events: BaresipEvent[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const colon = buf.indexOf(':');
        if (colon < 0) break;
        const n = Number(buf.subarray(0, colon).toString());
        if (!Number.isInteger(n) || buf.length < colon + 1 + n + 1) break;
        const body = buf.subarray(colon + 1, colon + 1 + n).toString();
        buf = buf.subarray(colon + 2 + n);
        try {
          const m = JSON.parse(body) as { event?: boolean; type?: string; param?: string };
          if (m.event && m.type) events.push(m as BaresipEvent);
        } catch {
          // Not JSON: ignore.
        }
      }
    });
  });
}
