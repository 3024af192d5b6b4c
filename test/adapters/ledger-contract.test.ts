/**
 * The ledger ports' key contracts, run against both implementations: the DynamoDB adapter on
 * DynamoDB Local and the in-memory fake the use-case tests use (test/fakes/memory-ledger.ts),
 * so the fake cannot drift from what it stands in for. Each case starts from an empty ledger.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../functions/adapters/aws/dynamodb-ledger.js';
import type { FileRecord, Ledger, OutboxEntry, StoredDraft } from '../../functions/app/ports.js';
import type { BooksRecord } from '../../functions/app/books-ports.js';
import type { AuditEntry } from '../../functions/app/audit-ports.js';
import type { Discrepancy } from '../../functions/domain/reconcile-period.js';
import type { Charge, CreditNote, LateFee, Payment } from '../../functions/domain/billing-types.js';
import {
  localNames,
  provisionLocal,
  startLocalRuntime,
  type LocalRuntime,
} from '../../functions/local-runner/local-runtime.js';
import { MemoryLedger } from '../fakes/memory-ledger.js';
import { d } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

let runtime: LocalRuntime;
let tables = 0;
beforeAll(async () => {
  runtime = await startLocalRuntime();
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

interface Subject {
  readonly ledger: Ledger;
  /** The ledger's clock (epoch ms), for send leases. */
  readonly clock: { now: number };
}

const implementations: [string, () => Promise<Subject>][] = [
  [
    'MemoryLedger',
    async () => {
      const clock = { now: 1_000_000 };
      return { ledger: new MemoryLedger(() => clock.now), clock };
    },
  ],
  [
    'DynamoDbLedger',
    async () => {
      const clock = { now: 1_000_000 };
      const name = `contract-${++tables}`;
      const { clients } = await provisionLocal(runtime.aws, name);
      const db = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
      return { ledger: new DynamoDbLedger(db, localNames(name).table, () => clock.now), clock };
    },
  ],
];

const outbox = (key: string, invoices: OutboxEntry['invoices'] = []): OutboxEntry => ({
  key,
  kind: 'dunning',
  date: '2025-03-10',
  to: ['ap@c1.example'],
  subject: 's',
  invoices,
  rawKey: `emails/${key}.eml`,
  status: 'pending',
});
const payment = (paymentId: string, amount: string): Payment => ({
  paymentId,
  invoiceNumber: 'INV-2025-000001',
  amount: d(amount),
  currency: 'USD',
  receivedOn: '2025-03-05',
});
const fee: LateFee = {
  invoiceNumber: 'INV-2025-000001',
  clientId: 'C001',
  currency: 'USD',
  amount: d('1.5'),
  step: 'overdue_2',
  chargedOn: '2025-03-17',
};
const file = (overrides: Partial<FileRecord> = {}): FileRecord => ({
  sha256: 'abc',
  name: 'usage.csv',
  bytes: 10,
  rowsRead: 1,
  rowsAccepted: 1,
  rowsRejected: 0,
  rowsDuplicate: 0,
  ingestedOn: '2025-01-31',
  key: 'inbox/usage.csv',
  ...overrides,
});

