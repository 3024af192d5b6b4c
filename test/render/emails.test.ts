import { describe, expect, it } from 'vitest';
import { Dec } from '../../functions/domain/money.js';
import type { Settings } from '../../functions/domain/billing-types.js';
import {
  agingReportEmail,
  dunningEmail,
  dunningTone,
  invoiceEmail,
  receiptEmail,
  reconciliationReportEmail,
  type DunningItem,
} from '../../functions/render/emails.js';
import { CLIENT, MSP, sampleView } from './sample.js';

const item = (overrides: Partial<DunningItem> = {}): DunningItem => ({
  invoiceNumber: 'OSP-2025-000001',
  currency: 'EUR',
  balance: new Dec('855.04'),
  dueDate: '2025-02-08',
  daysOverdue: 0,
  step: 'due',
  ...overrides,
});

describe('invoiceEmail', () => {
  it('names the invoice, MSP, amount and due date in the subject and attaches the PDF', () => {
    const view = sampleView(3);
    const pdf = Buffer.from('%PDF-1.3 test');
    const email = invoiceEmail(view, pdf);
    expect(email.subject).toBe(
      `Invoice OSP-2025-000001 from Osprey Networks — EUR ${view.invoice.total.toFixed(2)} due 2025-02-08`,
    );
    expect(email.attachments).toEqual([
      { filename: 'OSP-2025-000001.pdf', contentType: 'application/pdf', content: pdf },
    ]);
    expect(email.text).toContain('Dear Brouwer & Zonen B.V.,');
    expect(email.text).toContain('Payment due within 7 days');
    expect(email.html).toContain('Brouwer &amp; Zonen B.V.');
  });

  it('escapes user values in the HTML part and keeps the subject on one line', () => {
    const view = sampleView(3, {
      client: { name: '<script>x</script>' },
      settings: { msp: { ...MSP.msp, name: 'Evil\r\nBcc: x@evil.example' } },
    });
    const email = invoiceEmail(view, Buffer.alloc(0));
    expect(email.html).not.toContain('<script>');
    expect(email.subject).not.toMatch(/[\r\n]/);
  });
});

describe('dunningTone', () => {
  const steps = MSP.dunning.steps;

  it('picks the tone by position in the ladder, not by name', () => {
    expect(dunningTone(steps, 'reminder', -3)).toBe('reminder');
    expect(dunningTone(steps, 'due', 0)).toBe('due');
    expect(dunningTone(steps, 'overdue_1', 7)).toBe('overdue');
    expect(dunningTone(steps, 'overdue_2', 14)).toBe('overdue');
    expect(dunningTone(steps, 'final', 30)).toBe('final');
  });

  it('works for user-named steps in any order', () => {
    const custom = [
      { name: 'zz-last', offsetDays: 45 },
      { name: 'heads-up', offsetDays: -5 },
      { name: 'nudge', offsetDays: 10 },
    ];
    expect(dunningTone(custom, 'heads-up', -5)).toBe('reminder');
    expect(dunningTone(custom, 'nudge', 10)).toBe('overdue');
    expect(dunningTone(custom, 'zz-last', 45)).toBe('final');
  });
});

