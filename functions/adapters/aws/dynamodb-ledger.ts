/**
 * The ledger on one DynamoDB table (single-table design; see docs/data-model.md).
 *
 * Uniqueness is decided by business keys with conditional writes, so every method is safe to
 * retry: a file is its sha256, an invoice its (client, period), a payment its id, a dunning
 * step (invoice, step), a late fee its invoice, a discrepancy its deterministic id, an email
 * its outbox key. Invoice numbers come from a counter updated in the same transaction that
 * writes the invoice, so no number is skipped or reused. An applied payment is an item of its
 * own; the invoice keeps only running totals (paid, payment count), so it stays small however
 * many payments it takes.
 */
import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactGetCommand, TransactWriteCommand, UpdateCommand,
  type DynamoDBDocumentClient, type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ExpectedFeedRule } from '../../domain/expected-feeds.js';
import { encode, reviveDiscrepancy, reviveInvoice, reviveLateFee, revivePayment, reviveReference } from '../../app/codec.js';
import type {
  FileRecord, Ledger, LedgerInvoice, OutboxEntry, PayableInvoice, ReconciliationRecord, RecordPaymentResult, StoredDiscrepancy,
} from '../../app/ports.js';
import type { IsoDate, Period } from '../../domain/dates.js';
import { Dec, decimalText, type Dec as DecT } from '../../domain/money.js';
import type { Discrepancy } from '../../domain/reconcile-period.js';
import type { AppliedPayment, Invoice, LateFee, Payment, ReferenceData } from '../../domain/billing-types.js';
import { retryUnprocessed } from './retry-unprocessed.js';

type Item = Record<string, unknown>;

const REFERENCE_CHUNK = 300_000; // characters per reference-data item, well under DynamoDB's 400 KB
const OPEN_PAYMENT_READS = 8; // open invoices whose payments are queried at a time

export class DynamoDbLedger implements Ledger {
  /** The parsed reference data of one version: every job reads it, and a version never changes. */
  private referenceCache: { version: string; value: ReferenceData } | undefined;

  /** `now` (epoch ms) dates send leases; tests pass their own clock. */
  constructor(private readonly db: DynamoDBDocumentClient, private readonly table: string, private readonly now: () => number = Date.now) {}

  // ---- reference data: stored as JSON in ordered chunks under one partition --------------
  async saveReferenceData(reference: ReferenceData): Promise<void> {
    const json = encode(reference);
    const chunks: string[] = [];
    for (let i = 0; i < json.length; i += REFERENCE_CHUNK) chunks.push(json.slice(i, i + REFERENCE_CHUNK));
    const version = createHash('sha256').update(json).digest('hex').slice(0, 16); // same data, same version
    for (let i = 0; i < chunks.length; i += 25) {
      const batch = chunks.slice(i, i + 25).map((data, j) => ({ PutRequest: { Item: { PK: `REF#${version}`, SK: String(i + j).padStart(6, '0'), data } } }));
      await this.batchWrite(batch);
    }
    // Switch readers to the new version only once every chunk is written.
    await this.db.send(new PutCommand({ TableName: this.table, Item: { PK: 'REF', SK: 'CURRENT', version, chunks: chunks.length } }));
  }

