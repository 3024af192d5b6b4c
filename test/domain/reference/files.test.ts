import { describe, expect, it } from 'vitest';
import {
  formatProblems,
  parseAccounts,
  parseAgreements,
  parseClients,
  parsePaymentFiles,
  parsePayments,
  parseProducts,
  parseSkuMap,
  type ParseResult,
} from '../../../functions/domain/reference/index.js';
import {
  ACCOUNTS_HEADER,
  AGREEMENTS_HEADER,
  CLIENTS_HEADER,
  PAYMENTS_HEADER,
  PRODUCTS_HEADER,
  SKU_MAP_HEADER,
  VALID_ACCOUNT,
  VALID_AGREEMENT,
  VALID_CLIENT,
  VALID_MAPPING,
  VALID_PAYMENT,
  VALID_PRODUCT,
  csv,
  problemsOf,
  valueOf,
} from './helpers.js';

type Parser = (text: string) => ParseResult<unknown[]>;

/** The one-line message for a file with a valid row on line 2 and `row` on line 3. */
function failure(parse: Parser, header: string, valid: string, row: string): string {
  return formatProblems(problemsOf(parse(csv(header, valid, row))));
}

describe('clients.csv', () => {
  it('reads a row with its defaults: terms from settings, tax 0, dunning standard', () => {
    const [c] = valueOf(parseClients(csv(CLIENTS_HEADER, VALID_CLIENT), 'clients.csv', { paymentTermsDays: 21 }));
    expect(c).toMatchObject({
      clientId: 'C1',
      name: 'Client One',
      billingEmails: ['ap@c1.example'],
      currency: 'USD',
      paymentTermsDays: 21,
      dunning: 'standard',
    });
    expect(c?.taxRate.toFixed()).toBe('0');
  });

  it('reads the auto-pay columns, and refuses auto-pay without a customer or a cap finer than the currency', () => {
    const header = `${CLIENTS_HEADER},payment_customer_id,auto_pay,auto_pay_cap`;
    const [on, off] = valueOf(
      parseClients(csv(header, 'C1,One,a@x.example,USD,,,,cus_123,true,500.00', 'C2,Two,b@x.example,JPY,,,,,,')),
    );
    expect(on).toMatchObject({ paymentCustomerId: 'cus_123', autoPay: true });
    expect(on?.autoPayCap?.equals(500)).toBe(true);
    expect(off && ['paymentCustomerId', 'autoPay', 'autoPayCap'].some((k) => k in off)).toBe(false);
    expect(formatProblems(problemsOf(parseClients(csv(header, 'C1,One,a@x.example,USD,,,,,true,'))))).toContain(
      'column payment_customer_id: is required when auto_pay is true',
    );
    expect(
      formatProblems(problemsOf(parseClients(csv(header, 'C1,One,a@x.example,JPY,,,,cus_1,true,10.5')))),
    ).toContain('column auto_pay_cap:');
  });

  it('reads several ;-separated billing emails, dropping empty parts and repeats', () => {
    const [c] = valueOf(parseClients(csv(CLIENTS_HEADER, 'C1,One,a@x.example; b@x.example;A@x.example;,USD,,,')));
    expect(c?.billingEmails).toEqual(['a@x.example', 'b@x.example']);
  });

  it('accepts a client id that starts with a letter or digit and holds ".", "_" or "-" after it', () => {
    expect(valueOf(parseClients(csv(CLIENTS_HEADER, '0-a._b,One,a@x.example,USD,,,')))[0]?.clientId).toBe('0-a._b');
  });

  it.each([
    ['Standard', 'standard'],
    ['NONE', 'none'],
    ['', 'standard'],
  ])('reads dunning %j as %s', (cell, expected) => {
    expect(valueOf(parseClients(csv(CLIENTS_HEADER, `C1,One,a@x.example,USD,,,${cell}`)))[0]?.dunning).toBe(expected);
  });

  it.each([
    [
      'client id with a space',
      'C 1,One,a@x.example,USD,,,',
      'client_id',
      'must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-" (got "C 1")',
    ],
    ['client id too long', `${'x'.repeat(65)},One,a@x.example,USD,,,`, 'client_id', 'must be 1–64 characters'],
    [
      'client id starting with "-" (a formula to a spreadsheet)',
      '-C2,One,a@x.example,USD,,,',
      'client_id',
      'must start with a letter or a digit (got "-C2")',
    ],
    [
      'client id starting with "."',
      '.C2,One,a@x.example,USD,,,',
      'client_id',
      'must start with a letter or a digit (got ".C2")',
    ],
    [
      'client id starting with "_"',
      '_C2,One,a@x.example,USD,,,',
      'client_id',
      'must start with a letter or a digit (got "_C2")',
    ],
    ['empty name', 'C2,,a@x.example,USD,,,', 'name', 'is required'],
    [
      'NUL in name',
      'C2,On\u0000e,a@x.example,USD,,,',
      'name',
      'contains the control character U+0000 (got "On\\u0000e")',
    ],
    ['line break in name', 'C2,"One\nTwo",a@x.example,USD,,,', 'name', 'must be on one line (got "One\\nTwo")'],
    [
      'NEL (a C1 line break) in name',
      'C2,One\u0085Two,a@x.example,USD,,,',
      'name',
      'must be on one line (got "One\\u0085Two")',
    ],
    [
      'a Unicode line separator in name',
      'C2,One\u2028Two,a@x.example,USD,,,',
      'name',
      'must be on one line (got "One\\u2028Two")',
    ],
    [
      'a C1 control in name',
      'C2,On\u009be,a@x.example,USD,,,',
      'name',
      'contains the control character U+009B (got "On\\u009be")',
    ],
    [
      'undecodable byte in name',
      'C2,M\ufffdller,a@x.example,USD,,,',
      'name',
      'contains a byte that is not valid UTF-8',
    ],
    [
      'bad email',
      'C2,Two,not-an-email,USD,,,',
      'billing_email',
      'must be an email address like ap@client.example (got "not-an-email")',
    ],
    [
      'comma-separated emails',
      'C2,Two,"a@x.example, b@x.example",USD,,,',
      'billing_email',
      'must be an email address like ap@client.example (got "a@x.example, b@x.example"): separate several addresses with ";"',
    ],
    [
      'one bad email of several',
      'C2,Two,a@x.example;b@@x,USD,,,',
      'billing_email',
      'must be an email address like ap@client.example (got "b@@x")',
    ],
    ['missing email', 'C2,Two,,USD,,,', 'billing_email', 'is required'],
    [
      'lower-case currency',
      'C2,Two,a@x.example,usd,,,',
      'currency',
      'must be a 3-letter ISO 4217 currency code in capitals like EUR (got "usd") (write USD)',
    ],
    ['unknown currency', 'C2,Two,a@x.example,XYZ,,,', 'currency', 'is not an ISO 4217 currency code (got "XYZ")'],
    [
      'negative terms',
      'C2,Two,a@x.example,USD,-1,,',
      'payment_terms_days',
      'must be a whole number from 0 to 3650 (got "-1")',
    ],
    ['fractional terms', 'C2,Two,a@x.example,USD,7.5,,', 'payment_terms_days', 'must be a whole number'],
    ['negative tax', 'C2,Two,a@x.example,USD,,-5,', 'tax_rate', 'must be a decimal number ≥ 0 and ≤ 100 (got "-5")'],
    ['tax with a percent sign', 'C2,Two,a@x.example,USD,,20%,', 'tax_rate', 'must be a decimal number'],
    [
      'tax with a decimal comma',
      'C2,Two,a@x.example,USD,,"5,5",',
      'tax_rate',
      'must be a decimal number ≥ 0 and ≤ 100 (got "5,5"): use "." as the decimal point',
    ],
    [
      'unknown dunning',
      'C2,Two,a@x.example,USD,,,sometimes',
      'dunning',
      'must be one of standard, none (got "sometimes")',
    ],
  ])('rejects %s', (_name, row, column, reason) => {
    expect(failure(parseClients, CLIENTS_HEADER, VALID_CLIENT, row)).toContain(
      `clients.csv line 3, column ${column}: ${reason}`,
    );
  });

  it('rejects a duplicate client_id on the later line, naming the first', () => {
    expect(failure(parseClients, CLIENTS_HEADER, VALID_CLIENT, 'C1,Again,b@x.example,EUR,,,')).toBe(
      'clients.csv line 3, column client_id: duplicate client_id "C1": already on line 2',
    );
  });
});

