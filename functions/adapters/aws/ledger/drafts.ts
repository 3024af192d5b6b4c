/**
 * The drafts of hold mode (docs/review.md): one item per (period, client),
 * `PK=DRAFT, SK=<period>#<client>`, with its plan entry as JSON. Approving takes numbers from the
 * gapless invoice counter (`PK=COUNTER, SK=INVOICE`, attribute `value`, as
 * reserveInvoiceNumbers) in the transaction that marks the drafts approved, conditioned on the
 * counter as read and on each draft still being unapproved: a crash loses no number, a retry
 * or a concurrent approval takes none twice.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DraftBook, StoredDraft } from '../../../app/ports.js';
import { invoiceNumber } from '../../../app/run-billing.js';
import type { IsoDate, Period } from '../../../domain/dates.js';
import { compareText } from '../../../domain/reconcile-period.js';
import { isConditionFailure, LedgerTable, type Item } from './table.js';

/** DynamoDB takes at most 100 items per transaction: the counter and 99 drafts. */
export const DRAFTS_PER_APPROVAL = 99;
const ATTEMPTS = 20;
/** Draft writes in flight at once when a billing run stores its drafts. */
const SAVES_AT_ONCE = 16;

const draftSk = (period: Period, clientId: string): string => `${period}#${clientId}`;

function storedDraft(item: Item): StoredDraft {
  return {
    period: String(item.period),
    clientId: String(item.clientId),
    entry: JSON.parse(String(item.entry)) as StoredDraft['entry'],
    status: item.status as StoredDraft['status'],
    createdOn: String(item.createdOn),
    ...(item.holdReason === undefined ? {} : { holdReason: String(item.holdReason) }),
    ...(item.number === undefined ? {} : { number: String(item.number) }),
    ...(item.approvedOn === undefined ? {} : { approvedOn: String(item.approvedOn) }),
    ...(item.by === undefined ? {} : { by: String(item.by) }),
  };
}

export class DynamoDbDrafts extends LedgerTable implements DraftBook {
  async saveDrafts(drafts: readonly StoredDraft[]): Promise<StoredDraft[]> {
    for (let i = 0; i < drafts.length; i += SAVES_AT_ONCE)
      await Promise.all(drafts.slice(i, i + SAVES_AT_ONCE).map((draft) => this.saveDraft(draft)));
    const periods = [...new Set(drafts.map((d) => d.period))].sort(compareText);
    return (await Promise.all(periods.map((p) => this.listDrafts(p)))).flat();
  }

