/**
 * `shtoom register AOR [--user --password --registrar URI --expires N] [--stay] [--unregister] [--json]`:
 * register with a registrar, print the granted expiry and the bindings it
 * returned; with --stay keep it fresh until Ctrl-C, then unregister.
 */
import { UsageError } from '../../errors.js';
import { checkSipsTarget, userAgentOptionsFrom } from '../settings.js';
import { UserAgent } from '../../sip/api/user-agent.js';
import type { Binding } from '../../sip/api/registration.js';
import { SipUsageError } from '../../sip/errors.js';
import { parseSipUri } from '../../sip/message/uri.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { HURRY_UNREGISTER_MS } from '../../app/phone.js';
import { aborted, ephemeralSipPort, settledUnlessHurried } from './call-common.js';
import { reportSipFailure } from './sip-failure.js';

function bindingsText(bindings: readonly Binding[]): string {
  return bindings
    .map(
      (b) =>
        `  ${b.uri}` +
        (b.expires !== undefined ? `  expires ${b.expires} s` : '') +
        (b.q !== undefined ? `  q=${b.q}` : ''),
    )
    .join('\n');
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const aorText = ctx.args[0] ?? o.get('account.aor');
  if (!aorText)
    throw new UsageError(
      'register needs the address-of-record to register, e.g. shtoom register sip:alice@example.com',
    );
  try {
    parseSipUri(aorText);
  } catch (e) {
    throw new UsageError(`AOR ${JSON.stringify(aorText)}: ${(e as Error).message}`);
  }
  const registrar = o.get('account.registrar');
  checkSipsTarget(o, registrar ?? aorText);
  const log = ctx.log.child('register');
  let ua: UserAgent;
  try {
    ua = await UserAgent.create(
      userAgentOptionsFrom(o, ctx.log, { aor: aorText, ephemeralPort: ephemeralSipPort('register') }),
    );
  } catch (e) {
    if (e instanceof SipUsageError) throw new UsageError(e.message);
    throw e;
  }
  ctx.urgent.addEventListener('abort', () => ua.hurry(), { once: true });
  try {
    if (o.get('register.unregister')) {
      await ua.unregister({ ...(registrar ? { registrar } : {}), all: true });
      ctx.out.data({ ok: true, aor: aorText, unregistered: true }, () => `unregistered every binding of ${aorText}`);
      return ExitCode.OK;
    }
    const reg = await ua.register({ ...(registrar ? { registrar } : {}), expires: o.get('register.expires') });
    const data = {
      ok: true,
      aor: reg.aor,
      registrar: reg.registrar,
      contact: reg.contact,
      expires: reg.expires,
      bindings: reg.bindings,
    };
    ctx.out.data(
      data,
      (c) =>
        `${c.green('registered')} ${reg.aor} at ${reg.registrar} for ${reg.expires} ` +
        `s\nbindings:\n${bindingsText(reg.bindings)}`,
    );
    if (!o.get('register.stay')) {
      // The binding stays for the expiry just printed (closing the user agent must not remove it).
      reg.release();
      return ExitCode.OK;
    }
    reg.on('refreshed', (expires, bindings) => {
      log.info(`refreshed: ${expires} s, ${bindings.length} binding(s)`);
    });
    reg.on('failed', (e) => log.warn(`refresh failed: ${e.message} (retrying)`));
    await aborted(ctx.signal);
    // Ctrl-C or SIGTERM ends --stay: the binding is removed (a challenge answered on the way). A second
    // signal leaves the un-REGISTER a few seconds more, then the process goes (exit 130).
    log.info(`unregistering ${reg.aor}`);
    if (await settledUnlessHurried(reg.unregister(), ctx.urgent, HURRY_UNREGISTER_MS))
      ctx.out.line(`unregistered ${reg.aor}`);
    else log.warn(`the un-REGISTER of ${reg.aor} got no answer in time: the binding may remain until it expires`);
    return ExitCode.OK;
  } catch (e) {
    return reportSipFailure(ctx, e, { aor: aorText });
  } finally {
    await ua.close({ hurry: ctx.urgent.aborted });
  }
}

export const registerCommand: CommandSpec = {
  name: 'register',
  globals: ['account.user', 'account.password', 'account.registrar', 'sip.outbound-proxy', 'sip.transport', 'sip.port'],
  description:
    'register an address-of-record with a SIP registrar (digest auth), print the granted expiry and bindings',
  args: [{ name: 'aor', description: 'address-of-record, e.g. sip:alice@example.com (default: [account] aor)' }],
  run,
  examples: [
    'shtoom register sip:alice@example.com --password secret',
    'shtoom register sip:alice@example.com --registrar sip:10.0.0.1:5060 --expires 300 --stay',
    'shtoom register sip:alice@example.com --unregister --json',
  ],
};