describe('accounts.csv', () => {
  it('lower-cases the vendor key and keeps the account id as written', () => {
    expect(valueOf(parseAccounts(csv(ACCOUNTS_HEADER, 'Microsoft,Tenant-ABC,C1')))).toEqual([
      { vendor: 'microsoft', accountId: 'Tenant-ABC', clientId: 'C1' },
    ]);
  });

  it.each([
    ['missing vendor', ',t2,C1', 'vendor', 'is required'],
    ['missing account id', 'microsoft,,C1', 'account_id', 'is required'],
    ['missing client', 'microsoft,t2,', 'client_id', 'is required'],
    [
      'duplicate (vendor, account_id), vendor case aside',
      'MICROSOFT,tenant-1,C2',
      'account_id',
      'duplicate (vendor, account_id) ("microsoft", "tenant-1"): already on line 2',
    ],
  ])('rejects %s', (_name, row, column, reason) => {
    expect(failure(parseAccounts, ACCOUNTS_HEADER, VALID_ACCOUNT, row)).toBe(
      `accounts.csv line 3, column ${column}: ${reason}`,
    );
  });

  it('accepts the same account id at two vendors', () => {
    expect(valueOf(parseAccounts(csv(ACCOUNTS_HEADER, VALID_ACCOUNT, 'pax8,tenant-1,C1')))).toHaveLength(2);
  });
});

