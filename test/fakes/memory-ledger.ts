/**
 * The ledger in memory, for fast use-case tests without DynamoDB Local: one Map per kind of
 * item, honouring the contracts of the ports (functions/app/ports.ts) as DynamoDbLedger does —
 * conditional puts refuse duplicates, a transaction changes nothing unless every condition
 * holds, numbers are reserved once per period, a payment is recorded on the totals it was read
 * with, a send lease expires. Values are stored as the codec's JSON (codec.ts) and revived on
 * read, so a caller never shares an object with the store. test/adapters/ledger-contract.test.ts
 * runs the same contract checks against this and the DynamoDB adapter.
 */
import type { BooksKind, BooksRecord, BooksSystemName } from '../../functions/app/books-ports.js';
import {
  auditKey,
  auditKeyHash,
  auditSortKey,
  inAuditRange,
  type AuditEntry,
  type AuditQuery,
} from '../../functions/app/audit-ports.js';
import {
  encode,
  reviveClientCredit,
  reviveCreditNote,
  reviveAutoPay,
  reviveCharge,
  reviveDiscrepancy,
  reviveInvoice,
  reviveLateFee,
  revivePayment,
  reviveReference,
} from '../../functions/app/codec.js';
import { applyClosure, changeStatus } from '../../functions/app/discrepancy-closure.js';
import type {
  CreditNoteBook,
  DiscrepancyClosure,
  DraftBook,
  IssueCreditNoteResult,
  IssueExtras,
  StoredCharge,
  StoredProviderEvent,
  AutoPayAttempt,
  StoredDraft,
  FileRecord,
  Ledger,
  LedgerInvoice,
  OutboxEntry,
  PayableInvoice,
  ProviderFee,
  ReconciliationRecord,
  RecordPaymentResult,
  StoredDiscrepancy,
} from '../../functions/app/ports.js';
import type { IsoDate, Period } from '../../functions/domain/dates.js';
import { compareText } from '../../functions/domain/reconcile-period.js';
import { invoiceNumber } from '../../functions/app/run-billing.js';
import type { ExpectedFeedRule } from '../../functions/domain/expected-feeds.js';
import { Dec, decimalText } from '../../functions/domain/money.js';
import type { Discrepancy } from '../../functions/domain/reconcile-period.js';
import type {
  AppliedPayment,
  Charge,
  ClientCredit,
  CreditNote,
  Invoice,
  LateFee,
  Payment,
  ReferenceData,
} from '../../functions/domain/billing-types.js';

type Json = Record<string, unknown>;

interface InvoiceRow {
  data: string;
  paid: Dec;
  paymentCount: number;
  open: boolean;
  disputedOn?: IsoDate;
  disputeReason?: string;
  voidedOn?: IsoDate;
  stepsSent: Set<string>;
  feeCharged: boolean;
}

interface OutboxRow {
  data: string;
  lease?: { owner: string; until: number };
}

const parse = (data: string): Json => JSON.parse(data) as Json;
const byKey = <T>(map: Map<string, T>): T[] =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

export class MemoryLedger implements Ledger {
  /** The rules `expectedFeeds` returns (stored by the collector state on AWS). */
  feeds: ExpectedFeedRule[] = [];

