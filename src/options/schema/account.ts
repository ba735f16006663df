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
  opt.string('account.registrar', {
    help: 'registrar URI (default: the domain of the AOR)',
    flag: 'registrar',
    argName: 'uri',
  }),
] as const;