describe.each(implementations)('%s', (_name, make) => {
  it('records an outbox entry once and lets one sender hold it until its lease expires', async () => {
    const { ledger, clock } = await make();
    expect([await ledger.putOutbox(outbox('o-1')), await ledger.putOutbox(outbox('o-1'))]).toEqual([true, false]);

    const claims = await Promise.all(['a', 'b'].map((owner) => ledger.claimSend('o-1', owner, 90)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const [holder, other] = claims[0] ? ['a', 'b'] : ['b', 'a'];
    expect(await ledger.claimSend('o-1', holder!, 90)).toBeDefined();
    clock.now += 89_000;
    expect(await ledger.claimSend('o-1', other!, 90)).toBeUndefined();
    clock.now += 2_000;
    const claim = await ledger.claimSend('o-1', other!, 90);
    expect(claim).toBeDefined();

    const sent = await ledger.markSent(outbox('o-1'), 'msg-1', claim!.sentOrder);
    expect((await ledger.markSent(outbox('o-1'), 'msg-2', claim!.sentOrder + 1)).messageId).toBe('msg-1');
    expect(await ledger.claimSend('o-1', 'c', 90)).toBeUndefined();
    expect(await ledger.pendingOutbox()).toEqual([]);
    expect((await ledger.sentLog()).map((e) => [e.key, e.messageId])).toEqual([['o-1', sent.messageId]]);
    expect(await ledger.claimSend('no-such-key', 'a', 90)).toBeUndefined();
  });

  it("reserves a period's invoice numbers once, and the next period after them", async () => {
    const { ledger } = await make();
    expect(await ledger.reserveInvoiceNumbers('2025-01', 3)).toBe(1);
    expect(await ledger.reserveInvoiceNumbers('2025-01', 3)).toBe(1);
    await expect(ledger.reserveInvoiceNumbers('2025-01', 2)).rejects.toThrow('reserved 3 invoice numbers, not 2');
    expect(await ledger.reserveInvoiceNumbers('2025-02', 2)).toBe(4);
  });

  it('issues an invoice once per (client, period) and lists it open until paid', async () => {
    const { ledger } = await make();
    expect(await ledger.issueNumberedInvoice(issuedInvoice(), [])).toBe(true);
    expect(await ledger.issueNumberedInvoice(issuedInvoice(), [])).toBe(false);
    await expect(ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000009' }), [])).rejects.toThrow(
      'already has invoice INV-2025-000001',
    );
    expect(
      await ledger.issueNumberedInvoice(
        issuedInvoice({ number: 'INV-2025-000002', clientId: 'C002', total: '-5' }),
        [],
      ),
    ).toBe(true);

    expect(await ledger.invoiceNumberFor('C001', '2025-01')).toBe('INV-2025-000001');
    expect((await ledger.listInvoices()).map((i) => i.invoice.number)).toEqual(['INV-2025-000001', 'INV-2025-000002']);
    expect((await ledger.listInvoices({ openOnly: true })).map((i) => i.invoice.number)).toEqual(['INV-2025-000001']);
    const stored = await ledger.getInvoice('INV-2025-000001');
    expect([stored?.paid.toFixed(), stored?.paymentCount, stored?.invoice.total.toFixed(2), stored?.stepsSent]).toEqual(
      ['0', 0, '100.00', new Set()],
    );
  });

  it('records a payment once, refusing one decided on stale totals', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice(), []);
    expect(await ledger.addPayments([payment('P1', '40'), payment('P2', '60')])).toBe(2);
    expect(await ledger.addPayments([payment('P1', '40')])).toBe(0);
    expect((await ledger.pendingPayments('2025-03-05')).map((p) => p.paymentId)).toEqual(['P1', 'P2']);
    expect(await ledger.recordedPayments()).toEqual([]);

    const before = await ledger.paymentTarget(payment('P1', '40'));
    expect(before.pending).toBe(true);
    const target = before.invoice!;
    expect(await ledger.recordPayment(payment('P1', '40'), { invoice: target, amount: d(40), stillOpen: true })).toBe(
      'recorded',
    );
    expect(await ledger.recordPayment(payment('P1', '40'), { invoice: target, amount: d(40), stillOpen: true })).toBe(
      'duplicate',
    );
    expect(await ledger.recordPayment(payment('P2', '60'), { invoice: target, amount: d(60), stillOpen: false })).toBe(
      'conflict',
    );

    const fresh = (await ledger.paymentTarget(payment('P2', '60'))).invoice!;
    expect([fresh.paid.toFixed(), fresh.paymentCount]).toEqual(['40', 1]);
    expect(await ledger.recordPayment(payment('P2', '60'), { invoice: fresh, amount: d(60), stillOpen: false })).toBe(
      'recorded',
    );
    expect(await ledger.pendingPayments('2025-03-05')).toEqual([]);
    const recorded = await ledger.recordedPayments();
    expect(recorded.map((p) => [p.paymentId, p.amount.toFixed()]).sort()).toEqual([
      ['P1', '40'],
      ['P2', '60'],
    ]);
    const paid = await ledger.getInvoice('INV-2025-000001');
    expect(paid?.payments.map((p) => [p.paymentId, p.amount.toFixed()])).toEqual([
      ['P1', '40'],
      ['P2', '60'],
    ]);
    expect(await ledger.listInvoices({ openOnly: true })).toEqual([]);
  });

  it("keeps a payment's provider fee once: with the payment, or added later, pending or recorded", async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice(), []);
    const feeText = async (id: string) => {
      const all = [...(await ledger.pendingPayments('9999-12-31')), ...(await ledger.recordedPayments())];
      const p = all.find((x) => x.paymentId === id);
      return p?.fee === undefined ? undefined : `${p.fee.toFixed()} ${p.feeCurrency}`;
    };
    const withFee: Payment = { ...payment('P1', '40'), fee: d('1.46'), feeCurrency: 'USD' };
    await ledger.addPayments([withFee, payment('P2', '60')]);
    expect(await feeText('P1')).toBe('1.46 USD');
    expect(await feeText('P2')).toBeUndefined();

    // Added to a pending payment without one; the first fee stays; an unknown payment is missing.
    expect(await ledger.recordPaymentFee('P2', { amount: d('2.04'), currency: 'USD' })).toBe('recorded');
    expect(await ledger.recordPaymentFee('P2', { amount: d('9.99'), currency: 'USD' })).toBe('known');
    expect(await ledger.recordPaymentFee('P1', { amount: d('9.99'), currency: 'USD' })).toBe('known');
    expect(await ledger.recordPaymentFee('P9', { amount: d('1'), currency: 'USD' })).toBe('missing');
    expect(await ledger.recordedPayments()).toEqual([]); // a fee records no payment

    // Recording the payment keeps its fee; a fee added after recording is read back exactly.
    const target = (await ledger.paymentTarget(payment('P2', '60'))).invoice!;
    await ledger.recordPayment(payment('P2', '60'), { invoice: target, amount: d(60), stillOpen: true });
    expect(await feeText('P2')).toBe('2.04 USD');
    await ledger.addPayments([payment('P3', '-10')]);
    await ledger.recordPayment(payment('P3', '-10'), undefined);
    expect(await ledger.recordPaymentFee('P3', { amount: d('0.123'), currency: 'KWD' })).toBe('recorded');
    expect(await feeText('P3')).toBe('0.123 KWD');
  });

  it('records a dunning step and its fee once, bills the fee once, and forgets a bounced step', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice(), []);
    const step = [{ invoiceNumber: 'INV-2025-000001', step: 'overdue_2' }];
    expect(
      await ledger.recordDunning(
        step,
        [fee],
        outbox('dunning#C001#2025-03-17', [{ number: 'INV-2025-000001', step: 'overdue_2' }]),
      ),
    ).toBe(true);
    expect(await ledger.recordDunning(step, [], outbox('dunning#C001#2025-03-18'))).toBe(false);
    expect(await ledger.getOutbox('dunning#C001#2025-03-18')).toBeUndefined();
    const dunned = await ledger.getInvoice('INV-2025-000001');
    expect([dunned?.stepsSent, dunned?.feeCharged]).toEqual([new Set(['overdue_2']), true]);
    expect((await ledger.unbilledLateFees('C001')).map((f) => [f.invoiceNumber, f.amount.toFixed()])).toEqual([
      ['INV-2025-000001', '1.5'],
    ]);

    const next = issuedInvoice({ number: 'INV-2025-000002', period: '2025-02' });
    expect(await ledger.issueNumberedInvoice(next, [fee])).toBe(true);
    expect(await ledger.unbilledLateFees('C001')).toEqual([]);
    await expect(
      ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000003', period: '2025-03' }), [fee]),
    ).rejects.toThrow();
    expect(await ledger.invoiceNumberFor('C001', '2025-03')).toBeUndefined();

    const claim = await ledger.claimSend('dunning#C001#2025-03-17', 'a', 90);
    await ledger.markSent(
      outbox('dunning#C001#2025-03-17', [{ number: 'INV-2025-000001', step: 'overdue_2' }]),
      'msg-9',
      claim!.sentOrder,
    );
    expect((await ledger.markBounced('msg-9'))?.status).toBe('bounced');
    expect((await ledger.getInvoice('INV-2025-000001'))?.stepsSent).toEqual(new Set());
    expect(await ledger.markBounced('msg-unknown')).toBeUndefined();
  });

  it('claims a file by content, tells a retry from a second drop, and logs each drop once', async () => {
    const { ledger } = await make();
    expect(await ledger.claimFile('abc', 'usage.csv', 'inbox/usage.csv')).toEqual({ claimed: true });
    expect(await ledger.claimFile('abc', 'usage.csv', 'inbox/usage.csv')).toEqual({ claimed: true }); // a retry while processing
    expect(await ledger.claimFile('abc', 'copy.csv', 'inbox/copy.csv')).toEqual({
      claimed: false,
      existing: undefined,
      sameObject: false,
    });
    await ledger.completeFile(file());
    expect(await ledger.claimFile('abc', 'usage.csv', 'inbox/usage.csv')).toEqual({
      claimed: false,
      existing: file(),
      sameObject: true,
    });

    const duplicate = file({
      name: 'copy.csv',
      key: 'inbox/copy.csv',
      duplicateOf: 'usage.csv',
      ingestedOn: '2025-02-01',
    });
    expect(await ledger.recordDuplicateFile(duplicate)).toEqual(duplicate);
    expect(await ledger.recordDuplicateFile({ ...duplicate, ingestedOn: '2025-02-02' })).toEqual(duplicate);
    expect((await ledger.unreportedFiles()).map((f) => f.name)).toEqual(['usage.csv', 'copy.csv']);
    await ledger.markFilesReported([file()], '2025-01');
    await ledger.markFilesReported([file()], '2025-02');
    expect((await ledger.unreportedFiles()).map((f) => f.name)).toEqual(['copy.csv']);
  });

  it('stores a discrepancy and a reconciliation once', async () => {
    const { ledger } = await make();
    const discrepancy: Discrepancy = {
      id: 'D1',
      period: '2025-01',
      type: 'over_billed',
      clientId: 'C001',
      sku: 'SEAT',
      amountAtStake: d('12.50'),
      currency: 'USD',
    };
    expect([
      await ledger.storeDiscrepancy(discrepancy, '2025-02-01'),
      await ledger.storeDiscrepancy(discrepancy, '2025-02-02'),
    ]).toEqual([true, false]);
    const acknowledged = await ledger.setDiscrepancyStatus('D1', 'acknowledged', '2025-02-03', 'checking');
    expect(
      (await ledger.listDiscrepancies()).map((x) => [
        x.id,
        x.status,
        x.openedOn,
        x.acknowledgedOn,
        x.note,
        x.amountAtStake?.toFixed(2),
      ]),
    ).toEqual([['D1', 'acknowledged', '2025-02-01', '2025-02-03', 'checking', '12.50']]);
    expect(acknowledged.status).toBe('acknowledged');
    await expect(ledger.setDiscrepancyStatus('D9', 'resolved', '2025-02-03')).rejects.toThrow(
      'No discrepancy with id D9',
    );

    const record = (period: string) => ({
      period,
      runDate: `${period}-28`,
      key: `reconciliation/${period}.json`,
      pairs: 1,
      discrepancies: 0,
      discrepancyRate: '0',
    });
    expect([
      await ledger.putReconciliation(record('2025-01')),
      await ledger.putReconciliation(record('2025-01')),
    ]).toEqual([true, false]);
    await ledger.putReconciliation(record('2025-02'));
    expect((await ledger.recentReconciliations(5)).map((r) => r.period)).toEqual(['2025-02', '2025-01']);
    expect(await ledger.expectedFeeds()).toEqual([]);
  });
});