  private reference: string | undefined;
  private readonly fileClaims = new Map<string, { key: string; status: 'processing' | 'done'; data?: string }>();
  private readonly fileLog = new Map<string, { data: string; reportedIn?: Period }>();
  private readonly reconciliations = new Map<Period, string>();
  private readonly discrepancies = new Map<string, string>();
  /** Closures by discrepancy id (DiscrepancyClosure's JSON), kept apart from the discrepancies. */
  private readonly closures = new Map<string, string>();
  private readonly invoiceFor = new Map<string, string>();
  private readonly invoices = new Map<string, InvoiceRow>();
  private readonly applied = new Map<string, { invoice: string; data: string }>();
  private readonly counter = { value: 0, reserved: new Map<Period, { first: number; count: number }>() };
  private readonly payments = new Map<
    string,
    // The fee beside the data, as on DynamoDB: it can be added after the payment, once.
    {
      status: 'pending' | 'applied' | 'unapplied';
      seq: number;
      data: string;
      fee?: { amount: string; currency: string };
    }
  >();
  private readonly lateFees = new Map<string, { clientId: string; data: string; billedOn?: string }>();
  private readonly outbox = new Map<string, OutboxRow>();
  /** Charges by `${clientId}#${chargeId}`: the charge's codec JSON, and the invoice that billed it. */
  protected readonly charges = new Map<string, { data: string; invoiceNumber?: string }>();
  /** Provider events by id and auto-pay attempts by invoice number, as codec JSON. */
  protected readonly providerEvents = new Map<string, string>();
  protected readonly autoPays = new Map<string, string>();
  /** Books records by `${system}#${kind}#${key}`, as JSON. */
  protected readonly books = new Map<string, string>();
  /** Client credit by `${clientId}#${creditNote}`: the ClientCredit's codec JSON, `amount` = what is left. */
  protected readonly credits = new Map<string, { data: string }>();
  /** Credit notes by number (codec JSON), the number each request key made, and the counter. */
  private readonly creditNotes = new Map<string, string>();
  private readonly creditNoteRequests = new Map<string, string>();
  private creditNoteCounter = 0;
  private readonly sesMessages = new Map<string, string>();
  /** Drafts by `${period}#${clientId}`, as JSON (their plan entry is JSON already). */
  private readonly drafts = new Map<string, string>();
  /** Audit entries by their sort key (AuditEntry's JSON), and the hashes of the keys recorded. */
  private readonly audit = new Map<string, string>();
  private readonly auditKeys = new Set<string>();
  private paymentSeq = 0;
  private emailSeq = 0;

  /** `now` (epoch ms) dates send leases, as DynamoDbLedger's does. */
  constructor(private readonly now: () => number = Date.now) {}

  // ---- reference data ----------------------------------------------------------------------
  async saveReferenceData(reference: ReferenceData): Promise<void> {
    this.reference = encode(reference);
  }

  async loadReferenceData(): Promise<ReferenceData | undefined> {
    return this.reference === undefined ? undefined : reviveReference(parse(this.reference));
  }

  // ---- usage files ---------------------------------------------------------------------------
  async claimFile(
    sha256: string,
    _name: string,
    key: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: FileRecord | undefined; sameObject: boolean }> {
    const claim = this.fileClaims.get(sha256);
    if (!claim || (claim.status === 'processing' && claim.key === key)) {
      this.fileClaims.set(sha256, { key, status: 'processing' });
      return { claimed: true };
    }
    return {
      claimed: false,
      existing: claim.data ? (parse(claim.data) as unknown as FileRecord) : undefined,
      sameObject: claim.key === key,
    };
  }

  async completeFile(record: FileRecord): Promise<FileRecord> {
    this.fileClaims.set(record.sha256, { key: record.key ?? '', status: 'done', data: encode(record) });
    this.fileLog.set(fileLogKey(record), { ...this.fileLog.get(fileLogKey(record)), data: encode(record) });
    return record;
  }

  async recordDuplicateFile(record: FileRecord): Promise<FileRecord> {
    const existing = this.fileLog.get(fileLogKey(record));
    if (existing) return parse(existing.data) as unknown as FileRecord;
    this.fileLog.set(fileLogKey(record), { data: encode(record) });
    return record;
  }

  async unreportedFiles(): Promise<FileRecord[]> {
    return byKey(this.fileLog)
      .filter((f) => f.reportedIn === undefined)
      .map((f) => parse(f.data) as unknown as FileRecord)
      .sort((a, b) => a.ingestedOn.localeCompare(b.ingestedOn) || (a.key ?? a.name).localeCompare(b.key ?? b.name));
  }

  async markFilesReported(files: readonly FileRecord[], period: Period): Promise<void> {
    for (const file of files) {
      const row = this.fileLog.get(fileLogKey(file));
      if (row) row.reportedIn ??= period;
    }
  }

  // ---- reconciliations ------------------------------------------------------------------------
  async expectedFeeds(): Promise<readonly ExpectedFeedRule[]> {
    return this.feeds.map((rule) => ({ ...rule }));
  }

  async putReconciliation(record: ReconciliationRecord): Promise<boolean> {
    if (this.reconciliations.has(record.period)) return false;
    this.reconciliations.set(record.period, encode(record));
    return true;
  }

