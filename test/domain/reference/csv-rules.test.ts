import { describe, expect, it } from 'vitest';
import { parseAgreements, parseClients, parseProducts } from '../../../functions/domain/reference/index.js';
import {
  AGREEMENTS_HEADER,
  CLIENTS_HEADER,
  PRODUCTS_HEADER,
  VALID_CLIENT,
  csv,
  problemsOf,
  valueOf,
  where,
} from './helpers.js';

describe('CSV header', () => {
  it('matches column names case-insensitively, ignoring surrounding spaces', () => {
    const text = csv(' Client_ID , NAME,Billing_Email ,CURRENCY', 'C1,One,ap@c1.example,USD');
    expect(valueOf(parseClients(text)).map((c) => c.clientId)).toEqual(['C1']);
  });

  it('ignores unknown columns and accepts any column order', () => {
    const text = csv('notes,currency,name,client_id,billing_email,extra', 'hello,EUR,One,C1,ap@c1.example,x');
    expect(valueOf(parseClients(text))[0]).toMatchObject({ clientId: 'C1', name: 'One', currency: 'EUR' });
  });

  it.each([
    ['client_id', 'name,billing_email,currency'],
    ['billing_email', 'client_id,name,currency'],
    ['currency', 'client_id,name,billing_email'],
  ])('reports a missing required column %s once, on the header line', (column, header) => {
    const problems = problemsOf(parseClients(csv(header, 'a,b,c', 'd,e,f')));
    expect(problems.map(where)).toEqual([`clients.csv 1 ${column}`]);
    expect(problems[0]?.reason).toContain('is missing from the header');
  });

  it('reports every missing required column', () => {
    expect(problemsOf(parseClients(csv('client_id,name'))).map(where)).toEqual([
      'clients.csv 1 billing_email',
      'clients.csv 1 currency',
    ]);
  });

  it('treats missing optional columns as empty', () => {
    expect(
      valueOf(parseClients(csv('client_id,name,billing_email,currency', 'C1,One,ap@c1.example,USD')))[0],
    ).toMatchObject({ dunning: 'standard', paymentTermsDays: 30 });
  });

  it('reports a column that appears twice', () => {
    expect(problemsOf(parseClients(csv(`${CLIENTS_HEADER},Name`, `${VALID_CLIENT},x`))).map(where)).toEqual([
      'clients.csv 1 name',
    ]);
  });

  it.each([[''], ['\n\n  \n']])('reports an empty file (%j)', (text) => {
    expect(problemsOf(parseClients(text))[0]?.reason).toMatch(/^is empty/);
  });
});

