/**
 * The ledger's exactly-once guarantees against the real DynamoDB Local: conditional writes and
 * transactions decide, so racing callers and retries produce one set of effects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceDraft } from '../../../functions/domain/calculate-invoice.js';
import { Dec } from '../../../functions/domain/money.js';
import { applyDuePayments } from '../../../functions/app/apply-payments.js';
import type { Ledger, OutboxEntry } from '../../../functions/app/ports.js';
import type { Invoice, LateFee, Payment } from '../../../functions/domain/billing-types.js';
import { invoiceJson } from '../../../functions/app/invoice-json.js';
import { runDunning } from '../../../functions/app/run-dunning.js';
import { computeAging } from '../../../functions/domain/compute-aging.js';
import { destroyInstallation } from '../../faults/state.js';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DynamoDbCollectorState } from '../../../functions/collect/dynamodb-collector-state.js';
import { DynamoDbLedger } from '../../../functions/adapters/aws/dynamodb-ledger.js';
import {
  localNames,
  provisionLocal,
  startLocalRuntime,
  type LocalInstallation,
  type LocalRuntime,
} from '../../../functions/local-runner/local-runtime.js';
import { client, d, reference } from '../../support/builders.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime();
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

function draft(clientId: string, period = '2025-01', total = '100'): InvoiceDraft {
  const amount = new Dec(total);
  return {
    clientId,
    period,
    currency: 'USD',
    issueDate: '2025-02-01',
    dueDate: '2025-03-03',
    lines: [{ kind: 'recurring', sku: 'SEAT', period, description: 'Seat', quantity: d(1), unitPrice: amount, amount }],
    subtotal: amount,
    tax: d(0),
    total: amount,
  };
}

let sequence = 800_000;
/** Issues a draft with the next test number, as an invoice worker does with a reserved one. */
async function issue(d: InvoiceDraft, fees: readonly LateFee[]): Promise<Invoice | undefined> {
  sequence += 1;
  const invoice: Invoice = { ...d, number: `INV-${d.issueDate.slice(0, 4)}-${sequence}` };
  return (await runtime.deps.ledger.issueNumberedInvoice(invoice, fees)) ? invoice : undefined;
}

const outbox = (key: string): OutboxEntry => ({
  key,
  kind: 'dunning',
  date: '2025-02-10',
  to: ['a@b.example'],
  subject: 's',
  invoices: [],
  rawKey: `emails/${key}.eml`,
  status: 'pending',
});