  async loadReferenceData(): Promise<ReferenceData | undefined> {
    const head = await this.getItem('REF', 'CURRENT', true);
    if (!head) return undefined;
    const version = String(head.version);
    if (this.referenceCache?.version === version) return this.referenceCache.value;
    const items = await this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `REF#${version}` } });
    const value = reviveReference(JSON.parse(items.map((i) => String(i.data)).join('')) as Item);
    this.referenceCache = { version, value };
    return value;
  }

  // ---- usage files -----------------------------------------------------------------------
  async claimFile(sha256: string, name: string, key: string): Promise<{ claimed: true } | { claimed: false; existing: FileRecord | undefined; sameObject: boolean }> {
    try {
      await this.db.send(new PutCommand({
        TableName: this.table,
        Item: { PK: 'FILE', SK: sha256, name, key, status: 'processing' },
        ConditionExpression: 'attribute_not_exists(PK) OR (#s = :processing AND #k = :key)',
        ExpressionAttributeNames: { '#s': 'status', '#k': 'key' },
        ExpressionAttributeValues: { ':processing': 'processing', ':key': key },
      }));
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = await this.getItem('FILE', sha256, true);
      return {
        claimed: false,
        existing: item?.data ? (JSON.parse(String(item.data)) as FileRecord) : undefined,
        sameObject: item?.key === key,
      };
    }
  }

  async completeFile(record: FileRecord): Promise<FileRecord> {
    // Both puts are idempotent: a retry after a lost response writes the same items again.
    await this.db.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: this.table, Item: { PK: 'FILE', SK: record.sha256, name: record.name, key: record.key, status: 'done', data: encode(record) } } },
        { Put: { TableName: this.table, Item: { PK: 'FILELOG', SK: fileLogSk(record), data: encode(record) } } },
      ],
    }));
    return record;
  }

  async recordDuplicateFile(record: FileRecord): Promise<FileRecord> {
    const written = await this.putOnce({ PK: 'FILELOG', SK: fileLogSk(record), data: encode(record) });
    if (written) return record;
    const item = await this.getItem('FILELOG', fileLogSk(record), true);
    return item ? (JSON.parse(String(item.data)) as FileRecord) : record;
  }

  async unreportedFiles(): Promise<FileRecord[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'PK = :pk', FilterExpression: 'attribute_not_exists(reportedIn)', ExpressionAttributeValues: { ':pk': 'FILELOG' } });
    return items.map((i) => JSON.parse(String(i.data)) as FileRecord)
      .sort((a, b) => a.ingestedOn.localeCompare(b.ingestedOn) || (a.key ?? a.name).localeCompare(b.key ?? b.name));
  }

  async markFilesReported(files: readonly FileRecord[], period: Period): Promise<void> {
    for (const file of files) {
      await this.db.send(new UpdateCommand({
        TableName: this.table, Key: { PK: 'FILELOG', SK: fileLogSk(file) },
        UpdateExpression: 'SET reportedIn = if_not_exists(reportedIn, :p)', ExpressionAttributeValues: { ':p': period },
      }));
    }
  }

  // ---- reconciliations ---------------------------------------------------------------------
  async putReconciliation(record: ReconciliationRecord): Promise<boolean> {
    return this.putOnce({ PK: 'RECON', SK: record.period, data: encode(record) });
  }

  async expectedFeeds(): Promise<readonly ExpectedFeedRule[]> {
    // Stored as plain rules by the collector state when sources.json is imported
    // (functions/collect/dynamodb-collector-state.ts); the ledger does not read sources.json.
    const item = await this.getItem('SOURCES', 'CONFIG', true);
    if (!item) return [];
    if (item.expectedFeeds !== undefined) return JSON.parse(String(item.expectedFeeds)) as ExpectedFeedRule[];
    // Imported before the rules were stored apart: the import stored the validated config, whose
    // `expectedFeeds` are the same plain rules.
    return (JSON.parse(String(item.data)) as { expectedFeeds?: ExpectedFeedRule[] }).expectedFeeds ?? [];
  }

  async recentReconciliations(limit: number): Promise<ReconciliationRecord[]> {
    const out = await this.db.send(new QueryCommand({
      TableName: this.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'RECON' }, ScanIndexForward: false, Limit: limit,
    }));
    return (out.Items ?? []).map((i) => JSON.parse(String(i.data)) as ReconciliationRecord);
  }

  // ---- discrepancies -----------------------------------------------------------------------
  async storeDiscrepancy(discrepancy: Discrepancy, openedOn: IsoDate): Promise<boolean> {
    const stored: StoredDiscrepancy = { ...discrepancy, status: 'open', openedOn };
    return this.putOnce(discrepancyItem(stored));
  }

  async listDiscrepancies(): Promise<StoredDiscrepancy[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'DISC' } });
    return items.map((i) => reviveDiscrepancy<StoredDiscrepancy>(JSON.parse(String(i.data)) as Item));
  }

  async setDiscrepancyStatus(id: string, status: StoredDiscrepancy['status'], on: IsoDate, note?: string): Promise<StoredDiscrepancy> {
    const item = await this.getItem('DISC', id);
    if (!item) throw new Error(`No discrepancy with id ${id}`);
    const current = reviveDiscrepancy<StoredDiscrepancy>(JSON.parse(String(item.data)) as Item);
    const next: StoredDiscrepancy = {
      ...current, status, note: note ?? current.note,
      acknowledgedOn: status === 'acknowledged' ? on : current.acknowledgedOn,
      closedOn: status === 'resolved' || status === 'dismissed' ? on : current.closedOn,
    };
    await this.db.send(new PutCommand({ TableName: this.table, Item: discrepancyItem(next) }));
    return next;
  }

  // ---- invoices ----------------------------------------------------------------------------
  async invoiceNumberFor(clientId: string, period: Period): Promise<string | undefined> {
    const item = await this.getItem(`CLIENT#${clientId}`, `INVOICEFOR#${period}`);
    return item ? String(item.number) : undefined;
  }

  async reserveInvoiceNumbers(period: Period, count: number): Promise<number> {
    const names = { '#v': 'value', '#r': `reserved#${period}` };
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const counter = await this.getItem('COUNTER', 'INVOICE', true);
      const reserved = counter?.[`reserved#${period}`] as { first: number; count: number } | undefined;
      if (reserved) {
        if (Number(reserved.count) !== count) {
          throw new Error(`The billing run of ${period} reserved ${String(reserved.count)} invoice numbers, not ${count}: its stored plan changed`);
        }
        return Number(reserved.first);
      }
      const current = Number(counter?.value ?? 0);
      try {
        await this.db.send(new UpdateCommand({
          TableName: this.table, Key: { PK: 'COUNTER', SK: 'INVOICE' },
          UpdateExpression: 'SET #v = :next, #r = :reserved',
          ConditionExpression: `(${current === 0 ? 'attribute_not_exists(#v) OR ' : ''}#v = :current) AND attribute_not_exists(#r)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':next': current + count, ':current': current, ':reserved': { first: current + 1, count } },
        }));
        return current + 1;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // the counter moved, or a concurrent run reserved this period: read again
      }
    }
    throw new Error(`Could not reserve ${count} invoice numbers for ${period} after 20 attempts`);
  }

  async issueNumberedInvoice(invoice: Invoice, lateFees: readonly LateFee[]): Promise<boolean> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [
        { Put: { TableName: this.table, Item: { PK: `CLIENT#${invoice.clientId}`, SK: `INVOICEFOR#${invoice.period}`, number: invoice.number }, ConditionExpression: 'attribute_not_exists(PK)' } },
        { Put: { TableName: this.table, Item: invoiceItem(invoice), ConditionExpression: 'attribute_not_exists(PK)' } },
        ...lateFees.map((fee) => ({
          Update: {
            TableName: this.table, Key: { PK: `CLIENT#${fee.clientId}`, SK: lateFeeSk(fee) },
            UpdateExpression: 'SET billedOn = :n', ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(billedOn)',
            ExpressionAttributeValues: { ':n': invoice.number },
          },
        })),
      ] }));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const existing = await this.invoiceNumberFor(invoice.clientId, invoice.period);
      if (existing === invoice.number) return false; // issued by an earlier attempt or a concurrent worker
      if (existing !== undefined) throw new Error(`${invoice.clientId} already has invoice ${existing} for ${invoice.period}; ${invoice.number} was not issued`, { cause: error });
      throw error;
    }
  }

  async getInvoice(number: string): Promise<LedgerInvoice | undefined> {
    const item = await this.getItem('INVOICE', number, true);
    return item ? ledgerInvoice(item, await this.appliedPayments(number)) : undefined;
  }

  async paymentTarget(payment: Payment): Promise<{ pending: boolean; invoice: PayableInvoice | undefined }> {
    const out = await this.db.send(new TransactGetCommand({ TransactItems: [
      { Get: { TableName: this.table, Key: { PK: 'PAYMENT', SK: payment.paymentId } } },
      { Get: { TableName: this.table, Key: { PK: 'INVOICE', SK: payment.invoiceNumber } } },
    ] }));
    const [claim, invoice] = (out.Responses ?? []).map((r) => r.Item);
    return { pending: claim?.status === 'pending', invoice: invoice ? payableInvoice(invoice) : undefined };
  }

  async listInvoices(options?: { openOnly?: boolean }): Promise<LedgerInvoice[]> {
    const list = options?.openOnly ? await this.openInvoices() : await this.allInvoices();
    return list.sort((a, b) => (a.invoice.number < b.invoice.number ? -1 : 1));
  }

  /** Every invoice and every applied payment: two paginated queries, grouped here. */
  private async allInvoices(): Promise<LedgerInvoice[]> {
    const [items, applied] = await Promise.all([
      this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'INVOICE' } }),
      this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'APPLIED' } }),
    ]);
    const byInvoice = new Map<string, AppliedPayment[]>();
    for (const item of applied) {
      const number = String(item.invoice);
      const list = byInvoice.get(number) ?? [];
      list.push(appliedPayment(item));
      byInvoice.set(number, list);
    }
    return items.map((item) => ledgerInvoice(item, byInvoice.get(String(item.SK)) ?? []));
  }

  /** The open invoices (GSI1), and the payments of only those that have some. */
  private async openInvoices(): Promise<LedgerInvoice[]> {
    const items = await this.queryAll({ IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :open', ExpressionAttributeValues: { ':open': 'OPEN' } });
    const out: LedgerInvoice[] = [];
    for (let i = 0; i < items.length; i += OPEN_PAYMENT_READS) {
      out.push(...await Promise.all(items.slice(i, i + OPEN_PAYMENT_READS).map(async (item) =>
        ledgerInvoice(item, Number(item.paymentCount ?? 0) > 0 ? await this.appliedPayments(String(item.SK)) : []))));
    }
    return out;
  }

  /** The payments applied to one invoice, in pages: `PK=APPLIED, SK=<number>#<payment id>`. */
  private async appliedPayments(number: string): Promise<AppliedPayment[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :number)', ExpressionAttributeValues: { ':pk': 'APPLIED', ':number': `${number}#` },
    });
    return items.map(appliedPayment);
  }

  async disputeInvoice(number: string, on: IsoDate, reason?: string): Promise<void> {
    // As with the date, the first reason given is kept: a re-run or retry changes nothing.
    const withReason = reason !== undefined && reason !== '';
    await this.db.send(new UpdateCommand({
      TableName: this.table, Key: { PK: 'INVOICE', SK: number },
      UpdateExpression: withReason
        ? 'SET disputedOn = if_not_exists(disputedOn, :on), disputeReason = if_not_exists(disputeReason, :reason)'
        : 'SET disputedOn = if_not_exists(disputedOn, :on)',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':on': on, ...(withReason ? { ':reason': reason } : {}) },
    }));
  }

  // ---- payments ----------------------------------------------------------------------------
  async addPayments(payments: readonly Payment[]): Promise<number> {
    let added = 0;
    for (const payment of payments) {
      const seq = await this.nextCounter('PAYMENT');
      const ok = await this.putOnce({ PK: 'PAYMENT', SK: payment.paymentId, status: 'pending', receivedOn: payment.receivedOn, seq, data: encode(payment) });
      if (ok) added += 1;
    }
    return added;
  }

  async pendingPayments(upTo: IsoDate): Promise<Payment[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk', FilterExpression: '#s = :pending AND receivedOn <= :upTo',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':pk': 'PAYMENT', ':pending': 'pending', ':upTo': upTo },
    });
    items.sort((a, b) => String(a.receivedOn).localeCompare(String(b.receivedOn)) || Number(a.seq) - Number(b.seq));
    return items.map((i) => revivePayment(JSON.parse(String(i.data)) as Item));
  }

  async recordPayment(payment: Payment, applied: { invoice: PayableInvoice; amount: DecT; stillOpen: boolean } | undefined): Promise<RecordPaymentResult> {
    const claim = {
      Update: {
        TableName: this.table, Key: { PK: 'PAYMENT', SK: payment.paymentId },
        UpdateExpression: 'SET #s = :done', ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':done': applied ? 'applied' : 'unapplied', ':pending': 'pending' },
      },
    };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [claim];
    if (applied) {
      const number = applied.invoice.invoice.number;
      const entry: AppliedPayment = { paymentId: payment.paymentId, amount: applied.amount, receivedOn: payment.receivedOn };
      items.push(
        {
          // The count is the invoice's version: a payment applied since it was read refuses this one.
          Update: {
            TableName: this.table, Key: { PK: 'INVOICE', SK: number },
            UpdateExpression: `SET paid = :paid, paymentCount = :next${applied.stillOpen ? '' : ' REMOVE GSI1PK, GSI1SK'}`,
            ConditionExpression: 'paymentCount = :count',
            ExpressionAttributeValues: {
              ':paid': decimalText(applied.invoice.paid.plus(applied.amount)), ':next': applied.invoice.paymentCount + 1, ':count': applied.invoice.paymentCount,
            },
          },
        },
        { Put: { TableName: this.table, Item: { PK: 'APPLIED', SK: `${number}#${payment.paymentId}`, invoice: number, data: encode(entry) }, ConditionExpression: 'attribute_not_exists(PK)' } },
      );
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
      if (codes[0] === 'ConditionalCheckFailed') return 'duplicate';
      // Another payment moved the invoice on, or another transaction held one of these items.
      if (codes[1] === 'ConditionalCheckFailed' || codes.includes('TransactionConflict')) return 'conflict';
      throw error;
    }
  }

  // ---- dunning -----------------------------------------------------------------------------
  async recordDunning(steps: readonly { invoiceNumber: string; step: string }[], fees: readonly LateFee[], outbox: OutboxEntry): Promise<boolean> {
    const feeFor = new Map(fees.map((f) => [f.invoiceNumber, f]));
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [
        { Put: { TableName: this.table, Item: outboxItem(outbox), ConditionExpression: 'attribute_not_exists(PK)' } },
        ...steps.map(({ invoiceNumber, step }) => ({
          Update: {
            TableName: this.table, Key: { PK: 'INVOICE', SK: invoiceNumber },
            UpdateExpression: feeFor.has(invoiceNumber) ? 'ADD stepsSent :step SET feeCharged = :true' : 'ADD stepsSent :step',
            ConditionExpression: feeFor.has(invoiceNumber)
              ? 'attribute_exists(PK) AND NOT contains(stepsSent, :name) AND attribute_not_exists(feeCharged)'
              : 'attribute_exists(PK) AND NOT contains(stepsSent, :name)',
            ExpressionAttributeValues: { ':step': new Set([step]), ':name': step, ...(feeFor.has(invoiceNumber) ? { ':true': true } : {}) },
          },
        })),
        ...fees.map((fee) => ({
          Put: { TableName: this.table, Item: { PK: `CLIENT#${fee.clientId}`, SK: lateFeeSk(fee), data: encode(fee) }, ConditionExpression: 'attribute_not_exists(PK)' },
        })),
      ] }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  async unbilledLateFees(clientId: string): Promise<LateFee[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :fee)', FilterExpression: 'attribute_not_exists(billedOn)',
      ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':fee': 'LATEFEE#' },
    });
    return items.map((i) => reviveLateFee(JSON.parse(String(i.data)) as Item));
  }

  // ---- outbox ------------------------------------------------------------------------------
  async putOutbox(entry: OutboxEntry): Promise<boolean> {
    return this.putOnce(outboxItem(entry));
  }

  async getOutbox(key: string): Promise<OutboxEntry | undefined> {
    const item = await this.getItem('OUTBOX', key, true);
    return item ? (JSON.parse(String(item.data)) as OutboxEntry) : undefined;
  }

  async pendingOutbox(): Promise<OutboxEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk', FilterExpression: '#s = :pending',
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':pk': 'OUTBOX', ':pending': 'pending' },
    });
    return items.map((i) => JSON.parse(String(i.data)) as OutboxEntry);
  }

  async claimSend(key: string, owner: string, leaseSeconds: number): Promise<{ sentOrder: number } | undefined> {
    const now = this.now();
    try {
      await this.db.send(new UpdateCommand({
        TableName: this.table, Key: { PK: 'OUTBOX', SK: key },
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression: '#s = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':owner': owner, ':until': now + leaseSeconds * 1000, ':now': now, ':pending': 'pending' },
      }));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    return { sentOrder: await this.nextCounter('EMAIL') };
  }

  async markSent(entry: OutboxEntry, messageId: string, sentOrder: number): Promise<OutboxEntry> {
    const sent: OutboxEntry = { ...entry, status: 'sent', messageId, sentOrder };
    try {
      // The Put replaces the whole item, lease attributes included.
      await this.db.send(new TransactWriteCommand({ TransactItems: [
        {
          Put: {
            TableName: this.table, Item: outboxItem(sent), ConditionExpression: '#s = :pending',
            ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':pending': 'pending' },
          },
        },
        { Put: { TableName: this.table, Item: { PK: 'SESMSG', SK: messageId || `none#${entry.key}`, key: entry.key } } },
      ] }));
      return sent;
    } catch (error) {
      if (!isCancelledByCondition(error)) throw error;
      const current = await this.getOutbox(entry.key);
      if (!current) throw new Error(`No outbox entry ${entry.key}`, { cause: error });
      return current; // recorded already (a retried write, or another sender)
    }
  }

  async sentLog(): Promise<OutboxEntry[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'OUTBOX' } });
    return items.map((i) => JSON.parse(String(i.data)) as OutboxEntry)
      .filter((e) => e.status !== 'pending')
      .sort((a, b) => (a.sentOrder ?? 0) - (b.sentOrder ?? 0));
  }

  async markBounced(messageId: string): Promise<OutboxEntry | undefined> {
    const link = await this.getItem('SESMSG', messageId);
    if (!link) return undefined;
    const entry = await this.getOutbox(String(link.key));
    if (!entry || entry.status === 'bounced') return entry;
    const bounced: OutboxEntry = { ...entry, status: 'bounced' };
    await this.db.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName: this.table, Item: outboxItem(bounced) } },
      ...(entry.kind === 'dunning' ? entry.invoices.filter((i) => i.step).map((i) => ({
        Update: {
          TableName: this.table, Key: { PK: 'INVOICE', SK: i.number },
          UpdateExpression: 'DELETE stepsSent :step', ExpressionAttributeValues: { ':step': new Set([String(i.step)]) },
        },
      })) : []),
    ] }));
    return bounced;
  }

  // ---- helpers -----------------------------------------------------------------------------
  private async getItem(pk: string, sk: string, consistent = false): Promise<Item | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { PK: pk, SK: sk }, ConsistentRead: consistent }));
    return out.Item;
  }

  private async putOnce(item: Item): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async nextCounter(name: string): Promise<number> {
    const out = await this.db.send(new UpdateCommand({
      TableName: this.table, Key: { PK: 'COUNTER', SK: name },
      UpdateExpression: 'ADD #v :one', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW',
    }));
    return Number(out.Attributes?.value);
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ TableName: this.table, ConsistentRead: input.IndexName ? undefined : true, ...input, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async batchWrite(requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]): Promise<void> {
    await retryUnprocessed(requests, async (pending) => {
      const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: [...pending] } }));
      return out.UnprocessedItems?.[this.table] ?? [];
    }, { retries: 8, exhausted: () => new Error('DynamoDB kept throttling a batch write') });
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function isCancelledByCondition(error: unknown): boolean {
  return error instanceof TransactionCanceledException
    && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
}

