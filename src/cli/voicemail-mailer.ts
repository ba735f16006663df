/**
 * The voicemail's e-mail (`--voicemail-smtp HOST[:PORT]` and its options)
 * as a `Mailer`, through nodemailer's SMTP transport: STARTTLS when the
 * server offers it (`auto`), required (`starttls`), TLS from the start
 * (`tls`, port 465 by default) or never (`none`); login when a user is given.
 */
import { hostname } from 'node:os';
import { createTransport } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../apps/voicemail/notify.js';
import { UsageError } from '../errors.js';

export interface SmtpSettings {
  readonly server: string;
  readonly security: 'auto' | 'starttls' | 'tls' | 'none';
  readonly user?: string;
  readonly password?: string;
}

/** HOST[:PORT] (an IPv6 address in brackets); the port by default 587, or 465 with TLS from the start. */
export function parseSmtpServer(server: string, tls: boolean): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(server.trim());
  const port = m?.[3] !== undefined ? Number(m[3]) : tls ? 465 : 587;
  if (!m || port < 1 || port > 65535)
    throw new UsageError(`--voicemail-smtp ${server}: not HOST[:PORT] (mail.example.com:587, [::1]:25)`);
  return { host: (m[1] ?? m[2])!, port };
}

/** The default From: voicemail@ this host's name. */
export function defaultMailFrom(): string {
  return `voicemail@${hostname()}`;
}

/**
 * @example
 * const mailer = smtpMailer({ server: 'mail.example.com:587', security: 'starttls', user: 'vm', password: 's' });
 */
export function smtpMailer(s: SmtpSettings): Mailer {
  const { host, port } = parseSmtpServer(s.server, s.security === 'tls');
  if ((s.user === undefined) !== (s.password === undefined))
    throw new UsageError('--voicemail-smtp-user and --voicemail-smtp-password go together');
  const transport = createTransport({
    host,
    port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password! } } : {}),
    // A server that does not answer must not hold an e-mail forever: the notifier tries again later.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    async send(mail: OutgoingMail) {
      await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: [
          {
            filename: mail.attachment.filename,
            content: Buffer.from(mail.attachment.content),
            contentType: mail.attachment.contentType,
          },
        ],
      });
    },
  };
}