describe('dunningEmail', () => {
  const email = (step: string, daysOverdue: number, extra: Partial<DunningItem> = {}) =>
    dunningEmail({ settings: MSP, client: CLIENT, date: '2025-02-08', items: [item({ step, daysOverdue, ...extra })] });

  it('rises in tone from reminder to final notice', () => {
    const subjects = [email('reminder', -3), email('due', 0), email('overdue_1', 7), email('final', 30)].map(
      (m) => m.subject,
    );
    expect(subjects[0]).toMatch(/^Friendly reminder: invoice OSP-2025-000001 is due on 2025-02-08/);
    expect(subjects[1]).toMatch(/^Invoice OSP-2025-000001 is due today/);
    expect(subjects[2]).toMatch(/^Overdue: invoice OSP-2025-000001 is 7 days overdue/);
    expect(subjects[3]).toMatch(/^Final notice: invoice OSP-2025-000001 is 30 days overdue/);
    expect(new Set(subjects.map((s) => s.split(':')[0])).size).toBe(4);
    const bodies = [email('reminder', -3), email('due', 0), email('overdue_1', 7), email('final', 30)].map(
      (m) => m.text.split('\n')[2],
    );
    expect(new Set(bodies).size).toBe(4);
    expect(email('final', 30).html).toContain('Final notice');
  });

  it('lists each invoice with balance, days overdue and late fee, and says where the fee goes', () => {
    const m = dunningEmail({
      settings: MSP,
      client: CLIENT,
      date: '2025-03-10',
      items: [
        item({
          invoiceNumber: 'OSP-2025-000031',
          step: 'overdue_2',
          daysOverdue: 14,
          balance: new Dec('100'),
          lateFee: new Dec('1.50'),
        }),
        item({ step: 'overdue_1', daysOverdue: 7 }),
      ],
    });
    expect(m.subject).toMatch(/^Overdue: 2 invoices past due — Osprey Networks$/);
    for (const part of [m.text, m.html]) {
      expect(part).toContain('OSP-2025-000001');
      expect(part).toContain('EUR 855.04');
      expect(part).toContain('7 days overdue');
      expect(part).toContain('EUR 100.00');
      expect(part).toContain('14 days overdue');
      expect(part).toContain('EUR 1.50');
      expect(part).toContain(
        'A late fee of EUR 1.50 has been charged on invoice OSP-2025-000031; it will appear on your next invoice.',
      );
      expect(part).toContain('EUR 955.04');
    }
  });

  it('states how each late fee was computed: percent of the balance and the minimum', () => {
    const m = dunningEmail({
      settings: MSP,
      client: CLIENT,
      date: '2025-03-10',
      items: [
        item({
          step: 'overdue_2',
          daysOverdue: 14,
          balance: new Dec('3060'),
          lateFee: new Dec('45.90'),
          lateFeeTerms: { percent: new Dec('1.5'), minimum: new Dec('25') },
        }),
        item({
          invoiceNumber: 'OSP-2025-000002',
          step: 'overdue_2',
          daysOverdue: 14,
          balance: new Dec('200'),
          lateFee: new Dec('3.00'),
          lateFeeTerms: { percent: new Dec('1.5'), minimum: new Dec('0') },
        }),
      ],
    });
    for (const part of [m.text, m.html]) {
      expect(part).toContain(
        'A late fee of EUR 45.90 (1.5% of EUR 3,060.00, minimum EUR 25.00) has been charged on invoice OSP-2025-000001',
      );
      expect(part).toContain('A late fee of EUR 3.00 (1.5% of EUR 200.00) has been charged on invoice OSP-2025-000002');
    }
  });

  it('final notice: the late fees charged so far and the total now owed', () => {
    const m = dunningEmail({
      settings: MSP,
      client: CLIENT,
      date: '2025-03-10',
      items: [
        item({
          step: 'final',
          daysOverdue: 30,
          balance: new Dec('3060'),
          lateFeesCharged: new Dec('45.90'),
          lateFeesUnbilled: new Dec('45.90'),
        }),
        item({
          invoiceNumber: 'OSP-2025-000002',
          step: 'final',
          daysOverdue: 30,
          balance: new Dec('100'),
          lateFeesCharged: new Dec('25'),
          lateFeesUnbilled: new Dec('0'),
        }),
      ],
    });
    for (const part of [m.text, m.html]) {
      expect(part).toContain('Late fees charged so far: EUR 70.90 (EUR 25.00 of it already on later invoices).');
      expect(part).toContain('Total now owed: EUR 3,205.90 (balance EUR 3,160.00 plus late fees EUR 45.90).');
    }
    expect(email('overdue_1', 7).text).not.toContain('Total now owed');
  });

  it('attaches the PDF of each invoice it lists and says so', () => {
    const pdf = Buffer.from('%PDF-1.3 x');
    const m = dunningEmail({
      settings: MSP,
      client: CLIENT,
      date: '2025-02-08',
      items: [item()],
      pdfs: [{ number: 'OSP-2025-000001', content: pdf }],
    });
    expect(m.attachments).toEqual([{ filename: 'OSP-2025-000001.pdf', contentType: 'application/pdf', content: pdf }]);
    expect(m.text).toContain('The invoice is attached: OSP-2025-000001.pdf.');
  });

  it('speaks in the sternest tone among its invoices', () => {
    const m = dunningEmail({
      settings: MSP,
      client: CLIENT,
      date: '2025-03-10',
      items: [
        item({ step: 'reminder', daysOverdue: -3 }),
        item({ invoiceNumber: 'OSP-2025-000002', step: 'final', daysOverdue: 30 }),
      ],
    });
    expect(m.subject).toMatch(/^Final notice: 2 invoices/);
  });

  it('escapes the client name', () => {
    const m = dunningEmail({
      settings: MSP,
      client: { ...CLIENT, name: '<img src=x onerror=alert(1)>' },
      date: '2025-02-08',
      items: [item()],
    });
    expect(m.html).not.toContain('<img');
    expect(m.text).toContain('<img src=x onerror=alert(1)>');
  });
});

