import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, eachDay } from '../../functions/domain/dates.js';
import {
  decideDunning,
  dunningRecords,
  lateFeeAmount,
  type DunningInput,
} from '../../functions/domain/decide-dunning.js';
import { lateFeeLines } from '../../functions/domain/late-fee-lines.js';
import { Dec, formatMoney } from '../../functions/domain/money.js';
import type { DunningStep, Invoice, InvoiceAccount, LateFee } from '../../functions/domain/billing-types.js';
import { client, d, settings } from '../support/builders.js';
import { expectedNotifications, replay } from './ar-conformance.js';

const STEPS = settings().dunning.steps; // reminder −3, due 0, overdue_1 7, overdue_2 14 (1.5 %, min 0), final 30
const DUE = '2025-03-03';

function account(
  number: string,
  total: string | number,
  overrides: Partial<Invoice> = {},
  rest: Partial<InvoiceAccount> = {},
): InvoiceAccount {
  const invoice: Invoice = {
    number,
    clientId: 'C001',
    period: '2025-01',
    currency: 'USD',
    issueDate: '2025-02-01',
    dueDate: DUE,
    lines: [],
    subtotal: d(total),
    tax: d(0),
    total: d(total),
    ...overrides,
  };
  return { invoice, payments: [], ...rest };
}

function decide(today: string, invoices: InvoiceAccount[], more: Partial<DunningInput> = {}) {
  return decideDunning({
    today,
    steps: [...STEPS],
    clients: [client()],
    invoices,
    sentSteps: new Map(),
    lateFeeCharged: new Set(),
    ...more,
  });
}

/** [invoice, step, fee] of every item sent. */
const sent = (decision: ReturnType<typeof decide>) =>
  decision.emails.flatMap((e) =>
    e.items.map((i) => [i.invoiceNumber, i.step, i.lateFee && formatMoney(i.lateFee, i.currency)]),
  );

describe('the applicable step is the one with the largest offsetDays ≤ days (docs/contract.md §7)', () => {
  it.each([
    ['2025-02-27', []], // −4 days: before the first step
    ['2025-02-28', [['INV-1', 'reminder', undefined]]],
    ['2025-03-03', [['INV-1', 'due', undefined]]],
    ['2025-03-09', [['INV-1', 'due', undefined]]],
    ['2025-03-10', [['INV-1', 'overdue_1', undefined]]],
    ['2025-03-17', [['INV-1', 'overdue_2', '1.50']]],
    ['2025-04-02', [['INV-1', 'final', '1.50']]],
    ['2025-09-01', [['INV-1', 'final', '1.50']]],
  ] as const)('on %s sends %j for an invoice due 2025-03-03 with nothing sent', (today, expected) => {
    expect(sent(decide(today, [account('INV-1', 100)]))).toEqual(expected);
  });
  it('orders steps by offsetDays whatever their configured order', () => {
    expect(sent(decide('2025-03-10', [account('INV-1', 100)], { steps: [...STEPS].reverse() }))).toEqual([
      ['INV-1', 'overdue_1', undefined],
    ]);
  });
  it('states the balance, currency, due date and days overdue', () => {
    const [email] = decide('2025-03-10', [account('INV-1', '250.40')]).emails;
    expect(email?.items[0]).toMatchObject({
      invoiceNumber: 'INV-1',
      step: 'overdue_1',
      currency: 'USD',
      dueDate: DUE,
      daysOverdue: 7,
    });
    expect(email?.items[0]?.balance.toFixed(2)).toBe('250.40');
  });
});

