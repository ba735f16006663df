/**
 * Kamailio as registrar and proxy with digest authentication, no database
 * (usrloc in memory, passwords in the script) — PEERS.md §2 — on a port of
 * the test's choosing, for calls between phones by address-of-record.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeSipPort, isListening, startPeer, waitFor, type Peer } from './peers.js';

export const USERS: Record<string, string> = { alice: 'alicepw', bob: 'bobpw' };

function config(port: number): string {
  const users = Object.entries(USERS)
    .map(([u, p], i) => `    ${i ? 'else ' : ''}if ($fU == "${u}") $var(pw) = "${p}";`)
    .join('\n');
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
alias="127.0.0.1:${port}"
tcp_connection_lifetime=3605

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

modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
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

# Every REGISTER and INVITE is challenged; the digest user must be the From user.
route[AUTH] {
    if (!is_method("REGISTER|INVITE|MESSAGE|SUBSCRIBE")) return;
    # ($var cannot hold $null: assigning it stores 0, so an empty string marks "unknown".)
    $var(pw) = "";
${users}
    if ($var(pw) == "") { sl_send_reply("403", "Unknown user"); exit; }
    if (is_method("REGISTER")) {
        if (!pv_www_authenticate("$fd", "$var(pw)", "0")) { www_challenge("$fd", "0"); exit; }
        if ($tU != $fU) { sl_send_reply("403", "Forbidden To"); exit; }
    } else {
        if (!pv_proxy_authenticate("$fd", "$var(pw)", "0")) { proxy_challenge("$fd", "0"); exit; }
    }
    if ($au != $fU) { sl_send_reply("403", "Auth user mismatch"); exit; }
    consume_credentials();
}
`;
}

export interface Kamailio {
  readonly port: number;
  readonly peer: Peer;
  stop(): Promise<void>;
}

/** Start Kamailio on a free port (UDP and TCP); resolves once it listens. */
export async function startKamailio(dir: string): Promise<Kamailio> {
  const port = await freeSipPort();
  mkdirSync(join(dir, 'run'), { recursive: true });
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(port));
  const peer = startPeer('kamailio', ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-P', join(dir, 'kamailio.pid'), '-Y', join(dir, 'run'), '-w', dir], { timeoutSec: 120 });
  await waitFor(() => isListening(port, 'udp') || peer.child.exitCode !== null, 'Kamailio', 15_000);
  if (peer.child.exitCode !== null) throw new Error(`kamailio exited: ${peer.stderr().slice(-2000)}`);
  return { port, peer, stop: async () => void (await peer.stop(3000)) };
}
