/** Small valid reference files for tests; each case changes one thing. */
import type { Problem } from '../../../functions/domain/reference/index.js';
import type { ReferenceFiles } from '../../../functions/domain/reference/index.js';

export const csv = (...lines: string[]): string => `${lines.join('\n')}\n`;

export const CLIENTS_HEADER = 'client_id,name,billing_email,currency,payment_terms_days,tax_rate,dunning';
export const ACCOUNTS_HEADER = 'vendor,account_id,client_id';
export const PRODUCTS_HEADER = 'sku,name,unit,aggregation,list_price';
export const SKU_MAP_HEADER = 'vendor,vendor_sku,sku,factor';
export const AGREEMENTS_HEADER =
  'agreement_id,client_id,sku,quantity,unit_price,pricing,markup_percent,start_date,end_date,billing_frequency,true_up,tolerance,description';
export const PAYMENTS_HEADER = 'payment_id,invoice_number,amount,currency,received_on,method,reference';

export const VALID_CLIENT = 'C1,Client One,ap@c1.example,USD,,,';
export const VALID_ACCOUNT = 'microsoft,tenant-1,C1';
export const VALID_PRODUCT = 'SEAT,Seat,seat,max,';
export const VALID_MAPPING = 'microsoft,seat-sku,SEAT,';
export const VALID_AGREEMENT = 'A1,C1,SEAT,10,12.50,,,2024-01-01,,,,,';
export const VALID_PAYMENT = 'P1,INV-1,100.00,USD,2025-01-05,,';

export function files(overrides: Partial<ReferenceFiles> = {}): ReferenceFiles {
  return {
    clients: csv(CLIENTS_HEADER, VALID_CLIENT, 'C2,Client Two,ap@c2.example,EUR,14,20,none'),
    accounts: csv(ACCOUNTS_HEADER, VALID_ACCOUNT, 'pax8,px-2,C2'),
    products: csv(PRODUCTS_HEADER, VALID_PRODUCT, 'DEV,Device,device,max,9.99'),
    skuMap: csv(SKU_MAP_HEADER, VALID_MAPPING, 'pax8,*,DEV,2'),
    agreements: csv(
      AGREEMENTS_HEADER,
      VALID_AGREEMENT,
      'A2,C2,DEV,3,5,,,2024-06-01,2024-12-31,quarterly,flag,1,Devices',
    ),
    ...overrides,
  };
}

/** A problem as `file line N, column X: reason` without the reason, to match locations. */
export const where = (problem: Problem): string =>
  `${problem.file}${problem.line !== undefined ? ` ${problem.line}` : ''}${problem.column !== undefined ? ` ${problem.column}` : ''}`;

export function problemsOf(result: { ok: true } | { ok: false; problems: readonly Problem[] }): readonly Problem[] {
  if (result.ok) throw new Error('expected problems, got a valid result');
  return result.problems;
}

export function valueOf<T>(result: { ok: true; value: T } | { ok: false; problems: readonly Problem[] }): T {
  if (!result.ok)
    throw new Error(
      `expected a valid result, got:\n${result.problems.map((p) => `${where(p)}: ${p.reason}`).join('\n')}`,
    );
  return result.value;
}