  async recentReconciliations(limit: number): Promise<ReconciliationRecord[]> {
    return byKey(this.reconciliations)
      .reverse()
      .slice(0, limit)
      .map((data) => parse(data) as unknown as ReconciliationRecord);
  }

  // ---- discrepancies --------------------------------------------------------------------------
  async storeDiscrepancy(discrepancy: Discrepancy, openedOn: IsoDate): Promise<boolean> {
    if (this.discrepancies.has(discrepancy.id)) return false;
    const stored: StoredDiscrepancy = { ...discrepancy, status: 'open', openedOn };
    this.discrepancies.set(discrepancy.id, encode(stored));
    return true;
  }

  async listDiscrepancies(): Promise<StoredDiscrepancy[]> {
    return byKey(this.discrepancies).map((data) => {
      const stored = reviveDiscrepancy<StoredDiscrepancy>(parse(data));
      const closure = this.closures.get(stored.id);
      return applyClosure(
        stored,
        closure === undefined ? undefined : (parse(closure) as unknown as DiscrepancyClosure),
      );
    });
  }

  async setDiscrepancyStatus(
    id: string,
    status: StoredDiscrepancy['status'],
    on: IsoDate,
    note?: string,
    by?: string,
  ): Promise<StoredDiscrepancy> {
    const data = this.discrepancies.get(id);
    if (data === undefined) throw new Error(`No discrepancy with id ${id}`);
    const next = changeStatus(reviveDiscrepancy<StoredDiscrepancy>(parse(data)), status, on, note, by);
    this.discrepancies.set(id, encode(next));
    return next;
  }

  async closeDiscrepancies(closures: readonly DiscrepancyClosure[]): Promise<void> {
    for (const closure of closures) if (!this.closures.has(closure.id)) this.closures.set(closure.id, encode(closure));
  }

  // ---- invoices --------------------------------------------------------------------------------
  async invoiceNumberFor(clientId: string, period: Period): Promise<string | undefined> {
    return this.invoiceFor.get(`${clientId}#${period}`);
  }

  async reserveInvoiceNumbers(period: Period, count: number): Promise<number> {
    const reserved = this.counter.reserved.get(period);
    if (reserved) {
      if (reserved.count !== count) {
        throw new Error(
          `The billing run of ${period} reserved ${String(reserved.count)} invoice numbers, not ${count}: its stored plan changed`,
        );
      }
      return reserved.first;
    }
    const first = this.counter.value + 1;
    this.counter.value += count;
    this.counter.reserved.set(period, { first, count });
    return first;
  }

  async issueNumberedInvoice(invoice: Invoice, lateFees: readonly LateFee[], extras?: IssueExtras): Promise<boolean> {
    const claim = `${invoice.clientId}#${extras?.claim ?? invoice.period}`;
    const feesBillable = lateFees.every((fee) => {
      const row = this.lateFees.get(lateFeeKey(fee));
      return row !== undefined && row.billedOn === undefined;
    });
    const chargeKeys = (extras?.charges ?? []).map((id) => `${invoice.clientId}#${id}`);
    const chargesBillable = chargeKeys.every((key) => {
      const row = this.charges.get(key);
      return row !== undefined && row.invoiceNumber === undefined;
    });
    const spends = (extras?.credits ?? []).map((c) => {
      const key = `${c.clientId}#${c.creditNote}`;
      const row = this.credits.get(key);
      const left = row ? new Dec(String(parse(row.data).amount)) : new Dec(0);
      return { key, row, after: left.minus(c.amount) };
    });
    const tooMuch = spends.find((s) => s.after.lessThan(0));
    if (
      this.invoiceFor.has(claim) ||
      this.invoices.has(invoice.number) ||
      !feesBillable ||
      !chargesBillable ||
      tooMuch !== undefined
    ) {
      const existing = this.invoiceFor.get(claim);
      if (existing === invoice.number) return false;
      if (existing !== undefined)
        throw new Error(
          `${invoice.clientId} already has invoice ${existing} for ${extras?.claim ?? invoice.period}; ${invoice.number} was not issued`,
        );
      throw new Error(`Transaction cancelled: invoice ${invoice.number} or its late fees`);
    }
    this.invoiceFor.set(claim, invoice.number);
    this.invoices.set(invoice.number, {
      data: encode(invoice),
      paid: new Dec(0),
      paymentCount: 0,
      open: invoice.total.greaterThan(0),
      stepsSent: new Set(),
      feeCharged: false,
    });
    for (const fee of lateFees) this.lateFees.get(lateFeeKey(fee))!.billedOn = invoice.number;
    for (const key of chargeKeys) this.charges.get(key)!.invoiceNumber = invoice.number;
    for (const spend of spends)
      if (spend.row) spend.row.data = encode({ ...parse(spend.row.data), amount: spend.after.toString() });
    return true;
  }

