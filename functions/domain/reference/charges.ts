/**
 * The data folder's optional `charges.csv` (docs/charges.md): one-off charges, checked with
 * file, line and column like every reference file, and against the reference data: the client
 * exists, the sku (when given) is in products.csv, the unit price has at most the client's
 * currency's minor digits, a charge_id appears once.
 */
import { z } from 'zod';
import type { Charge, ReferenceData } from '../billing-types.js';
import { moneyProblem } from '../money.js';
import * as cell from './cell-schemas.js';
import { toDecimal } from './cell-schemas.js';
import { duplicateKeys, readTable, type TableSpec } from './csv-table.js';
import { fail, succeed, type ParseResult, type Problem } from './problems.js';

export const CHARGES_FILE = 'charges.csv';

const yesNo = () => cell.oneOf(['true', 'false'] as const);

export const chargesSpec: TableSpec<Charge> = {
  columns: ['charge_id', 'client_id', 'date', 'description', 'quantity', 'unit_price', 'sku', 'taxable', 'invoice_now'],
  required: ['charge_id', 'client_id', 'date', 'description', 'quantity', 'unit_price'],
  row: z
    .object({
      charge_id: cell.key(),
      client_id: cell.key(),
      date: cell.date(),
      description: cell.text(),
      quantity: cell.decimal({ above: 0 }),
      // Negative for a credit; its digits are checked against the client's currency below.
      unit_price: cell.decimal({ digits: false }),
      sku: cell.key().optional(),
      taxable: yesNo().optional(),
      invoice_now: yesNo().optional(),
    })
    .transform((r): Charge => ({
      chargeId: r.charge_id,
      clientId: r.client_id,
      date: r.date,
      description: r.description,
      quantity: r.quantity,
      unitPrice: r.unit_price,
      ...(r.sku !== undefined ? { sku: r.sku } : {}),
      taxable: r.taxable !== 'false',
      ...(r.invoice_now === 'true' ? { invoiceNow: true } : {}),
    })),
};

/** charges.csv checked on its own and against `reference`; every problem, or the charges in file order. */
export function parseCharges(
  text: string,
  reference: Pick<ReferenceData, 'clients' | 'products'>,
  file = CHARGES_FILE,
): ParseResult<Charge[]> {
  const table = readTable(text, file, chargesSpec);
  const problems: Problem[] = [...table.problems, ...duplicateKeys(table.raw, file, { columns: ['charge_id'] })];
  const clients = new Map(reference.clients.map((c) => [c.clientId, c]));
  const skus = new Set(reference.products.map((p) => p.sku));
  // On every row read, valid or not, so that one run lists every problem.
  for (const { line, cells } of table.raw) {
    const clientId = cells.client_id;
    const sku = cells.sku;
    if (sku !== undefined && sku !== '' && !skus.has(sku))
      problems.push({ file, line, column: 'sku', reason: `sku ${JSON.stringify(sku)} is not in products.csv` });
    if (clientId === undefined || clientId === '') continue;
    const client = clients.get(clientId);
    if (!client) {
      problems.push({
        file,
        line,
        column: 'client_id',
        reason: `client ${JSON.stringify(clientId)} is not in clients.csv`,
      });
      continue;
    }
    const price = toDecimal(cells.unit_price ?? '', { digits: false });
    const digits = price.ok ? moneyProblem(price.value, client.currency) : undefined;
    if (digits !== undefined) problems.push({ file, line, column: 'unit_price', reason: digits });
  }
  const columns = chargesSpec.columns;
  problems.sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || columns.indexOf(a.column ?? '') - columns.indexOf(b.column ?? ''),
  );
  return problems.length > 0 ? fail(problems) : succeed(table.rows.map((row) => row.value));
}