describe('products.csv', () => {
  it.each(['sum', 'max', 'last', 'avg', 'AVG'])('reads aggregation %s', (aggregation) => {
    expect(valueOf(parseProducts(csv(PRODUCTS_HEADER, `A,A,u,${aggregation},`)))[0]?.aggregation).toBe(
      aggregation.toLowerCase(),
    );
  });

  it('reads an optional list price', () => {
    const [a, b] = valueOf(parseProducts(csv(PRODUCTS_HEADER, 'A,A,u,sum,', 'B,B,u,sum,9.99')));
    expect(a?.listPrice).toBeUndefined();
    expect(b?.listPrice?.toFixed()).toBe('9.99');
  });

  it('reads an optional income account, absent when the column or the cell is', () => {
    const header = `${PRODUCTS_HEADER},income_account`;
    const [a, b] = valueOf(parseProducts(csv(header, 'A,A,u,sum,,', 'B,B,u,sum,,4100 Licensing')));
    expect(a && 'incomeAccount' in a).toBe(false);
    expect(b?.incomeAccount).toBe('4100 Licensing');
    expect(valueOf(parseProducts(csv(PRODUCTS_HEADER, 'A,A,u,sum,')))[0]).not.toHaveProperty('incomeAccount');
  });

  it.each([
    ['unknown aggregation', 'B,B,u,total,', 'aggregation', 'must be one of sum, max, last, avg (got "total")'],
    ['missing aggregation', 'B,B,u,,', 'aggregation', 'is required'],
    ['missing unit', 'B,B,,sum,', 'unit', 'is required'],
    ['negative list price', 'B,B,u,sum,-1', 'list_price', 'must be a decimal number ≥ 0 (got "-1")'],
    [
      'exponent list price',
      'B,B,u,sum,1e3',
      'list_price',
      'must be a decimal number ≥ 0 (got "1e3"): write it without exponent notation',
    ],
    [
      'thousands separator',
      'B,B,u,sum,"1,000"',
      'list_price',
      'must be a decimal number ≥ 0 (got "1,000"): write it without thousands separators',
    ],
    [
      'currency symbol',
      'B,B,u,sum,$5',
      'list_price',
      'must be a decimal number ≥ 0 (got "$5"): write the number without a currency symbol',
    ],
    ['duplicate sku', 'SEAT,Seat 2,u,sum,', 'sku', 'duplicate sku "SEAT": already on line 2'],
  ])('rejects %s', (_name, row, column, reason) => {
    expect(failure(parseProducts, PRODUCTS_HEADER, VALID_PRODUCT, row)).toBe(
      `products.csv line 3, column ${column}: ${reason}`,
    );
  });
});