describe('no step is ever sent twice; catch-up sends only the latest', () => {
  it('sends only the latest step when earlier ones were skipped', () => {
    const sentSteps = new Map([['INV-1', new Set(['reminder'])]]);
    expect(sent(decide('2025-03-11', [account('INV-1', 100)], { sentSteps }))).toEqual([
      ['INV-1', 'overdue_1', undefined],
    ]);
  });
  it.each([
    ['the applicable step', ['overdue_1']],
    ['a later step', ['overdue_2']],
    ['the last step, long after', ['final']],
  ] as const)('does not send when %s was already sent', (_name, already) => {
    const sentSteps = new Map([['INV-1', new Set<string>(already)]]);
    expect(decide('2025-03-12', [account('INV-1', 100)], { sentSteps }).emails).toEqual([]);
  });
  it('never sends a skipped earlier step afterwards', () => {
    const sentSteps = new Map([['INV-1', new Set(['overdue_1'])]]);
    for (const today of ['2025-02-28', '2025-03-03', '2025-03-12'])
      expect(decide(today, [account('INV-1', 100)], { sentSteps }).emails).toEqual([]);
  });
  it('sends nothing on a second run of the same day once the first was recorded', () => {
    const invoices = [account('INV-1', 100), account('INV-2', 50)];
    const first = decide('2025-03-17', invoices);
    const records = dunningRecords(first, '2025-03-17');
    const sentSteps = new Map(records.stepsSent.map((s) => [s.invoiceNumber, new Set([s.step])]));
    const lateFeeCharged = new Set(records.lateFees.map((f) => f.invoiceNumber));
    expect(decide('2025-03-17', invoices, { sentSteps, lateFeeCharged }).emails).toEqual([]);
  });
});

describe('which invoices are dunned', () => {
  it.each([
    ['an invoice issued today', account('INV-1', 100, { issueDate: '2025-03-10', dueDate: '2025-03-10' })],
    ['an invoice issued after today', account('INV-1', 100, { issueDate: '2025-03-11', dueDate: '2025-03-01' })],
    [
      'a paid invoice',
      account('INV-1', 100, {}, { payments: [{ paymentId: 'P', amount: d(100), receivedOn: '2025-03-05' }] }),
    ],
    [
      'an invoice paid today (payments of today apply first)',
      account('INV-1', 100, {}, { payments: [{ paymentId: 'P', amount: d(100), receivedOn: '2025-03-10' }] }),
    ],
    ['an invoice disputed today', account('INV-1', 100, {}, { disputedOn: '2025-03-10' })],
    ['an invoice disputed earlier', account('INV-1', 100, {}, { disputedOn: '2025-02-20' })],
    ['a credit note', account('INV-1', -50)],
    ['a zero invoice', account('INV-1', 0)],
    ['an invoice of a client with dunning none', account('INV-1', 100, { clientId: 'C002' })],
    ['an invoice of an unknown client', account('INV-1', 100, { clientId: 'C404' })],
  ] as const)('does not dun %s', (_name, invoice) => {
    const clients = [client(), client({ clientId: 'C002', dunning: 'none' })];
    expect(decide('2025-03-10', [invoice], { clients }).emails).toEqual([]);
  });
  it.each([
    [
      'a partially paid invoice, on its balance',
      account('INV-1', 100, {}, { payments: [{ paymentId: 'P', amount: d(40), receivedOn: '2025-03-05' }] }),
      '60.00',
    ],
    [
      'an invoice paid after today (not received yet)',
      account('INV-1', 100, {}, { payments: [{ paymentId: 'P', amount: d(100), receivedOn: '2025-03-11' }] }),
      '100.00',
    ],
    ['an invoice disputed only later', account('INV-1', 100, {}, { disputedOn: '2025-03-20' }), '100.00'],
    [
      'an invoice issued yesterday',
      account('INV-1', 100, { issueDate: '2025-03-09', dueDate: '2025-03-09' }),
      '100.00',
    ],
  ] as const)('duns %s', (_name, invoice, balance) => {
    expect(decide('2025-03-10', [invoice]).emails[0]?.items[0]?.balance.toFixed(2)).toBe(balance);
  });
});

