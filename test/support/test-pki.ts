/**
 * Certificates for TLS tests, made with the openssl command line in a
 * directory the test owns: a test CA, a server certificate for localhost,
 * 127.0.0.1 and ::1 (also a client certificate: serverAuth and clientAuth),
 * a client certificate, a second CA with a server certificate of the same
 * names (the "wrong CA"), and a certificate from the first CA for another
 * name only (the "host name mismatch"). EC P-256 keys, valid two days.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  /** The CA every good certificate chains to. */
  readonly ca: string;
  /** localhost, 127.0.0.1, ::1; from `ca`. */
  readonly server: CertPair;
  /** A client certificate (CN=client) from `ca`. */
  readonly client: CertPair;
  /** Another CA, and a server certificate from it with the same names as `server`. */
  readonly otherCa: string;
  readonly otherServer: CertPair;
  /** From `ca`, for `other.example` only. */
  readonly wrongName: CertPair;
  /**
   * A CRL from `ca` (PEM, valid two days) revoking `revoked` (none: an empty CRL, which revokes
   * nothing); its path.
   */
  crl(revoked: readonly CertPair[], name: string): string;
  /** Write one PEM file with a pair's certificate and key (what baresip's `sip_certificate` takes); its path. */
  combined(pair: CertPair, name: string): string;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=shtoom test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

let serial = 1;

function issue(dir: string, ca: string, name: string, cn: string, san: string | undefined): CertPair {
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  const ext = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth,clientAuth',
    ...(san ? [`subjectAltName=${san}`] : []),
  ];
  writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    String(serial++),
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** A CRL signed by `ca` revoking `revoked`, made with `openssl ca` and a throwaway database. */
function makeCrl(dir: string, ca: string, revoked: readonly CertPair[], name: string): string {
  const conf = [
    '[ca]',
    'default_ca = test',
    '[test]',
    `database = ${name}-index.txt`,
    `crlnumber = ${name}-crlnumber`,
    `certificate = ${ca}.pem`,
    `private_key = ${ca}.key`,
    'default_md = sha256',
    'default_crl_days = 2',
    'unique_subject = no',
  ];
  writeFileSync(join(dir, `${name}.cnf`), `${conf.join('\n')}\n`);
  writeFileSync(join(dir, `${name}-index.txt`), '');
  writeFileSync(join(dir, `${name}-crlnumber`), '01\n');
  for (const r of revoked) openssl(dir, ['ca', '-config', `${name}.cnf`, '-revoke', r.cert]);
  openssl(dir, ['ca', '-config', `${name}.cnf`, '-gencrl', '-out', `${name}.pem`]);
  return join(dir, `${name}.pem`);
}

/** Make the certificates in `dir` (which must exist). */
export function makeTestPki(dir: string): TestPki {
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  const names = 'DNS:localhost,IP:127.0.0.1,IP:::1';
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    server: issue(dir, 'ca', 'server', 'localhost', names),
    client: issue(dir, 'ca', 'client', 'client', undefined),
    otherCa: join(dir, 'other-ca.pem'),
    otherServer: issue(dir, 'other-ca', 'other-server', 'localhost', names),
    wrongName: issue(dir, 'ca', 'wrong-name', 'other.example', 'DNS:other.example'),
    crl: (revoked, name) => makeCrl(dir, 'ca', revoked, name),
    combined(pair, name) {
      const file = join(dir, `${name}.combined.pem`);
      writeFileSync(file, readFileSync(pair.cert, 'utf8') + readFileSync(pair.key, 'utf8'));
      return file;
    },
  };
}