describe('sku-map.csv', () => {
  it('defaults factor to 1, lower-cases the vendor and accepts the * wildcard', () => {
    const [a, b] = valueOf(parseSkuMap(csv(SKU_MAP_HEADER, 'Microsoft,seat-sku,SEAT,', 'aws,*,CLOUD,0.5')));
    expect(a).toMatchObject({ vendor: 'microsoft', vendorSku: 'seat-sku', sku: 'SEAT' });
    expect(a?.factor.toFixed()).toBe('1');
    expect(b).toMatchObject({ vendor: 'aws', vendorSku: '*' });
    expect(b?.factor.toFixed()).toBe('0.5');
  });

  it.each([
    ['zero factor', 'aws,x,SEAT,0', 'factor', 'must be a decimal number > 0 (got "0")'],
    ['negative factor', 'aws,x,SEAT,-2', 'factor', 'must be a decimal number > 0 (got "-2")'],
    ['text factor', 'aws,x,SEAT,two', 'factor', 'must be a decimal number > 0 (got "two")'],
    ['missing vendor sku', 'aws,,SEAT,', 'vendor_sku', 'is required'],
    [
      'duplicate (vendor, vendor_sku)',
      'MICROSOFT,seat-sku,DEV,',
      'vendor_sku',
      'duplicate (vendor, vendor_sku) ("microsoft", "seat-sku"): already on line 2',
    ],
  ])('rejects %s', (_name, row, column, reason) => {
    expect(failure(parseSkuMap, SKU_MAP_HEADER, VALID_MAPPING, row)).toBe(
      `sku-map.csv line 3, column ${column}: ${reason}`,
    );
  });
});