describe.each(implementations)('%s: drafts of hold mode', (_name, make) => {
  const draft = (clientId: string, total = '100.00', period = '2025-01'): StoredDraft => ({
    period,
    clientId,
    entry: { draft: { clientId, total }, lateFees: [] },
    status: 'pending',
    createdOn: '2025-02-01',
  });
  const approve = (ledger: Ledger, clientIds: string[], on = '2025-02-04') =>
    ledger.approveDrafts({ period: '2025-01', clientIds, on, by: 'ann', prefix: 'INV' });

  it('numbers approvals from the invoice counter, gapless with a billing run, in client id order', async () => {
    const { ledger } = await make();
    await ledger.saveDrafts(['C3', 'C1', 'C2', 'C4'].map((c) => draft(c)));
    expect((await approve(ledger, ['C3', 'C1'])).map((d) => [d.clientId, d.status, d.number])).toEqual([
      ['C1', 'approved', 'INV-2025-000001'],
      ['C3', 'approved', 'INV-2025-000002'],
    ]);
    expect(await ledger.reserveInvoiceNumbers('2025-02', 2)).toBe(3);
    const second = await approve(ledger, ['C4', 'C2'], '2025-03-02');
    expect(second.map((d) => [d.clientId, d.number, d.approvedOn, d.by])).toEqual([
      ['C2', 'INV-2025-000005', '2025-03-02', 'ann'],
      ['C4', 'INV-2025-000006', '2025-03-02', 'ann'],
    ]);
    expect(await ledger.reserveInvoiceNumbers('2025-03', 1)).toBe(7);
  });

  it('approves more drafts than one transaction holds, and stays gapless beside concurrent takers', async () => {
    const { ledger } = await make();
    const ids = Array.from({ length: 150 }, (_, i) => `C${String(i + 1).padStart(3, '0')}`);
    await ledger.saveDrafts(ids.map((c) => draft(c)));
    const [approved, reserved, other] = await Promise.all([
      approve(ledger, ids.slice(0, 140)),
      ledger.reserveInvoiceNumbers('2025-02', 5),
      approve(ledger, ids.slice(140)),
    ]);
    const taken = [
      ...[...approved, ...other].map((x) => Number(x.number?.slice(-6))),
      ...Array.from({ length: 5 }, (_, i) => reserved + i),
    ].sort((a, b) => a - b);
    expect(taken).toEqual(Array.from({ length: 155 }, (_, i) => i + 1));
    // Within one call, numbers follow client id order.
    const numbers = approved.map((x) => x.number ?? '');
    expect(numbers).toEqual([...numbers].sort());
  }, 60_000);

  it('returns the same numbers when an approval is repeated, and takes none', async () => {
    const { ledger } = await make();
    await ledger.saveDrafts([draft('C1'), draft('C2')]);
    const first = await approve(ledger, ['C1', 'C2']);
    expect(await approve(ledger, ['C2', 'C1'], '2025-02-09')).toEqual(first);
    expect(await ledger.reserveInvoiceNumbers('2025-02', 1)).toBe(3);
    await expect(approve(ledger, ['C9'])).rejects.toThrow('No draft of C9 for 2025-01');
  });

  it('replaces pending and held drafts but never an approved one, and keeps a hold and its reason', async () => {
    const { ledger } = await make();
    await ledger.saveDrafts([draft('C1'), draft('C2'), draft('C3')]);
    await approve(ledger, ['C1']);
    const held = await ledger.holdDraft('2025-01', 'C2', 'PO missing', '2025-02-02', 'bob');
    expect([held.status, held.holdReason, held.by]).toEqual(['held', 'PO missing', 'bob']);

    const saved = await ledger.saveDrafts([
      { ...draft('C1', '999.00'), createdOn: '2025-02-05' },
      { ...draft('C2', '222.00'), createdOn: '2025-02-05' },
      { ...draft('C3', '333.00'), createdOn: '2025-02-05' },
    ]);
    expect(saved.map((d) => [d.clientId, d.status, d.entry.draft.total, d.holdReason, d.number, d.createdOn])).toEqual([
      ['C1', 'approved', '100.00', undefined, 'INV-2025-000001', '2025-02-01'],
      ['C2', 'held', '222.00', 'PO missing', undefined, '2025-02-01'],
      ['C3', 'pending', '333.00', undefined, undefined, '2025-02-01'],
    ]);
    await expect(ledger.holdDraft('2025-01', 'C1', 'late', '2025-02-06', 'bob')).rejects.toThrow(
      'is approved (INV-2025-000001)',
    );
    // A held draft is approved when named.
    expect((await approve(ledger, ['C2'])).map((d) => [d.status, d.number])).toEqual([['approved', 'INV-2025-000002']]);
    expect((await ledger.listDrafts()).map((d) => d.clientId)).toEqual(['C1', 'C2', 'C3']);
    expect(await ledger.listDrafts('2025-02')).toEqual([]);
  });
});

