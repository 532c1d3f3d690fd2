import nodemailer from 'nodemailer';
import type { Config } from '../config/load.ts';

export interface OutgoingMail {
  readonly messageId: string;
  readonly from: string;
  readonly to: { readonly name?: string | undefined; readonly address: string };
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
  readonly attachments?: readonly { readonly filename: string; readonly contentType: string; readonly content: string }[] | undefined;
}

/**
 * Where mail goes: an SMTP relay when PARLEY_SMTP_URL is set, otherwise the built-in outbox — the message is
 * kept (sealed) in the database and shown in the console, and nothing leaves the machine.
 */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  deliver(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function createMailTransport(config: Config['mail']): MailTransport {
  if (!config.smtpUrl) {
    return { kind: 'outbox', deliver: async () => {}, close: () => {} };
  }
  const url = new URL(config.smtpUrl);
  const transporter = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    // `?tls=off` for a relay on the same host without STARTTLS (tests use one); otherwise STARTTLS when offered.
    ignoreTLS: url.searchParams.get('tls') === 'off',
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    kind: 'smtp',
    async deliver(mail) {
      await transporter.sendMail({
        messageId: mail.messageId,
        from: mail.from,
        to: mail.to.name ? { name: mail.to.name, address: mail.to.address } : mail.to.address,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        attachments: (mail.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
      });
    },
    close: () => transporter.close(),
  };
}
