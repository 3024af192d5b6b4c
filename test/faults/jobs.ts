/**
 * The jobs under test and the state before each: one timeline of the demo data folder
 * (examples/acme-it), played on an installation "base" exactly as `trueup simulate` plays it,
 * forked into one snapshot installation just before each job.
 *
 * | job              | what runs (one attempt; a retry re-runs all of it)                       | snapshot taken |
 * | ---------------- | ------------------------------------------------------------------------ | -------------- |
 * | ingest           | ingestUsageFile of a new file (Microsoft NCE 2026-01)                    | every other file ingested |
 * | ingest-duplicate | ingestUsageFile of a byte copy of an ingested file under another name    | same |
 * | payments-import  | importPayments of payments/*.csv                                         | reference data only |
 * | payments         | applyDuePayments on 2026-02-09 (3 payments + one to an unknown invoice), drain the discrepancy queue | start of 2026-02-09 |
 * | dunning          | runDunning on 2026-02-14 (two emails, two late fees) + drain work queue | after 2026-02-14's payments |
 * | billing          | runBilling 2026-03-01 + drain work queue + drain discrepancy queue + sendReconciliationReport | after 2026-03-01's payments and dunning |
 * | charge-billing   | the billing job, with a one-off charge to bill                          | billing's, plus the charge |
 * | approval         | approveDrafts of every draft of 2026-02 on 2026-03-03 + drain work queue | billing's run in hold mode (drafts stored) |
 * | credit-note      | issueCreditNote of 10.00 on an open invoice (email included)            | after the billing job |
 * | void             | voidInvoice of an invoice with nothing paid (email included)            | after the billing job |
 * | auto-pay         | runAutoPay on 2026-03-02 (issue-date auto-pay: one charged, one declined, one over its cap) + drain both queues | after the billing job, payments on |
 * | webhook          | seven signed provider deliveries (payment twice, partial payment, refund, failure, dispute, unknown invoice) + drain both queues | after the billing job, payments on |
 * | books            | publishBooks on 2026-03-02 to the fake accounting system (March's invoices, a credit note, one invoice refused, one with another total: the books_refused email); its calls faulted too | after the billing job, publishing on from 2026-02-01, February already published |
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { applyDuePayments, importPayments } from '../../functions/app/apply-payments.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import { sendAgingReport, sendReconciliationReport } from '../../functions/app/send-reports.js';
import { storeDiscrepancy } from '../../functions/app/store-discrepancy.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../../functions/app/messages.js';
import { readDataFolder } from '../../functions/adapters/local/read-data-folder.js';
import type { EmbeddedAws } from '../../functions/adapters/local/embedded-aws.js';
import { eachDay, isoWeekday, type IsoDate } from '../../functions/domain/dates.js';
import { Dec } from '../../functions/domain/money.js';
import type { Payment, ReferenceData } from '../../functions/domain/billing-types.js';
import { formatProblems } from '../../functions/domain/reference/index.js';
import { provisionLocal, type LocalInstallation } from '../../functions/local-runner/local-runtime.js';
import { inboxKey } from '../../functions/app/bucket-layout.js';
import { forkInstallation } from './state.js';
import { approveDrafts } from '../../functions/app/review-drafts.js';
import { issueCreditNote, voidInvoice } from '../../functions/app/credit-notes.js';
import { addCharge } from '../../functions/app/charges.js';
import { handleWebhookDelivery } from '../../functions/app/provider-events.js';
import { runAutoPay } from '../../functions/app/auto-pay.js';
import type { ProviderEvent } from '../../functions/app/ports.js';
import { FakePaymentProvider, fakeDelivery } from '../fakes/fake-payment-provider.js';
import { FakeAccountingSystem } from '../fakes/fake-accounting-system.js';
import { publishBooks, type PublishBooksDeps } from '../../functions/app/publish-books.js';
import type { AccountingSystem } from '../../functions/app/books-ports.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';
import { injectorOf, type FaultInjector } from './inject.js';

export type JobName =
  | 'ingest'
  | 'ingest-duplicate'
  | 'payments-import'
  | 'payments'
  | 'dunning'
  | 'billing'
  | 'charge-billing'
  | 'approval'
  | 'credit-note'
  | 'void'
  | 'webhook'
  | 'auto-pay'
  | 'books';
export const JOB_NAMES: readonly JobName[] = [
  'ingest',
  'ingest-duplicate',
  'payments-import',
  'payments',
  'dunning',
  'billing',
  'charge-billing',
  'approval',
  'credit-note',
  'void',
  'webhook',
  'auto-pay',
  'books',
];
/** The jobs that start from the billing job's snapshot. */
const AFTER_BILLING: readonly JobName[] = [
  'billing',
  'charge-billing',
  'approval',
  'credit-note',
  'void',
  'webhook',
  'auto-pay',
  'books',
];
const APPROVAL_DAY: IsoDate = '2026-03-03';
const FAULT_ACTOR = 'faults';