  async getInvoice(number: string): Promise<LedgerInvoice | undefined> {
    const row = this.invoices.get(number);
    return row ? this.ledgerInvoice(row) : undefined;
  }

  async listInvoices(options?: { openOnly?: boolean }): Promise<LedgerInvoice[]> {
    return byKey(this.invoices)
      .filter((row) => !options?.openOnly || row.open)
      .map((row) => this.ledgerInvoice(row));
  }

  async disputeInvoice(number: string, on: IsoDate, reason?: string): Promise<void> {
    const row = this.invoices.get(number);
    if (!row) throw new Error(`The conditional request failed: no invoice ${number}`);
    row.disputedOn ??= on;
    if (reason !== undefined && reason !== '') row.disputeReason ??= reason;
  }

  // ---- payments --------------------------------------------------------------------------------
  async addPayments(payments: readonly Payment[]): Promise<number> {
    let added = 0;
    for (const payment of payments) {
      this.paymentSeq += 1; // taken before the conditional put, as on DynamoDB
      if (this.payments.has(payment.paymentId)) continue;
      this.payments.set(payment.paymentId, {
        status: 'pending',
        seq: this.paymentSeq,
        data: encode(payment),
        ...(payment.fee !== undefined && payment.feeCurrency !== undefined
          ? { fee: { amount: decimalText(payment.fee), currency: payment.feeCurrency } }
          : {}),
      });
      added += 1;
    }
    return added;
  }

  async pendingPayments(upTo: IsoDate): Promise<Payment[]> {
    return [...this.payments.values()]
      .map((row) => ({ row, payment: storedPayment(row) }))
      .filter(({ row, payment }) => row.status === 'pending' && payment.receivedOn <= upTo)
      .sort((a, b) => a.payment.receivedOn.localeCompare(b.payment.receivedOn) || a.row.seq - b.row.seq)
      .map(({ payment }) => payment);
  }

  async recordedPayments(): Promise<Payment[]> {
    return [...this.payments.values()].filter((row) => row.status !== 'pending').map(storedPayment);
  }

  async recordPaymentFee(paymentId: string, fee: ProviderFee): Promise<'recorded' | 'known' | 'missing'> {
    const row = this.payments.get(paymentId);
    if (!row) return 'missing';
    if (row.fee) return 'known';
    row.fee = { amount: decimalText(fee.amount), currency: fee.currency };
    return 'recorded';
  }

  async paymentTarget(payment: Payment): Promise<{ pending: boolean; invoice: PayableInvoice | undefined }> {
    const row = this.invoices.get(payment.invoiceNumber);
    return {
      pending: this.payments.get(payment.paymentId)?.status === 'pending',
      invoice: row ? payable(row) : undefined,
    };
  }

  async recordPayment(
    payment: Payment,
    applied: { invoice: PayableInvoice; amount: Dec; stillOpen: boolean } | undefined,
  ): Promise<RecordPaymentResult> {
    const claim = this.payments.get(payment.paymentId);
    if (claim?.status !== 'pending') return 'duplicate';
    const number = applied?.invoice.invoice.number;
    const row = number === undefined ? undefined : this.invoices.get(number);
    if (applied && row?.paymentCount !== applied.invoice.paymentCount) return 'conflict';
    claim.status = applied ? 'applied' : 'unapplied';
    if (applied && row && number !== undefined) {
      const entry: AppliedPayment = {
        paymentId: payment.paymentId,
        amount: applied.amount,
        receivedOn: payment.receivedOn,
      };
      row.paid = applied.invoice.paid.plus(applied.amount);
      row.paymentCount = applied.invoice.paymentCount + 1;
      if (!applied.stillOpen) row.open = false;
      this.applied.set(`${number}#${payment.paymentId}`, { invoice: number, data: encode(entry) });
    }
    return 'recorded';
  }

