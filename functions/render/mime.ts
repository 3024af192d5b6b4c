/**
 * The raw RFC 5322 message, built by nodemailer's MailComposer (never hand-written MIME).
 * Deterministic for a given input: the Date header is the send date at 09:00 UTC, the
 * Message-ID and the multipart boundaries derive from the idempotency key, so a retried send
 * stores and sends the same bytes. Header values are made single-line first (no header
 * injection through a name, subject or address).
 */
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { EmailContent } from './email-content.js';
import { safeFilename, safeHeader } from './escape.js';

export interface MimeInput {
  from: string;
  to: string[];
  content: EmailContent;
  /** YYYY-MM-DD, used for the Date header at 09:00 UTC */
  date: string;
  /** our idempotency key, written as header X-TrueUp-Key and used to derive a deterministic Message-ID */
  messageKey: string;
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The domain of the sender's address, for the Message-ID's right-hand side. */
function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  const domain = match?.[1]?.replace(/^\.+|\.+$/g, '');
  return domain || 'trueup.invalid';
}

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+$/u;

/**
 * A bare `local@domain` address, or `Display Name <local@domain>`. Anything else (a list, a
 * group, a value a CR LF was stripped from) is refused: the parser would turn it into extra
 * recipients in the header.
 */
function mailbox(value: string, role: string): Mail.Address {
  const single = safeHeader(value);
  const named = /^(.*)<([^<>]+)>$/.exec(single);
  const address = (named ? named[2] : single)?.trim() ?? '';
  if (!ADDRESS.test(address)) throw new Error(`buildMime: ${role} is not one email address: ${JSON.stringify(value)}`);
  // As an object, nodemailer quotes the display name itself (commas, quotes, non-ASCII).
  return { name: named?.[1]?.trim().replace(/^"(.*)"$/, '$1') ?? '', address };
}

export function messageIdFor(messageKey: string, from: string): string {
  return `<${digest(`trueup:message-id:${messageKey}`).slice(0, 32)}@${senderDomain(from)}>`;
}

export function buildMime(input: MimeInput): Promise<Buffer> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date))
    throw new Error(`buildMime: date must be YYYY-MM-DD, got ${JSON.stringify(input.date)}`);
  const from = mailbox(input.from, 'from');
  const key = safeHeader(input.messageKey);
  const { content } = input;
  // MailComposer reads `baseBoundary` from the mail options (not in its type definitions);
  // without it the boundaries are random.
  const mail: Mail.Options & { baseBoundary: string } = {
    from,
    to: input.to.map((to) => mailbox(to, 'to')),
    subject: safeHeader(content.subject),
    date: new Date(`${input.date}T09:00:00Z`),
    messageId: messageIdFor(key, from.address),
    headers: { 'X-TrueUp-Key': key },
    text: content.text,
    html: content.html,
    attachments: content.attachments.map((a) => ({
      filename: safeFilename(a.filename),
      contentType: safeHeader(a.contentType),
      content: a.content,
      ...(a.cid ? { cid: safeHeader(a.cid) } : {}),
    })),
    baseBoundary: digest(`trueup:boundary:${key}`).slice(0, 24),
    textEncoding: 'quoted-printable',
  };
  return new Promise<Buffer>((resolve, reject) => {
    new MailComposer(mail).compile().build((error, message) => (error ? reject(error) : resolve(message)));
  }).then(withKeyHeaderCase);
}

/**
 * nodemailer writes custom header names as `X-Trueup-Key`; names are case-insensitive, but the
 * documented spelling is `X-TrueUp-Key`, so the name (only) is respelled in the header block.
 */
function withKeyHeaderCase(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  if (end < 0) return message;
  const head = message
    .subarray(0, end)
    .toString('latin1')
    .replace(/^X-Trueup-Key:/im, 'X-TrueUp-Key:');
  return Buffer.concat([Buffer.from(head, 'latin1'), message.subarray(end)]);
}
