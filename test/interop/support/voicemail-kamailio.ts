/**
 * Kamailio in front of a voicemail server, as a PBX would be: a registrar
 * (no auth) for the phones; every INVITE forwarded to the voicemail's main
 * user with a `Diversion` header naming the user called (the diversion
 * module's `add_diversion("no-answer")`); SUBSCRIBEs for `message-summary`
 * relayed to the voicemail. UDP on 127.0.0.1, a free port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeSipPort, isListening, startPeer, waitFor, type Peer } from './peers.js';

export interface VoicemailKamailio {
  readonly port: number;
  readonly peer: Peer;
  stop(): Promise<void>;
}

function config(port: number, voicemailPort: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
alias="127.0.0.1:${port}"

loadpath "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "diversion.so"

modparam("usrloc", "db_mode", 0)
modparam("rr", "enable_full_lr", 1)

request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (has_totag()) {
        if (loose_route()) { route(RELAY); exit; }
        if (is_method("ACK")) { if (t_check_trans()) { route(RELAY); } exit; }
        sl_send_reply("404", "Not here"); exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) route(RELAY); exit; }
    if (!is_method("ACK")) t_check_trans();
    if (is_method("REGISTER")) { if (!save("location")) sl_reply_error(); exit; }
    if (is_method("SUBSCRIBE") && $hdr(Event) =~ "message-summary") {
        $du = "sip:127.0.0.1:${voicemailPort}";
        route(RELAY);
    }
    if (is_method("INVITE")) {
        # Nobody answers here: every call goes to the voicemail, saying whose it was.
        record_route();
        add_diversion("no-answer");
        $ru = "sip:voicemail@127.0.0.1:${voicemailPort}";
        route(RELAY);
    }
    sl_send_reply("404", "Not Found");
}

route[RELAY] {
    if (!t_relay()) sl_reply_error();
    exit;
}
`;
}

/** Start Kamailio in front of the voicemail on `voicemailPort`. */
export async function startVoicemailKamailio(voicemailPort: number): Promise<VoicemailKamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'shtoom-vm-kam-'));
  const port = await freeSipPort();
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(port, voicemailPort));
  const peer = startPeer('kamailio', ['-DD', '-E', '-m', '64', '-M', '8', '-f', cfg, '-w', dir], { timeoutSec: 120 });
  await waitFor(() => isListening(port, 'udp') || peer.child.exitCode !== null, 'kamailio', 15_000);
  if (peer.child.exitCode !== null) throw new Error(`kamailio exited: ${peer.stderr().slice(-2000)}`);
  return {
    port,
    peer,
    async stop() {
      await peer.stop(3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