describe('DynamoDbLedger', () => {
  it('reads the expected feeds the collector state stored as plain rules, never parsing sources.json', async () => {
    const db = DynamoDBDocumentClient.from(runtime.clients.dynamodb);
    const table = localNames(runtime.name).table;
    const rules = [{ vendor: 'pax8', dayOfMonth: 5 }, { vendor: 'microsoft' }];
    await new DynamoDbCollectorState(db, table).saveConfig({ sources: [], expectedFeeds: rules });
    expect(
      (await db.send(new GetCommand({ TableName: table, Key: { PK: 'SOURCES', SK: 'CONFIG' } }))).Item?.expectedFeeds,
    ).toBe(JSON.stringify(rules));
    expect(await runtime.deps.ledger.expectedFeeds()).toEqual(rules);
    // The rules alone count: what `data` holds is the collector's business.
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: 'SOURCES',
          SK: 'CONFIG',
          data: JSON.stringify({ format: 'not sources.json' }),
          expectedFeeds: JSON.stringify([{ vendor: 'ninjaone' }]),
        },
      }),
    );
    expect(await runtime.deps.ledger.expectedFeeds()).toEqual([{ vendor: 'ninjaone' }]);
    // A config imported before the rules were stored apart still counts.
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { PK: 'SOURCES', SK: 'CONFIG', data: JSON.stringify({ sources: [], expectedFeeds: rules }) },
      }),
    );
    expect(await runtime.deps.ledger.expectedFeeds()).toEqual(rules);
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          PK: 'SOURCES',
          SK: 'CONFIG',
          data: JSON.stringify({ sources: [], expectedFeeds: [] }),
          expectedFeeds: '[]',
        },
      }),
    );
  });

  it('keeps the first dispute date and the first reason given with a dispute', async () => {
    const invoice = await issue(draft('DSP'), []);
    if (!invoice) throw new Error('issued');
    await runtime.deps.ledger.disputeInvoice(invoice.number, '2025-02-12');
    expect(await runtime.deps.ledger.getInvoice(invoice.number)).toMatchObject({ disputedOn: '2025-02-12' });
    expect((await runtime.deps.ledger.getInvoice(invoice.number))?.disputeReason).toBeUndefined();
    await runtime.deps.ledger.disputeInvoice(invoice.number, '2025-02-13', 'seats were cancelled in January');
    await runtime.deps.ledger.disputeInvoice(invoice.number, '2025-02-14', 'another reason');
    expect(await runtime.deps.ledger.getInvoice(invoice.number)).toMatchObject({
      disputedOn: '2025-02-12',
      disputeReason: 'seats were cancelled in January',
    });
    await expect(runtime.deps.ledger.disputeInvoice('INV-NONE', '2025-02-12', 'x')).rejects.toThrow();
  });

  it('round-trips the reference data exactly', async () => {
    const ref = reference({ agreements: [] });
    await runtime.deps.ledger.saveReferenceData(ref);
    const loaded = await runtime.deps.ledger.loadReferenceData();
    expect(loaded?.clients[0]?.taxRate.equals(0)).toBe(true);
    expect(loaded?.settings.dunning.steps[3]?.lateFee?.percent.toFixed()).toBe('1.5');
    expect(loaded?.skuMap[0]?.factor.equals(1)).toBe(true);
  });

  it('reserves a block of numbers once per period, gapless after the previous block, even when runs race', async () => {
    const [a, b] = await Promise.all([
      runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 8),
      runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 8),
    ]);
    expect(a).toBe(b);
    const next = await runtime.deps.ledger.reserveInvoiceNumbers('2030-02-race', 3);
    expect(next).toBe(a + 8);
    expect(await runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 8)).toBe(a);
    await expect(runtime.deps.ledger.reserveInvoiceNumbers('2030-01', 9)).rejects.toThrow(
      /reserved 8 invoice numbers, not 9/,
    );
    expect(await runtime.deps.ledger.reserveInvoiceNumbers('2030-empty', 0)).toBe(a + 11);
    expect(await runtime.deps.ledger.reserveInvoiceNumbers('2030-after-empty', 1)).toBe(a + 11);
  });

  it('issues a numbered invoice once per (client, period), whoever races, and refuses a second number', async () => {
    const invoice = { ...draft('R01', '2030-01'), number: 'INV-2030-900001' };
    const results = await Promise.all([
      runtime.deps.ledger.issueNumberedInvoice(invoice, []),
      runtime.deps.ledger.issueNumberedInvoice(invoice, []),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await runtime.deps.ledger.invoiceNumberFor('R01', '2030-01')).toBe('INV-2030-900001');
    await expect(
      runtime.deps.ledger.issueNumberedInvoice({ ...invoice, number: 'INV-2030-900002' }, []),
    ).rejects.toThrow(/already has invoice INV-2030-900001/);
    expect(await runtime.deps.ledger.getInvoice('INV-2030-900002')).toBeUndefined();
  });

  it('records a payment once and closes the invoice when paid', async () => {
    const invoice = await issue(draft('PAY1', '2030-02', '50'), []);
    const payment = {
      paymentId: 'P-1',
      invoiceNumber: invoice!.number,
      amount: d(50),
      currency: 'USD',
      receivedOn: '2030-03-05',
    };
    expect(await runtime.deps.ledger.addPayments([payment, payment])).toBe(1);
    const account = await runtime.deps.ledger.getInvoice(invoice!.number);
    const applied = { invoice: account!, amount: d(50), stillOpen: false };
    const results = await Promise.all([
      runtime.deps.ledger.recordPayment(payment, applied),
      runtime.deps.ledger.recordPayment(payment, applied),
    ]);
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
    const payments = ['P-2a', 'P-2b'].map((paymentId, i) => ({
      paymentId,
      invoiceNumber: invoice!.number,
      amount: d(10 + i),
      currency: 'USD',
      receivedOn: '2030-03-05',
    }));
    await ledger.addPayments(payments);
    const read = (await ledger.paymentTarget(payments[0]!)).invoice!;
    const results = await Promise.all(
      payments.map((p) => ledger.recordPayment(p, { invoice: read, amount: p.amount, stillOpen: true })),
    );
    expect(results.sort()).toEqual(['conflict', 'recorded']);
    const between = (await ledger.getInvoice(invoice!.number))!;
    expect(between.paymentCount).toBe(1);
    expect(between.paid.toFixed()).toBe(between.payments[0]!.amount.toFixed()); // the refused one left nothing behind
    // The caller retries the refused one on fresh totals (applyDuePayments does so).
    expect(await applyDuePayments(runtime.deps, { today: '2030-03-05' })).toEqual({ applied: 1, unapplied: 0 });
    const after = (await ledger.getInvoice(invoice!.number))!;
    expect([after.paid.toFixed(), after.paymentCount, after.payments.map((p) => p.paymentId).sort()]).toEqual([
      '21',
      2,
      ['P-2a', 'P-2b'],
    ]);
  });

  it('applyDuePayments decides a payment again when another worker applied one to its invoice in between', async () => {
    const ledger = runtime.deps.ledger;
    const invoice = await issue(draft('PAY3', '2030-02', '100'), []);
    const mine = {
      paymentId: 'P-3a',
      invoiceNumber: invoice!.number,
      amount: d(70),
      currency: 'USD',
      receivedOn: '2030-03-05',
    };
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
    const deps = {
      ...runtime.deps,
      ledger: racing,
      discrepancyQueue: {
        send: async (m: readonly { body: unknown }[]) => {
          sent.push(...m.map((x) => x.body));
        },
      },
    };
    expect(await applyDuePayments(deps, { today: '2030-03-05' })).toEqual({ applied: 1, unapplied: 1 });
    const after = (await ledger.getInvoice(invoice!.number))!;
    expect([after.paid.toFixed(), after.paymentCount]).toEqual(['100', 2]);
    expect(after.payments.map((p) => `${p.paymentId} ${p.amount.toFixed()}`).sort()).toEqual(['P-3a 50', 'P-3b 50']);
    // Decided again on the new totals: 50 of P-3a applies, the 20 that no longer fit is an overpayment.
    expect(sent).toMatchObject([{ discrepancy: { type: 'unapplied_payment', amountAtStake: '20' } }]);
    expect((await ledger.listInvoices({ openOnly: true })).map((i) => i.invoice.number)).not.toContain(invoice!.number);
  });

  // An invoice kept its payments in one attribute, so around 6,000 payments it passed DynamoDB's
  // 400 KB item limit and every later write to it failed. The first payments go through the
  // real path; the bulk is written as the ledger writes them (applying 20,000 one by one takes
  // minutes on DynamoDB Local).
  it('applies, lists, shows, ages and duns an invoice that took 20,000 payments', async () => {
    const started = performance.now();
    const many = await provisionLocal(runtime.aws, 'many-payments');
    try {
      const { ledger } = many.deps;
      await ledger.saveReferenceData(reference({ agreements: [] }));
      const invoice: Invoice = { ...draft('C001', '2025-01', '1000000'), number: 'INV-2025-000001' };
      expect(await ledger.issueNumberedInvoice(invoice, [])).toBe(true);
      const payment = (i: number, receivedOn = '2025-02-10'): Payment => ({
        paymentId: `P-${String(i).padStart(5, '0')}`,
        invoiceNumber: invoice.number,
        amount: d('0.25'),
        currency: 'USD',
        receivedOn,
      });
      await ledger.addPayments([payment(0), payment(1)]);
      expect(await applyDuePayments(many.deps, { today: '2025-02-10' })).toEqual({ applied: 2, unapplied: 0 });
      await seedAppliedPayments(many, invoice.number, 2, MANY_PAYMENTS);
      const seeded = performance.now();

      await ledger.addPayments([payment(MANY_PAYMENTS, '2025-03-09')]);
      expect(await applyDuePayments(many.deps, { today: '2025-03-09' })).toEqual({ applied: 1, unapplied: 0 });
      const applied = performance.now();

      const item = await rawItem(many, 'INVOICE', invoice.number);
      expect(JSON.stringify(item).length).toBeLessThan(2_000); // the invoice stays small
      expect([item.paid, item.paymentCount]).toEqual(['5000.25', MANY_PAYMENTS + 1]);
      const shown = (await ledger.getInvoice(invoice.number))!; // trueup invoices show
      expect(shown.payments).toHaveLength(MANY_PAYMENTS + 1);
      expect(invoiceJson(shown, '2025-03-09')).toMatchObject({ status: 'partially_paid', balance: '994999.75' });
      expect(invoiceJson(shown, '2025-02-10')).toMatchObject({ balance: '995000.00' }); // as of a date: the payments received by then
      const all = await ledger.listInvoices(); // the aging report, the outputs
      expect(all.map((i) => [i.invoice.number, i.payments.length])).toEqual([[invoice.number, MANY_PAYMENTS + 1]]);
      const aging = computeAging({ asOf: '2025-03-10', clients: [client()], invoices: all });
      expect(aging.rows.map((r) => [r.clientId, r.buckets['1-30'].toFixed(), r.total.toFixed()])).toEqual([
        ['C001', '994999.75', '994999.75'],
      ]); // 7 days late
      // Dunning lists the open invoices (with the payments of those that have some).
      expect(await runDunning(many.deps, { today: '2025-03-10' })).toEqual({ emails: 1, lateFees: 0 });
      expect((await rawItem(many, 'INVOICE', invoice.number)).stepsSent).toEqual(new Set(['overdue_1']));
      const done = performance.now();
      console.info(
        `${MANY_PAYMENTS} payments: setup ${Math.round(seeded - started)} ms, one more applied ${Math.round(applied - seeded)} ms, show, list, aging and dunning ${Math.round(done - applied)} ms`,
      );
    } finally {
      await destroyInstallation(many);
    }
  }, 120_000);

  it('applyDuePayments skips a payment another run applied after it was listed, and reports no overpayment', async () => {
    const ledger = runtime.deps.ledger;
    const invoice = await issue(draft('PAY4', '2030-02', '100'), []);
    const payment = {
      paymentId: 'P-4',
      invoiceNumber: invoice!.number,
      amount: d(100),
      currency: 'USD',
      receivedOn: '2030-03-06',
    };
    await ledger.addPayments([payment]);
    const late = Object.assign(Object.create(ledger) as Ledger, {
      pendingPayments: async (upTo: string) => {
        const listed = await ledger.pendingPayments(upTo);
        await applyDuePayments(runtime.deps, { today: upTo }); // the other run, right after this one listed
        return listed;
      },
    });
    const sent: unknown[] = [];
    const deps = {
      ...runtime.deps,
      ledger: late,
      discrepancyQueue: {
        send: async (m: readonly { body: unknown }[]) => {
          sent.push(...m.map((x) => x.body));
        },
      },
    };
    expect(await applyDuePayments(deps, { today: '2030-03-06' })).toEqual({ applied: 0, unapplied: 0 });
    expect(sent).toEqual([]);
    const after = (await ledger.getInvoice(invoice!.number))!;
    expect([after.paid.toFixed(), after.paymentCount]).toEqual(['100', 1]);
  });

  it('records a dunning step and its late fee once, and bills the fee on one invoice only', async () => {
    const invoice = await issue(draft('DUN1', '2030-03'), []);
    const fee = {
      invoiceNumber: invoice!.number,
      clientId: 'DUN1',
      currency: 'USD',
      amount: d(25),
      step: 'late',
      chargedOn: '2030-04-20',
    };
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
    const ledger = new DynamoDbLedger(
      DynamoDBDocumentClient.from(runtime.clients.dynamodb),
      localNames(runtime.name).table,
      () => now,
    );
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
    const discrepancy = {
      id: 'D-x',
      period: '2030-01',
      type: 'missing_usage' as const,
      clientId: 'C',
      sku: 'S',
      amountAtStake: d('12.5'),
      currency: 'USD',
    };
    expect(await runtime.deps.ledger.storeDiscrepancy(discrepancy, '2030-02-01')).toBe(true);
    expect(await runtime.deps.ledger.storeDiscrepancy(discrepancy, '2030-02-02')).toBe(false);
    await runtime.deps.ledger.setDiscrepancyStatus('D-x', 'acknowledged', '2030-02-03');
    const resolved = await runtime.deps.ledger.setDiscrepancyStatus('D-x', 'resolved', '2030-02-05', 'credited');
    expect(resolved).toMatchObject({
      status: 'resolved',
      openedOn: '2030-02-01',
      acknowledgedOn: '2030-02-03',
      closedOn: '2030-02-05',
      note: 'credited',
    });
    expect(resolved.amountAtStake?.toFixed()).toBe('12.5');
  });
});