describe.each(implementations)('%s: credit notes', (_name, make) => {
  const note = (overrides: Partial<Omit<CreditNote, 'number'>> = {}): Omit<CreditNote, 'number'> => ({
    invoiceNumber: 'INV-2025-000001',
    clientId: 'C001',
    currency: 'USD',
    issueDate: '2025-02-10',
    reason: 'outage',
    lines: [{ description: 'Credit: outage', quantity: d(1), unitPrice: d(10), amount: d(10), taxable: false }],
    subtotal: d(10),
    tax: d(0),
    total: d(10),
    applied: d(10),
    clientCredit: d(0),
    void: false,
    ...overrides,
  });
  const issue = async (ledger: Ledger, requestKey: string, overrides: Partial<Omit<CreditNote, 'number'>> = {}) =>
    ledger.issueCreditNote({
      requestKey,
      prefix: 'CN',
      note: note(overrides),
      invoice: (await ledger.getInvoice(overrides.invoiceNumber ?? 'INV-2025-000001'))!,
    });

  it('numbers notes gaplessly, issues once per request key and keeps the applied part on the invoice', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice(), []);
    const first = await issue(ledger, 'k1');
    const again = await issue(ledger, 'k1', { applied: d(20), total: d(20) });
    const second = await issue(ledger, 'k2', { issueDate: '2025-02-11' });
    expect([first, again, second].map((r) => [r.result, 'note' in r ? r.note.number : undefined])).toEqual([
      ['issued', 'CN-2025-000001'],
      ['duplicate', 'CN-2025-000001'],
      ['issued', 'CN-2025-000002'],
    ]);
    expect(
      (await ledger.listCreditNotes()).map((n) => [n.number, n.total.toFixed(2), n.lines[0]?.amount.toFixed(2)]),
    ).toEqual([
      ['CN-2025-000001', '10.00', '10.00'],
      ['CN-2025-000002', '10.00', '10.00'],
    ]);
    expect((await ledger.getCreditNote('CN-2025-000002'))?.issueDate).toBe('2025-02-11');
    expect((await ledger.creditNoteOfRequest('k2'))?.number).toBe('CN-2025-000002');
    expect(await ledger.creditNoteOfRequest('k3')).toBeUndefined();
    expect(await ledger.getCreditNote('CN-2025-000009')).toBeUndefined();
    const credited = await ledger.getInvoice('INV-2025-000001');
    expect([credited?.paid.toFixed(), credited?.paymentCount]).toEqual(['20', 2]);
    expect(credited?.payments.map((p) => [p.paymentId, p.amount.toFixed(), p.creditNote, p.receivedOn])).toEqual([
      ['CN-2025-000001', '10', 'CN-2025-000001', '2025-02-10'],
      ['CN-2025-000002', '10', 'CN-2025-000002', '2025-02-11'],
    ]);
    expect((await ledger.listInvoices({ openOnly: true })).map((i) => i.invoice.number)).toEqual(['INV-2025-000001']);
  });

  it('refuses a note decided on totals that moved, and takes no number for it', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice(), []);
    const stale = (await ledger.getInvoice('INV-2025-000001'))!;
    await ledger.addPayments([payment('P1', '40')]);
    const target = (await ledger.paymentTarget(payment('P1', '40'))).invoice!;
    await ledger.recordPayment(payment('P1', '40'), { invoice: target, amount: d(40), stillOpen: true });
    expect(await ledger.issueCreditNote({ requestKey: 'k1', prefix: 'CN', note: note(), invoice: stale })).toEqual({
      result: 'conflict',
    });
    expect(await ledger.listCreditNotes()).toEqual([]);
    expect((await issue(ledger, 'k1')).result).toBe('issued');
    expect((await ledger.listCreditNotes()).map((n) => n.number)).toEqual(['CN-2025-000001']);
  });

  it('voids an invoice: off the open list, voidedOn set, no later note', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice(), []);
    await issue(ledger, 'void#INV-2025-000001', { void: true, total: d(100), applied: d(100), subtotal: d(100) });
    const voided = await ledger.getInvoice('INV-2025-000001');
    expect([voided?.voidedOn, voided?.paid.toFixed()]).toEqual(['2025-02-10', '100']);
    expect(await ledger.listInvoices({ openOnly: true })).toEqual([]);
    expect((await issue(ledger, 'k2')).result).toBe('conflict');
  });

  it('a note paying the balance takes the invoice off the open list', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice({ total: '10' }), []);
    expect((await issue(ledger, 'k1')).result).toBe('issued');
    expect(await ledger.listInvoices({ openOnly: true })).toEqual([]);
  });

  it('keeps client credit per client, oldest first, and an invoice spends it', async () => {
    const { ledger } = await make();
    await ledger.issueNumberedInvoice(issuedInvoice({ total: '10' }), []);
    await issue(ledger, 'k1', { total: d(25), applied: d(10), clientCredit: d(15) });
    await issue(ledger, 'k2', { issueDate: '2025-02-12', total: d(5), applied: d(0), clientCredit: d(5) });
    expect(
      (await ledger.clientCredits('C001')).map((c) => [c.creditNote, c.amount.toFixed(), c.currency, c.issuedOn]),
    ).toEqual([
      ['CN-2025-000001', '15', 'USD', '2025-02-10'],
      ['CN-2025-000002', '5', 'USD', '2025-02-12'],
    ]);
    expect(await ledger.clientCredits('C002')).toEqual([]);
    await ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000002', period: '2025-02', total: '1' }), [], {
      credits: [{ creditNote: 'CN-2025-000001', clientId: 'C001', amount: d(15) }],
    });
    expect((await ledger.clientCredits('C001')).map((c) => [c.creditNote, c.amount.toFixed()])).toEqual([
      ['CN-2025-000002', '5'],
    ]);
  });
});

