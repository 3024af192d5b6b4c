/**
 * Exactly-once email, as far as SES allows: the raw message is stored and an outbox entry
 * recorded before sending; a sender takes a short lease on the entry, sends, and marks it sent
 * in one write after SES accepts it. Two workers holding the same message (a duplicated SQS
 * delivery, two overlapping runs) cannot both send: only the lease holder does. A retry finds
 * a pending entry whose lease has expired and sends it. The remaining window: SES accepted
 * but the mark was lost, which re-sends one email (see docs/guarantees.md).
 */
import { randomUUID } from 'node:crypto';
import { buildMime } from '../render/mime.js';
import type { EmailContent } from '../render/email-content.js';
import { emailObjectKey } from './bucket-layout.js';
import type { Deps, UseCaseDeps } from './deps.js';
import type { Outbox, OutboxEntry, OutboxKind, ReferenceDataStore } from './ports.js';

/** What sending an email needs: the stored message, the outbox, the MSP's address for a retry, the mailer. */
export type SendDeps = UseCaseDeps<ReferenceDataStore & Outbox, 'artifacts' | 'mailer' | 'log'>;
import type { IsoDate } from '../domain/dates.js';
import type { Settings } from '../domain/billing-types.js';

/** The From of client emails: `"Acme IT" <billing@…>` when `msp.senderName` is set, else the bare address. */
export function clientSender(settings: Settings): string {
  const { senderName, email } = settings.msp;
  return senderName ? `"${senderName}" <${email}>` : email;
}

/** The bare address of a From value, for SES's Source (the display name is in the message's own From header). */
function sourceAddress(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
}

export interface EmailIntent {
  readonly key: string;
  readonly kind: OutboxKind;
  readonly date: IsoDate;
  readonly from: string;
  readonly to: readonly string[];
  readonly content: EmailContent;
  readonly invoices?: readonly { number: string; step?: string }[];
}

/** Builds and stores the raw message and returns the outbox entry (not yet recorded). */
export async function prepareEmail(deps: Pick<Deps, 'artifacts'>, intent: EmailIntent): Promise<OutboxEntry> {
  const raw = await buildMime({ from: intent.from, to: [...intent.to], content: intent.content, date: intent.date, messageKey: intent.key });
  const rawKey = emailObjectKey(intent.key);
  await deps.artifacts.put(rawKey, raw, 'message/rfc822');
  return {
    key: intent.key, kind: intent.kind, date: intent.date, to: intent.to, subject: intent.content.subject,
    invoices: intent.invoices ?? [], rawKey, status: 'pending',
  };
}

/** Records the intent (once) and sends it. Returns false when the email was already recorded. */
export async function sendOnce(deps: SendDeps, intent: EmailIntent): Promise<boolean> {
  if (await deps.ledger.getOutbox(intent.key)) {
    await completePending(deps, intent.key);
    return false;
  }
  const entry = await prepareEmail(deps, intent);
  if (!(await deps.ledger.putOutbox(entry))) return false;
  await deliver(deps, entry, intent.from);
  return true;
}

/**
 * How long a sender holds an entry: longer than any one send (an invoice worker's whole
 * invocation is 60 s), shorter than the work queue's visibility timeout (6 min), so the
 * redelivered message of a crashed worker finds the lease expired.
 */
export const SEND_LEASE_SECONDS = 90;

/** Sends an entry recorded elsewhere (e.g. in the dunning transaction), unless another sender holds it. */
export async function deliver(deps: SendDeps, entry: OutboxEntry, from: string): Promise<void> {
  if (entry.status !== 'pending') return;
  const raw = await deps.artifacts.get(entry.rawKey);
  if (!raw) throw new Error(`The stored message ${entry.rawKey} for ${entry.key} is missing`);
  const claim = await deps.ledger.claimSend(entry.key, randomUUID(), SEND_LEASE_SECONDS);
  if (!claim) {
    deps.log.info('email sent or being sent by another worker', { key: entry.key });
    return;
  }
  const messageId = await deps.mailer.sendRaw({ from: sourceAddress(from), to: entry.to, raw: Buffer.from(raw) });
  await deps.ledger.markSent(entry, messageId, claim.sentOrder);
}

/**
 * True when the email `key` was already recorded (its content rendered and stored): a pending
 * one is sent now, from the stored message. Jobs that store what they email check this first,
 * so a re-run never rewrites what was sent.
 */
export async function completeIfRecorded(deps: SendDeps, key: string): Promise<boolean> {
  if (!(await deps.ledger.getOutbox(key))) return false;
  await completePending(deps, key);
  return true;
}

async function completePending(deps: SendDeps, key: string): Promise<void> {
  const entry = await deps.ledger.getOutbox(key);
  const settings = (await deps.ledger.loadReferenceData())?.settings;
  if (entry?.status === 'pending' && settings) await deliver(deps, entry, settings.msp.email);
}

/** Sends every email whose intent was recorded but not completed (a crashed run's leftovers). */
export async function flushOutbox(deps: SendDeps, from: string): Promise<number> {
  const pending = (await deps.ledger.pendingOutbox()).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.key < b.key ? -1 : 1));
  for (const entry of pending) await deliver(deps, entry, from);
  return pending.length;
}
