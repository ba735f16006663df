/**
 * Kamailio as a registrar and record-routing proxy with digest auth on
 * loopback (UDP and TCP, 127.0.0.1 and ::1), no database: users
 * alice/alicepw and bob/bobpw (bob's un-REGISTERs are answered a second
 * late). Its location table is read with `kamcmd ul.dump` over the ctl
 * module's socket (`bindings()`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeSipPort, isListening, startPeer, waitFor, type Peer } from './peers.js';

export interface Kamailio {
  readonly port: number;
  /** The TLS port (with `tls` only). */
  readonly tlsPort?: number;
  readonly peer: Peer;
  readonly dir: string;
  /** The Contacts the registrar holds for `user` now (its location table, `kamcmd ul.dump`). */
  bindings(user: string): string[];
  stop(): Promise<void>;
}

/** Kamailio's TLS module: its certificate, the CA it trusts (verifying the UAs it connects to), its port. */
export interface KamailioTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

function tlsConfig(t: KamailioTls): string {
  return `[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = ${t.cert}
private_key = ${t.key}
ca_list = ${t.ca}

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = ${t.ca}
`;
}

function config(port: number, minExpires: number, dir: string, tlsPort?: number): string {
  const tls =
    tlsPort === undefined
      ? ''
      : `enable_tls=yes
listen=tls:127.0.0.1:${tlsPort}
alias="127.0.0.1:${tlsPort}"
`;
  const tlsModule =
    tlsPort === undefined
      ? ''
      : `loadmodule "tls.so"
modparam("tls", "config", "${dir}/tls.cfg")
`;
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
listen=udp:[::1]:${port}
listen=tcp:[::1]:${port}
alias="127.0.0.1:${port}"
alias="[::1]:${port}"
${tls}tcp_connection_lifetime=3605

loadpath "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "ctl.so"
loadmodule "cfgutils.so"
${tlsModule}
modparam("ctl", "binrpc", "unix:${dir}/ctl.sock")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", ${minExpires})
modparam("auth", "nonce_expire", 300)
modparam("rr", "enable_full_lr", 1)

request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (!sanity_check("17895", "7")) { xlog("L_WARN", "malformed from $si:$sp\\n"); exit; }
    if (is_method("OPTIONS") && uri==myself && $rU==$null) { sl_send_reply("200", "Keepalive"); exit; }
    if (has_totag()) {
        if (loose_route()) { route(RELAY); exit; }
        if (is_method("ACK")) { if (t_check_trans()) { route(RELAY); } exit; }
        sl_send_reply("404", "Not here"); exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) route(RELAY); exit; }
    if (!is_method("ACK")) t_check_trans();
    # bob's un-REGISTERs are answered a second late (each of them: the challenge, then the 200), so that a
    # test can signal shtoom while one is under way.
    if (is_method("REGISTER") && $fU == "bob" && $hdr(Expires) == "0") sleep("1");
    route(AUTH);
    if (is_method("REGISTER")) {
        if (!save("location")) sl_reply_error();
        exit;
    }
    if (is_method("INVITE|SUBSCRIBE")) record_route();
    if ($rU==$null) { sl_send_reply("484", "Address Incomplete"); exit; }
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    route(RELAY);
}

route[RELAY] {
    if (!t_relay()) sl_reply_error();
    exit;
}

route[AUTH] {
    if (!is_method("REGISTER|INVITE|MESSAGE|SUBSCRIBE")) return;
    $var(pw) = "";
    if ($fU == "alice") $var(pw) = "alicepw";
    else if ($fU == "bob") $var(pw) = "bobpw";
    if ($var(pw) == "") { sl_send_reply("403", "Unknown user"); exit; }
    if (is_method("REGISTER")) {
        if (!pv_www_authenticate("$fd", "$var(pw)", "0")) {
            www_challenge("$fd", "0");
            exit;
        }
        if ($tU != $fU) { sl_send_reply("403", "Forbidden To"); exit; }
    } else {
        if (!pv_proxy_authenticate("$fd", "$var(pw)", "0")) {
            proxy_challenge("$fd", "0");
            exit;
        }
    }
    consume_credentials();
}
`;
}

export async function startKamailio(opts: { minExpires?: number; tls?: KamailioTls } = {}): Promise<Kamailio> {
  if (opts.tls && !existsSync('/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so'))
    throw new Error(
      'Kamailio has no TLS module: apt-get install kamailio-tls-modules (or run scripts/install-peers.sh)',
    );
  const port = await freeSipPort();
  const tlsPort = opts.tls ? await freeSipPort() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'shtoom-kamailio-'));
  mkdirSync(join(dir, 'run'));
  const cfg = join(dir, 'kamailio.cfg');
  if (opts.tls) writeFileSync(join(dir, 'tls.cfg'), tlsConfig(opts.tls));
  writeFileSync(cfg, config(port, opts.minExpires ?? 60, dir, tlsPort));
  const peer = startPeer(
    'kamailio',
    ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-P', join(dir, 'kamailio.pid'), '-Y', join(dir, 'run'), '-w', dir],
    {
      timeoutSec: 300,
    },
  );
  await waitFor(
    () =>
      isListening(port, 'udp') && isListening(port, 'tcp') && (tlsPort === undefined || isListening(tlsPort, 'tcp')),
    `Kamailio on ${port}`,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${peer.stderr().slice(-2000)}`);
  });
  return {
    port,
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    peer,
    dir,
    bindings(user) {
      const r = spawnSync('kamcmd', ['-s', `unix:${join(dir, 'ctl.sock')}`, 'ul.dump'], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (r.status !== 0) throw new Error(`kamcmd ul.dump failed: ${r.stderr || r.error?.message}`);
      return contactsOf(r.stdout, user);
    },
    async stop() {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The Contacts of one AOR in `kamcmd ul.dump` output: each AOR block starts
 * with `AoR: user` (no domain: use_domain is off) and lists an `Address:
 * sip:…` line per contact.
 */
export function contactsOf(dump: string, user: string): string[] {
  const out: string[] = [];
  let inAor = false;
  for (const line of dump.split('\n')) {
    const aor = /^\s*AoR:\s*(\S+)/i.exec(line);
    if (aor) {
      inAor = aor[1] === user || aor[1]!.startsWith(`${user}@`);
      continue;
    }
    const c = /^\s*Address:\s*(\S+)/.exec(line);
    if (inAor && c) out.push(c[1]!);
  }
  return out;
}