describe.each(implementations)('%s: charges and discrepancy closures', (_name, make) => {
  const charge = (chargeId: string, overrides: Partial<Charge> = {}): Charge => ({
    chargeId,
    clientId: 'C001',
    date: '2025-02-10',
    description: `Charge ${chargeId}`,
    quantity: d('2'),
    unitPrice: d('12.5'),
    taxable: true,
    ...overrides,
  });

  it('adds a charge once, lists the unbilled ones by date then id, and lets one invoice bill it', async () => {
    const { ledger } = await make();
    expect(await ledger.addCharge(charge('B', { date: '2025-02-10' }))).toBe(true);
    expect(await ledger.addCharge(charge('A', { date: '2025-02-11', sku: 'SETUP', taxable: false }))).toBe(true);
    expect(await ledger.addCharge(charge('C', { date: '2025-02-09', clientId: 'C002' }))).toBe(true);
    expect(await ledger.addCharge(charge('B', { description: 'again' }))).toBe(false);
    expect(await ledger.addCharge(charge('A', { clientId: 'C002' }))).toBe(false);

    const unbilled = await ledger.unbilledCharges('C001');
    expect(unbilled.map((c) => [c.chargeId, c.date, c.description])).toEqual([
      ['B', '2025-02-10', 'Charge B'],
      ['A', '2025-02-11', 'Charge A'],
    ]);
    expect(unbilled[1]?.unitPrice.toString()).toBe('12.5');
    expect([unbilled[1]?.sku, unbilled[1]?.taxable]).toEqual(['SETUP', false]);

    const invoice = issuedInvoice({ number: 'INV-2025-000001' });
    expect(await ledger.issueNumberedInvoice(invoice, [], { charges: ['B'] })).toBe(true);
    expect(await ledger.issueNumberedInvoice(invoice, [], { charges: ['B'] })).toBe(false);
    await expect(
      ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000002', period: '2025-02' }), [], {
        charges: ['B'],
      }),
    ).rejects.toThrow();
    expect((await ledger.unbilledCharges('C001')).map((c) => c.chargeId)).toEqual(['A']);
    expect((await ledger.listCharges()).map((c) => [c.chargeId, c.clientId, c.invoiceNumber])).toEqual([
      ['C', 'C002', undefined],
      ['B', 'C001', 'INV-2025-000001'],
      ['A', 'C001', undefined],
    ]);
  });

  it('keeps the first closure of a discrepancy, whichever of the two is stored first', async () => {
    const { ledger } = await make();
    const discrepancy = (id: string): Discrepancy => ({
      id,
      period: '2025-01',
      type: 'under_billed',
      clientId: 'C001',
      sku: 'SEAT',
      amountAtStake: d('25.00'),
      currency: 'USD',
    });
    const closure = (id: string, invoiceNumber: string, invoiceLine: number) => ({
      id,
      status: 'billed' as const,
      invoiceNumber,
      invoiceLine,
      on: '2025-02-01',
      by: 'trueup',
    });
    await ledger.storeDiscrepancy(discrepancy('D1'), '2025-02-01');
    await ledger.closeDiscrepancies([closure('D1', 'INV-2025-000001', 2), closure('D2', 'INV-2025-000003', 1)]);
    await ledger.closeDiscrepancies([closure('D1', 'INV-2025-000009', 5)]);
    await ledger.storeDiscrepancy(discrepancy('D2'), '2025-02-01');
    await ledger.storeDiscrepancy(discrepancy('D3'), '2025-02-01');
    await ledger.setDiscrepancyStatus('D3', 'dismissed', '2025-02-04', 'not ours', 'alice');
    expect(
      (await ledger.listDiscrepancies()).map((x) => [x.id, x.status, x.invoiceNumber, x.invoiceLine, x.closedOn, x.by]),
    ).toEqual([
      ['D1', 'billed', 'INV-2025-000001', 2, '2025-02-01', 'trueup'],
      ['D2', 'billed', 'INV-2025-000003', 1, '2025-02-01', 'trueup'],
      ['D3', 'dismissed', undefined, undefined, '2025-02-04', 'alice'],
    ]);
  });
});

