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
  return (await buildAndStore(deps, intent)).entry;
}

/**
 * Builds the raw message, stores it (the copy retries and audits read) and returns it with
 * its outbox entry. The entry carries the From, so that completing it later needs no
 * reference data.
 */
async function buildAndStore(
  deps: Pick<Deps, 'artifacts'>,
  intent: EmailIntent,
): Promise<{ entry: OutboxEntry; raw: Uint8Array }> {
  const raw = await buildMime({
    from: intent.from,
    to: [...intent.to],
    content: intent.content,
    date: intent.date,
    messageKey: intent.key,
  });
  const rawKey = emailObjectKey(intent.key);
  await deps.artifacts.put(rawKey, raw, 'message/rfc822');
  const entry: OutboxEntry = {
    key: intent.key,
    kind: intent.kind,
    date: intent.date,
    to: intent.to,
    subject: intent.content.subject,
    invoices: intent.invoices ?? [],
    rawKey,
    status: 'pending',
    from: intent.from,
  };
  return { entry, raw };
}

/** Records the intent (once) and sends it. Returns false when the email was already recorded. */
export async function sendOnce(deps: SendDeps, intent: EmailIntent): Promise<boolean> {
  const existing = await deps.ledger.getOutbox(intent.key);
  if (existing) {
    await completePending(deps, existing);
    return false;
  }
  return recordAndSend(deps, intent);
}

/**
 * sendOnce for a caller that has just found no entry under `intent.key` (completeIfRecorded):
 * records the intent and sends the message as built, without reading the entry again or
 * reading the stored copy back. Returns false when a concurrent sender recorded it first
 * (that sender sends it).
 */
export async function recordAndSend(deps: SendDeps, intent: EmailIntent): Promise<boolean> {
  const { entry, raw } = await buildAndStore(deps, intent);
  if (!(await deps.ledger.putOutbox(entry))) return false;
  await deliver(deps, entry, intent.from, raw);
  return true;
}

/**
 * How long a sender holds an entry: longer than any one send (an invoice worker's whole
 * invocation is 60 s), shorter than the work queue's visibility timeout (6 min), so the
 * redelivered message of a crashed worker finds the lease expired.
 */
export const SEND_LEASE_SECONDS = 90;

/**
 * Sends an entry recorded elsewhere (e.g. in the dunning transaction), unless another sender
 * holds it. `built`: the message's bytes when the caller has just built and stored them;
 * otherwise the stored copy (`rawKey`) is read.
 */
export async function deliver(deps: SendDeps, entry: OutboxEntry, from: string, built?: Uint8Array): Promise<void> {
  if (entry.status !== 'pending') return;
  const raw = built ?? (await deps.artifacts.get(entry.rawKey));
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
  const entry = await deps.ledger.getOutbox(key);
  if (!entry) return false;
  await completePending(deps, entry);
  return true;
}

/**
 * Sends a recorded entry that is still pending, from its stored message and with the From it
 * was recorded with. Entries recorded before the outbox carried the From take the MSP's
 * address from the reference data, as they always did.
 */
export async function completePending(deps: SendDeps, entry: OutboxEntry): Promise<void> {
  if (entry.status !== 'pending') return;
  const from = entry.from ?? (await deps.ledger.loadReferenceData())?.settings.msp.email;
  if (from) await deliver(deps, entry, from);
}

/** Sends every email whose intent was recorded but not completed (a crashed run's leftovers). */
export async function flushOutbox(deps: SendDeps, from: string): Promise<number> {
  const pending = (await deps.ledger.pendingOutbox()).sort((a, b) =>
    a.date < b.date ? -1 : a.date > b.date ? 1 : a.key < b.key ? -1 : 1,
  );
  for (const entry of pending) await deliver(deps, entry, entry.from ?? from);
  return pending.length;
}