export interface Job {
  readonly name: JobName;
  /** The installation holding the state before the job (never run on: forked per scenario). */
  readonly snapshot: LocalInstallation;
  run(installation: LocalInstallation): Promise<void>;
  /** The state of the outside ports the job changed (the books' documents), compared like the table's items. */
  outside?(installation: LocalInstallation): Record<string, string>;
}

const FROM: IsoDate = '2026-01-01';
const PAYMENTS_DAY: IsoDate = '2026-02-09';
const DUNNING_DAY: IsoDate = '2026-02-14';
const BILLING_DAY: IsoDate = '2026-03-01';
const INGEST_FILE = 'microsoft-nce-reconciliation-2026-01.csv';
const DUPLICATE_OF = 'pax8-invoice-items-2026-01.csv';
const DUPLICATE_KEY = inboxKey('pax8-invoice-items-2026-01 (copy).csv');

/** A payment for an invoice that does not exist: an `unapplied_payment` discrepancy on PAYMENTS_DAY. */
export const UNKNOWN_INVOICE_PAYMENT: Payment = {
  paymentId: 'PAY-FAULT-UNKNOWN',
  invoiceNumber: 'INV-2026-999999',
  amount: new Dec('125.00'),
  currency: 'USD',
  receivedOn: PAYMENTS_DAY,
  method: 'ach',
};

export async function drainDiscrepancies(installation: LocalInstallation): Promise<void> {
  await installation.drain(installation.queues.discrepancies, DiscrepancyMessageSchema, async (message) => {
    await storeDiscrepancy(installation.deps, message);
  });
}

/** The billing job as runDay runs it on the 1st. */
export async function billingJob(installation: LocalInstallation, day: IsoDate = BILLING_DAY): Promise<void> {
  const { deps } = installation;
  await runBilling(deps, { today: day });
  await installation.drain(installation.queues.work, WorkMessageSchema, (message) => handleWorkMessage(deps, message));
  await drainDiscrepancies(installation);
  await sendReconciliationReport(deps, { today: day });
}

/** The dunning run and the invoice workers that send its emails. */
export async function dunningJob(installation: LocalInstallation, day: IsoDate = DUNNING_DAY): Promise<void> {
  await runDunning(installation.deps, { today: day });
  await installation.drain(installation.queues.work, WorkMessageSchema, (message) =>
    handleWorkMessage(installation.deps, message),
  );
}

export interface Timeline {
  readonly jobs: Job[];
  readonly reference: ReferenceData;
  readonly payments: readonly Payment[];
  /** Seconds spent building the snapshots. */
  readonly setupSeconds: number;
  /** Removes the base and every snapshot. */
  installations(): LocalInstallation[];
}

/**
 * Plays the demo timeline on "base" and forks a snapshot before each job. `only` limits the
 * work to what the listed jobs need (the billing and dunning snapshots need the whole timeline).
 */
