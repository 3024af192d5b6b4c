/** charges.csv: every problem with file, line and column, checked against the reference data. */
import { describe, expect, it } from 'vitest';
import { formatProblems, parseCharges } from '../../../functions/domain/reference/index.js';
import { client, product } from '../../support/builders.js';

const REFERENCE = { clients: [client(), client({ clientId: 'C002', currency: 'JPY' })], products: [product()] };
const HEADER = 'charge_id,client_id,date,description,quantity,unit_price,sku,taxable,invoice_now';

describe('parseCharges', () => {
  it('reads charges with their defaults: taxed, billed on the next invoice', () => {
    const parsed = parseCharges(
      [HEADER, 'A,C001,2025-02-10,Visit,1.5,95.50,SEAT,,', 'B,C002,2025-02-11,Deposit,1,5000,,false,true'].join('\n'),
      REFERENCE,
    );
    if (!parsed.ok) throw new Error(formatProblems(parsed.problems));
    expect(
      parsed.value.map((c) => [
        c.chargeId,
        c.quantity.toString(),
        c.unitPrice.toString(),
        c.sku,
        c.taxable,
        c.invoiceNow,
      ]),
    ).toEqual([
      ['A', '1.5', '95.5', 'SEAT', true, undefined],
      ['B', '1', '5000', undefined, false, true],
    ]);
  });

  it('names file, line and column of each problem', () => {
    const parsed = parseCharges(
      [
        HEADER,
        'A,C404,2025-02-10,Visit,1,95.50,,,',
        'A,C001,2025-02-10,Visit,1,95.50,NOPE,,',
        'B,C002,2025-02-31,Deposit,0,5000.5,,maybe,',
        'C,C001,2025-02-10,Visit,1e2,9.999,,,',
      ].join('\n'),
      REFERENCE,
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => [p.file, p.line, p.column])).toEqual([
      ['charges.csv', 2, 'client_id'],
      ['charges.csv', 3, 'charge_id'],
      ['charges.csv', 3, 'sku'],
      ['charges.csv', 4, 'date'],
      ['charges.csv', 4, 'quantity'],
      ['charges.csv', 4, 'unit_price'], // JPY has no minor digits
      ['charges.csv', 4, 'taxable'],
      ['charges.csv', 5, 'quantity'],
      ['charges.csv', 5, 'unit_price'],
    ]);
    expect(formatProblems(parsed.problems)).toContain('has 3 decimal places but USD money has 2');
  });
});
