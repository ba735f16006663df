/**
 * Network namespaces for NAT labs. Every namespace and veth this file makes
 * carries a name unique to the test run (`sht<pid><n>…`), is removed by
 * `destroy()`, and — should a test die first — by the process 'exit' hook.
 * Addresses are those of the lab only: 10.99.x.0/24 on the private side,
 * 198.51.100.0/24 (TEST-NET-2) on the public side.
 *
 * ```
 *   priv (10.99.N.2) ── router (10.99.N.1 | 198.51.100.1, NAT) ── pub (198.51.100.2, .3 …)
 * ```
 * `createNatLab` builds that; `Netns` runs commands and peers inside one
 * namespace. The later SIP part of the lab (Kamailio and a second UA in
 * `pub`, shtoom in `priv`) reuses both.
 */
import { spawnSync } from 'node:child_process';
import { requireBinary, startPeer, SHTOOM_BIN, type Peer, type RunResult, type StartOptions } from './peers.js';

let counter = 0;
const live = new Set<string>();
let hooked = false;

function sh(args: readonly string[], what: string): string {
  const r = spawnSync('timeout', ['20', ...args], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${what} failed (${args.join(' ')}): ${(r.stderr || r.stdout || String(r.status)).trim()}`);
  return r.stdout;
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const name of live) spawnSync('ip', ['netns', 'del', name]);
  });
}

/** One network namespace. */
export class Netns {
  private constructor(readonly name: string) {}

  /** Create a namespace with a run-unique name ending in `role`, with `lo` up. */
  static create(role: string): Netns {
    requireBinary('ip');
    hookExit();
    const name = `sht${process.pid}${++counter}${role}`;
    sh(['ip', 'netns', 'add', name], `creating namespace ${name}`);
    live.add(name);
    const ns = new Netns(name);
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip …` inside the namespace. */
  ip(...args: string[]): string {
    return sh(['ip', '-n', this.name, ...args], `ip in ${this.name}`);
  }

  /** Run a command inside the namespace to completion; throws on a non-zero exit. */
  exec(cmd: string, ...args: string[]): string {
    return sh(['ip', 'netns', 'exec', this.name, cmd, ...args], `${cmd} in ${this.name}`);
  }

  /** Start a long-running peer inside the namespace (under `timeout`, ended by PID). */
  start(cmd: string, args: readonly string[], opts: StartOptions = {}): Peer {
    const bin = requireBinary(cmd);
    return startPeer('ip', ['netns', 'exec', this.name, bin, ...args], opts);
  }

  /** Run the built shtoom CLI inside the namespace to completion. */
  async shtoom(args: readonly string[], opts: StartOptions = {}): Promise<RunResult> {
    const p = startPeer('ip', ['netns', 'exec', this.name, process.execPath, SHTOOM_BIN, ...args], opts);
    const code = await p.exited;
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  }

  /** Start the built shtoom CLI inside the namespace in the background (e.g. `serve`). */
  startShtoom(args: readonly string[], opts: StartOptions = {}): Peer {
    return startPeer('ip', ['netns', 'exec', this.name, process.execPath, SHTOOM_BIN, ...args], opts);
  }

  /** How many UDP sockets listen on `port` inside the namespace (ss, read through /proc of a process in it). */
  listensUdp(port: number, atLeast = 1): boolean {
    const r = spawnSync('ip', ['netns', 'exec', this.name, 'cat', '/proc/net/udp'], { encoding: 'utf8' });
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const n = (r.stdout ?? '').split('\n').filter((l) => l.trim().split(/\s+/)[1]?.endsWith(hex)).length;
    return n >= atLeast;
  }

  /** Set a sysctl inside the namespace; false when the kernel has no such key here. */
  sysctl(key: string, value: string | number): boolean {
    const r = spawnSync('ip', ['netns', 'exec', this.name, 'sysctl', '-qw', `${key}=${value}`], { encoding: 'utf8' });
    return r.status === 0;
  }

  destroy(): void {
    if (!live.has(this.name)) return;
    spawnSync('ip', ['netns', 'del', this.name]);
    live.delete(this.name);
  }
}

/** How the router translates: port-preserving MASQUERADE, MASQUERADE --random-fully, or plain routing. */
export type NatMode = 'masquerade' | 'random-fully' | 'none';

export interface NatLabOptions {
  readonly nat: NatMode;
  /** Addresses of `pub` in 198.51.100.0/24 (default 1: 198.51.100.2; 2 adds .3 for RFC 5780 servers). */
  readonly publicAddresses?: number;
  /** The router's conntrack UDP timeout in seconds (short, for keep-alive tests). */
  readonly udpTimeoutSec?: number;
}

export interface NatLab {
  readonly priv: Netns;
  readonly router: Netns;
  readonly pub: Netns;
  /** priv's own address (10.99.N.2). */
  readonly privateAddress: string;
  /** The router's public address (198.51.100.1): what priv looks like from pub. */
  readonly routerPublicAddress: string;
  /** pub's addresses (198.51.100.2, .3 …). */
  readonly publicAddresses: readonly string[];
  /** Whether the short UDP timeout could be set. */
  readonly udpTimeoutSet: boolean;
  destroy(): void;
}

/**
 * Build priv — router — pub. Remove it with `destroy()` (also on failure:
 * call it from `afterAll`).
 *
 * @example
 * const lab = createNatLab({ nat: 'masquerade', publicAddresses: 2 });
 * try { await lab.priv.shtoom(['stun', '198.51.100.2']); } finally { lab.destroy(); }
 */
export function createNatLab(opts: NatLabOptions): NatLab {
  requireBinary('iptables');
  const made: Netns[] = [];
  try {
    const priv = Netns.create('p');
    made.push(priv);
    const router = Netns.create('r');
    made.push(router);
    const pub = Netns.create('u');
    made.push(pub);
    const tag = router.name.slice(3, -1); // pid + counter: unique veth names (<= 15 chars)
    const subnet = 1 + (Number(tag) % 250);
    const privAddr = `10.99.${subnet}.2`;
    const routerPriv = `10.99.${subnet}.1`;
    const routerPub = '198.51.100.1';
    const pubAddrs = Array.from({ length: opts.publicAddresses ?? 1 }, (_, i) => `198.51.100.${2 + i}`);
    const [a0, a1, b0, b1] = [`sa${tag}`, `sb${tag}`, `sc${tag}`, `sd${tag}`].map((n) => n.slice(0, 15));
    sh(
      ['ip', 'link', 'add', a0!, 'netns', priv.name, 'type', 'veth', 'peer', 'name', a1!, 'netns', router.name],
      'veth priv-router',
    );
    sh(
      ['ip', 'link', 'add', b0!, 'netns', pub.name, 'type', 'veth', 'peer', 'name', b1!, 'netns', router.name],
      'veth pub-router',
    );
    priv.ip('addr', 'add', `${privAddr}/24`, 'dev', a0!);
    router.ip('addr', 'add', `${routerPriv}/24`, 'dev', a1!);
    router.ip('addr', 'add', `${routerPub}/24`, 'dev', b1!);
    for (const a of pubAddrs) pub.ip('addr', 'add', `${a}/24`, 'dev', b0!);
    priv.ip('link', 'set', a0!, 'up');
    router.ip('link', 'set', a1!, 'up');
    router.ip('link', 'set', b1!, 'up');
    pub.ip('link', 'set', b0!, 'up');
    priv.ip('route', 'add', 'default', 'via', routerPriv);
    if (opts.nat === 'none') pub.ip('route', 'add', `10.99.${subnet}.0/24`, 'via', routerPub);
    if (!router.sysctl('net.ipv4.ip_forward', 1)) throw new Error('cannot enable forwarding in the router namespace');
    if (opts.nat !== 'none') {
      router.exec(
        'iptables',
        '-t',
        'nat',
        '-A',
        'POSTROUTING',
        '-o',
        b1!,
        '-j',
        'MASQUERADE',
        ...(opts.nat === 'random-fully' ? ['--random-fully'] : []),
      );
    }
    let udpTimeoutSet = false;
    if (opts.udpTimeoutSec !== undefined) {
      udpTimeoutSet =
        router.sysctl('net.netfilter.nf_conntrack_udp_timeout', opts.udpTimeoutSec) &&
        router.sysctl('net.netfilter.nf_conntrack_udp_timeout_stream', opts.udpTimeoutSec);
    }
    return {
      priv,
      router,
      pub,
      privateAddress: privAddr,
      routerPublicAddress: routerPub,
      publicAddresses: pubAddrs,
      udpTimeoutSet,
      destroy() {
        for (const ns of made) ns.destroy();
      },
    };
  } catch (err) {
    for (const ns of made) ns.destroy();
    throw err;
  }
}

/** Namespaces this process made that still exist (a test can assert none leak). */
export function liveNamespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const mine = `sht${process.pid}`;
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(mine));
}