export async function buildTimeline(
  aws: EmbeddedAws,
  data: string,
  only: readonly JobName[] = JOB_NAMES,
): Promise<Timeline> {
  const started = performance.now();
  const folder = await readDataFolder(data);
  if (!folder.ok) throw new Error(`The data folder ${data} has problems:\n${formatProblems(folder.problems)}`);
  const { reference, payments, usageFiles } = folder.value;
  const base = await provisionLocal(aws, 'fault-base');
  const all: LocalInstallation[] = [base];
  const snapshots = new Map<JobName, LocalInstallation>();
  const fork = async (name: string, from: LocalInstallation = base): Promise<LocalInstallation> => {
    const snapshot = await forkInstallation(aws, from, `fault-snap-${name}`);
    all.push(snapshot);
    return snapshot;
  };
  const { deps } = base;
  await deps.ledger.saveReferenceData(reference);
  if (only.includes('payments-import')) snapshots.set('payments-import', await fork('payments-import'));

  const needIngest = only.includes('ingest') || only.includes('ingest-duplicate');
  const needBilling = only.some((j) => AFTER_BILLING.includes(j));
  const needDays = needBilling || only.some((j) => j === 'payments' || j === 'dunning');
  if (needIngest || needDays) {
    const later = usageFiles.filter((p) => basename(p) === INGEST_FILE);
    for (const path of usageFiles.filter((p) => basename(p) !== INGEST_FILE)) await putAndIngest(base, path);
    if (needIngest) {
      await deps.usage.put(
        inboxKey(INGEST_FILE),
        await readFile(usageFiles.find((p) => basename(p) === INGEST_FILE) ?? INGEST_FILE),
      );
      await deps.usage.put(
        DUPLICATE_KEY,
        await readFile(usageFiles.find((p) => basename(p) === DUPLICATE_OF) ?? DUPLICATE_OF),
      );
      const snapshot = await fork('ingest');
      snapshots.set('ingest', snapshot);
      snapshots.set('ingest-duplicate', snapshot);
      await deps.usage.delete(DUPLICATE_KEY);
    }
    for (const path of later) await putAndIngest(base, path);
  }

  if (needDays) {
    await importPayments(deps, payments);
    const last = needBilling ? BILLING_DAY : only.includes('dunning') ? DUNNING_DAY : PAYMENTS_DAY;
    for (const day of eachDay(FROM, last)) {
      if (day === PAYMENTS_DAY && only.includes('payments')) {
        const snapshot = await fork('payments');
        await importPayments(snapshot.deps, [UNKNOWN_INVOICE_PAYMENT]);
        snapshots.set('payments', snapshot);
      }
      await applyDuePayments(deps, { today: day });
      if (day === DUNNING_DAY && only.includes('dunning')) snapshots.set('dunning', await fork('dunning'));
      if (day === last && last !== PAYMENTS_DAY && last !== DUNNING_DAY) {
        await dunningJob(base, day);
        snapshots.set('billing', await fork('billing'));
        break;
      }
      if (day === last) break;
      await dunningJob(base, day);
      if (day.endsWith('-01')) {
        await billingJob(base, day);
      } else {
        await drainDiscrepancies(base);
      }
      if (isoWeekday(day) === reference.settings.reports.agingWeekday)
        await sendAgingReport(deps, { asOf: day, email: true });
    }
  }

  const billed = needBilling ? await afterBillingSnapshots(snapshots, fork, only) : undefined;

  const runs: Record<JobName, (i: LocalInstallation) => Promise<void>> = {
    ingest: async (i) => {
      await ingestUsageFile(i.deps, { key: inboxKey(INGEST_FILE), today: FROM });
    },
    'ingest-duplicate': async (i) => {
      await ingestUsageFile(i.deps, { key: DUPLICATE_KEY, today: FROM });
    },
    'payments-import': async (i) => {
      await importPayments(i.deps, payments);
    },
    payments: async (i) => {
      await applyDuePayments(i.deps, { today: PAYMENTS_DAY });
      await drainDiscrepancies(i);
    },
    dunning: (i) => dunningJob(i),
    billing: (i) => billingJob(i),
    'charge-billing': (i) => billingJob(i),
    approval: async (i) => {
      await approveDrafts(i.deps, { period: '2026-02', all: true, today: APPROVAL_DAY, by: FAULT_ACTOR });
      await i.drain(i.queues.work, WorkMessageSchema, (message) => handleWorkMessage(i.deps, message));
    },
    'credit-note': async (i) => {
      await issueCreditNote(i.deps, {
        invoiceNumber: billed?.credit ?? '',
        amount: new Dec('10.00'),
        reason: 'fault sweep credit',
        today: APPROVAL_DAY,
        by: FAULT_ACTOR,
        requestKey: 'fault-credit',
      });
    },
    void: async (i) => {
      await voidInvoice(i.deps, {
        invoiceNumber: billed?.void ?? '',
        reason: 'fault sweep void',
        today: APPROVAL_DAY,
        by: FAULT_ACTOR,
      });
    },
    'auto-pay': async (i) => {
      const deps = withFakeProvider(i);
      await runAutoPay(deps, { today: WEBHOOK_DAY });
      await i.drain(i.queues.work, WorkMessageSchema, (message) => handleWorkMessage(i.deps, message));
      await drainDiscrepancies(i);
    },
    webhook: async (i) => {
      const deps = withFakeProvider(i);
      for (const event of webhookEvents(billed?.credit ?? '', billed?.void ?? '')) {
        const answer = await handleWebhookDelivery(deps, fakeDelivery(event));
        if (answer.status !== 200) throw new Error(`webhook ${event.id} answered ${answer.status}: ${answer.outcome}`);
      }
      await i.drain(i.queues.work, WorkMessageSchema, (message) => handleWorkMessage(i.deps, message));
      await drainDiscrepancies(i);
    },
    books: async (i) => {
      await publishBooks(withBooks(i), { today: WEBHOOK_DAY });
    },
  };
  const jobs = only.map((name): Job => {
    const snapshot = snapshots.get(name);
    if (!snapshot) throw new Error(`No snapshot for job ${name}`);
    return { name, snapshot, run: runs[name], ...(name === 'books' ? { outside: booksState } : {}) };
  });
  return { jobs, reference, payments, setupSeconds: (performance.now() - started) / 1000, installations: () => all };
}

