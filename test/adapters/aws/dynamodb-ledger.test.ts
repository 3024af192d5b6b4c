/**
 * The ledger's exactly-once guarantees against the real DynamoDB Local: conditional writes and
 * transactions decide, so racing callers and retries produce one set of effects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceDraft } from '../../../functions/domain/calculate-invoice.js';
import { Dec } from '../../../functions/domain/money.js';
import { applyDuePayments } from '../../../functions/app/apply-payments.js';
import type { Ledger, OutboxEntry } from '../../../functions/app/ports.js';
import type { Invoice, LateFee } from '../../../functions/domain/types.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbLedger } from '../../../functions/adapters/aws/dynamodb-ledger.js';
import { localNames, startLocalRuntime, type LocalRuntime } from '../../../functions/local/local-runtime.js';
import { d, reference } from '../../support/builders.js';

let runtime: LocalRuntime;
beforeAll(async () => { runtime = await startLocalRuntime(); }, 60_000);
afterAll(async () => { await runtime?.stop(); });

function draft(clientId: string, period = '2025-01', total = '100'): InvoiceDraft {
  const amount = new Dec(total);
  return {
    clientId, period, currency: 'USD', issueDate: '2025-02-01', dueDate: '2025-03-03',
    lines: [{ kind: 'recurring', sku: 'SEAT', period, description: 'Seat', quantity: d(1), unitPrice: amount, amount }],
    subtotal: amount, tax: d(0), total: amount,
  };
}

let sequence = 800_000;
/** Issues a draft with the next test number, as an invoice worker does with a reserved one. */
async function issue(d: InvoiceDraft, fees: readonly LateFee[]): Promise<Invoice | undefined> {
  sequence += 1;
  const invoice: Invoice = { ...d, number: `INV-${d.issueDate.slice(0, 4)}-${sequence}` };
  return (await runtime.deps.ledger.issueNumberedInvoice(invoice, fees)) ? invoice : undefined;
}

const outbox = (key: string): OutboxEntry => ({ key, kind: 'dunning', date: '2025-02-10', to: ['a@b.example'], subject: 's', invoices: [], rawKey: `emails/${key}.eml`, status: 'pending' });