describe('agreements.csv', () => {
  it('reads a per_unit line with every default', () => {
    const [a] = valueOf(parseAgreements(csv(AGREEMENTS_HEADER, VALID_AGREEMENT)));
    expect(a).toMatchObject({
      agreementId: 'A1',
      clientId: 'C1',
      sku: 'SEAT',
      pricing: 'per_unit',
      startDate: '2024-01-01',
      billingFrequency: 'monthly',
      trueUp: 'bill',
    });
    expect([a?.quantity, a?.unitPrice, a?.markupPercent, a?.tolerance].map((d) => d?.toFixed())).toEqual([
      '10',
      '12.5',
      '0',
      '0',
    ]);
    expect(a?.endDate).toBeUndefined();
    expect(a?.description).toBeUndefined();
  });

  it('reads every optional column', () => {
    const [a] = valueOf(
      parseAgreements(
        csv(
          AGREEMENTS_HEADER,
          'A1,C1,CLOUD,1,0,Cost_Plus,12.5,2024-01-15,2024-12-31,Annual,credit,2.5,"Cloud, at cost + 12.5%"',
        ),
      ),
    );
    expect(a).toMatchObject({
      pricing: 'cost_plus',
      endDate: '2024-12-31',
      billingFrequency: 'annual',
      trueUp: 'credit',
      description: 'Cloud, at cost + 12.5%',
    });
    expect([a?.markupPercent, a?.tolerance].map((d) => d?.toFixed())).toEqual(['12.5', '2.5']);
  });

  it('lets a cost_plus line leave quantity and unit_price empty (0)', () => {
    const [a] = valueOf(parseAgreements(csv(AGREEMENTS_HEADER, 'A1,C1,CLOUD,,,cost_plus,10,2024-01-01,,,,,')));
    expect([a?.quantity, a?.unitPrice].map((d) => d?.toFixed())).toEqual(['0', '0']);
  });

  it('keeps HTML-looking descriptions verbatim (escaping happens at output)', () => {
    const [a] = valueOf(parseAgreements(csv(AGREEMENTS_HEADER, 'A1,C1,SEAT,1,1,,,2024-01-01,,,,,<b>Seats & more</b>')));
    expect(a?.description).toBe('<b>Seats & more</b>');
  });

  it.each([
    ['text quantity', 'A2,C1,SEAT,abc,1,,,2024-01-01,,,,,', 'quantity', 'must be a decimal number ≥ 0 (got "abc")'],
    ['negative quantity', 'A2,C1,SEAT,-1,1,,,2024-01-01,,,,,', 'quantity', 'must be a decimal number ≥ 0 (got "-1")'],
    [
      'empty quantity on a per_unit line',
      'A2,C1,SEAT,,1,,,2024-01-01,,,,,',
      'quantity',
      'is required for per_unit pricing',
    ],
    [
      'empty unit price on a per_unit line',
      'A2,C1,SEAT,1,,per_unit,,2024-01-01,,,,,',
      'unit_price',
      'is required for per_unit pricing',
    ],
    [
      'negative unit price',
      'A2,C1,SEAT,1,-0.01,,,2024-01-01,,,,,',
      'unit_price',
      'must be a decimal number ≥ 0 (got "-0.01")',
    ],
    [
      'unknown pricing',
      'A2,C1,SEAT,1,1,flat,,2024-01-01,,,,,',
      'pricing',
      'must be one of per_unit, cost_plus (got "flat")',
    ],
    [
      'markup on a per_unit line',
      'A2,C1,SEAT,1,1,,5,2024-01-01,,,,,',
      'markup_percent',
      'only applies to cost_plus pricing; leave it empty for per_unit lines (got "5")',
    ],
    [
      'negative markup',
      'A2,C1,SEAT,1,1,cost_plus,-5,2024-01-01,,,,,',
      'markup_percent',
      'must be a decimal number ≥ 0 (got "-5")',
    ],
    ['missing start date', 'A2,C1,SEAT,1,1,,,,,,,,', 'start_date', 'is required'],
    [
      'US-style start date',
      'A2,C1,SEAT,1,1,,,1/2/2024,,,,,',
      'start_date',
      'must be a date written YYYY-MM-DD (got "1/2/2024")',
    ],
    [
      'impossible date',
      'A2,C1,SEAT,1,1,,,2023-02-29,,,,,',
      'start_date',
      'is not a real calendar date (got "2023-02-29")',
    ],
    [
      'end before start',
      'A2,C1,SEAT,1,1,,,2024-03-01,2024-02-29,,,,',
      'end_date',
      'must not be before start_date 2024-03-01 (got "2024-02-29")',
    ],
    [
      'unknown frequency',
      'A2,C1,SEAT,1,1,,,2024-01-01,,weekly,,,',
      'billing_frequency',
      'must be one of monthly, quarterly, annual (got "weekly")',
    ],
    [
      'unknown true-up',
      'A2,C1,SEAT,1,1,,,2024-01-01,,,ignore,,',
      'true_up',
      'must be one of bill, flag, credit (got "ignore")',
    ],
    [
      'negative tolerance',
      'A2,C1,SEAT,1,1,,,2024-01-01,,,,-1,',
      'tolerance',
      'must be a decimal number ≥ 0 (got "-1")',
    ],
    [
      'multi-line description',
      'A2,C1,SEAT,1,1,,,2024-01-01,,,,,"a\r\nb"',
      'description',
      'must be on one line (got "a\\nb")',
    ],
    [
      'duplicate agreement id',
      'A1,C1,DEV,1,1,,,2024-01-01,,,,,',
      'agreement_id',
      'duplicate agreement_id "A1": already on line 2',
    ],
  ])('rejects %s', (_name, row, column, reason) => {
    expect(failure(parseAgreements, AGREEMENTS_HEADER, VALID_AGREEMENT, row)).toBe(
      `agreements.csv line 3, column ${column}: ${reason}`,
    );
  });
});