describe.each(implementations)('%s: provider events and auto-pay', (_name, make) => {
  it('records a provider event once by id and lists them', async () => {
    const { ledger } = await make();
    const event = {
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      receivedOn: '2025-03-05',
      invoiceNumber: 'INV-2025-000001',
      outcome: 'applied',
    };
    expect(await ledger.recordProviderEvent(event)).toBe(true);
    expect(await ledger.recordProviderEvent({ ...event, outcome: 'duplicate' })).toBe(false);
    expect(await ledger.getProviderEvent('evt_1')).toEqual(event);
    expect(await ledger.getProviderEvent('evt_2')).toBeUndefined();
    await ledger.recordProviderEvent({ ...event, id: 'evt_0' });
    expect((await ledger.listProviderEvents()).map((e) => e.id).sort()).toEqual(['evt_0', 'evt_1']);
  });

  it('keeps the first auto-pay attempt of an invoice, with its exact amount', async () => {
    const { ledger } = await make();
    const attempt = {
      invoiceNumber: 'INV-2025-000001',
      clientId: 'C001',
      on: '2025-03-31',
      status: 'succeeded' as const,
      amount: d('1250.10'),
      currency: 'USD',
      providerReference: 'pi_1',
      methodDetail: 'Visa •••• 4242',
    };
    expect(await ledger.recordAutoPay(attempt)).toBe(true);
    expect(await ledger.recordAutoPay({ ...attempt, status: 'failed', reason: 'declined' })).toBe(false);
    const stored = await ledger.getAutoPay('INV-2025-000001');
    expect(stored?.status).toBe('succeeded');
    expect(stored?.amount.equals(d('1250.10'))).toBe(true);
    expect(await ledger.getAutoPay('INV-2025-000002')).toBeUndefined();
    expect((await ledger.listAutoPays()).map((a) => a.invoiceNumber)).toEqual(['INV-2025-000001']);
  });
});