  // ---- dunning ---------------------------------------------------------------------------------
  async recordDunning(
    steps: readonly { invoiceNumber: string; step: string }[],
    fees: readonly LateFee[],
    outbox: OutboxEntry,
  ): Promise<boolean> {
    const charged = new Set(fees.map((f) => f.invoiceNumber));
    const allowed =
      !this.outbox.has(outbox.key) &&
      steps.every(({ invoiceNumber, step }) => {
        const row = this.invoices.get(invoiceNumber);
        return row !== undefined && !row.stepsSent.has(step) && !(charged.has(invoiceNumber) && row.feeCharged);
      }) &&
      fees.every((fee) => !this.lateFees.has(lateFeeKey(fee)));
    if (!allowed) return false;
    this.outbox.set(outbox.key, { data: encode(outbox) });
    for (const { invoiceNumber, step } of steps) {
      const row = this.invoices.get(invoiceNumber)!;
      row.stepsSent.add(step);
      if (charged.has(invoiceNumber)) row.feeCharged = true;
    }
    for (const fee of fees) this.lateFees.set(lateFeeKey(fee), { clientId: fee.clientId, data: encode(fee) });
    return true;
  }

  async unbilledLateFees(clientId: string): Promise<LateFee[]> {
    return byKey(this.lateFees)
      .filter((f) => f.clientId === clientId && f.billedOn === undefined)
      .map((f) => reviveLateFee(parse(f.data)));
  }

  // ---- outbox ----------------------------------------------------------------------------------
  async putOutbox(entry: OutboxEntry): Promise<boolean> {
    if (this.outbox.has(entry.key)) return false;
    this.outbox.set(entry.key, { data: encode(entry) });
    return true;
  }

  async getOutbox(key: string): Promise<OutboxEntry | undefined> {
    const row = this.outbox.get(key);
    return row ? (parse(row.data) as unknown as OutboxEntry) : undefined;
  }

  async pendingOutbox(): Promise<OutboxEntry[]> {
    return (await this.allOutbox()).filter((e) => e.status === 'pending');
  }

  async claimSend(key: string, owner: string, leaseSeconds: number): Promise<{ sentOrder: number } | undefined> {
    const row = this.outbox.get(key);
    const now = this.now();
    if (!row || (parse(row.data) as unknown as OutboxEntry).status !== 'pending') return undefined;
    if (row.lease && row.lease.until >= now && row.lease.owner !== owner) return undefined;
    row.lease = { owner, until: now + leaseSeconds * 1000 };
    this.emailSeq += 1;
    return { sentOrder: this.emailSeq };
  }

  async markSent(entry: OutboxEntry, messageId: string, sentOrder: number): Promise<OutboxEntry> {
    const current = await this.getOutbox(entry.key);
    if (current?.status !== 'pending') {
      if (!current) throw new Error(`No outbox entry ${entry.key}`);
      return current;
    }
    const sent: OutboxEntry = { ...entry, status: 'sent', messageId, sentOrder };
    this.outbox.set(entry.key, { data: encode(sent) });
    this.sesMessages.set(messageId || `none#${entry.key}`, entry.key);
    return sent;
  }

  async sentLog(): Promise<OutboxEntry[]> {
    return (await this.allOutbox())
      .filter((e) => e.status !== 'pending')
      .sort((a, b) => (a.sentOrder ?? 0) - (b.sentOrder ?? 0));
  }

  async markBounced(messageId: string): Promise<OutboxEntry | undefined> {
    const key = this.sesMessages.get(messageId);
    if (key === undefined) return undefined;
    const entry = await this.getOutbox(key);
    if (!entry || entry.status === 'bounced') return entry;
    const bounced: OutboxEntry = { ...entry, status: 'bounced' };
    this.outbox.set(key, { data: encode(bounced) });
    if (entry.kind === 'dunning') {
      for (const i of entry.invoices) if (i.step) this.invoices.get(i.number)?.stepsSent.delete(i.step);
    }
    return bounced;
  }

