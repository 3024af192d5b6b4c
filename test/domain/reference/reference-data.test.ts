import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatProblem,
  formatProblems,
  parseReferenceData,
  type Problem,
} from '../../../functions/domain/reference/index.js';
import type { ReferenceData } from '../../../functions/domain/billing-types.js';
import {
  ACCOUNTS_HEADER,
  AGREEMENTS_HEADER,
  CLIENTS_HEADER,
  PRODUCTS_HEADER,
  SKU_MAP_HEADER,
  VALID_ACCOUNT,
  VALID_AGREEMENT,
  VALID_CLIENT,
  VALID_MAPPING,
  VALID_PRODUCT,
  csv,
  files,
  problemsOf,
  valueOf,
  where,
} from './helpers.js';

describe('parseReferenceData: a valid set', () => {
  it('reads every file', () => {
    const data = valueOf(parseReferenceData(files()));
    expect([
      data.clients.length,
      data.accounts.length,
      data.products.length,
      data.skuMap.length,
      data.agreements.length,
    ]).toEqual([2, 2, 2, 2, 2]);
    expect(data.settings.currency).toBe('USD');
  });

  it('defaults client payment terms from the settings file', () => {
    const data = valueOf(parseReferenceData({ ...files(), settings: '{"invoice":{"paymentTermsDays":45}}' }));
    expect(data.clients.map((c) => c.paymentTermsDays)).toEqual([45, 14]);
  });
});

describe('parseReferenceData: cross-file references', () => {
  it.each([
    [
      'an account of an unknown client',
      { accounts: csv(ACCOUNTS_HEADER, VALID_ACCOUNT, 'aws,123,C9') },
      'accounts.csv line 3, column client_id: client "C9" is not in clients.csv',
    ],
    [
      'an account whose client differs in case',
      { accounts: csv(ACCOUNTS_HEADER, 'aws,123,c1') },
      'accounts.csv line 2, column client_id: client "c1" is not in clients.csv (did you mean "C1"? ids are case-sensitive)',
    ],
    [
      'an agreement of an unknown client',
      { agreements: csv(AGREEMENTS_HEADER, VALID_AGREEMENT, 'A2,C9,SEAT,1,1,,,2024-01-01,,,,,') },
      'agreements.csv line 3, column client_id: client "C9" is not in clients.csv',
    ],
    [
      'an agreement of an unknown sku',
      { agreements: csv(AGREEMENTS_HEADER, VALID_AGREEMENT, 'A2,C1,NOPE,1,1,,,2024-01-01,,,,,') },
      'agreements.csv line 3, column sku: product "NOPE" is not in products.csv',
    ],
    [
      'a mapping to an unknown product',
      { skuMap: csv(SKU_MAP_HEADER, VALID_MAPPING, 'aws,*,CLOUD,') },
      'sku-map.csv line 3, column sku: product "CLOUD" is not in products.csv',
    ],
  ])('rejects %s', (_name, override, message) => {
    expect(formatProblems(problemsOf(parseReferenceData(files(override))))).toBe(message);
  });

  it('still knows a client whose row has another problem (no cascading problems)', () => {
    const problems = problemsOf(
      parseReferenceData(
        files({ clients: csv(CLIENTS_HEADER, 'C1,One,broken,USD,,,', 'C2,Two,ap@c2.example,EUR,,,') }),
      ),
    );
    expect(problems.map(where)).toEqual(['clients.csv 2 billing_email']);
  });

  it('skips reference checks against a file whose header is unusable', () => {
    const problems = problemsOf(parseReferenceData(files({ clients: csv('id,name', 'C1,One') })));
    expect(problems.map(where)).toEqual([
      'clients.csv 1 client_id',
      'clients.csv 1 billing_email',
      'clients.csv 1 currency',
    ]);
  });
});