  /** Puts a new draft, or gives a pending or held one the new entry; an approved one is left as it is. */
  private async saveDraft(draft: StoredDraft): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: 'DRAFT', SK: draftSk(draft.period, draft.clientId) },
          // A pending or held draft gets the new entry; its status, hold and first date stay.
          UpdateExpression:
            'SET #p = :p, clientId = :c, entry = :e, createdOn = if_not_exists(createdOn, :on), #s = if_not_exists(#s, :pending)',
          ConditionExpression: 'attribute_not_exists(PK) OR #s <> :approved',
          ExpressionAttributeNames: { '#p': 'period', '#s': 'status' },
          ExpressionAttributeValues: {
            ':p': draft.period,
            ':c': draft.clientId,
            ':e': JSON.stringify(draft.entry),
            ':on': draft.createdOn,
            ':pending': 'pending',
            ':approved': 'approved',
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // approved: never touched
    }
  }

  async listDrafts(period?: Period): Promise<StoredDraft[]> {
    const items = await this.queryAll({
      KeyConditionExpression: period === undefined ? 'PK = :pk' : 'PK = :pk AND begins_with(SK, :period)',
      ExpressionAttributeValues: { ':pk': 'DRAFT', ...(period === undefined ? {} : { ':period': `${period}#` }) },
    });
    return items.map(storedDraft);
  }

  async holdDraft(period: Period, clientId: string, reason: string, _on: IsoDate, by: string): Promise<StoredDraft> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: 'DRAFT', SK: draftSk(period, clientId) },
          UpdateExpression: 'SET #s = :held, holdReason = :r, #by = :by',
          ConditionExpression: 'attribute_exists(PK) AND #s <> :approved',
          ExpressionAttributeNames: { '#s': 'status', '#by': 'by' },
          ExpressionAttributeValues: { ':held': 'held', ':r': reason, ':by': by, ':approved': 'approved' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return storedDraft(out.Attributes ?? {});
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.draft(period, clientId);
      if (!current) throw new Error(`No draft of ${clientId} for ${period}`, { cause: error });
      throw new Error(
        `The draft of ${clientId} for ${period} is approved (${current.number ?? '?'}): it cannot be held`,
        { cause: error },
      );
    }
  }

  async approveDrafts(input: Parameters<DraftBook['approveDrafts']>[0]): Promise<StoredDraft[]> {
    const ids = [...new Set(input.clientIds)].sort(compareText);
    // Chunk after chunk until every named draft is approved; only refused transactions count as attempts.
    let drafts = await this.named(input.period, ids);
    let wrote = false;
    for (let refused = 0; refused < ATTEMPTS;) {
      const waiting = drafts.filter((d) => d.status !== 'approved');
      // Read back as stored: a re-plan may have replaced an entry between the read and the approval.
      if (waiting.length === 0) return wrote ? this.named(input.period, ids) : drafts;
      try {
        const approved = await this.approveChunk(waiting.slice(0, DRAFTS_PER_APPROVAL), input);
        drafts = drafts.map((d) => approved.get(d.clientId) ?? d);
        wrote = true;
      } catch (error) {
        // The counter moved (a billing run, another approval) or a draft was approved meanwhile: read again.
        if (!(error instanceof TransactionCanceledException)) throw error;
        refused += 1;
        drafts = await this.named(input.period, ids);
      }
    }
    throw new Error(`Could not approve the drafts of ${input.period} after ${ATTEMPTS} attempts`);
  }

  /**
   * The next numbers for `drafts` (in client id order) and the drafts marked approved, in one
   * transaction; returns the drafts as written, by client id.
   */
  private async approveChunk(
    drafts: readonly StoredDraft[],
    input: { on: IsoDate; by: string; prefix: string },
  ): Promise<Map<string, StoredDraft>> {
    const counter = await this.getItem('COUNTER', 'INVOICE', true);
    const current = Number(counter?.value ?? 0);
    const approved = drafts.map((draft, i): StoredDraft => ({
      ...draft,
      status: 'approved',
      number: invoiceNumber(input.prefix, input.on, current + i + 1),
      approvedOn: input.on,
      by: input.by,
    }));
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table,
              Key: { PK: 'COUNTER', SK: 'INVOICE' },
              UpdateExpression: 'SET #v = :next',
              ConditionExpression: current === 0 ? 'attribute_not_exists(#v) OR #v = :current' : '#v = :current',
              ExpressionAttributeNames: { '#v': 'value' },
              ExpressionAttributeValues: { ':next': current + drafts.length, ':current': current },
            },
          },
          ...approved.map((draft) => ({
            Update: {
              TableName: this.table,
              Key: { PK: 'DRAFT', SK: draftSk(draft.period, draft.clientId) },
              UpdateExpression: 'SET #s = :approved, #n = :n, approvedOn = :on, #by = :by',
              ConditionExpression: '#s IN (:pending, :held)',
              ExpressionAttributeNames: { '#s': 'status', '#n': 'number', '#by': 'by' },
              ExpressionAttributeValues: {
                ':approved': 'approved',
                ':pending': 'pending',
                ':held': 'held',
                ':n': draft.number,
                ':on': input.on,
                ':by': input.by,
              },
            },
          })),
        ],
      }),
    );
    return new Map(approved.map((d) => [d.clientId, d]));
  }

  /** The named drafts as stored now (consistent reads), in the order of `ids`; throws for a missing one. */
  private async named(period: Period, ids: readonly string[]): Promise<StoredDraft[]> {
    const byClient = new Map((await this.listDrafts(period)).map((d) => [d.clientId, d]));
    return ids.map((clientId) => {
      const draft = byClient.get(clientId);
      if (!draft) throw new Error(`No draft of ${clientId} for ${period}`);
      return draft;
    });
  }

  private async draft(period: Period, clientId: string): Promise<StoredDraft | undefined> {
    const item = await this.getItem('DRAFT', draftSk(period, clientId), true);
    return item ? storedDraft(item) : undefined;
  }
}