  // ---- drafts ------------------------------------------------------------------------------------
  async saveDrafts(drafts: readonly StoredDraft[]): Promise<StoredDraft[]> {
    for (const draft of drafts) {
      const key = draftKey(draft.period, draft.clientId);
      const current = this.draftRow(key);
      if (current?.status === 'approved') continue;
      // A replaced draft keeps when it was first stored (how long it waits) and its hold.
      const kept = {
        ...(current ? { createdOn: current.createdOn } : {}),
        ...(current?.status === 'held'
          ? { status: 'held' as const, holdReason: current.holdReason, by: current.by }
          : { status: 'pending' as const }),
      };
      const { holdReason: _r, by: _b, number: _n, approvedOn: _a, ...rest } = draft;
      this.drafts.set(key, JSON.stringify({ ...rest, ...kept }));
    }
    const periods = new Set(drafts.map((d) => d.period));
    return (await this.listDrafts()).filter((d) => periods.has(d.period));
  }

  async listDrafts(period?: Period): Promise<StoredDraft[]> {
    return byKey(this.drafts)
      .map((data) => JSON.parse(data) as StoredDraft)
      .filter((d) => period === undefined || d.period === period);
  }

  async holdDraft(period: Period, clientId: string, reason: string, _on: IsoDate, by: string): Promise<StoredDraft> {
    const key = draftKey(period, clientId);
    const current = this.draftRow(key);
    if (!current) throw new Error(`No draft of ${clientId} for ${period}`);
    if (current.status === 'approved')
      throw new Error(
        `The draft of ${clientId} for ${period} is approved (${current.number ?? '?'}): it cannot be held`,
      );
    const held: StoredDraft = { ...current, status: 'held', holdReason: reason, by };
    this.drafts.set(key, JSON.stringify(held));
    return held;
  }

  async approveDrafts(input: Parameters<DraftBook['approveDrafts']>[0]): Promise<StoredDraft[]> {
    const ids = [...new Set(input.clientIds)].sort(compareText);
    const rows = ids.map((clientId) => {
      const row = this.draftRow(draftKey(input.period, clientId));
      if (!row) throw new Error(`No draft of ${clientId} for ${input.period}`);
      return row;
    });
    let next = this.counter.value;
    for (const row of rows) {
      if (row.status === 'approved') continue;
      next += 1;
      const approved: StoredDraft = {
        ...row,
        status: 'approved',
        number: invoiceNumber(input.prefix, input.on, next),
        approvedOn: input.on,
        by: input.by,
      };
      this.drafts.set(draftKey(row.period, row.clientId), JSON.stringify(approved));
    }
    this.counter.value = next;
    return ids.map((clientId) => this.draftRow(draftKey(input.period, clientId))!);
  }

  private draftRow(key: string): StoredDraft | undefined {
    const data = this.drafts.get(key);
    return data === undefined ? undefined : (JSON.parse(data) as StoredDraft);
  }

  // ---- charges -----------------------------------------------------------------------------------
  async addCharge(charge: Charge): Promise<boolean> {
    // One id once, whatever the client (DynamoDB guards the id with an item of its own).
    if ([...this.charges.values()].some((row) => parse(row.data).chargeId === charge.chargeId)) return false;
    this.charges.set(`${charge.clientId}#${charge.chargeId}`, { data: encode(charge) });
    return true;
  }

  async unbilledCharges(clientId: string): Promise<StoredCharge[]> {
    return (await this.listCharges()).filter((c) => c.clientId === clientId && c.invoiceNumber === undefined);
  }

  async listCharges(): Promise<StoredCharge[]> {
    return [...this.charges.keys()]
      .map((key) => this.chargeAt(key)!)
      .sort((a, b) => compareCodePoints(a.date, b.date) || compareCodePoints(a.chargeId, b.chargeId));
  }

  private chargeAt(key: string): StoredCharge | undefined {
    const row = this.charges.get(key);
    if (!row) return undefined;
    const charge = reviveCharge<StoredCharge>(parse(row.data));
    return row.invoiceNumber === undefined ? charge : { ...charge, invoiceNumber: row.invoiceNumber };
  }

  // ---- provider events and auto-pay -----------------------------------------------------------
  async recordProviderEvent(event: StoredProviderEvent): Promise<boolean> {
    if (this.providerEvents.has(event.id)) return false;
    this.providerEvents.set(event.id, encode(event));
    return true;
  }