describe('parseReferenceData: every problem at once', () => {
  it('collects problems of every file, in file then line order, and imports nothing', () => {
    const result = parseReferenceData({
      settings: '{"currency":"usd"}',
      clients: csv(CLIENTS_HEADER, VALID_CLIENT, 'C1,Dup,ap@x.example,USD,,,'),
      accounts: csv(ACCOUNTS_HEADER, 'aws,1,C9', 'aws,1,C1'),
      products: csv(PRODUCTS_HEADER, VALID_PRODUCT, 'X,X,u,median,'),
      skuMap: csv(SKU_MAP_HEADER, 'aws,*,SEAT,0'),
      agreements: csv(
        AGREEMENTS_HEADER,
        'A1,C1,SEAT,1,1,,,2024-01-01,,,,,',
        'A2,C1,SEAT,1,1,,,2024-06-01,2024-05-01,,,,',
        'A3,C1,SEAT,1,1,,,2025-01-01,,,,,',
      ),
    });
    expect(problemsOf(result).map(where)).toEqual([
      'trueup.json currency',
      'clients.csv 3 client_id',
      'accounts.csv 2 client_id',
      'accounts.csv 3 account_id',
      'products.csv 3 aggregation',
      'sku-map.csv 2 factor',
      'agreements.csv 3 end_date',
      'agreements.csv 4 start_date',
    ]);
  });

  it.each([
    [
      'clients',
      'clients.csv: is missing: the data folder needs it, with at least the columns client_id, name, billing_email, currency',
    ],
    [
      'agreements',
      'agreements.csv: is missing: the data folder needs it, with at least the columns agreement_id, client_id, sku, quantity, unit_price, start_date',
    ],
  ] as const)('reports a missing %s file', (name, message) => {
    expect(formatProblems(problemsOf(parseReferenceData({ ...files(), [name]: undefined })))).toContain(message);
  });

  it('uses the file names it is given', () => {
    const problems = problemsOf(
      parseReferenceData(files({ products: csv(PRODUCTS_HEADER, 'X,X,u,median,') }), {
        settings: 'trueup.json',
        clients: 'clients.csv',
        accounts: 'accounts.csv',
        products: 'Products.CSV',
        skuMap: 'sku-map.csv',
        agreements: 'agreements.csv',
      }),
    );
    expect(problems.map(where)).toContain('Products.CSV 2 aggregation');
  });
});

