/**
 * THE options schema: every option shtoom has, in one list. Each area keeps
 * its entries in its own file here; adding an option means adding one entry
 * to one of these lists, and the command line, the ini file, the environment,
 * `--help` and `config show` all pick it up.
 */
import { accessOptions } from './access.js';
import { accountOptions } from './account.js';
import { audioOptions } from './audio.js';
import { callOptions } from './call.js';
import { conferenceOptions } from './conference.js';
import { configCommandOptions } from './config-command.js';
import { convertOptions } from './convert.js';
import { generalOptions } from './general.js';
import { ivrOptions } from './ivr.js';
import { phoneOptions } from './phone.js';
import { rtpOptions } from './rtp.js';
import { sipOptions } from './sip.js';
import { sipCommandOptions } from './sip-commands.js';
import { srtpOptions } from './srtp.js';
import { stunOptions } from './stun.js';
import { tlsOptions } from './tls.js';
import { voicemailOptions } from './voicemail.js';
import type { EffectiveOptions } from '../resolve.js';

export const schema = [
  ...generalOptions,
  ...sipOptions,
  ...tlsOptions,
  ...accountOptions,
  ...rtpOptions,
  ...srtpOptions,
  ...configCommandOptions,
  ...sipCommandOptions,
  ...stunOptions,
  ...audioOptions,
  ...convertOptions,
  ...callOptions,
  ...conferenceOptions,
  ...ivrOptions,
  ...phoneOptions,
  ...voicemailOptions,
  ...accessOptions,
] as const;

export type ShtoomSchema = typeof schema;
export type ShtoomOptions = EffectiveOptions<ShtoomSchema>;
export type OptionId = ShtoomSchema[number]['id'];