describe('late fee = max(round(balance × percent ÷ 100), minimum), once per invoice', () => {
  const fee = (minimum: string | number, percent: string | number = 2): DunningStep[] => [
    { name: 'due', offsetDays: 0 },
    { name: 'late', offsetDays: 10, lateFee: { percent: d(percent), minimum: d(minimum) } },
    { name: 'final', offsetDays: 21 },
  ];
  it.each([
    ['USD', '8256.18', '2', '10', '165.12'],
    ['GBP', '234.47', '2', '10', '10.00'], // minimum
    ['KWD', '1194.051', '1.5', '0', '17.911'], // 17.910765 → 3 decimals
    ['KWD', '0.100', '2.5', '0', '0.003'], // 0.0025 → half away from zero
    ['JPY', '2262', '2', '0', '45'], // 45.24 → 0 decimals
    ['JPY', '25', '2', '0', '1'], // 0.5 → 1
    ['JPY', '2262', '2', '100', '100'],
  ] as const)('charges %s %s at %s percent (minimum %s) as %s', (currency, balance, percent, minimum, expected) => {
    expect(lateFeeAmount(d(balance), { percent: d(percent), minimum: d(minimum) }, currency).toFixed()).toBe(
      new Dec(expected).toFixed(),
    );
  });
  it('charges the fee with the step that has it', () => {
    expect(sent(decide('2025-03-13', [account('INV-1', '234.47')], { steps: fee(10) }))).toEqual([
      ['INV-1', 'late', '10.00'],
    ]);
  });
  it('charges the fee on a catch-up that jumps past the fee step', () => {
    expect(sent(decide('2025-03-30', [account('INV-1', 1000)], { steps: fee(0) }))).toEqual([
      ['INV-1', 'final', '20.00'],
    ]);
  });
  it('does not charge again with a later step', () => {
    const more = {
      steps: fee(10),
      sentSteps: new Map([['INV-1', new Set(['late'])]]),
      lateFeeCharged: new Set(['INV-1']),
    };
    expect(sent(decide('2025-03-30', [account('INV-1', 1000)], more))).toEqual([['INV-1', 'final', undefined]]);
  });
  it('charges at most once even when several steps carry a fee', () => {
    const steps: DunningStep[] = [
      { name: 'a', offsetDays: 5, lateFee: { percent: d(1), minimum: d(0) } },
      { name: 'b', offsetDays: 10, lateFee: { percent: d(5), minimum: d(0) } },
    ];
    const first = decide('2025-03-14', [account('INV-1', 1000)], { steps });
    expect(sent(first)).toEqual([['INV-1', 'b', '50.00']]); // a catch-up over a and b: b's terms, the larger offsetDays
    expect(sent(decide('2025-03-08', [account('INV-1', 1000)], { steps }))).toEqual([['INV-1', 'a', '10.00']]);
    const again = decide('2025-03-14', [account('INV-1', 1000)], {
      steps,
      sentSteps: new Map([['INV-1', new Set(['a'])]]),
      lateFeeCharged: new Set(['INV-1']),
    });
    expect(sent(again)).toEqual([['INV-1', 'b', undefined]]);
  });
  it('takes the terms of the fee step with the largest offsetDays reached, whatever order the ladder lists them in', () => {
    const a: DunningStep = { name: 'a', offsetDays: 5, lateFee: { percent: d(1), minimum: d(0) } };
    const b: DunningStep = { name: 'b', offsetDays: 10, lateFee: { percent: d(5), minimum: d(0) } };
    const c: DunningStep = { name: 'c', offsetDays: 20 };
    for (const steps of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ]) {
      expect(sent(decide('2025-03-30', [account('INV-1', 1000)], { steps }))).toEqual([['INV-1', 'c', '50.00']]);
    }
  });
  it('breaks a tie in offsetDays by the step the ladder lists last, as the applicable step does', () => {
    const first: DunningStep = { name: 'first', offsetDays: 10, lateFee: { percent: d(1), minimum: d(0) } };
    const second: DunningStep = { name: 'second', offsetDays: 10, lateFee: { percent: d(3), minimum: d(0) } };
    expect(sent(decide('2025-03-13', [account('INV-1', 1000)], { steps: [first, second] }))).toEqual([
      ['INV-1', 'second', '30.00'],
    ]);
    expect(sent(decide('2025-03-13', [account('INV-1', 1000)], { steps: [second, first] }))).toEqual([
      ['INV-1', 'first', '10.00'],
    ]);
  });
  it("charges nothing when the terms that apply come to 0, even if an earlier fee step's would not", () => {
    const steps: DunningStep[] = [
      { name: 'a', offsetDays: 5, lateFee: { percent: d(2), minimum: d(5) } },
      { name: 'b', offsetDays: 10, lateFee: { percent: d(0), minimum: d(0) } },
    ];
    const decision = decide('2025-03-14', [account('INV-1', 1000)], { steps });
    expect(sent(decision)).toEqual([['INV-1', 'b', undefined]]);
    expect(dunningRecords(decision, '2025-03-14').lateFees).toEqual([]);
  });
  it("lets a later fee step charge when an earlier one's fee came to 0 (no fee was charged)", () => {
    const steps: DunningStep[] = [
      { name: 'a', offsetDays: 5, lateFee: { percent: d(0), minimum: d(0) } },
      { name: 'b', offsetDays: 10, lateFee: { percent: d(2), minimum: d(5) } },
    ];
    expect(sent(decide('2025-03-08', [account('INV-1', 100)], { steps }))).toEqual([['INV-1', 'a', undefined]]);
    const later = decide('2025-03-13', [account('INV-1', 100)], {
      steps,
      sentSteps: new Map([['INV-1', new Set(['a'])]]),
    });
    expect(sent(later)).toEqual([['INV-1', 'b', '5.00']]);
  });
  it("charges only the first time the terms' step (or a later one) is sent: a later send does not retry a fee that came to 0", () => {
    const steps: DunningStep[] = [
      { name: 't', offsetDays: 5, lateFee: { percent: d(2), minimum: d(0) } },
      { name: 'f', offsetDays: 10 },
    ];
    const payments = [{ paymentId: 'P1', amount: d('99.99'), receivedOn: '2025-03-01' }];
    // 2 % of 0.01 is 0: `t` goes out on 03-08 and charges nothing.
    expect(sent(decide('2025-03-08', [account('INV-1', 100, {}, { payments })], { steps }))).toEqual([
      ['INV-1', 't', undefined],
    ]);
    // A refund takes the balance back to 50.01; `f` is not `t`'s first time, so still no fee.
    const refunded = [...payments, { paymentId: 'P2', amount: d(-50), receivedOn: '2025-03-10' }];
    const later = decide('2025-03-13', [account('INV-1', 100, {}, { payments: refunded })], {
      steps,
      sentSteps: new Map([['INV-1', new Set(['t'])]]),
    });
    expect(sent(later)).toEqual([['INV-1', 'f', undefined]]);
  });
  it('never duns a balance that rounds to 0 in the invoice currency, and charges a fee on the rounded balance', () => {
    const paid = (amount: string) => [{ paymentId: 'P1', amount: d(amount), receivedOn: '2025-03-01' }];
    expect(decide('2025-03-17', [account('INV-1', 100, {}, { payments: paid('99.996') })]).emails).toEqual([]);
    expect(
      decide('2025-03-17', [account('INV-1', 100, { currency: 'JPY' }, { payments: paid('99.6') })]).emails,
    ).toEqual([]);
    // 0.005 rounds half away from zero to 0.01: still owed, dunned (its 1.5 % fee comes to 0).
    expect(sent(decide('2025-03-17', [account('INV-1', 100, {}, { payments: paid('99.995') })]))).toEqual([
      ['INV-1', 'overdue_2', undefined],
    ]);
    const [item] =
      decide('2025-03-17', [account('INV-1', 100, {}, { payments: paid('0.004') })]).emails[0]?.items ?? [];
    expect(item?.balance.toFixed()).toBe('100');
  });
  it('does not charge a fee that rounds to zero', () => {
    expect(sent(decide('2025-03-17', [account('INV-1', '0.10')]))).toEqual([['INV-1', 'overdue_2', undefined]]);
  });
  it('records fees as LateFee charged today against the step sent', () => {
    const decision = decide('2025-03-30', [account('INV-1', 1000, { currency: 'EUR' })], { steps: fee(0) });
    expect(dunningRecords(decision, '2025-03-30')).toEqual({
      stepsSent: [{ clientId: 'C001', invoiceNumber: 'INV-1', step: 'final' }],
      lateFees: [
        {
          invoiceNumber: 'INV-1',
          clientId: 'C001',
          currency: 'EUR',
          amount: d(20),
          step: 'final',
          chargedOn: '2025-03-30',
        },
      ],
    });
  });
});