describe('agreements.csv: overlapping lines for one (client, sku)', () => {
  const line = (id: string, start: string, end = '', client = 'C1', sku = 'SEAT'): string =>
    `${id},${client},${sku},1,1,,,${start},${end},,,,`;

  it.each([
    ['both open-ended', line('A1', '2024-01-01'), line('A2', '2025-01-01'), '2025-01'],
    [
      'the second starts in the month the first ends',
      line('A1', '2024-01-01', '2024-03-10'),
      line('A2', '2024-03-26'),
      '2024-03',
    ],
    [
      'the second starts the day after the first ends, same month',
      line('A1', '2024-01-01', '2024-03-15'),
      line('A2', '2024-03-16', '2024-06-30'),
      '2024-03',
    ],
    ['one inside the other', line('A1', '2024-01-01', '2024-12-31'), line('A2', '2024-05-01', '2024-05-31'), '2024-05'],
    ['the later line first in the file', line('A1', '2025-01-01'), line('A2', '2024-01-01', '2025-01-01'), '2025-01'],
  ])('rejects two lines when %s, naming both ids and lines', (_name, first, second, month) => {
    const problems = problemsOf(parseAgreements(csv(AGREEMENTS_HEADER, first, second)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'agreements.csv', line: 3, column: 'start_date' });
    expect(problems[0]?.reason).toMatch(
      new RegExp(
        `^agreement A2 \\(line 3\\) and agreement A1 \\(line 2\\) are both active for client C1, sku SEAT in ${month}:`,
      ),
    );
  });

  it.each([
    [
      'the second starts the month after the first ends',
      line('A1', '2024-01-01', '2024-03-31'),
      line('A2', '2024-04-01'),
    ],
    ['different skus', line('A1', '2024-01-01'), line('A2', '2024-01-01', '', 'C1', 'DEV')],
    ['different clients', line('A1', '2024-01-01'), line('A2', '2024-01-01', '', 'C2')],
    ['the first ends the month before', line('A1', '2024-06-01'), line('A2', '2024-01-01', '2024-05-31')],
  ])('accepts two lines when %s', (_name, first, second) => {
    expect(valueOf(parseAgreements(csv(AGREEMENTS_HEADER, first, second)))).toHaveLength(2);
  });

  it('reports each overlapping pair among three lines', () => {
    const problems = problemsOf(
      parseAgreements(
        csv(AGREEMENTS_HEADER, line('A1', '2024-01-01'), line('A2', '2024-02-01'), line('A3', '2024-03-01')),
      ),
    );
    expect(problems.map((p) => p.reason.slice(0, 52))).toEqual([
      'agreement A2 (line 3) and agreement A1 (line 2) are ',
      'agreement A3 (line 4) and agreement A1 (line 2) are ',
      'agreement A3 (line 4) and agreement A2 (line 3) are ',
    ]);
  });
});