/** A file's log entry: one per content, and one per later inbox object with that content. */
function fileLogSk(file: FileRecord): string {
  return file.duplicateOf === undefined ? `FILE#${file.sha256}` : `DUP#${file.sha256}#${file.key ?? file.name}`;
}

function lateFeeSk(fee: LateFee): string {
  return `LATEFEE#${fee.invoiceNumber}`;
}

/**
 * A new invoice's item: nothing paid yet; open for dunning unless it is a credit note. Exported
 * for the bench, which seeds thousands of invoices in the ledger's own shape.
 */
export function invoiceItem(invoice: Invoice): Item {
  const open = invoice.total.greaterThan(0);
  return {
    PK: 'INVOICE', SK: invoice.number, clientId: invoice.clientId, data: encode(invoice), paid: '0', paymentCount: 0,
    ...(open ? { GSI1PK: 'OPEN', GSI1SK: `${invoice.dueDate}#${invoice.number}` } : {}),
  };
}

function payableInvoice(item: Item): PayableInvoice {
  if (item.paymentCount === undefined) {
    // Invoices stored before payments became items kept them in a `payments` attribute; none
    // were deployed, so they are refused rather than converted.
    throw new Error(`Invoice ${String(item.SK)} was stored by an earlier version of TrueUp (its payments inside the invoice item) and cannot be read`);
  }
  return { invoice: reviveInvoice(JSON.parse(String(item.data)) as Item), paid: new Dec(String(item.paid)), paymentCount: Number(item.paymentCount) };
}

function ledgerInvoice(item: Item, payments: readonly AppliedPayment[]): LedgerInvoice {
  return {
    ...payableInvoice(item),
    payments,
    disputedOn: item.disputedOn === undefined ? undefined : String(item.disputedOn),
    ...(item.disputeReason === undefined ? {} : { disputeReason: String(item.disputeReason) }),
    stepsSent: item.stepsSent instanceof Set ? new Set([...item.stepsSent].map(String)) : new Set(),
    feeCharged: item.feeCharged === true,
  };
}

function appliedPayment(item: Item): AppliedPayment {
  const p = JSON.parse(String(item.data)) as Item;
  return { paymentId: String(p.paymentId), amount: new Dec(String(p.amount)), receivedOn: String(p.receivedOn) };
}

function discrepancyItem(d: StoredDiscrepancy): Item {
  return { PK: 'DISC', SK: d.id, status: d.status, GSI2PK: `DISC#${d.status}`, GSI2SK: `${d.period}#${d.id}`, data: encode(d) };
}

function outboxItem(entry: OutboxEntry): Item {
  return { PK: 'OUTBOX', SK: entry.key, status: entry.status, date: entry.date, data: encode(entry) };
}
