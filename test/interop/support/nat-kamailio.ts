/**
 * Kamailio as the registrar and record-routing proxy on the public side of
 * the NAT lab (PEERS.md §2, in a namespace, on one address and port).
 * Digest auth for any user whose password is the user name followed by
 * `pw` (`alice` / `alicepw`), so each test can register its own AOR.
 *
 * Two flavours:
 * - plain: no NAT handling at all. It answers to the source of a request
 *   (RFC 3581 rport, which shtoom always asks for) but sends INVITEs to the
 *   Contact that was registered, as RFC 3261 says.
 * - `natHelper`: what registrars on the Internet usually do (nathelper):
 *   when a REGISTER comes from elsewhere than its Via or Contact says
 *   (`nat_uac_test("19")`), it remembers the source and sends INVITEs
 *   there (`fix_nated_register`); the Contact of a callee's answer is
 *   replaced by the address it came from (`fix_nated_contact`), so that ACK
 *   and BYE reach it. It leaves the SDP alone (no media relay).
 *
 * Each REGISTER is logged as `NATLAB REGISTER <user> from <ip>:<port>
 * contact <uri>`, so a test can compare the flow the registrar saw with
 * the Contact the phone advertised. `tm` gives up on an unanswered INVITE
 * after 4 s (408), so a phone the NAT hides fails a call quickly.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from './netns.js';
import { waitFor, type Peer } from './peers.js';

export interface LabKamailio {
  readonly address: string;
  readonly port: number;
  readonly peer: Peer;
  /** The `NATLAB REGISTER` lines so far: who registered, from which flow, with which Contact. */
  registers(): { user: string; source: string; contact: string }[];
  stop(): Promise<void>;
}

export interface LabKamailioOptions {
  readonly address: string;
  readonly port: number;
  /** Registrar-side NAT handling (nathelper). Default off. */
  readonly natHelper?: boolean;
}

function config(o: LabKamailioOptions): string {
  const nat = o.natHelper ?? false;
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
auto_aliases=no
listen=udp:${o.address}:${o.port}
alias="${o.address}:${o.port}"

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
${nat ? 'loadmodule "nathelper.so"\nmodparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")' : ''}

modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 10)
modparam("auth", "nonce_expire", 300)
modparam("rr", "enable_full_lr", 1)
modparam("tm", "fr_timer", 4000)

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
${
  nat
    ? '    if (nat_uac_test("19")) { if (is_method("REGISTER")) fix_nated_register(); else fix_nated_contact(); ' +
      '}\n'
    : ''
}    if (is_method("REGISTER")) {
        xlog("L_INFO", "NATLAB REGISTER $fU from $si:$sp contact $ct\\n");
        if (!save("location")) sl_reply_error();
        exit;
    }
    if (is_method("INVITE|SUBSCRIBE")) record_route();
    if ($rU==$null) { sl_send_reply("484", "Address Incomplete"); exit; }
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
    route(RELAY);
}

route[RELAY] {
${nat ? '    t_on_reply("NATREPLY");\n' : ''}    if (!t_relay()) sl_reply_error();
    exit;
}
${nat ? '\nonreply_route[NATREPLY] {\n    if (is_method("INVITE") && $rs =~ "^[12]") fix_nated_contact();\n}\n' : ''}
route[AUTH] {
    if (!is_method("REGISTER|INVITE|MESSAGE|SUBSCRIBE")) return;
    if ($fU == $null) { sl_send_reply("403", "Unknown user"); exit; }
    $var(pw) = $fU + "pw";
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

/**
 * Start Kamailio inside `ns` (which must own `address`); resolves once it
 * listens.
 *
 * @example
 * const kam = await startLabKamailio(lab.pub, { address: '198.51.100.2', port: 5060, natHelper: true });
 * try { … } finally { await kam.stop(); }
 */
export async function startLabKamailio(ns: Netns, o: LabKamailioOptions): Promise<LabKamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'shtoom-nat-kamailio-'));
  mkdirSync(join(dir, 'run'));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(o));
  const peer = ns.start(
    'kamailio',
    ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-P', join(dir, 'kamailio.pid'), '-Y', join(dir, 'run'), '-w', dir],
    {
      timeoutSec: 300,
    },
  );
  const stop = async () => {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () => {
        if (peer.child.exitCode !== null) throw new Error(`Kamailio exited (${peer.child.exitCode})`);
        return ns.listensUdp(o.port);
      },
      `Kamailio on ${o.address}:${o.port}`,
      15_000,
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${peer.stderr().slice(-2000)}`);
  }
  return {
    address: o.address,
    port: o.port,
    peer,
    registers: () =>
      [...peer.stderr().matchAll(/NATLAB REGISTER (\S+) from (\S+) contact (.*)$/gm)].map((m) => ({
        user: m[1]!,
        source: m[2]!,
        contact: m[3]!.trim(),
      })),
    stop,
  };
}