/**
 * The snapshots of the jobs after billing's: the billing snapshot with a charge to bill, the
 * billing job run in hold mode (drafts to approve), and the billing job run (invoices to credit
 * and to void). Returns the invoices the credit-note and void jobs act on.
 */
async function afterBillingSnapshots(
  snapshots: Map<JobName, LocalInstallation>,
  fork: (name: string, from?: LocalInstallation) => Promise<LocalInstallation>,
  only: readonly JobName[],
): Promise<{ credit: string; void: string } | undefined> {
  const billing = snapshots.get('billing');
  if (!billing) throw new Error('No billing snapshot');
  if (only.includes('charge-billing')) {
    const snapshot = await fork('charge-billing', billing);
    const reference = await snapshot.deps.ledger.loadReferenceData();
    const clientId = reference?.clients[0]?.clientId ?? '';
    await addCharge(snapshot.deps, {
      chargeId: 'FAULT-CHARGE-1',
      clientId,
      date: '2026-02-20',
      description: 'Firewall install',
      quantity: new Dec(2),
      unitPrice: new Dec('149.99'),
      taxable: true,
    });
    snapshots.set('charge-billing', snapshot);
  }
  if (only.includes('approval')) {
    const snapshot = await fork('approval', billing);
    await updateReference(snapshot, (reference) => ({
      ...reference,
      settings: { ...reference.settings, invoice: { ...reference.settings.invoice, review: 'hold' as const } },
    }));
    await billingJob(snapshot);
    snapshots.set('approval', snapshot);
  }
  if (!['credit-note', 'void', 'webhook', 'auto-pay', 'books'].some((j) => only.includes(j as JobName)))
    return undefined;
  const snapshot = await fork('after-billing', billing);
  await billingJob(snapshot);
  if (only.includes('webhook')) {
    const paying = await fork('webhook', snapshot);
    await turnPaymentsOn(paying);
    snapshots.set('webhook', paying);
  }
  if (only.includes('auto-pay')) {
    const charging = await fork('auto-pay', snapshot);
    await turnPaymentsOn(charging);
    await turnAutoPayOn(charging, BILLING_DAY);
    snapshots.set('auto-pay', charging);
  }
  const open = (await snapshot.deps.ledger.listInvoices({ openOnly: true })).filter(
    (i) => i.invoice.issueDate === BILLING_DAY && i.paymentCount === 0 && i.invoice.total.greaterThan(10),
  );
  const [credit, voided] = open;
  if (!credit || !voided) throw new Error('The billing job issued fewer than two unpaid invoices');
  if (only.includes('books'))
    snapshots.set('books', await booksSnapshot(await fork('books', snapshot), credit.invoice.number));
  snapshots.set('credit-note', snapshot);
  snapshots.set('void', snapshot);
  return { credit: credit.invoice.number, void: voided.invoice.number };
}