describe.each(implementations)('%s: the books log', (_name, make) => {
  const record = (overrides: Partial<BooksRecord> = {}): BooksRecord => ({
    system: 'xero',
    kind: 'invoice',
    key: 'INV-2026-000001',
    status: 'refused',
    message: 'Account code 4100 is not valid',
    attempts: 1,
    firstTriedOn: '2026-03-02',
    lastTriedOn: '2026-03-02',
    ...overrides,
  });

  it('replaces a refused record, keeps a published one final, and lists per system by kind then key', async () => {
    const { ledger } = await make();
    expect(await ledger.putBooksRecord(record())).toBe(true);
    expect(await ledger.putBooksRecord(record({ attempts: 2, lastTriedOn: '2026-03-03', message: 'other' }))).toBe(
      true,
    );
    expect((await ledger.getBooksRecord('xero', 'invoice', 'INV-2026-000001'))?.message).toBe('other');
    const published = record({ status: 'published', externalId: 'x-1', attempts: 3, lastTriedOn: '2026-03-04' });
    expect(await ledger.putBooksRecord({ ...published, message: undefined })).toBe(true);
    expect(await ledger.putBooksRecord(record({ attempts: 4 }))).toBe(false);
    expect(await ledger.putBooksRecord({ ...published, externalId: 'x-2' })).toBe(false);
    expect(await ledger.getBooksRecord('xero', 'invoice', 'INV-2026-000001')).toEqual({
      ...published,
      message: undefined,
    });

    await ledger.putBooksRecord(record({ kind: 'customer', key: 'C001', system: 'xero' }));
    await ledger.putBooksRecord(record({ system: 'quickbooks' }));
    expect((await ledger.listBooksRecords('xero')).map((r) => `${r.kind}#${r.key}`).sort()).toEqual([
      'customer#C001',
      'invoice#INV-2026-000001',
    ]);
    expect((await ledger.listBooksRecords('quickbooks')).map((r) => r.system)).toEqual(['quickbooks']);
    expect(await ledger.getBooksRecord('xero', 'payment', 'none')).toBeUndefined();
  });

  it('marks a record reported, a final one included, and a replaced refusal carries its own', async () => {
    const { ledger } = await make();
    await ledger.putBooksRecord(record({ status: 'published', externalId: 'x-1', warning: 'Xero total 1, TrueUp 2' }));
    await ledger.markBooksReported('xero', 'invoice', 'INV-2026-000001', '2026-03-02');
    const marked = await ledger.getBooksRecord('xero', 'invoice', 'INV-2026-000001');
    expect([marked?.status, marked?.reportedOn, marked?.externalId]).toEqual(['published', '2026-03-02', 'x-1']);
    expect((await ledger.listBooksRecords('xero'))[0]?.reportedOn).toBe('2026-03-02');

    await ledger.putBooksRecord(record({ kind: 'customer', key: 'C001' }));
    await ledger.markBooksReported('xero', 'customer', 'C001', '2026-03-02');
    await ledger.putBooksRecord(record({ kind: 'customer', key: 'C001', message: 'new', attempts: 2 }));
    expect((await ledger.getBooksRecord('xero', 'customer', 'C001'))?.reportedOn).toBeUndefined();
    await ledger.putBooksRecord(record({ kind: 'customer', key: 'C001', attempts: 3, reportedOn: '2026-03-04' }));
    expect((await ledger.getBooksRecord('xero', 'customer', 'C001'))?.reportedOn).toBe('2026-03-04');

    await ledger.markBooksReported('xero', 'payment', 'nothing-here', '2026-03-02');
    expect(await ledger.getBooksRecord('xero', 'payment', 'nothing-here')).toBeUndefined();
  });
});