describe('payments/*.csv', () => {
  it('reads a payment with optional method and reference', () => {
    const [a, b] = valueOf(
      parsePayments(csv(PAYMENTS_HEADER, VALID_PAYMENT, 'P2,INV-2,-25.5,EUR,2025-02-01,ach,REF 42')),
    );
    expect(a).toMatchObject({ paymentId: 'P1', invoiceNumber: 'INV-1', currency: 'USD', receivedOn: '2025-01-05' });
    expect(a?.method).toBeUndefined();
    expect(b).toMatchObject({ method: 'ach', reference: 'REF 42' });
    expect(b?.amount.toFixed()).toBe('-25.5');
  });

  it('carries the provider_reference column into the payment, and nothing when absent', () => {
    const [card, check] = valueOf(
      parsePayments(
        csv(
          `${PAYMENTS_HEADER},provider_reference`,
          'P1,INV-1,100.00,USD,2025-01-05,card,Stripe,pi_3Qx1',
          'P2,INV-1,5.00,USD,2025-01-06,check,Check 77,',
        ),
      ),
    );
    expect(card).toMatchObject({ method: 'card', reference: 'Stripe', providerReference: 'pi_3Qx1' });
    expect(check && 'providerReference' in check).toBe(false);
  });

  it.each([
    ['text amount', 'P2,INV-2,ten,USD,2025-01-05,,', 'amount', 'must be a decimal number (got "ten")'],
    [
      'exponent amount',
      'P2,INV-2,1E2,USD,2025-01-05,,',
      'amount',
      'must be a decimal number (got "1E2"): write it without exponent notation',
    ],
    ['missing invoice number', 'P2,,10,USD,2025-01-05,,', 'invoice_number', 'is required'],
    [
      'bad currency',
      'P2,INV-2,10,US,2025-01-05,,',
      'currency',
      'must be a 3-letter ISO 4217 currency code in capitals like EUR (got "US")',
    ],
    ['bad date', 'P2,INV-2,10,USD,2025-13-01,,', 'received_on', 'is not a real calendar date (got "2025-13-01")'],
  ])('rejects %s', (_name, row, column, reason) => {
    expect(failure((text) => parsePayments(text, 'payments/bank.csv'), PAYMENTS_HEADER, VALID_PAYMENT, row)).toBe(
      `payments/bank.csv line 3, column ${column}: ${reason}`,
    );
  });

  it('keeps the first of a payment_id repeated with the same content and warns', () => {
    const result = parsePayments(
      csv(PAYMENTS_HEADER, VALID_PAYMENT, 'P1,INV-1,100.00,USD,2025-01-05,,', 'P1,INV-1,100,USD,2025-01-05,wire,'),
    );
    expect(valueOf(result).map((p) => p.amount.toFixed())).toEqual(['100']);
    expect(result.ok && formatProblems(result.warnings)).toBe(
      [
        'payments.csv line 3, column payment_id: duplicate payment_id "P1": already on line 2; this row is ignored',
        'payments.csv line 4, column payment_id: duplicate payment_id "P1": already on line 2; this row is ignored',
      ].join('\n'),
    );
  });

  it('rejects a payment_id repeated with different content, naming both rows', () => {
    const result = parsePaymentFiles([
      { file: 'payments/a.csv', text: csv(PAYMENTS_HEADER, VALID_PAYMENT) },
      {
        file: 'payments/b.csv',
        text: csv(PAYMENTS_HEADER, 'P2,INV-2,5,USD,2025-01-06,,', 'P1,INV-1,90,USD,2025-01-05,,'),
      },
    ]);
    expect(formatProblems(problemsOf(result))).toBe(
      'payments/b.csv line 3, column payment_id: duplicate payment_id "P1" with different content ' +
        '(amount 90 vs 100): payments/b.csv:3 and payments/a.csv:2 cannot both be that payment; give one its own payment_id or remove it',
    );
  });

  it.each([
    ['234.466', 'GBP', 'has 3 decimal places but GBP money has 2 decimal places (got "234.466")'],
    ['980.5', 'JPY', 'has 1 decimal place but JPY money has no decimals (got "980.5")'],
    ['12.3456', 'KWD', 'has 4 decimal places but KWD money has 3 decimal places (got "12.3456")'],
    [
      '1234567890123456',
      'USD',
      'has 16 digits before the decimal point; at most 15 are allowed (got "1234567890123456")',
    ],
  ])('rejects the amount %s %s: finer than the currency allows, or too large', (amount, currency, reason) => {
    expect(
      failure(
        (text) => parsePayments(text, 'payments/bank.csv'),
        PAYMENTS_HEADER,
        VALID_PAYMENT,
        `P2,INV-2,${amount},${currency},2025-01-05,,`,
      ),
    ).toBe(`payments/bank.csv line 3, column amount: ${reason}`);
  });

  it('accepts trailing zeros and the minor unit of each currency', () => {
    const rows = [
      'P2,INV-2,234.4700,GBP,2025-01-05,,',
      'P3,INV-3,980,JPY,2025-01-05,,',
      'P4,INV-4,12.345,KWD,2025-01-05,,',
      'P5,INV-5,-0.5,EUR,2025-01-05,,',
    ];
    expect(valueOf(parsePayments(csv(PAYMENTS_HEADER, ...rows))).map((p) => p.amount.toFixed())).toEqual([
      '234.47',
      '980',
      '12.345',
      '-0.5',
    ]);
  });

  it('keeps the first of a payment_id repeated across files, naming the other file', () => {
    const result = parsePaymentFiles([
      { file: 'payments/a.csv', text: csv(PAYMENTS_HEADER, VALID_PAYMENT) },
      { file: 'payments/b.csv', text: csv(PAYMENTS_HEADER, 'P2,INV-2,5,USD,2025-01-06,,', VALID_PAYMENT) },
    ]);
    expect(valueOf(result).map((p) => p.paymentId)).toEqual(['P1', 'P2']);
    expect(result.ok && result.warnings.map((w) => `${w.file} ${w.line}: ${w.reason}`)).toEqual([
      'payments/b.csv 3: duplicate payment_id "P1": already on payments/a.csv line 2; this row is ignored',
    ]);
  });

  it('rejects every file when one has a problem', () => {
    const result = parsePaymentFiles([
      { file: 'payments/a.csv', text: csv(PAYMENTS_HEADER, VALID_PAYMENT) },
      { file: 'payments/b.csv', text: csv(PAYMENTS_HEADER, 'P2,INV-2,x,USD,2025-01-06,,') },
    ]);
    expect(formatProblems(problemsOf(result))).toBe(
      'payments/b.csv line 2, column amount: must be a decimal number (got "x")',
    );
  });
});