describe('formatProblems', () => {
  it.each<[Problem, string]>([
    [
      { file: 'agreements.csv', line: 7, column: 'quantity', reason: 'must be a decimal number ≥ 0 (got "abc")' },
      'agreements.csv line 7, column quantity: must be a decimal number ≥ 0 (got "abc")',
    ],
    [{ file: 'products.csv', line: 3, reason: 'has a misplaced quote' }, 'products.csv line 3: has a misplaced quote'],
    [{ file: 'clients.csv', reason: 'is missing' }, 'clients.csv: is missing'],
    [
      { file: 'trueup.json', column: 'invoice.prefix', reason: 'must be …' },
      'trueup.json, setting invoice.prefix: must be …',
    ],
  ])('formats %j', (problem, line) => {
    expect(formatProblem(problem)).toBe(line);
  });

  it('gives one line per problem', () => {
    expect(
      formatProblems([
        { file: 'a.csv', reason: 'x' },
        { file: 'b.csv', line: 2, reason: 'y' },
      ]),
    ).toBe('a.csv: x\nb.csv line 2: y');
  });

  it('shows control characters from the file as escapes: no terminal escape sequence, no forged line', () => {
    // Prepare: a header cell with an ANSI "clear screen" and a line break, in a file whose name has one too.
    const clients = csv(`client\u001b[2J\u001b[31m_id,"na\nme",billing_email,currency\u0085`, VALID_CLIENT);
    // Act
    const text = formatProblems(
      problemsOf(
        parseReferenceData(
          { ...files({ clients }) },
          {
            settings: 'trueup.json',
            clients: 'clients\u001b]0;x\u0007.csv',
            accounts: 'accounts.csv',
            products: 'products.csv',
            skuMap: 'sku-map.csv',
            agreements: 'agreements.csv',
          },
        ),
      ),
    );
    // Assess
    expect(text.split('\n')[0]).toBe(
      'clients\\u001b]0;x\\u0007.csv line 1, column client_id: is missing from the header (found: client\\u001b[2j\\u001b[31m_id, na\\u000ame, billing_email, currency\\u0085)',
    );
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('keeps the header list short when the file is not CSV at all', () => {
    const junk = ['y'.repeat(100), ...Array.from({ length: 4999 }, (_, i) => `c${i}`)].join(',');
    const [problem] = problemsOf(parseReferenceData(files({ clients: csv(junk) })));
    expect(problem?.reason).toBe(
      `is missing from the header (found: ${'y'.repeat(40)}…, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, … (5000 columns))`,
    );
  });
});

/** The parsed set as sorted plain JSON, independent of row order. */
function canonical(data: ReferenceData): string[][] {
  const rows = (values: readonly unknown[]): string[] => values.map((value) => JSON.stringify(value)).sort();
  return [rows(data.clients), rows(data.accounts), rows(data.products), rows(data.skuMap), rows(data.agreements)];
}

describe('row order', () => {
  const clients = [
    VALID_CLIENT,
    'C2,Two,ap@c2.example,EUR,14,20,none',
    'C3,"Three, Inc.","a@c3.example;b@c3.example",GBP,,,',
    'C4,Four,ap@c4.example,JPY,0,0,',
  ];
  const accounts = [VALID_ACCOUNT, 'pax8,px-2,C2', 'aws,123456789012,C3', 'Microsoft,tenant-4,C4'];
  const products = [VALID_PRODUCT, 'DEV,Device,device,max,9.99', 'HRS,Hours,hour,sum,120'];
  const skuMap = [VALID_MAPPING, 'pax8,*,DEV,2', 'rmm,min,HRS,0.0166666667'];
  const agreements = [
    VALID_AGREEMENT,
    'A2,C2,DEV,3,5,,,2024-06-01,2024-12-31,quarterly,flag,1,Devices',
    'A3,C2,DEV,4,5,,,2025-01-01,,,,,',
    'A4,C3,HRS,10,100,,,2024-01-01,,annual,credit,2.5,"Hours, prepaid"',
  ];

  it('never changes the parsed set (property)', () => {
    const baseline = canonical(
      valueOf(
        parseReferenceData(
          files({
            clients: csv(CLIENTS_HEADER, ...clients),
            accounts: csv(ACCOUNTS_HEADER, ...accounts),
            products: csv(PRODUCTS_HEADER, ...products),
            skuMap: csv(SKU_MAP_HEADER, ...skuMap),
            agreements: csv(AGREEMENTS_HEADER, ...agreements),
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(
        fc.shuffledSubarray(clients, { minLength: clients.length }),
        fc.shuffledSubarray(accounts, { minLength: accounts.length }),
        fc.shuffledSubarray(products, { minLength: products.length }),
        fc.shuffledSubarray(skuMap, { minLength: skuMap.length }),
        fc.shuffledSubarray(agreements, { minLength: agreements.length }),
        fc.boolean(),
        (c, a, p, s, g, crlf) => {
          const eol = (text: string): string => (crlf ? text.replace(/\n/g, '\r\n') : text);
          const data = valueOf(
            parseReferenceData({
              clients: eol(csv(CLIENTS_HEADER, ...c)),
              accounts: eol(csv(ACCOUNTS_HEADER, ...a)),
              products: eol(csv(PRODUCTS_HEADER, ...p)),
              skuMap: eol(csv(SKU_MAP_HEADER, ...s)),
              agreements: eol(csv(AGREEMENTS_HEADER, ...g)),
            }),
          );
          expect(canonical(data)).toEqual(baseline);
        },
      ),
    );
  });

  it('never changes the set of problems, only their line numbers (property)', () => {
    const bad = [...agreements, 'A5,C1,SEAT,x,1,,,2024-01-01,,,,,', 'A6,C9,SEAT,1,1,,,2030-01-01,,,,,'];
    const reasonsOf = (rows: readonly string[]): string[] => {
      const result = parseReferenceData(files({ agreements: csv(AGREEMENTS_HEADER, ...rows) }));
      return problemsOf(result)
        .map((p) => `${p.column}: ${p.reason.replace(/line \d+/g, 'line N')}`)
        .sort();
    };
    const baseline = reasonsOf(bad);
    fc.assert(
      fc.property(fc.shuffledSubarray(bad, { minLength: bad.length }), (rows) => {
        expect(reasonsOf(rows)).toEqual(baseline);
      }),
    );
  });
});