const MANY_PAYMENTS = 20_000;

async function rawItem(installation: LocalInstallation, pk: string, sk: string): Promise<Record<string, unknown>> {
  const doc = DynamoDBDocumentClient.from(installation.clients.dynamodb);
  const out = await doc.send(
    new GetCommand({ TableName: localNames(installation.name).table, Key: { PK: pk, SK: sk }, ConsistentRead: true }),
  );
  if (!out.Item) throw new Error(`no item ${pk}|${sk}`);
  return out.Item;
}

/**
 * Writes the applied payments `from` … `to - 1` of 0.25 each, shaped like the one the ledger
 * wrote for payment 0, and moves the invoice's totals on as applying them would have.
 */
async function seedAppliedPayments(
  installation: LocalInstallation,
  number: string,
  from: number,
  to: number,
): Promise<void> {
  const doc = DynamoDBDocumentClient.from(installation.clients.dynamodb);
  const table = localNames(installation.name).table;
  const template = await rawItem(installation, 'APPLIED', `${number}#P-00000`);
  const id = (i: number): string => `P-${String(i).padStart(5, '0')}`;
  const items = Array.from({ length: to - from }, (_, k) => {
    const data = { ...(JSON.parse(String(template.data)) as Record<string, unknown>), paymentId: id(from + k) };
    return { ...template, SK: `${number}#${id(from + k)}`, data: JSON.stringify(data) };
  });
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, b) => items.slice(b * 25, b * 25 + 25));
  const writeBatch = async (batch: typeof items): Promise<void> => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  };
  const lanes = 4;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let b = lane; b < batches.length; b += lanes) await writeBatch(batches[b]!);
    }),
  );
  const before = await rawItem(installation, 'INVOICE', number);
  await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { PK: 'INVOICE', SK: number },
      UpdateExpression: 'SET paid = :paid, paymentCount = :count',
      ConditionExpression: 'paymentCount = :before',
      ExpressionAttributeValues: {
        ':paid': new Dec(String(before.paid)).plus(new Dec('0.25').times(to - from)).toFixed(),
        ':count': to,
        ':before': from,
      },
    }),
  );
}