/** The installation's deps with a fake payment provider, one per installation so a retry meets the same provider. */
const providers = new WeakMap<LocalInstallation, FakePaymentProvider>();
function withFakeProvider(installation: LocalInstallation): LocalInstallation['deps'] {
  let provider = providers.get(installation);
  if (!provider) providers.set(installation, (provider = new FakePaymentProvider()));
  return {
    ...installation.deps,
    payments: { provider, endpointUrl: 'http://127.0.0.1:9', linkKey: async () => 'fault-link-key' },
  };
}

async function turnPaymentsOn(installation: LocalInstallation): Promise<void> {
  const payments = { provider: 'stripe' as const, methods: ['card' as const], autoPayOn: 'issue_date' as const };
  await updateReference(installation, (reference) => ({
    ...reference,
    settings: { ...reference.settings, payments, receipts: { enabled: true } },
  }));
}

/** Auto-pay (on the issue date) for three clients billed on `day`: one charged, one declined, one over its cap. */
async function turnAutoPayOn(installation: LocalInstallation, day: IsoDate): Promise<void> {
  const billed = new Set(
    (await installation.deps.ledger.listInvoices({ openOnly: true }))
      .filter((i) => i.invoice.issueDate === day && i.invoice.total.greaterThan(1))
      .map((i) => i.invoice.clientId),
  );
  await updateReference(installation, (reference) => {
    const [charged, declined, capped] = reference.clients.filter((c) => billed.has(c.clientId)).map((c) => c.clientId);
    if (!capped) throw new Error('The billing job billed fewer than three clients');
    const clients = reference.clients.map((c) =>
      c.clientId === charged
        ? { ...c, autoPay: true, paymentCustomerId: 'cus_fault_ok' }
        : c.clientId === declined
          ? { ...c, autoPay: true, paymentCustomerId: 'cus_fault_declined' }
          : c.clientId === capped
            ? { ...c, autoPay: true, paymentCustomerId: 'cus_fault_cap', autoPayCap: new Dec('1.00') }
            : c,
    );
    return { ...reference, clients };
  });
}

/** Replaces a snapshot's reference data with `change` of it. */
async function updateReference(
  installation: LocalInstallation,
  change: (reference: ReferenceData) => ReferenceData,
): Promise<void> {
  const reference = await installation.deps.ledger.loadReferenceData();
  if (!reference) throw new Error('No reference data in the snapshot');
  await installation.deps.ledger.saveReferenceData(change(reference));
}

/** The day after the billing job, and its noon (UTC) as the provider's clock. */
const WEBHOOK_DAY: IsoDate = '2026-03-02';
const WEBHOOK_AT = Date.parse(`${WEBHOOK_DAY}T12:00:00Z`) / 1000;

/**
 * What a provider tells the endpoint about two open invoices: one paid in full (its checkout
 * and its PaymentIntent, the same money twice) then disputed; one paid 10.00, 4.00 of it
 * refunded, then a failed attempt; and money naming no invoice we know.
 */
function webhookEvents(paid: string, partly: string): ProviderEvent[] {
  const money = (reference: string, invoiceNumber: string, amount: string) => ({
    providerReference: reference,
    invoiceNumber,
    amount: new Dec(amount),
    currency: 'USD',
    method: 'card',
    methodDetail: 'Visa •••• 4242',
  });
  const at = (n: number) => ({ created: WEBHOOK_AT + n });
  return [
    {
      kind: 'payment_succeeded',
      id: 'evt_f1',
      type: 'checkout.session.completed',
      ...at(1),
      payment: money('pi_f1', paid, '999999'),
    },
    {
      kind: 'payment_succeeded',
      id: 'evt_f2',
      type: 'payment_intent.succeeded',
      ...at(2),
      payment: money('pi_f1', paid, '999999'),
    },
    {
      kind: 'payment_succeeded',
      id: 'evt_f3',
      type: 'payment_intent.succeeded',
      ...at(3),
      payment: money('pi_f2', partly, '10.00'),
    },
    {
      kind: 'refunded',
      id: 'evt_f4',
      type: 'charge.refunded',
      ...at(4),
      refunds: [
        {
          refundId: 're_f1',
          paymentReference: 'pi_f2',
          invoiceNumber: partly,
          amount: new Dec('4.00'),
          currency: 'USD',
        },
      ],
    },
    {
      kind: 'payment_failed',
      id: 'evt_f5',
      type: 'payment_intent.payment_failed',
      ...at(5),
      payment: money('pi_f3', partly, '20.00'),
      reason: 'Your card was declined.',
    },
    {
      kind: 'disputed',
      id: 'evt_f6',
      type: 'charge.dispute.created',
      ...at(6),
      disputeId: 'dp_f1',
      payment: money('pi_f1', paid, '999999'),
      reason: 'fraudulent',
    },
    {
      kind: 'payment_succeeded',
      id: 'evt_f7',
      type: 'payment_intent.succeeded',
      ...at(7),
      payment: money('pi_f4', 'INV-2026-999998', '55.00'),
    },
  ];
}