describe('late_fee lines on the next invoice (docs/contract.md §5)', () => {
  it('lists fees by date charged then invoice number, quantity 1, no sku or period', () => {
    const fee = (invoiceNumber: string, chargedOn: string, amount: string): LateFee => ({
      invoiceNumber,
      clientId: 'C001',
      currency: 'USD',
      amount: d(amount),
      step: 'late',
      chargedOn,
    });
    const lines = lateFeeLines([
      fee('INV-9', '2025-03-20', '10'),
      fee('INV-3', '2025-03-20', '4.5'),
      fee('INV-7', '2025-03-02', '1.25'),
    ]);
    expect(
      lines.map((l) => [
        l.kind,
        l.sku,
        l.period,
        l.description,
        l.quantity.toFixed(),
        l.unitPrice.toFixed(),
        l.amount.toFixed(),
        l.feeOf,
      ]),
    ).toEqual([
      [
        'late_fee',
        undefined,
        undefined,
        'Late fee on INV-7',
        '1',
        '1.25',
        '1.25',
        { invoiceNumber: 'INV-7', chargedOn: '2025-03-02' },
      ],
      [
        'late_fee',
        undefined,
        undefined,
        'Late fee on INV-3',
        '1',
        '4.5',
        '4.5',
        { invoiceNumber: 'INV-3', chargedOn: '2025-03-20' },
      ],
      [
        'late_fee',
        undefined,
        undefined,
        'Late fee on INV-9',
        '1',
        '10',
        '10',
        { invoiceNumber: 'INV-9', chargedOn: '2025-03-20' },
      ],
    ]);
  });
});

