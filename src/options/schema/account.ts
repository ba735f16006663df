/** The SIP account: who we are and how we authenticate (`[account]`). */
import { opt } from '../define.js';

export const accountOptions = [
  opt.string('account.aor', {
    help: 'address-of-record of this account, e.g. sip:alice@example.com',
    flag: 'aor',
    argName: 'uri',
  }),
  opt.string('account.user', {
    help: 'user name for digest authentication (default: the user part of the AOR)',
    flag: 'user',
    argName: 'name',
  }),
  opt.string('account.password', {
    help: 'password for digest authentication',
    flag: 'password',
    secret: true,
    argName: 'secret',
  }),
  opt.string('account.realm', {
    help: 'use --user/--password only for this digest realm (default: any realm)',
    flag: 'realm',
    argName: 'realm',
  }),
  opt.list('account.credentials', {
    help: 'more credentials, one per realm: realm=user:password,realm2=user2:password2',
    flag: 'credentials',
    secret: true,
    argName: 'list',
    validate: (v) =>
      v.find((c) => !/^[^=]+=[^:]+:.*$/.test(c)) !== undefined ? 'each item must be realm=user:password' : undefined,
  }),
  opt.string('account.registrar', {
    help: 'registrar URI (default: the domain of the AOR)',
    flag: 'registrar',
    argName: 'uri',
  }),
] as const;