describe.each(implementations)('%s: the audit log', (_name, make) => {
  const entry = (at: string, subject: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
    at,
    actor: { id: 'alice', via: 'console' },
    action: 'discrepancy.resolve',
    subject,
    ...extra,
  });

  it('records an action once by its key, and lists newest first across months within a range', async () => {
    const { ledger } = await make();
    await ledger.recordAudit(entry('2026-02-27T09:00:00.000Z', 'D1', { detail: 'checked with vendor' }));
    // The same action retried later the same day: one entry.
    await ledger.recordAudit(entry('2026-02-27T09:00:05.000Z', 'D1', { detail: 'checked with vendor' }));
    await ledger.recordAudit(
      entry('2026-03-02T10:00:00.000Z', 'INV-2026-000001', { action: 'drafts.approve', key: 'k1' }),
    );
    await ledger.recordAudit(
      entry('2026-03-02T11:00:00.000Z', 'INV-2026-000001', { action: 'drafts.approve', key: 'k1' }),
    );
    await ledger.recordAudit(entry('2026-03-03T08:00:00.000Z', 'D2', { actor: { id: 'bob', via: 'cli' } }));
    await ledger.recordAudit(entry('2026-01-15T08:00:00.000Z', 'D0'));

    const all = await ledger.listAudit();
    expect(all.map((e) => [e.at, e.subject, e.actor.id, e.actor.via])).toEqual([
      ['2026-03-03T08:00:00.000Z', 'D2', 'bob', 'cli'],
      ['2026-03-02T10:00:00.000Z', 'INV-2026-000001', 'alice', 'console'],
      ['2026-02-27T09:00:00.000Z', 'D1', 'alice', 'console'],
      ['2026-01-15T08:00:00.000Z', 'D0', 'alice', 'console'],
    ]);
    expect(all[2]?.detail).toBe('checked with vendor');
    expect((await ledger.listAudit({ limit: 2 })).map((e) => e.subject)).toEqual(['D2', 'INV-2026-000001']);
    expect((await ledger.listAudit({ from: '2026-02-01', to: '2026-03-02' })).map((e) => e.subject)).toEqual([
      'INV-2026-000001',
      'D1',
    ]);
    expect(await ledger.listAudit({ from: '2026-04-01' })).toEqual([]);
  });
});