describe('digit limits of reference numbers (docs/rules.md)', () => {
  it.each([
    [
      'agreements.csv',
      () =>
        failure(
          parseAgreements,
          AGREEMENTS_HEADER,
          VALID_AGREEMENT,
          'A2,C1,DEV,123456789012345678901234567890123456789012,1,,,2024-01-01,,,,,',
        ),
      'column quantity: has 42 digits before the decimal point; at most 15 are allowed',
    ],
    [
      'agreements.csv',
      () => failure(parseAgreements, AGREEMENTS_HEADER, VALID_AGREEMENT, 'A2,C1,DEV,1,0.12345678901,,,2024-01-01,,,,,'),
      'column unit_price: has 11 decimal places; at most 10 are allowed (got "0.12345678901")',
    ],
    [
      'agreements.csv',
      () =>
        failure(
          parseAgreements,
          AGREEMENTS_HEADER,
          VALID_AGREEMENT,
          'A2,C1,DEV,,,cost_plus,1234567890123456,2024-01-01,,,,,',
        ),
      'column markup_percent: has 16 digits before the decimal point',
    ],
    [
      'agreements.csv',
      () =>
        failure(parseAgreements, AGREEMENTS_HEADER, VALID_AGREEMENT, 'A2,C1,DEV,1,1,,,2024-01-01,,,,0.000000000001,'),
      'column tolerance: has 12 decimal places',
    ],
    [
      'products.csv',
      () => failure(parseProducts, PRODUCTS_HEADER, VALID_PRODUCT, 'DEV,Device,device,max,0.00000000001'),
      'column list_price: has 11 decimal places',
    ],
    [
      'sku-map.csv',
      () => failure(parseSkuMap, SKU_MAP_HEADER, VALID_MAPPING, 'pax8,x,DEV,10000000000000000'),
      'column factor: has 17 digits before the decimal point',
    ],
    [
      'clients.csv',
      () => failure(parseClients, CLIENTS_HEADER, VALID_CLIENT, 'C2,Two,a@x.example,USD,,7.12345678901,'),
      'column tax_rate: has 11 decimal places',
    ],
  ])('%s refuses a number beyond the limits (case %#)', (file, problem, reason) => {
    expect(problem()).toContain(`${file} line 3, ${reason}`);
  });

  it('accepts 15 digits before the point and 10 after, and trailing zeros', () => {
    const [a] = valueOf(
      parseAgreements(
        csv(AGREEMENTS_HEADER, 'A1,C1,SEAT,999999999999999.9999999999,0.1234567890000,,,2024-01-01,,,,,'),
      ),
    );
    expect(a?.quantity.toFixed()).toBe('999999999999999.9999999999');
    expect(a?.unitPrice.toFixed()).toBe('0.123456789');
  });
});

describe('payments after the last day of a run', () => {
  it('warns once about those after it, and about each more than a year after it', () => {
    const result = parsePaymentFiles(
      [
        {
          file: 'payments/a.csv',
          text: csv(
            PAYMENTS_HEADER,
            VALID_PAYMENT,
            'P2,INV-2,5,USD,2025-02-01,,',
            'P3,INV-3,5,USD,2025-03-01,,',
            'P4,INV-4,5,USD,2205-01-05,,',
          ),
        },
      ],
      { lastDay: '2025-01-31' },
    );
    expect(result.ok && formatProblems(result.warnings)).toBe(
      [
        'payments/a.csv line 3, column received_on: payment "P2" and 2 more payment(s) are received after the last day 2025-01-31: not applied in this run',
        'payments/a.csv line 5, column received_on: payment "P4" is received on 2205-01-05, more than a year after the last day 2025-01-31: check the year',
      ].join('\n'),
    );
    expect(valueOf(result)).toHaveLength(4);
  });

  it('says nothing without a last day, or when every payment is within it', () => {
    const files = [
      { file: 'payments/a.csv', text: csv(PAYMENTS_HEADER, VALID_PAYMENT, 'P4,INV-4,5,USD,2205-01-05,,') },
    ];
    expect(parsePaymentFiles(files)).toMatchObject({ ok: true, warnings: [] });
    expect(parsePaymentFiles(files, { lastDay: '2205-01-05' })).toMatchObject({ ok: true, warnings: [] });
  });
});
