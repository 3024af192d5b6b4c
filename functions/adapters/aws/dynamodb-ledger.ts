/**
 * The ledger on one DynamoDB table (single-table design; see docs/data-model.md), composed of
 * one store per aggregate (./ledger/: reference data, usage files, reconciliations,
 * discrepancies, invoices, payments, dunning, outbox) over the shared table helper
 * (./ledger/table.ts).
 *
 * Uniqueness is decided by business keys with conditional writes, so every method is safe to
 * retry: a file is its sha256, an invoice its (client, period), a payment its id, a dunning
 * step (invoice, step), a late fee its invoice, a discrepancy its deterministic id, an email
 * its outbox key. Invoice numbers come from a counter updated in the same transaction that
 * writes the invoice, so no number is skipped or reused. An applied payment is an item of its
 * own; the invoice keeps only running totals (paid, payment count), so it stays small however
 * many payments it takes.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ledger } from '../../app/ports.js';
import { DynamoDbReferenceData } from './ledger/reference-data.js';
import { DynamoDbUsageFiles } from './ledger/usage-files.js';
import { DynamoDbReconciliations } from './ledger/reconciliations.js';
import { DynamoDbDiscrepancies } from './ledger/discrepancies.js';
import { DynamoDbInvoices } from './ledger/invoices.js';
import { DynamoDbPayments } from './ledger/payments.js';
import { DynamoDbDunning } from './ledger/dunning.js';
import { DynamoDbOutbox } from './ledger/outbox.js';
import { DynamoDbDrafts } from './ledger/drafts.js';
import { DynamoDbCharges } from './ledger/charges.js';
import { DynamoDbProviderPayments } from './ledger/provider-payments.js';
import { DynamoDbCreditNotes } from './ledger/credit-notes.js';
import { DynamoDbBooks } from './ledger/books.js';
import { DynamoDbAudit } from './ledger/audit.js';

// The bench seeds invoices in the ledger's own shape.
export { invoiceItem } from './ledger/items.js';

export class DynamoDbLedger implements Ledger {
  private readonly referenceData: DynamoDbReferenceData;
  private readonly usageFiles: DynamoDbUsageFiles;
  private readonly reconciliations: DynamoDbReconciliations;
  private readonly discrepancies: DynamoDbDiscrepancies;
  private readonly invoices: DynamoDbInvoices;
  private readonly payments: DynamoDbPayments;
  private readonly dunning: DynamoDbDunning;
  private readonly outbox: DynamoDbOutbox;
  private readonly drafts: DynamoDbDrafts;
  private readonly charges: DynamoDbCharges;
  private readonly providerPayments: DynamoDbProviderPayments;
  private readonly creditNotes: DynamoDbCreditNotes;
  private readonly books: DynamoDbBooks;
  private readonly audit: DynamoDbAudit;

  /** `now` (epoch ms) dates send leases; tests pass their own clock. */
  constructor(db: DynamoDBDocumentClient, table: string, now: () => number = Date.now) {
    this.referenceData = new DynamoDbReferenceData(db, table);
    this.usageFiles = new DynamoDbUsageFiles(db, table);
    this.reconciliations = new DynamoDbReconciliations(db, table);
    this.discrepancies = new DynamoDbDiscrepancies(db, table);
    this.invoices = new DynamoDbInvoices(db, table);
    this.payments = new DynamoDbPayments(db, table);
    this.dunning = new DynamoDbDunning(db, table);
    this.outbox = new DynamoDbOutbox(db, table, now);
    this.drafts = new DynamoDbDrafts(db, table);
    this.charges = new DynamoDbCharges(db, table);
    this.providerPayments = new DynamoDbProviderPayments(db, table);
    this.creditNotes = new DynamoDbCreditNotes(db, table);
    this.books = new DynamoDbBooks(db, table);
    this.audit = new DynamoDbAudit(db, table);
  }

  // Each method is its aggregate store's, unchanged: the same requests, items and conditions.
  readonly saveReferenceData: Ledger['saveReferenceData'] = (...args) => this.referenceData.saveReferenceData(...args);
  readonly loadReferenceData: Ledger['loadReferenceData'] = (...args) => this.referenceData.loadReferenceData(...args);

  readonly claimFile: Ledger['claimFile'] = (...args) => this.usageFiles.claimFile(...args);
  readonly completeFile: Ledger['completeFile'] = (...args) => this.usageFiles.completeFile(...args);
  readonly recordDuplicateFile: Ledger['recordDuplicateFile'] = (...args) =>
    this.usageFiles.recordDuplicateFile(...args);
  readonly unreportedFiles: Ledger['unreportedFiles'] = (...args) => this.usageFiles.unreportedFiles(...args);
  readonly markFilesReported: Ledger['markFilesReported'] = (...args) => this.usageFiles.markFilesReported(...args);

  readonly expectedFeeds: Ledger['expectedFeeds'] = (...args) => this.reconciliations.expectedFeeds(...args);
  readonly putReconciliation: Ledger['putReconciliation'] = (...args) =>
    this.reconciliations.putReconciliation(...args);
  readonly recentReconciliations: Ledger['recentReconciliations'] = (...args) =>
    this.reconciliations.recentReconciliations(...args);

  readonly storeDiscrepancy: Ledger['storeDiscrepancy'] = (...args) => this.discrepancies.storeDiscrepancy(...args);
  readonly listDiscrepancies: Ledger['listDiscrepancies'] = (...args) => this.discrepancies.listDiscrepancies(...args);
  readonly setDiscrepancyStatus: Ledger['setDiscrepancyStatus'] = (...args) =>
    this.discrepancies.setDiscrepancyStatus(...args);
  readonly closeDiscrepancies: Ledger['closeDiscrepancies'] = (...args) =>
    this.discrepancies.closeDiscrepancies(...args);

  readonly invoiceNumberFor: Ledger['invoiceNumberFor'] = (...args) => this.invoices.invoiceNumberFor(...args);
  readonly reserveInvoiceNumbers: Ledger['reserveInvoiceNumbers'] = (...args) =>
    this.invoices.reserveInvoiceNumbers(...args);
  readonly issueNumberedInvoice: Ledger['issueNumberedInvoice'] = (...args) =>
    this.invoices.issueNumberedInvoice(...args);
  readonly getInvoice: Ledger['getInvoice'] = (...args) => this.invoices.getInvoice(...args);
  readonly listInvoices: Ledger['listInvoices'] = (...args) => this.invoices.listInvoices(...args);
  readonly disputeInvoice: Ledger['disputeInvoice'] = (...args) => this.invoices.disputeInvoice(...args);

  readonly addPayments: Ledger['addPayments'] = (...args) => this.payments.addPayments(...args);
  readonly pendingPayments: Ledger['pendingPayments'] = (...args) => this.payments.pendingPayments(...args);
  readonly recordedPayments: Ledger['recordedPayments'] = () => this.payments.recordedPayments();
  readonly paymentTarget: Ledger['paymentTarget'] = (...args) => this.payments.paymentTarget(...args);
  readonly recordPayment: Ledger['recordPayment'] = (...args) => this.payments.recordPayment(...args);
  readonly recordPaymentFee: Ledger['recordPaymentFee'] = (...args) => this.payments.recordPaymentFee(...args);

  readonly recordDunning: Ledger['recordDunning'] = (...args) => this.dunning.recordDunning(...args);
  readonly unbilledLateFees: Ledger['unbilledLateFees'] = (...args) => this.dunning.unbilledLateFees(...args);

  readonly putOutbox: Ledger['putOutbox'] = (...args) => this.outbox.putOutbox(...args);
  readonly getOutbox: Ledger['getOutbox'] = (...args) => this.outbox.getOutbox(...args);
  readonly pendingOutbox: Ledger['pendingOutbox'] = (...args) => this.outbox.pendingOutbox(...args);
  readonly claimSend: Ledger['claimSend'] = (...args) => this.outbox.claimSend(...args);
  readonly markSent: Ledger['markSent'] = (...args) => this.outbox.markSent(...args);
  readonly sentLog: Ledger['sentLog'] = (...args) => this.outbox.sentLog(...args);
  readonly markBounced: Ledger['markBounced'] = (...args) => this.outbox.markBounced(...args);

  readonly saveDrafts: Ledger['saveDrafts'] = (...args) => this.drafts.saveDrafts(...args);
  readonly listDrafts: Ledger['listDrafts'] = (...args) => this.drafts.listDrafts(...args);
  readonly holdDraft: Ledger['holdDraft'] = (...args) => this.drafts.holdDraft(...args);
  readonly approveDrafts: Ledger['approveDrafts'] = (...args) => this.drafts.approveDrafts(...args);

  readonly addCharge: Ledger['addCharge'] = (...args) => this.charges.addCharge(...args);
  readonly unbilledCharges: Ledger['unbilledCharges'] = (...args) => this.charges.unbilledCharges(...args);
  readonly listCharges: Ledger['listCharges'] = (...args) => this.charges.listCharges(...args);

  readonly recordProviderEvent: Ledger['recordProviderEvent'] = (...args) =>
    this.providerPayments.recordProviderEvent(...args);
  readonly getProviderEvent: Ledger['getProviderEvent'] = (...args) => this.providerPayments.getProviderEvent(...args);
  readonly listProviderEvents: Ledger['listProviderEvents'] = (...args) =>
    this.providerPayments.listProviderEvents(...args);
  readonly getAutoPay: Ledger['getAutoPay'] = (...args) => this.providerPayments.getAutoPay(...args);
  readonly recordAutoPay: Ledger['recordAutoPay'] = (...args) => this.providerPayments.recordAutoPay(...args);
  readonly listAutoPays: Ledger['listAutoPays'] = (...args) => this.providerPayments.listAutoPays(...args);

  readonly issueCreditNote: Ledger['issueCreditNote'] = (...args) => this.creditNotes.issueCreditNote(...args);
  readonly getCreditNote: Ledger['getCreditNote'] = (...args) => this.creditNotes.getCreditNote(...args);
  readonly listCreditNotes: Ledger['listCreditNotes'] = (...args) => this.creditNotes.listCreditNotes(...args);

  readonly getBooksRecord: Ledger['getBooksRecord'] = (...args) => this.books.getBooksRecord(...args);
  readonly putBooksRecord: Ledger['putBooksRecord'] = (...args) => this.books.putBooksRecord(...args);
  readonly listBooksRecords: Ledger['listBooksRecords'] = (...args) => this.books.listBooksRecords(...args);
  readonly markBooksReported: Ledger['markBooksReported'] = (...args) => this.books.markBooksReported(...args);
  readonly creditNoteOfRequest: Ledger['creditNoteOfRequest'] = (...args) =>
    this.creditNotes.creditNoteOfRequest(...args);
  readonly clientCredits: Ledger['clientCredits'] = (...args) => this.creditNotes.clientCredits(...args);

  readonly recordAudit: Ledger['recordAudit'] = (...args) => this.audit.recordAudit(...args);
  readonly listAudit: Ledger['listAudit'] = (...args) => this.audit.listAudit(...args);
}
