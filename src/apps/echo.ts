/**
 * The echo app: answers and returns everything the caller sends — audio and
 * RFC 4733 DTMF events at the packet level, re-originated under our own
 * SSRC, sequence numbers and timestamps (`RtpSession.relay`), so it adds no
 * delay and decodes nothing; DTMF sent as SIP INFO is sent back as INFO.
 * The call lasts until the caller hangs up (or the server's limit).
 */
import type { VoiceApp } from '../doug/server.js';

/**
 * @example
 * new DougServer({ phone, app: echo }).start();
 */
export const echo: VoiceApp = async (call) => {
  call.call.on('dtmf', (d) => {
    if (d.how === 'info' && call.call.state === 'answered') void call.sendDtmf(d.digit, 'info').catch(() => {});
  });
  await call.echo();
};
