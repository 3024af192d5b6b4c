/**
 * The text keys of a usage record (vendor, account, vendor sku, reference) are identifiers:
 * they are matched against the reference files, stored as discrepancy fields in DynamoDB and
 * written one per line in the duplicate-reference index (`refs/<period>/<sha256>.<part>.txt`). A key
 * that holds a line break or another control character can never match a reference file
 * (those refuse them) and would split an index line, so a later file's copy of the row would
 * not be seen as a duplicate; a key of a megabyte would make the discrepancy that names it
 * larger than a DynamoDB item. Such a row is rejected here, naming its column, instead.
 */
import type { UsageRecord } from '../domain/billing-types.js';
import { quote } from '../domain/reference/cell-schemas.js';
import { CONTROL_CHARACTER as CONTROL } from '../text/control-characters.js';
import type { BoundColumn, RowCells } from './reader-types.js';

/** Longest vendor key: the reference files' limit (functions/domain/reference/cell-schemas.ts). */
export const MAX_VENDOR_LENGTH = 64;
/** Longest account id, vendor sku or reference: twice the reference files' key limit. */
export const MAX_KEY_LENGTH = 256;

const KEYS = [
  ['vendor', 'vendor', MAX_VENDOR_LENGTH],
  ['accountId', 'account_id', MAX_KEY_LENGTH],
  ['vendorSku', 'vendor_sku', MAX_KEY_LENGTH],
  ['reference', 'reference', MAX_KEY_LENGTH],
] as const;

export interface KeyProblem {
  /** The format's column key when one cell is at fault, else the record field's canonical name. */
  readonly key: string;
  readonly reason: string;
}

/**
 * Why `record` cannot be stored, or undefined. `cells` and `columns` find the cell the key came
 * from, so the rejection names the file's own column (for composed keys such as AWS
 * `ProductCode:UsageType`, the part at fault).
 */
export function recordKeyProblem(
  record: UsageRecord,
  cells: RowCells,
  columns: readonly BoundColumn[],
): KeyProblem | undefined {
  // Runs once per accepted row: the common case is four short tests, no allocation.
  const { vendor, accountId, vendorSku, reference } = record;
  if (
    vendor.length <= MAX_VENDOR_LENGTH &&
    accountId.length <= MAX_KEY_LENGTH &&
    vendorSku.length <= MAX_KEY_LENGTH &&
    (reference === undefined || reference.length <= MAX_KEY_LENGTH) &&
    !CONTROL.test(vendor) &&
    !CONTROL.test(accountId) &&
    !CONTROL.test(vendorSku) &&
    (reference === undefined || !CONTROL.test(reference))
  ) {
    return undefined;
  }
  for (const [field, name, max] of KEYS) {
    const value = record[field];
    if (value === undefined) continue;
    const control = CONTROL.exec(value);
    if (control === null && value.length <= max) continue;
    const reason =
      control !== null
        ? `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} (got ${quote(value)}): an id must be one line of text`
        : `is ${value.length} characters long (got ${quote(value)}): an id is at most ${max} characters`;
    return { key: sourceColumn(value, cells, columns, control !== null, max) ?? name, reason };
  }
  return undefined;
}

/** The bound column whose cell holds the bad part of `value`. */
function sourceColumn(
  value: string,
  cells: RowCells,
  columns: readonly BoundColumn[],
  control: boolean,
  max: number,
): string | undefined {
  const folded = value.toLowerCase();
  for (const column of columns) {
    if (column.index < 0) continue;
    const cell = (cells[column.index] ?? '').trim();
    if (cell === '' || !folded.includes(cell.toLowerCase())) continue;
    if (control ? CONTROL.test(cell) : cell.length > max) return column.key;
  }
  return undefined;
}
