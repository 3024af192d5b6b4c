/** The QuickBooks wire's pure parts: requestid, query literals, and Dec → JSON numbers. */
import { describe, expect, it } from 'vitest';
import { BooksRefused } from '../../../functions/app/books-ports.js';
import { qboDec, qboJson, qboLiteral, requestIdFor } from '../../../functions/adapters/books/quickbooks-client.js';
import { customerDisplayName, itemName, paymentRefNum } from '../../../functions/adapters/books/quickbooks.js';
import { Dec } from '../../../functions/domain/money.js';

describe('requestIdFor', () => {
  it('is at most 50 characters, the same for the same key and body, new for a changed body or key', () => {
    const key = `trueup-payment-${'pi_'.padEnd(200, 'x')}`;
    const id = requestIdFor(key, '{"a":1}');
    expect(id).toMatch(/^tu-[0-9a-f]{47}$/);
    expect(requestIdFor(key, '{"a":1}')).toBe(id);
    expect(requestIdFor(key, '{"a":2}')).not.toBe(id);
    expect(requestIdFor('trueup-invoice-INV-1', '{"a":1}')).not.toBe(id);
  });
});

describe('qboLiteral', () => {
  it('quotes and escapes quotes and backslashes as QuickBooks queries do', () => {
    expect(qboLiteral("O'Brien \\ Co")).toBe("'O\\'Brien \\\\ Co'");
  });
});

describe('qboJson', () => {
  it('writes Dec values as the JSON numbers of the same decimals', () => {
    const body = { TotalAmt: new Dec('465.00'), Line: [{ Amount: new Dec('-100.10'), Qty: new Dec('3.3333') }] };
    expect(qboJson(body)).toBe('{"TotalAmt":465,"Line":[{"Amount":-100.1,"Qty":3.3333}]}');
  });

  it('refuses a value a JSON number cannot carry exactly rather than rounding it', () => {
    expect(() => qboJson({ Qty: new Dec('1.23456789012345678') })).toThrow(BooksRefused);
  });

  it('reads amounts back as the decimals QuickBooks wrote', () => {
    expect(qboDec(JSON.parse('{"t":1234.57}').t, 'TotalAmt').eq('1234.57')).toBe(true);
    expect(qboDec(0.1 + 0.2, 'x').toString()).toBe('0.30000000000000004');
  });
});

describe('names', () => {
  it('customer, item and payment reference as QuickBooks holds them', () => {
    expect(customerDisplayName({ name: 'Acme:\tWest', clientId: 'acme-w' })).toBe('Acme- West (acme-w)');
    expect(itemName('4100 Licensing')).toBe('TrueUp 4100 Licensing');
    expect(itemName('x'.repeat(200))).toHaveLength(100);
    expect(paymentRefNum('pi_3MtwBwLkdIwHu7ix28a3tqPa')).toBe('pi_3MtwBwLkdIwHu7ix28');
    expect(paymentRefNum('P-77')).toBe('P-77');
  });
});