describe('report emails', () => {
  const settings: Settings = MSP;

  it('sends the reconciliation report with the discrepancies CSV', () => {
    const m = reconciliationReportEmail({
      settings,
      period: '2025-01',
      html: '<p>r</p>',
      text: 'r',
      csv: 'id,type\r\n',
    });
    expect(m.subject).toBe('Reconciliation report 2025-01 — Osprey Networks');
    expect(m.html).toBe('<p>r</p>');
    expect(m.attachments).toEqual([
      { filename: 'discrepancies-2025-01.csv', contentType: 'text/csv; charset=utf-8', content: 'id,type\r\n' },
    ]);
  });

  it('attaches the rejected rows CSVs beside the discrepancies', () => {
    const m = reconciliationReportEmail({
      settings,
      period: '2025-01',
      html: '<p>r</p>',
      text: 'r',
      csv: 'id\r\n',
      rejected: [{ filename: 'u.csv.errors.csv', content: 'file,line\r\n' }],
    });
    expect(m.subject).toBe('Reconciliation report 2025-01 — Osprey Networks');
    expect(m.attachments.map((a) => a.filename)).toEqual(['discrepancies-2025-01.csv', 'u.csv.errors.csv']);
    expect(m.text).toContain('Rejected rows are attached as u.csv.errors.csv.');
  });

  it('sends the aging report with its CSV, and the chart inline when there is one', () => {
    const plain = agingReportEmail({
      settings,
      asOf: '2025-03-03',
      html: '<html><body>a</body></html>',
      text: 'a',
      csv: 'x\r\n',
    });
    expect(plain.subject).toBe('AR aging 2025-03-03 — Osprey Networks');
    expect(plain.attachments.map((a) => a.filename)).toEqual(['aging-2025-03-03.csv']);
    const chart = agingReportEmail({
      settings,
      asOf: '2025-03-03',
      html: '<html><body>a</body></html>',
      text: 'a',
      csv: 'x\r\n',
      chartPng: Buffer.from([0x89, 0x50]),
    });
    const png = chart.attachments[1];
    expect(png?.contentType).toBe('image/png');
    expect(chart.html).toContain(`<img src="cid:${png?.cid}"`);
  });
});

describe('receiptEmail', () => {
  const payment = {
    paymentId: 'PM-7',
    amount: new Dec('500'),
    currency: 'EUR',
    receivedOn: '2025-02-05',
    reference: 'bank 991',
  };
  const invoice = { number: 'OSP-2025-000001', currency: 'EUR', total: new Dec('855.04'), dueDate: '2025-02-08' };

  it('says what was received, what it paid and what is left', () => {
    const m = receiptEmail({
      settings: MSP,
      client: CLIENT,
      date: '2025-02-05',
      payment,
      invoice,
      applied: new Dec('500'),
      balance: new Dec('355.04'),
    });
    expect(m.subject).toBe('Receipt: payment of EUR 500.00 for invoice OSP-2025-000001 — Osprey Networks');
    for (const part of [m.text, m.html]) {
      expect(part).toContain(
        'we received your payment of EUR 500.00 on Feb 5, 2025 and applied EUR 500.00 to invoice OSP-2025-000001',
      );
      expect(part).toContain('The remaining balance of invoice OSP-2025-000001 is EUR 355.04, due Feb 8, 2025.');
      expect(part).toContain('bank 991');
    }
  });

  it('says when the invoice is paid in full, and names an excess', () => {
    const m = receiptEmail({
      settings: MSP,
      client: { ...CLIENT, name: '<b>x</b>' },
      date: '2025-02-05',
      payment: { ...payment, amount: new Dec('900') },
      invoice,
      applied: new Dec('855.04'),
      balance: new Dec('0'),
    });
    expect(m.text).toContain('Invoice OSP-2025-000001 is now paid in full.');
    expect(m.text).toContain('EUR 44.96 was more than the balance');
    expect(m.html).not.toContain('<b>x</b>');
  });
});

describe('payment instructions and dates in client emails', () => {
  const paying: Settings = {
    ...MSP,
    locale: 'en-GB',
    invoice: {
      ...MSP.invoice,
      paymentInstructions: 'IBAN NL91 ABNA 0417 1643 00\nBIC ABNANL2A',
      remitTo: 'Osprey Networks B.V.\nPostbus 1',
    },
  };

  it('puts how to pay in both parts of the invoice email, with dates and money for people, and keeps the subject as it was', () => {
    const big = sampleView(3, { settings: paying, invoice: { total: new Dec('12345.5') } });
    const email = invoiceEmail(big, Buffer.alloc(0));
    expect(email.subject).toBe('Invoice OSP-2025-000001 from Osprey Networks — EUR 12345.50 due 2025-02-08');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('How to pay');
      expect(part).toContain('IBAN NL91 ABNA 0417 1643 00');
      expect(part).toContain('Remit to');
      expect(part).toContain('Postbus 1');
      expect(part).toContain('1 Feb 2025');
      expect(part).toContain('EUR 12,345.50');
    }
  });

  it('puts how to pay in the dunning email, and nothing when no instructions are set', () => {
    const m = dunningEmail({ settings: paying, client: CLIENT, date: '2025-02-08', items: [item()] });
    for (const part of [m.text, m.html]) {
      expect(part).toContain('How to pay');
      expect(part).toContain('BIC ABNANL2A');
      expect(part).toContain('Osprey Networks B.V.');
    }
    // Money and dates for people, in the locale's form (en-GB here); the subject keeps the form of docs/contract.md §9.
    for (const part of [m.text, m.html]) expect(part).toContain('8 Feb 2025');
    const plain = dunningEmail({ settings: MSP, client: CLIENT, date: '2025-02-08', items: [item()] });
    expect(plain.text).not.toContain('How to pay');
    expect(plain.html).not.toContain('How to pay');
  });
});