describe('CSV rows', () => {
  it('skips blank lines and all-empty rows but keeps physical line numbers', () => {
    const text = csv(PRODUCTS_HEADER, '', 'A,A,u,sum,', ',,,,', '   ', 'B,B,u,bogus,');
    expect(problemsOf(parseProducts(text)).map(where)).toEqual(['products.csv 6 aggregation']);
  });

  it('counts the literal NULL as empty', () => {
    const [product] = valueOf(parseProducts(csv(PRODUCTS_HEADER, 'A,A,u,sum,NULL')));
    expect(product?.listPrice).toBeUndefined();
    expect(
      problemsOf(parseProducts(csv(PRODUCTS_HEADER, 'NULL,A,u,sum,'))).map((p) => `${where(p)}: ${p.reason}`),
    ).toEqual(['products.csv 2 sku: is required']);
  });

  it('trims surrounding spaces from cells', () => {
    expect(
      valueOf(parseClients(csv(CLIENTS_HEADER, '  C1 , One ,  ap@c1.example , USD ,  7 , 5 , none ')))[0],
    ).toMatchObject({
      clientId: 'C1',
      name: 'One',
      billingEmails: ['ap@c1.example'],
      currency: 'USD',
      paymentTermsDays: 7,
      dunning: 'none',
    });
  });

  it('reads CRLF, LF and mixed line ends alike', () => {
    const rows = ['A,A,u,sum,', 'B,B,u,max,1', 'C,C,u,last,'];
    const lf = `${PRODUCTS_HEADER}\n${rows.join('\n')}\n`;
    const crlf = lf.replace(/\n/g, '\r\n');
    const mixed = `${PRODUCTS_HEADER}\r\n${rows[0]}\n${rows[1]}\r\n${rows[2]}`;
    for (const text of [lf, crlf, mixed])
      expect(valueOf(parseProducts(text)).map((p) => p.sku)).toEqual(['A', 'B', 'C']);
  });

  it('ignores a byte-order mark left at the start of the text', () => {
    expect(valueOf(parseProducts(`\ufeff${csv(PRODUCTS_HEADER, 'A,A,u,sum,')}`))).toHaveLength(1);
  });

  it('reads RFC 4180 quoting: commas, doubled quotes', () => {
    const [product] = valueOf(parseProducts(csv(PRODUCTS_HEADER, '"A,1","Seat ""Pro"", yearly",u,sum,')));
    expect(product).toMatchObject({ sku: 'A,1', name: 'Seat "Pro", yearly' });
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('counts the physical lines of a quoted newline (%s) in later line numbers', (_name, nl) => {
    const text =
      [AGREEMENTS_HEADER, 'A1,C1,SEAT,1,1,,,2024-01-01,,,,,"two', 'lines"', 'A2,C1,SEAT,abc,1,,,2024-01-01,,,,,'].join(
        nl,
      ) + nl;
    const problems = problemsOf(parseAgreements(text));
    // The quoted description is itself refused (it is a single-line field), on the line where the row starts.
    expect(problems.map(where)).toEqual(['agreements.csv 2 description', 'agreements.csv 4 quantity']);
  });

  it('reports a row with more values than the header has columns', () => {
    const problems = problemsOf(parseProducts(csv(PRODUCTS_HEADER, 'A,Seat, yearly,u,sum,1', 'B,B,u,sum,')));
    expect(problems.map(where)).toEqual(['products.csv 2']);
    expect(problems[0]?.reason).toBe('has 6 values but the header has 5 columns: quote values that contain a comma');
  });

  it('accepts trailing empty values beyond the header', () => {
    expect(valueOf(parseProducts(csv(PRODUCTS_HEADER, 'A,A,u,sum,,,')))).toHaveLength(1);
  });

  it.each([
    ['an unclosed quote', ['A,A,u,sum,', '"B,B,u,sum,', 'C,bogus'], 3],
    ['a misplaced quote', ['"A"x,A,u,sum,', 'B,B,u,bogus,'], 2],
    ['a quote in the header', ['A,A,u,sum,'], 1],
  ])('reports %s on the line its row starts, and stops reading', (_name, rows, line) => {
    const text = line === 1 ? csv(`"sku,name,unit,aggregation`, ...rows) : csv(PRODUCTS_HEADER, ...rows);
    const problems = problemsOf(parseProducts(text));
    expect(problems.map(where)).toEqual([`products.csv ${line}`]);
    expect(problems[0]?.reason).toMatch(/^has a misplaced or unclosed double quote/);
  });

  it('reports every problem of a row, one per column', () => {
    const problems = problemsOf(
      parseAgreements(csv(AGREEMENTS_HEADER, 'A1,C1,SEAT,-1,x,weird,,2024-02-30,,daily,maybe,-2,')),
    );
    expect(problems.map((p) => p.column)).toEqual([
      'quantity',
      'unit_price',
      'pricing',
      'start_date',
      'billing_frequency',
      'true_up',
      'tolerance',
    ]);
  });
});

describe('clients.csv: what a client prints on its invoices', () => {
  const header = 'client_id,name,billing_email,currency,postal_address,po_number,tax_id';

  it('reads a postal address over several lines (a quoted cell), the PO number and the tax id', () => {
    const client = valueOf(
      parseClients(
        csv(header, 'C1,Zahnärzte Łódź,ap@c1.example,EUR,"ul. Piotrkowska 1\n90-001 Łódź",PO-77,PL1234567890'),
      ),
    )[0];
    expect(client).toMatchObject({
      postalAddress: 'ul. Piotrkowska 1\n90-001 Łódź',
      poNumber: 'PO-77',
      taxId: 'PL1234567890',
    });
  });

  it('leaves the keys out when the cells are empty (the stored reference data does not change)', () => {
    const client = valueOf(parseClients(csv(header, 'C1,One,ap@c1.example,EUR,,,')))[0];
    expect(client).not.toHaveProperty('postalAddress');
    expect(client).not.toHaveProperty('poNumber');
    expect(client).not.toHaveProperty('taxId');
  });

  it('names the file, line and column of a bad cell', () => {
    const problems = problemsOf(
      parseClients(
        csv(header, 'C1,One,ap@c1.example,EUR,,"PO\n77",', `C2,Two,ap@c2.example,EUR,"${'x'.repeat(501)}",,`),
      ),
    );
    expect(problems.map(where)).toEqual(['clients.csv 2 po_number', 'clients.csv 4 postal_address']);
    expect(problems.map((p) => p.reason)).toEqual([
      'must be on one line (got "PO\\n77")',
      'must be at most 500 characters (got 501)',
    ]);
  });
});