  async getProviderEvent(id: string): Promise<StoredProviderEvent | undefined> {
    const data = this.providerEvents.get(id);
    return data === undefined ? undefined : (JSON.parse(data) as StoredProviderEvent);
  }

  async listProviderEvents(): Promise<StoredProviderEvent[]> {
    return [...this.providerEvents.keys()]
      .sort(compareCodePoints)
      .map((id) => JSON.parse(this.providerEvents.get(id)!) as StoredProviderEvent);
  }

  async getAutoPay(invoiceNumber: string): Promise<AutoPayAttempt | undefined> {
    const data = this.autoPays.get(invoiceNumber);
    return data === undefined ? undefined : reviveAutoPay(parse(data));
  }

  async recordAutoPay(attempt: AutoPayAttempt): Promise<boolean> {
    if (this.autoPays.has(attempt.invoiceNumber)) return false;
    this.autoPays.set(attempt.invoiceNumber, encode(attempt));
    return true;
  }

  async listAutoPays(): Promise<AutoPayAttempt[]> {
    return [...this.autoPays.keys()].sort(compareCodePoints).map((n) => reviveAutoPay(parse(this.autoPays.get(n)!)));
  }

  // ---- books ------------------------------------------------------------------------------------
  async getBooksRecord(system: BooksSystemName, kind: BooksKind, key: string): Promise<BooksRecord | undefined> {
    const data = this.books.get(`${system}#${kind}#${key}`);
    return data === undefined ? undefined : (JSON.parse(data) as BooksRecord);
  }

  async putBooksRecord(record: BooksRecord): Promise<boolean> {
    const id = `${record.system}#${record.kind}#${record.key}`;
    const existing = this.books.get(id);
    if (existing !== undefined && (JSON.parse(existing) as BooksRecord).status === 'published') return false;
    this.books.set(id, encode(record));
    return true;
  }

  async markBooksReported(system: BooksSystemName, kind: BooksKind, key: string, on: IsoDate): Promise<void> {
    const id = `${system}#${kind}#${key}`;
    const existing = this.books.get(id);
    if (existing !== undefined)
      this.books.set(id, encode({ ...(JSON.parse(existing) as BooksRecord), reportedOn: on }));
  }

  async listBooksRecords(system: BooksSystemName): Promise<BooksRecord[]> {
    return [...this.books.keys()]
      .filter((id) => id.startsWith(`${system}#`))
      .sort(compareCodePoints)
      .map((id) => JSON.parse(this.books.get(id)!) as BooksRecord);
  }

  // ---- credit notes ----------------------------------------------------------------------------
  async issueCreditNote(input: Parameters<CreditNoteBook['issueCreditNote']>[0]): Promise<IssueCreditNoteResult> {
    const earlier = this.creditNoteRequests.get(input.requestKey);
    if (earlier !== undefined) return { result: 'duplicate', note: (await this.getCreditNote(earlier))! };
    const number = input.invoice.invoice.number;
    const row = this.invoices.get(number);
    if (!row) throw new Error(`Transaction cancelled: no invoice ${number}`);
    if (row.paymentCount !== input.invoice.paymentCount || row.voidedOn !== undefined) return { result: 'conflict' };
    this.creditNoteCounter += 1;
    const note: CreditNote = {
      ...input.note,
      number: `${input.prefix}-${input.note.issueDate.slice(0, 4)}-${String(this.creditNoteCounter).padStart(6, '0')}`,
    };
    this.creditNotes.set(note.number, encode(note));
    this.creditNoteRequests.set(input.requestKey, note.number);
    if (note.applied.greaterThan(0)) {
      const entry: AppliedPayment = {
        paymentId: note.number,
        amount: note.applied,
        receivedOn: note.issueDate,
        creditNote: note.number,
      };
      row.paid = input.invoice.paid.plus(note.applied);
      row.paymentCount = input.invoice.paymentCount + 1;
      this.applied.set(`${number}#${note.number}`, { invoice: number, data: encode(entry) });
    }
    const settled = !row.paid.lessThan(input.invoice.invoice.total);
    if (note.void) row.voidedOn = note.issueDate;
    if (note.void || settled) row.open = false;
    if (note.clientCredit.greaterThan(0)) {
      const credit: ClientCredit = {
        creditNote: note.number,
        clientId: note.clientId,
        currency: note.currency,
        amount: note.clientCredit,
        issuedOn: note.issueDate,
      };
      this.credits.set(`${note.clientId}#${note.number}`, { data: encode(credit) });
    }
    return { result: 'issued', note };
  }