describe('one email per client per day', () => {
  it('lists every invoice of the client that reached a step, by invoice number, to the billing emails', () => {
    const clients = [client({ clientId: 'C002', billingEmails: ['a@c2.example', 'b@c2.example'] }), client()];
    const invoices = [
      account('INV-5', 100, { clientId: 'C002' }),
      account('INV-2', 100, { clientId: 'C002', dueDate: '2025-03-13' }),
      account('INV-3', 100),
      account('INV-4', 100, { clientId: 'C002', dueDate: '2025-04-30' }),
    ];
    const decision = decide('2025-03-10', invoices, { clients });
    expect(decision.emails.map((e) => [e.clientId, e.to, e.items.map((i) => [i.invoiceNumber, i.step])])).toEqual([
      ['C001', ['ap@c1.example'], [['INV-3', 'overdue_1']]],
      [
        'C002',
        ['a@c2.example', 'b@c2.example'],
        [
          ['INV-2', 'reminder'],
          ['INV-5', 'overdue_1'],
        ],
      ],
    ]);
  });
});

describe('properties', () => {
  const stepsArb = fc.uniqueArray(fc.integer({ min: -10, max: 40 }), { minLength: 1, maxLength: 5 }).chain((offsets) =>
    fc.tuple(...offsets.map(() => fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }))).map((fees) =>
      offsets.map((offsetDays, i): DunningStep => ({
        name: `s${offsetDays}`,
        offsetDays,
        ...(fees[i] !== undefined ? { lateFee: { percent: d(fees[i]!), minimum: d(1) } } : {}),
      })),
    ),
  );
  const invoiceArb = fc.record({
    issue: fc.integer({ min: 0, max: 20 }),
    terms: fc.integer({ min: 0, max: 30 }),
    total: fc.integer({ min: -500, max: 5000 }),
    client: fc.constantFrom('C001', 'C002'),
  });
  const paymentArb = fc.record({
    invoice: fc.nat(5),
    day: fc.integer({ min: 0, max: 80 }),
    amount: fc.integer({ min: 1, max: 3000 }),
  });

  it('over any days and payments, no invoice gets a step twice, a late fee twice, or an earlier step after a later one', () => {
    fc.assert(
      fc.property(
        stepsArb,
        fc.array(invoiceArb, { minLength: 1, maxLength: 6 }),
        fc.array(paymentArb, { maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 5 }),
        (steps, specs, payments, retryDays) => {
          const start = '2025-01-01';
          const day = (n: number) => addDays(start, n);
          let accounts = specs.map((s, i) =>
            account(`INV-${i}`, s.total, {
              clientId: s.client,
              issueDate: day(s.issue),
              dueDate: day(s.issue + s.terms),
            }),
          );
          const sentSteps = new Map<string, Set<string>>();
          const lateFeeCharged = new Set<string>();
          const history: Array<[string, string]> = [];
          const fees: string[] = [];
          const rank = new Map([...steps].sort((a, b) => a.offsetDays - b.offsetDays).map((s, i) => [s.name, i]));
          [...eachDay(start, day(80))].forEach((today, n) => {
            accounts = accounts.map((a, i) => ({
              ...a,
              payments: [
                ...a.payments,
                ...payments
                  .filter((p) => p.invoice === i && p.day === n)
                  .map((p, k) => ({ paymentId: `P${n}-${k}`, amount: d(p.amount), receivedOn: today })),
              ],
            }));
            const runs = 1 + retryDays.filter((r) => r === n).length;
            for (let run = 0; run < runs; run += 1) {
              const decision = decideDunning({
                today,
                steps,
                clients: [client(), client({ clientId: 'C002' })],
                invoices: accounts,
                sentSteps,
                lateFeeCharged,
              });
              expect(new Set(decision.emails.map((e) => e.clientId)).size).toBe(decision.emails.length);
              const records = dunningRecords(decision, today);
              for (const { invoiceNumber, step } of records.stepsSent) {
                const before = sentSteps.get(invoiceNumber) ?? new Set<string>();
                for (const earlier of before) expect(rank.get(earlier)!).toBeLessThan(rank.get(step)!);
                before.add(step);
                sentSteps.set(invoiceNumber, before);
                history.push([invoiceNumber, step]);
              }
              for (const f of records.lateFees) {
                lateFeeCharged.add(f.invoiceNumber);
                fees.push(f.invoiceNumber);
              }
            }
          });
          expect(new Set(history.map(([i, s]) => `${i}/${s}`)).size).toBe(history.length);
          expect(new Set(fees).size).toBe(fees.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('property: at most one late fee per invoice, on the stated terms (docs/contract.md §7)', () => {
  // Ladders listed in any order, with equal offsets, several fee steps and fees that come to 0.
  const termsArb = fc.option(
    fc.record({
      percent: fc.constantFrom('0', '0', '0.5', '1.5', '2', '10'),
      minimum: fc.constantFrom('0', '0', '0.01', '5'),
    }),
    { nil: undefined },
  );
  const ladderArb = fc
    .array(fc.record({ offsetDays: fc.integer({ min: -5, max: 30 }), terms: termsArb }), { minLength: 1, maxLength: 6 })
    .map((steps) =>
      steps.map(({ offsetDays, terms }, i): DunningStep => ({
        name: `s${i}`,
        offsetDays,
        ...(terms ? { lateFee: { percent: d(terms.percent), minimum: d(terms.minimum) } } : {}),
      })),
    );
  const currencyArb = fc.constantFrom('USD', 'JPY', 'KWD');
  // Totals and payments in thousandths, so balances may end in a sub-cent remainder.
  const invoiceArb = fc.record({
    issue: fc.integer({ min: 0, max: 10 }),
    terms: fc.integer({ min: 0, max: 20 }),
    total: fc.integer({ min: 1, max: 200_000 }),
  });
  // Payments in thousandths, some leaving only a few thousandths unpaid (a fee of 0, or a
  // balance that rounds to 0), and refunds (negative): a balance may go up again after a send.
  const paymentArb = fc.record({
    invoice: fc.nat(3),
    day: fc.integer({ min: 0, max: 60 }),
    amount: fc.oneof(
      fc.integer({ min: -100_000, max: 200_000 }).map((thousandths) => ({ thousandths })),
      fc.integer({ min: 0, max: 20 }).map((leave) => ({ leave })),
    ),
  });
  const minorDigits: Record<string, number> = { USD: 2, JPY: 0, KWD: 3 };

  /** Rounded half away from zero to the currency's minor unit, computed here, not by the code under test. */
  const money = (value: Dec, currency: string): Dec =>
    value.toDecimalPlaces(minorDigits[currency] ?? 2, Dec.ROUND_HALF_UP);

  /**
   * What docs/contract.md §7 says the fee of a send is (undefined when none): the terms of the fee
   * step with the largest offsetDays reached, on the first time that step or a later one is
   * sent (`sentBefore` holds the offsets of the steps sent earlier).
   */
  function statedFee(
    steps: readonly DunningStep[],
    days: number,
    sentBefore: readonly number[],
    balance: Dec,
    currency: string,
  ): Dec | undefined {
    const reached = steps.filter((s) => s.offsetDays <= days && s.lateFee);
    if (reached.length === 0) return undefined;
    const largest = Math.max(...reached.map((s) => s.offsetDays));
    if (sentBefore.some((offset) => offset >= largest)) return undefined; // not the first time
    const terms = reached.filter((s) => s.offsetDays === largest).at(-1)?.lateFee;
    if (!terms) return undefined;
    const fee = money(balance.times(terms.percent).div(100), currency);
    const charged = money(Dec.max(fee, terms.minimum), currency);
    return charged.greaterThan(0) ? charged : undefined;
  }

  it('holds over random ladders, currencies and payment timings', () => {
    fc.assert(
      fc.property(
        ladderArb,
        currencyArb,
        fc.array(invoiceArb, { minLength: 1, maxLength: 4 }),
        fc.array(paymentArb, { maxLength: 8 }),
        (steps, currency, specs, payments) => {
          const start = '2025-01-01';
          const day = (n: number) => addDays(start, n);
          const totals = specs.map((spec) => money(d(spec.total).div(1000), currency));
          const accounts = specs.map((spec, i) =>
            account(`INV-${i}`, totals[i]!.toFixed(), {
              currency,
              issueDate: day(spec.issue),
              dueDate: day(spec.issue + spec.terms),
            }),
          );
          const sentSteps = new Map<string, Set<string>>();
          const lateFeeCharged = new Set<string>();
          const feesOf = new Map<string, number>();
          [...eachDay(start, day(60))].forEach((today, n) => {
            const withPayments = accounts.map((a, i) => ({
              ...a,
              payments: payments
                .filter((p) => p.invoice === i && p.day <= n)
                .map((p, k) => ({
                  paymentId: `P${k}`,
                  receivedOn: day(p.day),
                  amount:
                    'leave' in p.amount
                      ? totals[i]!.minus(d(p.amount.leave).div(1000))
                      : d(p.amount.thousandths).div(1000),
                })),
            }));
            const decision = decideDunning({
              today,
              steps,
              clients: [client()],
              invoices: withPayments,
              sentSteps,
              lateFeeCharged,
            });
            for (const item of decision.emails.flatMap((e) => e.items)) {
              const i = Number(item.invoiceNumber.slice(4));
              const paid = withPayments[i]!.payments.reduce((sum, p) => sum.plus(p.amount), d(0));
              const balance = money(totals[i]!.minus(paid), currency);
              expect(balance.greaterThan(0)).toBe(true); // a balance of zero is never dunned
              const sentBefore = [...(sentSteps.get(item.invoiceNumber) ?? [])].map(
                (name) => steps.find((s) => s.name === name)!.offsetDays,
              );
              const expected = lateFeeCharged.has(item.invoiceNumber)
                ? undefined
                : statedFee(steps, item.daysOverdue, sentBefore, balance, currency);
              expect(item.lateFee?.toFixed(), `${item.invoiceNumber} ${item.step} on ${today}`).toBe(
                expected?.toFixed(),
              );
            }
            const records = dunningRecords(decision, today);
            for (const { invoiceNumber, step } of records.stepsSent)
              sentSteps.set(invoiceNumber, new Set([...(sentSteps.get(invoiceNumber) ?? []), step]));
            for (const fee of records.lateFees) {
              expect(fee.amount.greaterThan(0)).toBe(true);
              lateFeeCharged.add(fee.invoiceNumber);
              feesOf.set(fee.invoiceNumber, (feesOf.get(fee.invoiceNumber) ?? 0) + 1);
            }
          });
          for (const count of feesOf.values()) expect(count).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('conformance example: dunning replayed day by day from 2025-01-28 to 2025-06-10', () => {
  const result = replay('2025-01-28', '2025-06-10');
  it('sends exactly the expected dunning emails, in order', () => {
    const expected = expectedNotifications()
      .filter((n) => n.kind === 'dunning')
      .map((n) => ({ date: n.date, to: n.to, invoices: n.invoices }));
    expect(result.dunning).toEqual(expected);
  });
  it('charges the late fees that appear on the next invoices', () => {
    expect(result.lateFees.map((f) => [f.chargedOn, f.invoiceNumber, f.step, f.amount.toFixed(2)])).toEqual([
      ['2025-02-18', 'OSP-2025-000009', 'late', '165.12'],
      ['2025-02-25', 'OSP-2025-000004', 'late', '23.97'],
      ['2025-03-13', 'OSP-2025-000002', 'late', '10.00'],
      ['2025-03-18', 'OSP-2025-000012', 'late', '10.00'],
      ['2025-03-18', 'OSP-2025-000018', 'late', '10.00'],
      ['2025-04-10', 'OSP-2025-000013', 'late', '26.96'],
      ['2025-04-18', 'OSP-2025-000029', 'late', '10.00'],
      ['2025-04-18', 'OSP-2025-000030', 'late', '68.60'],
      ['2025-05-18', 'OSP-2025-000033', 'late', '10.00'],
      ['2025-05-18', 'OSP-2025-000039', 'late', '10.00'],
      ['2025-05-18', 'OSP-2025-000040', 'late', '136.44'],
      ['2025-05-25', 'OSP-2025-000035', 'late', '43.20'],
      ['2025-06-10', 'OSP-2025-000034', 'late', '41.57'],
    ]);
    const linesOf = (clientId: string, from: string, to: string) =>
      lateFeeLines(
        result.lateFees.filter((f) => f.clientId === clientId && f.chargedOn >= from && f.chargedOn < to),
      ).map((l) => l.amount.toFixed(2));
    const byInvoice = new Map(result.accounts.map((a) => [a.invoice.number, a.invoice]));
    for (const invoice of byInvoice.values()) {
      const previous =
        [...byInvoice.values()]
          .filter((i) => i.clientId === invoice.clientId && i.issueDate < invoice.issueDate)
          .map((i) => i.issueDate)
          .sort()
          .at(-1) ?? '2025-01-01';
      const expected = invoice.lines.filter((l) => l.kind === 'late_fee').map((l) => l.amount.toFixed(2));
      expect([invoice.number, linesOf(invoice.clientId, previous, invoice.issueDate)]).toEqual([
        invoice.number,
        expected,
      ]);
    }
  });
});
