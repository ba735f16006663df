/**
 * RFC 3842 message summaries (`application/simple-message-summary`): the
 * body of a `message-summary` NOTIFY, and reading one (for tests and
 * subscribers).
 *
 * RFC 3842 section 5.2: "msg-status-line = "Messages-Waiting" HCOLON ("yes" / "no")",
 * "msg-summary-line = message-context-class HCOLON newmsgs SLASH oldmsgs
 * [ LPAREN new-urgentmsgs SLASH old-urgentmsgs RPAREN ]".
 */
import { RemoteError } from '../../errors.js';

/** A body that is not a message summary. */
export class SummaryParseError extends RemoteError {}

export interface MessageSummary {
  readonly waiting: boolean;
  /** The account the summary is for (`Message-Account`). */
  readonly account?: string;
  /** Voice messages: new and old (none urgent here). */
  readonly voice?: { readonly new: number; readonly old: number };
}

/**
 * @example
 * summaryBody({ waiting: true, account: 'sip:100@vm.example.com', voice: { new: 2, old: 1 } })
 * // 'Messages-Waiting: yes\r\nMessage-Account: sip:100@vm.example.com\r\nVoice-Message: 2/1 (0/0)\r\n'
 */
export function summaryBody(s: MessageSummary): string {
  let out = `Messages-Waiting: ${s.waiting ? 'yes' : 'no'}\r\n`;
  if (s.account) out += `Message-Account: ${s.account}\r\n`;
  if (s.voice) out += `Voice-Message: ${s.voice.new}/${s.voice.old} (0/0)\r\n`;
  return out;
}

/** Read a message-summary body; throws on one without its Messages-Waiting line. */
export function parseSummary(body: string): MessageSummary {
  let waiting: boolean | undefined;
  let account: string | undefined;
  let voice: { new: number; old: number } | undefined;
  for (const line of body.split(/\r\n|\n/)) {
    const m = /^([A-Za-z-]+)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!;
    if (key === 'messages-waiting') waiting = value.toLowerCase() === 'yes';
    else if (key === 'message-account') account = value;
    else if (key === 'voice-message') {
      const v = /^(\d+)\/(\d+)/.exec(value);
      if (v) voice = { new: Number(v[1]), old: Number(v[2]) };
    }
  }
  if (waiting === undefined) throw new SummaryParseError('not a message summary: no Messages-Waiting line', 400);
  return { waiting, ...(account ? { account } : {}), ...(voice ? { voice } : {}) };
}
