/**
 * The actions a person takes on the ledger (approve drafts, hold one, follow up a discrepancy,
 * bill or credit one, upload a usage file), each run through the same use case the CLI always
 * ran and then recorded in the audit log (audit-ports.ts) with who did it and through what.
 * The CLI and the console both call these, so the two can never act differently. The entry is
 * recorded after the use case succeeded, keyed by what the action did: a retry of an action
 * that already took effect records nothing new.
 */
import type { Dec } from '../domain/money.js';
import type { IsoDate, Period } from '../domain/dates.js';
import type { AuditActor, AuditLog } from './audit-ports.js';
import { chargeForDiscrepancy } from './charges.js';
import type { Charge } from '../domain/billing-types.js';
import type { Deps } from './deps.js';
import { inboxKey } from './bucket-layout.js';
import { ingestUsageFile, type IngestResult } from './ingest-usage-file.js';
import type { StoredDiscrepancy, StoredDraft } from './ports.js';
import { approveDrafts, holdDraft, type ApprovalResult } from './review-drafts.js';

/** A request that cannot be carried out as asked (a closed discrepancy, an unknown id): shown to the user as it is. */
export class ActionError extends Error {}

/** Who acts and when (`at`: an ISO timestamp, now by default). */
export interface Acting {
  readonly actor: AuditActor;
  readonly at?: string;
}

function nowIso(acting: Acting): string {
  return acting.at ?? new Date().toISOString();
}

async function record(
  ledger: AuditLog,
  acting: Acting,
  entry: { action: string; subject: string; detail?: string; key?: string },
): Promise<void> {
  await ledger.recordAudit({
    at: nowIso(acting),
    actor: acting.actor,
    action: entry.action,
    subject: entry.subject,
    ...(entry.detail ? { detail: entry.detail } : {}),
    ...(entry.key ? { key: entry.key } : {}),
  });
}

/** Approves drafts (review-drafts.ts) and records one `drafts.approve` per invoice number it gave. */
export async function approveDraftsAudited(
  deps: Deps,
  input: { period: Period; clientIds?: readonly string[]; all?: boolean; today: IsoDate } & Acting,
): Promise<ApprovalResult> {
  const result = await approveDrafts(deps, { ...input, by: input.actor.id });
  for (const draft of result.approved)
    await record(deps.ledger, input, {
      action: 'drafts.approve',
      subject: draft.number ?? `${draft.period} ${draft.clientId}`,
      detail: `${draft.period} draft of ${draft.clientId}`,
      key: `drafts.approve#${draft.period}#${draft.clientId}`,
    });
  return result;
}

/** Holds a draft (review-drafts.ts) and records `drafts.hold` with the reason. */
export async function holdDraftAudited(
  deps: Deps,
  input: { clientId: string; reason: string; period?: Period; today: IsoDate } & Acting,
): Promise<StoredDraft> {
  const held = await holdDraft(deps, { ...input, by: input.actor.id });
  await record(deps.ledger, input, {
    action: 'drafts.hold',
    subject: `${held.period} ${held.clientId}`,
    detail: held.holdReason,
  });
  return held;
}

export type FollowUp = 'acknowledged' | 'resolved' | 'dismissed';

const FOLLOW_UP_ACTION: Readonly<Record<FollowUp, string>> = {
  acknowledged: 'discrepancy.ack',
  resolved: 'discrepancy.resolve',
  dismissed: 'discrepancy.dismiss',
};

/**
 * Marks a discrepancy acknowledged, resolved or dismissed with an optional note, as
 * `trueup discrepancies ack|resolve|dismiss`; one billed or credited by an invoice line is
 * closed already and refused.
 */
export async function followUpDiscrepancy(
  deps: Deps,
  input: { id: string; status: FollowUp; note?: string; today: IsoDate } & Acting,
): Promise<StoredDiscrepancy> {
  const found = (await deps.ledger.listDiscrepancies()).find((x) => x.id === input.id);
  if (!found) throw new ActionError(`No discrepancy with id ${input.id} (see trueup discrepancies list).`);
  if (found.status === 'billed' || found.status === 'credited')
    throw new ActionError(
      `${input.id} is ${found.status} on ${found.invoiceNumber ?? '?'} line ${found.invoiceLine ?? '?'}: nothing to decide.`,
    );
  const note = input.note?.trim() ? input.note : undefined;
  const changed = await deps.ledger.setDiscrepancyStatus(input.id, input.status, input.today, note, input.actor.id);
  await record(deps.ledger, input, { action: FOLLOW_UP_ACTION[input.status], subject: input.id, detail: note });
  return changed;
}

/** Bills or credits a discrepancy as a charge (charges.ts), as `trueup discrepancies bill|credit`. */
export async function chargeDiscrepancyAudited(
  deps: Deps,
  input: { id: string; action: 'bill' | 'credit'; amount?: Dec; today: IsoDate } & Acting,
): Promise<{ added: boolean; charge: Charge }> {
  const out = await chargeForDiscrepancy(deps, { ...input, by: input.actor.id });
  await record(deps.ledger, input, {
    action: `discrepancy.${input.action}`,
    subject: input.id,
    detail: `charge ${out.charge.chargeId}: ${out.charge.unitPrice.toString()}`,
    key: `discrepancy.${input.action}#${out.charge.chargeId}`,
  });
  return out;
}

/**
 * Drops a usage file into the inbox and, when `ingest` is set (locally, and from the console,
 * where the reply shows the outcome), ingests it at once; on AWS the S3 event ingests it too,
 * which the ledger's claim by content and inbox object makes a retry that changes nothing.
 * Records `usage.upload` with the file's content hash.
 */
export async function uploadUsageFile(
  deps: Deps,
  input: { name: string; body: Uint8Array | AsyncIterable<Uint8Array>; ingest: boolean; today: IsoDate } & Acting,
): Promise<{ key: string; ingested?: IngestResult }> {
  const key = inboxKey(input.name);
  if (input.body instanceof Uint8Array) await deps.usage.put(key, input.body);
  else await deps.usage.putStream(key, input.body);
  const ingested = input.ingest ? await ingestUsageFile(deps, { key, today: input.today }) : undefined;
  const r = ingested?.record;
  await record(deps.ledger, input, {
    action: 'usage.upload',
    subject: input.name,
    detail: r
      ? r.duplicateOf
        ? `duplicate of ${r.duplicateOf} (sha256 ${r.sha256})`
        : `sha256 ${r.sha256}: ${r.rowsAccepted} accepted, ${r.rowsRejected} rejected, ${r.rowsDuplicate} duplicate`
      : `to ${key}`,
    ...(r ? { key: `usage.upload#${r.sha256}#${key}` } : {}),
  });
  return { key, ...(ingested ? { ingested } : {}) };
}