describe('DynamoDbLedger', () => {
  it('round-trips the reference data exactly', async () => {
    const ref = reference({ agreements: [] });
    await runtime.deps.ledger.saveReferenceData(ref);
    const loaded = await runtime.deps.ledger.loadReferenceData();
    expect(loaded?.clients[0]?.taxRate.equals(0)).toBe(true);
    expect(loaded?.settings.dunning.steps[3]?.lateFee?.percent.toFixed()).toBe('1.5');
    expect(loaded?.skuMap[0]?.factor.equals(1)).toBe(true);
  });

  it('reserves a block of numbers once per period, gapless after the previous block, even when runs race', async () => {
    const [a, b] = await Promise.all([runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 8), runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 8)]);
    expect(a).toBe(b);
    const next = await runtime.deps.ledger.reserveInvoiceNumbers('2030-02-race', 3);
    expect(next).toBe(a + 8);
    expect(await runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 8)).toBe(a);
    await expect(runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 9)).rejects.toThrow(/reserved 8 invoice numbers, not 9/);
    expect(await runtime.deps.ledger.reserveInvoiceNumbers('2030-empty', 0)).toBe(a + 11);
    expect(await runtime.deps.ledger.reserveInvoiceNumbers('2030-after-empty', 1)).toBe(a + 11);
  });

  it('issues a numbered invoice once per (client, period), whoever races, and refuses a second number', async () => {
    const invoice = { ...draft('R01', '2030-01'), number: 'INV-2030-900001' };
    const results = await Promise.all([runtime.deps.ledger.issueNumberedInvoice(invoice, []), runtime.deps.ledger.issueNumberedInvoice(invoice, [])]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await runtime.deps.ledger.invoiceNumberFor('R01', '2030-01')).toBe('INV-2030-900001');
    await expect(runtime.deps.ledger.issueNumberedInvoice({ ...invoice, number: 'INV-2030-900002' }, [])).rejects.toThrow(/already has invoice INV-2030-900001/);
    expect(await runtime.deps.ledger.getInvoice('INV-2030-900002')).toBeUndefined();
  });

  it('records a payment once and closes the invoice when paid', async () => {
    const invoice = await issue(draft('PAY1', '2030-02', '50'), []);
    const payment = { paymentId: 'P-1', invoiceNumber: invoice!.number, amount: d(50), currency: 'USD', receivedOn: '2030-03-05' };
    expect(await runtime.deps.ledger.addPayments([payment, payment])).toBe(1);
    const account = await runtime.deps.ledger.getInvoice(invoice!.number);
    const applied = { invoice: account!, amount: d(50), stillOpen: false };
    const results = await Promise.all([runtime.deps.ledger.recordPayment(payment, applied), runtime.deps.ledger.recordPayment(payment, applied)]);
    expect(results.sort()).toEqual(['duplicate', 'recorded']);
    const after = await runtime.deps.ledger.getInvoice(invoice!.number);
    expect(after?.payments.map((p) => p.amount.toFixed())).toEqual(['50']);
    expect([after?.paid.toFixed(), after?.paymentCount]).toEqual(['50', 1]);
    const open = await runtime.deps.ledger.listInvoices({ openOnly: true });
    expect(open.map((i) => i.invoice.number)).not.toContain(invoice!.number);
  });

  it('refuses a payment applied on stale totals, so two payments racing to one invoice both count', async () => {
    const ledger = runtime.deps.ledger;
    const invoice = await issue(draft('PAY2', '2030-02', '100'), []);
    const payments = ['P-2a', 'P-2b'].map((paymentId, i) => ({ paymentId, invoiceNumber: invoice!.number, amount: d(10 + i), currency: 'USD', receivedOn: '2030-03-05' }));
    await ledger.addPayments(payments);
    const read = (await ledger.getPayableInvoice(invoice!.number))!;
    const results = await Promise.all(payments.map((p) => ledger.recordPayment(p, { invoice: read, amount: p.amount, stillOpen: true })));
    expect(results.sort()).toEqual(['conflict', 'recorded']);
    const between = (await ledger.getInvoice(invoice!.number))!;
    expect(between.paymentCount).toBe(1);
    expect(between.paid.toFixed()).toBe(between.payments[0]!.amount.toFixed()); // the refused one left nothing behind
    // The caller retries the refused one on fresh totals (applyDuePayments does so).
    expect(await applyDuePayments(runtime.deps, { today: '2030-03-05' })).toEqual({ applied: 1, unapplied: 0 });
    const after = (await ledger.getInvoice(invoice!.number))!;
    expect([after.paid.toFixed(), after.paymentCount, after.payments.map((p) => p.paymentId).sort()]).toEqual(['21', 2, ['P-2a', 'P-2b']]);
  });

  it('applyDuePayments decides a payment again when another worker applied one to its invoice in between', async () => {
    const ledger = runtime.deps.ledger;
    const invoice = await issue(draft('PAY3', '2030-02', '100'), []);
    const mine = { paymentId: 'P-3a', invoiceNumber: invoice!.number, amount: d(70), currency: 'USD', receivedOn: '2030-03-05' };
    const theirs = { ...mine, paymentId: 'P-3b', amount: d(50), receivedOn: '2030-03-04' };
    await ledger.addPayments([mine]);
    let raced = false;
    // Another worker applies `theirs` between this run's read of the invoice and its write.
    const racing = Object.assign(Object.create(ledger) as Ledger, {
      recordPayment: async (...args: Parameters<Ledger['recordPayment']>) => {
        if (!raced) {
          raced = true;
          await ledger.addPayments([theirs]);
          await applyDuePayments(runtime.deps, { today: theirs.receivedOn });
        }
        return ledger.recordPayment(...args);
      },
    });
    const sent: unknown[] = [];
    const deps = { ...runtime.deps, ledger: racing, discrepancyQueue: { send: async (m: readonly { body: unknown }[]) => { sent.push(...m.map((x) => x.body)); } } };
    expect(await applyDuePayments(deps, { today: '2030-03-05' })).toEqual({ applied: 1, unapplied: 1 });
    const after = (await ledger.getInvoice(invoice!.number))!;
    expect([after.paid.toFixed(), after.paymentCount]).toEqual(['100', 2]);
    expect(after.payments.map((p) => `${p.paymentId} ${p.amount.toFixed()}`).sort()).toEqual(['P-3a 50', 'P-3b 50']);
    // Decided again on the new totals: 50 of P-3a applies, the 20 that no longer fit is an overpayment.
    expect(sent).toMatchObject([{ discrepancy: { type: 'unapplied_payment', amountAtStake: d(20) } }]);
    expect((await ledger.listInvoices({ openOnly: true })).map((i) => i.invoice.number)).not.toContain(invoice!.number);
  });

  it('records a dunning step and its late fee once, and bills the fee on one invoice only', async () => {
    const invoice = await issue(draft('DUN1', '2030-03'), []);
    const fee = { invoiceNumber: invoice!.number, clientId: 'DUN1', currency: 'USD', amount: d(25), step: 'late', chargedOn: '2030-04-20' };
    const steps = [{ invoiceNumber: invoice!.number, step: 'late' }];
    const [first, second] = await Promise.all([
      runtime.deps.ledger.recordDunning(steps, [fee], outbox('dunning#DUN1#2030-04-20')),
      runtime.deps.ledger.recordDunning(steps, [fee], outbox('dunning#DUN1#2030-04-20')),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    const account = await runtime.deps.ledger.getInvoice(invoice!.number);
    expect([...account!.stepsSent]).toEqual(['late']);
    expect(account!.feeCharged).toBe(true);
    const fees = await runtime.deps.ledger.unbilledLateFees('DUN1');
    expect(fees.map((f) => f.amount.toFixed())).toEqual(['25']);
    const next = await issue(draft('DUN1', '2030-04'), fees);
    expect(next).toBeDefined();
    expect(await runtime.deps.ledger.unbilledLateFees('DUN1')).toEqual([]);
  });

  it('keeps an outbox entry pending until sent, then logs it in send order', async () => {
    const ledger = runtime.deps.ledger;
    expect(await ledger.putOutbox(outbox('o-1'))).toBe(true);
    expect(await ledger.putOutbox(outbox('o-1'))).toBe(false);
    expect((await ledger.pendingOutbox()).map((e) => e.key)).toContain('o-1');
    const claim = await ledger.claimSend('o-1', 'worker-a', 90);
    expect(claim?.sentOrder).toBeGreaterThan(0);
    await ledger.markSent(outbox('o-1'), 'msg-1', claim!.sentOrder);
    const again = await ledger.markSent(outbox('o-1'), 'msg-2', claim!.sentOrder + 1);
    expect(again.messageId).toBe('msg-1');
    expect(await ledger.claimSend('o-1', 'worker-b', 90)).toBeUndefined();
    expect((await ledger.pendingOutbox()).map((e) => e.key)).not.toContain('o-1');
    const bounced = await ledger.markBounced('msg-1');
    expect(bounced?.status).toBe('bounced');
  });

  it('lets one sender hold an entry until its lease expires, and the holder claim again', async () => {
    let now = 1_000_000;
    const ledger = new DynamoDbLedger(DynamoDBDocumentClient.from(runtime.clients.dynamodb), localNames(runtime.name).table, () => now);
    expect(await ledger.putOutbox(outbox('lease-1'))).toBe(true);
    const claims = await Promise.all(['a', 'b', 'c'].map((owner) => ledger.claimSend('lease-1', owner, 90)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = ['a', 'b', 'c'][claims.findIndex(Boolean)]!;
    const other = holder === 'a' ? 'b' : 'a';
    expect(await ledger.claimSend('lease-1', holder, 90)).toBeDefined(); // the SDK retrying a lost response
    now += 89_000;
    expect(await ledger.claimSend('lease-1', other, 90)).toBeUndefined();
    now += 2_000; // the holder crashed: its lease has run out
    expect(await ledger.claimSend('lease-1', other, 90)).toBeDefined();
    expect(await ledger.claimSend('lease-1', holder, 90)).toBeUndefined();
  });

  it('stores a discrepancy once and tracks its lifecycle', async () => {
    const discrepancy = { id: 'D-x', period: '2030-01', type: 'missing_usage' as const, clientId: 'C', sku: 'S', amountAtStake: d('12.5'), currency: 'USD' };
    expect(await runtime.deps.ledger.storeDiscrepancy(discrepancy, '2030-02-01')).toBe(true);
    expect(await runtime.deps.ledger.storeDiscrepancy(discrepancy, '2030-02-02')).toBe(false);
    await runtime.deps.ledger.setDiscrepancyStatus('D-x', 'acknowledged', '2030-02-03');
    const resolved = await runtime.deps.ledger.setDiscrepancyStatus('D-x', 'resolved', '2030-02-05', 'credited');
    expect(resolved).toMatchObject({ status: 'resolved', openedOn: '2030-02-01', acknowledgedOn: '2030-02-03', closedOn: '2030-02-05', note: 'credited' });
    expect(resolved.amountAtStake?.toFixed()).toBe('12.5');
  });
});