  async getCreditNote(number: string): Promise<CreditNote | undefined> {
    const data = this.creditNotes.get(number);
    return data === undefined ? undefined : reviveCreditNote(parse(data));
  }

  async creditNoteOfRequest(requestKey: string): Promise<CreditNote | undefined> {
    const number = this.creditNoteRequests.get(requestKey);
    return number === undefined ? undefined : this.getCreditNote(number);
  }

  async listCreditNotes(): Promise<CreditNote[]> {
    return byKey(this.creditNotes).map((data) => reviveCreditNote(parse(data)));
  }

  async clientCredits(clientId: string): Promise<ClientCredit[]> {
    return byKey(this.credits)
      .map((row) => reviveClientCredit(parse(row.data)))
      .filter((c) => c.clientId === clientId && c.amount.greaterThan(0))
      .sort((a, b) => a.issuedOn.localeCompare(b.issuedOn) || a.creditNote.localeCompare(b.creditNote));
  }

  // ---- helpers ---------------------------------------------------------------------------------
  private async allOutbox(): Promise<OutboxEntry[]> {
    return byKey(this.outbox).map((row) => parse(row.data) as unknown as OutboxEntry);
  }

  private ledgerInvoice(row: InvoiceRow): LedgerInvoice {
    const { invoice, paid, paymentCount } = payable(row);
    const payments = byKey(this.applied)
      .filter((a) => a.invoice === invoice.number)
      .map((a) => {
        const p = parse(a.data);
        return {
          paymentId: String(p.paymentId),
          amount: new Dec(String(p.amount)),
          receivedOn: String(p.receivedOn),
          ...(p.creditNote === undefined ? {} : { creditNote: String(p.creditNote) }),
        };
      });
    return {
      invoice,
      paid,
      paymentCount,
      payments,
      disputedOn: row.disputedOn,
      ...(row.voidedOn === undefined ? {} : { voidedOn: row.voidedOn }),
      ...(row.disputeReason === undefined ? {} : { disputeReason: row.disputeReason }),
      stepsSent: new Set(row.stepsSent),
      feeCharged: row.feeCharged,
    };
  }

  // ---- audit log ---------------------------------------------------------------------------
  async recordAudit(entry: AuditEntry): Promise<void> {
    const hash = auditKeyHash(entry);
    if (this.auditKeys.has(hash)) return;
    this.auditKeys.add(hash);
    this.audit.set(auditSortKey(entry), JSON.stringify({ ...entry, key: auditKey(entry) }));
  }

  async listAudit(options: AuditQuery = {}): Promise<AuditEntry[]> {
    return byKey(this.audit)
      .reverse()
      .map((data) => JSON.parse(data) as AuditEntry)
      .filter((e) => inAuditRange(e.at, options))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY);
  }
}

function payable(row: InvoiceRow): PayableInvoice {
  return { invoice: reviveInvoice(parse(row.data)), paid: row.paid, paymentCount: row.paymentCount };
}

/** As DynamoDbLedger keys its FILELOG items: one per content, one per later inbox object with it. */
function fileLogKey(file: FileRecord): string {
  return file.duplicateOf === undefined ? `FILE#${file.sha256}` : `DUP#${file.sha256}#${file.key ?? file.name}`;
}

function draftKey(period: Period, clientId: string): string {
  return `${period}#${clientId}`;
}

function lateFeeKey(fee: Pick<LateFee, 'clientId' | 'invoiceNumber'>): string {
  return `${fee.clientId}#${fee.invoiceNumber}`;
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stored payment with the fee kept beside it (added with the payment, or later). */
function storedPayment(row: { data: string; fee?: { amount: string; currency: string } }): Payment {
  const payment = revivePayment(parse(row.data));
  return row.fee ? { ...payment, fee: new Dec(row.fee.amount), feeCurrency: row.fee.currency } : payment;
}
