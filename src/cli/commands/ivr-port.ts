/** The call port `shtoom ivr` and `shtoom ivr crawl` place their calls through, from the options. */
import { UsageError } from '../../errors.js';
import { PhonePort } from '../../harness/phone/phone-port.js';
import { SipUsageError } from '../../sip/errors.js';
import type { CommandContext } from '../command.js';
import { ephemeralSipPort, phoneOptionsFrom } from './call-common.js';

/** A bad SIP setting (an address, a transport) is a usage error: exit 2 before any call. */
export async function ivrPort(ctx: Pick<CommandContext, 'options' | 'log'>): Promise<PhonePort> {
  try {
    return await PhonePort.create({
      ...phoneOptionsFrom(ctx.options, ctx.log, { ephemeralPort: ephemeralSipPort('ivr') }),
      inbandDtmf: 'off',
    });
  } catch (e) {
    if (e instanceof SipUsageError) throw new UsageError(e.message);
    throw e;
  }
}