async function putAndIngest(installation: LocalInstallation, path: string): Promise<void> {
  const key = inboxKey(basename(path));
  await installation.deps.usage.put(key, await readFile(path));
  await ingestUsageFile(installation.deps, { key, today: FROM });
}

/** The books as they were before the books job: February published (forked per installation). */
let booksBefore: FakeAccountingSystem | undefined;
const booksOf = new WeakMap<LocalInstallation, FakeAccountingSystem>();

/**
 * The snapshot of the books job: publishing to Xero from 2026-02-01, a credit note on `credited`,
 * February's documents already published by the run of 2026-02-28, and the books set to refuse
 * one March invoice and to compute another total for a second.
 */
async function booksSnapshot(installation: LocalInstallation, credited: string): Promise<LocalInstallation> {
  await updateReference(installation, (reference) => ({
    ...reference,
    settings: {
      ...reference.settings,
      accounting: {
        ...(reference.settings.accounting ?? DEFAULT_ACCOUNTS),
        publish: { system: 'xero', from: '2026-02-01' },
      },
    },
  }));
  await issueCreditNote(installation.deps, {
    invoiceNumber: credited,
    amount: new Dec('10.00'),
    reason: 'fault sweep credit',
    today: WEBHOOK_DAY,
    by: FAULT_ACTOR,
    requestKey: 'fault-books-credit',
  });
  booksBefore = new FakeAccountingSystem('xero');
  await publishBooks({ ...installation.deps, books: { system: booksBefore } }, { today: '2026-02-28' });
  const march = (await installation.deps.ledger.listInvoices())
    .map((i) => i.invoice)
    .filter((i) => i.issueDate === BILLING_DAY && i.number !== credited);
  const [refused, differs] = march;
  if (!refused || !differs) throw new Error('The billing job issued fewer than three invoices');
  booksBefore.refuse('invoice', refused.number, 'Account code 4000 is not a valid code for this document.');
  booksBefore.reportTotal('invoice', differs.number, differs.total.plus('0.01'));
  return installation;
}

/** The installation's deps with its own copy of the books, every call routed through the fault injector. */
function withBooks(installation: LocalInstallation): PublishBooksDeps {
  let books = booksOf.get(installation);
  if (!books) {
    if (!booksBefore) throw new Error('No books snapshot');
    booksOf.set(installation, (books = booksBefore.clone()));
  }
  const injector = injectorOf.get(installation);
  return { ...installation.deps, books: { system: injector ? faultedBooks(books, injector) : books } };
}

function faultedBooks(books: AccountingSystem, injector: FaultInjector): AccountingSystem {
  const via = <T>(command: string, call: () => Promise<T>): Promise<T> => injector.outside('books', command, call);
  return {
    system: books.system,
    findCustomer: (id) => via('findCustomer', () => books.findCustomer(id)),
    createCustomer: (c, key) => via('createCustomer', () => books.createCustomer(c, key)),
    findDocument: (kind, key) => via('findDocument', () => books.findDocument(kind, key)),
    createInvoice: (i, c, key) => via('createInvoice', () => books.createInvoice(i, c, key)),
    createCreditNote: (n, c, i, key) => via('createCreditNote', () => books.createCreditNote(n, c, i, key)),
    createPayment: (p, i, key) => via('createPayment', () => books.createPayment(p, i, key)),
  };
}

/** What the books hold after the job: each document's ids (a duplicate shows two), total and references. */
function booksState(installation: LocalInstallation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of booksOf.get(installation)?.created ?? []) {
    const id = `books|${d.kind}#${d.key}`;
    out[id] = out[id] === undefined ? JSON.stringify(d) : `${out[id]} + ${JSON.stringify(d)}`;
  }
  return out;
}
