/**
 * Differential test of the cloud usage formats (docs/contract.md §3): FOCUS 1.x, AWS CUR legacy
 * (`lineItem/…`) and AWS CUR 2.0 (`line_item_…`). fast-check generates files of real-world
 * shapes (the real samples' column sets shuffled, header spellings, BOM/UTF-16, CRLF, quoted
 * cells with commas, quotes and line breaks, NULL, blank lines, bad rows) and the reader's
 * figures are compared with an oracle written here from docs/contract.md §3 and the documented decisions
 * of formats/focus.ts and formats/aws-cur.ts alone. The oracle works on the generated cells
 * (not on the bytes), so the reader's CSV splitting, decoding and line counting are checked too.
 *
 * Oracle decisions (docs/contract.md §2–3 and the format files' headers):
 * - header names match case-insensitively, ignoring surrounding spaces; unknown columns ignored;
 * - a record whose cell count differs from the header's is rejected; empty lines are not rows;
 * - the cells the format reads are trimmed, then the cell `NULL` is empty (however it is quoted);
 *   a currency is three letters (upper-cased) or nothing;
 * - FOCUS: Tax rows are accepted and skipped (no record) whatever their other cells; Usage and
 *   Purchase: quantity = PricingQuantity (null allowed, read 0, on a ChargeClass `Correction`
 *   row); other categories quantity 0; cost = BilledCost;
 *   numbers are decimals with an optional sign and E notation (FOCUS NumericFormat; no `$`, no
 *   thousands separator); ProviderName, SubAccountId, SkuId, ChargeCategory required;
 * - CUR: Tax lines skipped; usage lines (Usage, DiscountedUsage, SavingsPlanCoveredUsage, or no
 *   line item type) quantity = usage amount, others 0 with vendorSku `ProductCode:LineItemType`
 *   when the usage type is empty; numbers may use an exponent; cost optional;
 * - an exponent beyond ±40 is refused (row-cells.ts: no cost or quantity is that small or large), and
 *   so is a value with more than 15 digits before the point or 40 decimals (docs/rules.md);
 * - usageDate = UTC date of the start timestamp (`YYYY-MM-DD`, or ISO 8601 with `Z`, BigQuery's
 *   ` UTC`, `±HH:MM`/`±HHMM` with hours 00-23 and minutes 00-59, or no zone = UTC), which must
 *   still have a 4-digit year; period = month of the billing period start as written, else (CUR)
 *   of the usage date.
 * - no reference in either format: rowsDuplicate is always 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { Dec, ZERO } from '../../functions/domain/money.js';
import type { UsageRecord } from '../../functions/domain/billing-types.js';
import { readBytes, referenceSet, SHARED, SHRINK_BOUND } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// The real samples: column sets and the cells of their non-key columns.

const SAMPLES = join(SHARED, 'samples');

interface Table {
  readonly header: string[];
  readonly rows: Record<string, string>[];
}

function table(path: string): Table {
  const data = Papa.parse<string[]>(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
  const header = data[0] as string[];
  const rows = data.slice(1).map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  return { header, rows };
}

const FOCUS_10 = table(join(SAMPLES, 'focus/focus_sample_1.0_finops_foundation.csv'));
const FOCUS_SAAS = table(join(SAMPLES, 'focus/focus_spec_saas_simple_agreements_c.csv'));
const FOCUS_12_COLUMNS = readFileSync(join(SAMPLES, 'focus/FOCUS_v1.2_columns.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .map((line) => line.split('\t')[0] as string)
  .filter((name) => name !== '');
const CUR_LEGACY = table(join(SAMPLES, 'aws-cur/sample-anonymous-aws-export-dataset.csv'));
const CUR2_SYNTHETIC = table(join(SAMPLES, 'aws-cur/sample-cur20_synthetic_sbroenne.csv'));
const CUR2_CONFORMANCE = table(join(SHARED, 'conformance/data/usage/cur2.csv'));

/** `lineItem/UsageAccountId` → `line_item_usage_account_id`: how CUR 2.0 renamed the legacy columns. */
function cur2Name(legacy: string): string {
  return legacy
    .split('/')
    .map((part) =>
      part
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([A-Z])(?=[A-Z])/g, '$1_')
        .toLowerCase(),
    )
    .join('_');
}

// ---------------------------------------------------------------------------------------------
// The formats' key columns, under the names the oracle binds them by.

type Fmt = 'focus' | 'cur-legacy' | 'cur2';

const FOCUS_KEYS = [
  'BilledCost',
  'ChargePeriodStart',
  'SubAccountId',
  'SkuId',
  'PricingQuantity',
  'ChargeCategory',
  'ProviderName',
  'BillingPeriodStart',
  'BillingCurrency',
] as const;
/** The columns the oracle reads: the keys, and ChargeClass where the file has it. */
const FOCUS_READ: readonly string[] = [...FOCUS_KEYS, 'ChargeClass'];

const CUR_KEYS = {
  account: 'lineItem/UsageAccountId',
  product: 'lineItem/ProductCode',
  usageType: 'lineItem/UsageType',
  amount: 'lineItem/UsageAmount',
  start: 'lineItem/UsageStartDate',
  cost: 'lineItem/UnblendedCost',
  type: 'lineItem/LineItemType',
  billStart: 'bill/BillingPeriodStartDate',
  currency: 'lineItem/CurrencyCode',
} as const;
type CurKey = keyof typeof CUR_KEYS;
const CUR_OPTIONAL: readonly CurKey[] = ['type', 'billStart', 'currency'];

// ---------------------------------------------------------------------------------------------
// Cell generators.

/** Written as the byte 0xFF (not UTF-8) in UTF-8 files: mixed encodings in a column the format ignores. */
const BAD_BYTES = '\uE000';

const NASTY = [
  '',
  'NULL',
  'null',
  'a,b',
  'say "hi", ok',
  'line1\nline2',
  'line1\r\nline2',
  '{"user:Name":"web, prod","team":"a\\"b"}',
  '"',
  ',',
  ' padded ',
  'é漢字🙂',
  '"quoted"',
  ',,,',
  '\n',
  'x\n\ny',
  '$10,100.00 ',
  `${BAD_BYTES}Oregon`,
  'Tax',
  'Usage',
  '2024-09-01',
];

/** A pool's value, the first two far more often than the rest (so that rows share groups and sums add up). */
const fromPool = <T>(pool: readonly T[]) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(pool[0] as T) },
    { weight: 3, arbitrary: fc.constant(pool[1] as T) },
    { weight: 3, arbitrary: fc.constantFrom(...pool) },
  );

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** A plain decimal as FOCUS writes it: sign, integer part, optional fraction with many digits. */
const plainDecimal = fc
  .tuple(
    fc.constantFrom('', '', '', '-'),
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('0', '1', '2', '12', '505') },
      { weight: 2, arbitrary: digits(1, 7).map((d) => d.replace(/^0+(?=\d)/, '')) },
    ),
    fc.option(digits(1, 20), { nil: undefined }),
  )
  .map(([sign, int, frac]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}`);

/** AWS numbers: plain, or with an exponent as in the legacy sample (`9.984E-7`). */
const awsNumber = fc.oneof(
  { weight: 3, arbitrary: plainDecimal },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '-'),
        digits(1, 1),
        fc.option(digits(1, 6), { nil: undefined }),
        fc.constantFrom('E', 'E', 'e'),
        fc.constantFrom('-', '', '+'),
        fc.integer({ min: 0, max: 12 }),
      )
      .map(
        ([sign, int, frac, e, expSign, exp]) =>
          `${sign}${int === '0' ? '1' : int}${frac === undefined ? '' : `.${frac}`}${e}${expSign}${exp}`,
      ),
  },
);
/** FOCUS NumericFormat allows E notation (`mEn`) as well. */
const focusNumberText = fc.oneof({ weight: 6, arbitrary: plainDecimal }, { weight: 1, arbitrary: awsNumber });

const BAD_NUMBERS = [
  'abc',
  '$10,100.00 ',
  '1,5',
  '1.2.3',
  'NaN',
  'Infinity',
  '--1',
  '0x1A',
  '1 000',
  '12%',
  'NULL',
  '',
];
/** Number forms at the edge of "plain decimal". */
const EDGE_NUMBERS = [
  '+1.5',
  '.5',
  '5.',
  '-0',
  '0.00000000000',
  '007',
  '1e3',
  '-2.5E+2',
  '1E-40',
  '1E-41',
  '12345E+45',
  '1E-20',
  '1E-21',
  '1.5E+14',
  '1E+15',
  '123456789012345.5',
  '0.000000000000000000010',
];

const numberCell = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 40, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  );

const two = (n: number) => String(n).padStart(2, '0');

/** A timestamp in the shapes the two formats are written in, near midnight UTC half of the time. */
const timestamp = fc
  .record({
    year: fromPool([2024, 2025, 2023]),
    month: fromPool([9, 10, 8, 1, 2, 3, 11, 12]),
    day: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(1, 2, 15, 28) },
      { weight: 3, arbitrary: fc.integer({ min: 29, max: 31 }) },
    ),
    hour: fc.oneof(fc.constantFrom(0, 1, 22, 23), fc.integer({ min: 0, max: 23 })),
    minute: fc.constantFrom(0, 0, 30, 59),
    second: fc.constantFrom(0, 0, 59),
    form: fc.constantFrom(
      'Z',
      'msZ',
      '7fracZ',
      'space',
      'space.000',
      'T',
      'date',
      'noSecondsZ',
      '+02:00',
      '-05:00',
      '+05:30',
      '-08:00',
      '+14:00',
      '-03:30',
      '-00:00',
      '+0200',
      'space+01:00',
      'spaceUTC',
    ),
  })
  .map(({ year, month, day, hour, minute, second, form }) => {
    const date = `${year}-${two(month)}-${two(day)}`;
    const time = `${two(hour)}:${two(minute)}:${two(second)}`;
    switch (form) {
      case 'Z':
        return `${date}T${time}Z`;
      case 'msZ':
        return `${date}T${time}.000Z`;
      case '7fracZ':
        return `${date}T${time}.1234567Z`;
      case 'space':
        return `${date} ${time}`;
      case 'space.000':
        return `${date} ${time}.000`;
      case 'noSecondsZ':
        return `${date}T${two(hour)}:${two(minute)}Z`;
      case 'T':
        return `${date}T${time}`;
      case 'date':
        return date;
      case 'space+01:00':
        return `${date} ${time}+01:00`;
      case 'spaceUTC':
        return `${date} ${time} UTC`;
      default:
        return `${date}T${time}${form}`;
    }
  });

const BAD_DATES = [
  '5/1/25',
  '2024-13-01T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '2024-04-31',
  '2024-09-01T24:30:00Z',
  '2024-09-01T12:60:00Z',
  'yesterday',
  '20240901',
  '2024-9-1',
  '2024-09-01T00:00:00 junk',
  'NULL',
  '',
  // impossible offsets, and an instant whose UTC date is past 9999-12-31
  '2024-09-01T00:00:00+99:99',
  '2024-09-29T00:00:00+24:00',
  '2024-09-01T12:00:00-12:60',
  '9999-12-31T23:00:00-05:00',
];

const dateCell = fc.oneof(
  { weight: 40, arbitrary: timestamp },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_DATES) },
);

/** A billing period start: the first of a month, written as the formats write it (an offset now and then). */
const billingStart = fc
  .record({
    year: fromPool([2024, 2025]),
    month: fromPool([9, 10, 1, 2, 12]),
    // An offset, positive or negative, never moves the billing period (the month as written).
    form: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('Z', 'msZ', 'space', 'date') },
      { weight: 2, arbitrary: fc.constantFrom('-05:00', '-08:00', '+00:00', '+02:00', '+05:30', '+14:00') },
    ),
  })
  .map(({ year, month, form }) => {
    const date = `${year}-${two(month)}-01`;
    switch (form) {
      case 'Z':
        return `${date}T00:00:00Z`;
      case 'msZ':
        return `${date}T00:00:00.000Z`;
      case 'space':
        return `${date} 00:00:00`;
      case 'date':
        return date;
      default:
        return `${date}T00:00:00${form}`;
    }
  });

/** A key cell: mostly from a small pool, sometimes missing. */
const keyCell = (pool: readonly string[]) =>
  fc.oneof({ weight: 40, arbitrary: fromPool(pool) }, { weight: 1, arbitrary: fc.constantFrom('', 'NULL') });

/** Surrounding spaces or tabs now and then (an export padded to width, a hand edit). */
const SPACING = ['', '', '', '', '', '', '', '', ' ', '  ', '\t'];
const padded = (cell: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom(...SPACING), cell, fc.constantFrom(...SPACING)).map(([l, v, r]) => `${l}${v}${r}`);

const currencyCell = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom('USD', 'USD', 'EUR', 'CAD', 'usd') },
  { weight: 1, arbitrary: fc.constantFrom('', 'NULL', 'US$', 'EURO', '€') },
);

// ---------------------------------------------------------------------------------------------
// Files.

interface GenRow {
  /** The row's cells in the file's column order, before quoting. */
  readonly cells: string[];
  /** 'short' drops the last cell, 'long' adds one: the row must be rejected. */
  readonly width: 'ok' | 'short' | 'long';
  /** A blank (or whitespace-only) line written before the row. */
  readonly blankBefore: string | undefined;
  /** The line break before the row. */
  readonly eol: '\n' | '\r\n';
}

interface GenFile {
  readonly fmt: Fmt;
  /** The header as written (after case and padding variations). */
  readonly header: string[];
  readonly rows: GenRow[];
  /** The line break after the last row (and of blank trailing lines). */
  readonly eol: '\n' | '\r\n';
  readonly quote: 'minimal' | 'all' | 'text';
  readonly encoding: 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16be';
  /** What follows the last row: nothing, a line break, blank lines. */
  readonly end: number;
  readonly chunk: number;
}

const fileStyle = fc.record({
  eol: fc.constantFrom<'\n' | '\r\n' | 'mixed'>('\n', '\r\n', '\n', '\r\n', 'mixed'),
  trailingComma: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  quote: fc.constantFrom<'minimal' | 'all' | 'text'>('minimal', 'all', 'text'),
  encoding: fc.constantFrom<GenFile['encoding']>('utf8', 'utf8', 'utf8-bom', 'utf16le', 'utf16be'),
  end: fc.constantFrom(0, 1, 1, 2, 3),
  chunk: fc.oneof(
    fc.constant(1),
    fc.integer({ min: 2, max: 17 }),
    fc.integer({ min: 18, max: 5000 }),
    fc.constant(65_536),
  ),
  nameCase: fc.constantFrom('as-is', 'as-is', 'lower', 'upper', 'mixed'),
  nameFlags: fc.array(fc.nat(99), { minLength: 120, maxLength: 120 }),
});

/** Header spelling variations the reader claims to accept: case and surrounding spaces. */
function spell(names: readonly string[], nameCase: string, flags: readonly number[]): string[] {
  return names.map((name, i) => {
    const flag = flags[i % flags.length] as number;
    let spelled = name;
    if (nameCase === 'lower') spelled = name.toLowerCase();
    else if (nameCase === 'upper') spelled = name.toUpperCase();
    else if (nameCase === 'mixed')
      spelled = flag % 3 === 0 ? name.toUpperCase() : flag % 3 === 1 ? name.toLowerCase() : name;
    return flag < 8 ? ` ${spelled}  ` : spelled;
  });
}

const rowShape = fc.record({
  width: fc.oneof(
    { weight: 30, arbitrary: fc.constant<'ok'>('ok') },
    { weight: 1, arbitrary: fc.constantFrom<'short' | 'long'>('short', 'long') },
  ),
  blankBefore: fc.oneof(
    { weight: 20, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('', '', '   ', '\t') },
  ),
  /** The header repeated as a data row (two exports concatenated). */
  headerAgain: fc.oneof({ weight: 40, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  crlf: fc.boolean(),
  nasty: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NASTY)), { maxLength: 4 }),
});

type Style = typeof fileStyle extends fc.Arbitrary<infer S> ? S : never;
type Shape = typeof rowShape extends fc.Arbitrary<infer S> ? S : never;

/** The file-level fields of a GenFile, and each row's layout. */
function layout(
  fmt: Fmt,
  columns: readonly string[],
  style: Style,
  rows: readonly { cells: string[]; shape: Shape }[],
): GenFile {
  const header = spell(columns, style.nameCase, style.nameFlags);
  const fileEol = style.eol === 'mixed' ? '\r\n' : style.eol;
  return {
    fmt,
    header,
    quote: style.quote,
    encoding: style.encoding,
    end: style.end,
    chunk: style.chunk,
    eol: fileEol,
    rows: rows.map(({ cells, shape }) => ({
      cells: shape.headerAgain ? [...header] : cells,
      width: shape.width,
      blankBefore: shape.blankBefore,
      eol: style.eol === 'mixed' ? (shape.crlf ? '\r\n' : '\n') : style.eol,
    })),
  };
}

/**
 * Assembles a row: the key cells from `keys`, every other column from a real sample row
 * (`base`), a few of them overwritten with hostile text.
 */
function assemble(
  columns: readonly string[],
  keyOf: (column: string) => string | undefined,
  keys: object,
  base: Record<string, string>,
  nasty: readonly [number, string][],
): string[] {
  const cells = columns.map((column) => {
    const key = keyOf(column);
    return key === undefined ? (base[column] ?? '') : String((keys as Record<string, unknown>)[key]);
  });
  const extras = columns
    .map((column, i) => [column, i] as const)
    .filter(([column]) => keyOf(column) === undefined)
    .map(([, i]) => i);
  for (const [at, text] of nasty) if (extras.length > 0) cells[extras[at % extras.length] as number] = text;
  return cells;
}

// FOCUS ----------------------------------------------------------------------------------------

const FOCUS_ACCOUNTS = [
  '51738928782',
  '11353890204',
  '/subscriptions/ed570627-0265-4620-bb42-bae06bcfa914',
  'ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq',
  'ACL-123',
  'Contoso, Ltd "EU"',
  'Überseeamt',
];
const FOCUS_SKUS = [
  'G95FST5FTYV3JSRX',
  '2ETY8Y426S4237JU',
  'DZH318Z0BQ4L/0029',
  'ACL-123-2010',
  'Standard D2 v3, "spot"',
];

const focusRow = fc.record({
  base: fc.nat(FOCUS_10.rows.length - 1),
  ChargeCategory: padded(
    fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom('Usage', 'Usage', 'Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment') },
      { weight: 1, arbitrary: fc.constantFrom('usage', 'TAX', 'credit', 'PURCHASE', '', 'NULL') },
    ),
  ),
  ProviderName: padded(keyCell(['AWS', 'Microsoft', 'Oracle', 'ACMECORP', 'Google Cloud', 'aws', 'Aws'])),
  SubAccountId: padded(keyCell(FOCUS_ACCOUNTS)),
  SkuId: padded(keyCell(FOCUS_SKUS)),
  PricingQuantity: padded(numberCell(focusNumberText)),
  BilledCost: padded(numberCell(focusNumberText)),
  ChargePeriodStart: padded(dateCell),
  BillingPeriodStart: padded(
    fc.oneof({ weight: 40, arbitrary: billingStart }, { weight: 1, arbitrary: fc.constantFrom(...BAD_DATES) }),
  ),
  BillingCurrency: padded(currencyCell),
  ChargeClass: padded(fc.constantFrom('', '', '', 'NULL', 'Correction', 'correction')),
  shape: rowShape,
});

const FOCUS_COLUMN_SETS: readonly (readonly string[])[] = [
  FOCUS_10.header,
  FOCUS_SAAS.header,
  FOCUS_12_COLUMNS,
  [...FOCUS_KEYS, 'x_InvoiceSectionName', 'x_SkuDescription'],
];

const focusFile: fc.Arbitrary<GenFile> = fc
  .record({
    set: fc.nat(FOCUS_COLUMN_SETS.length - 1),
    order: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    shuffle: fc.boolean(),
    style: fileStyle,
    rows: fc.array(focusRow, { maxLength: 30, size: 'medium' }),
  })
  .map(({ set, order, shuffle, style, rows }) => {
    const columns = shuffled(FOCUS_COLUMN_SETS[set] as readonly string[], shuffle ? order : []);
    // An export whose lines all end with a comma: one more column, without a name.
    if (style.trailingComma) columns.push('');
    const keyOf = (column: string) => (FOCUS_READ.includes(column) ? column : undefined);
    return layout(
      'focus',
      columns,
      style,
      rows.map((row) => ({
        cells: assemble(columns, keyOf, row, FOCUS_10.rows[row.base] as Record<string, string>, row.shape.nasty),
        shape: row.shape,
      })),
    );
  });

// AWS CUR ----------------------------------------------------------------------------------------

const CUR_ACCOUNTS = ['123412340534', '123456789012', '987654321098', '000011112222'];
const CUR_PRODUCTS = ['AmazonEC2', 'AWSGlue', 'awskms', 'AmazonRDS', 'AmazonS3'];
const CUR_USAGE_TYPES = [
  'BoxUsage:t3.micro',
  'USE1-DataTransfer-xAZ-In-Bytes',
  'InstanceUsage:db.t3.small',
  'EUN1-Requests-Tier1',
];
const CUR_LINE_TYPES = [
  'Usage',
  'Usage',
  'Usage',
  'DiscountedUsage',
  'SavingsPlanCoveredUsage',
  'Tax',
  'Tax',
  'Credit',
  'Fee',
  'RIFee',
  'Refund',
  'SavingsPlanNegation',
  'SavingsPlanRecurringFee',
  'SavingsPlanUpfrontFee',
  'BundledDiscount',
  'EdpDiscount',
  'PrivateRateDiscount',
];

const curRow = fc.record({
  base: fc.nat(CUR_LEGACY.rows.length - 1),
  type: padded(
    fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom(...CUR_LINE_TYPES) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('usage', 'TAX', 'credit', 'discountedusage', 'SAVINGSPLANCOVEREDUSAGE', '', 'NULL'),
      },
    ),
  ),
  account: padded(keyCell(CUR_ACCOUNTS)),
  product: padded(keyCell(CUR_PRODUCTS)),
  usageType: padded(
    fc.oneof(
      { weight: 20, arbitrary: fromPool(CUR_USAGE_TYPES) },
      { weight: 1, arbitrary: fc.constantFrom('', 'NULL') },
    ),
  ),
  amount: padded(numberCell(awsNumber)),
  start: padded(dateCell),
  billStart: padded(
    fc.oneof(
      { weight: 40, arbitrary: billingStart },
      { weight: 6, arbitrary: fc.constantFrom('', 'NULL') },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_DATES) },
    ),
  ),
  cost: padded(
    fc.oneof(
      { weight: 40, arbitrary: awsNumber },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_NUMBERS, ...EDGE_NUMBERS) },
    ),
  ),
  currency: padded(currencyCell),
  shape: rowShape,
});

/** The legacy sample's columns (94), and the CUR 2.0 ones: renamed legacy columns, the two small CUR 2.0 files, map columns. */
const CUR_LEGACY_SETS: readonly (readonly string[])[] = [
  CUR_LEGACY.header,
  Object.values(CUR_KEYS),
  [...Object.values(CUR_KEYS), 'identity/LineItemId', 'resourceTags/user:Name'],
];
const CUR2_SETS: readonly (readonly string[])[] = [
  CUR_LEGACY.header.map(cur2Name),
  CUR2_SYNTHETIC.header,
  CUR2_CONFORMANCE.header,
  [
    ...CUR2_SYNTHETIC.header,
    'line_item_line_item_type',
    'bill_billing_period_start_date',
    'line_item_currency_code',
    'resource_tags',
    'product',
    'cost_category',
  ],
];

function curFile(fmt: 'cur-legacy' | 'cur2'): fc.Arbitrary<GenFile> {
  const sets = fmt === 'cur-legacy' ? CUR_LEGACY_SETS : CUR2_SETS;
  const keyNames: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(CUR_KEYS).map(([key, legacy]) => [fmt === 'cur-legacy' ? legacy : cur2Name(legacy), key]),
  );
  return fc
    .record({
      set: fc.nat(sets.length - 1),
      drop: fc.subarray([...CUR_OPTIONAL]),
      order: fc.array(fc.nat(), { minLength: 100, maxLength: 100 }),
      shuffle: fc.boolean(),
      style: fileStyle,
      rows: fc.array(curRow, { maxLength: 30, size: 'medium' }),
    })
    .map(({ set, drop, order, shuffle, style, rows }) => {
      // The required columns always, the optional ones unless dropped (some sets have none of them).
      const chosen = (sets[set] as readonly string[]).filter(
        (column) => !drop.map((key) => nameOf(fmt, key)).includes(column),
      );
      for (const key of Object.keys(CUR_KEYS) as CurKey[]) {
        if (!CUR_OPTIONAL.includes(key) && !chosen.includes(nameOf(fmt, key))) chosen.push(nameOf(fmt, key));
      }
      const columns = shuffled(chosen, shuffle ? order : []);
      if (style.trailingComma) columns.push('');
      const keyOf = (column: string) => keyNames[column];
      return layout(
        fmt,
        columns,
        style,
        rows.map((row) => {
          const base =
            fmt === 'cur-legacy'
              ? { ...CUR_LEGACY.rows[row.base] }
              : Object.fromEntries(
                  Object.entries(CUR_LEGACY.rows[row.base] as Record<string, string>).map(([name, value]) => [
                    cur2Name(name),
                    value,
                  ]),
                );
          if (fmt === 'cur2')
            Object.assign(base, {
              resource_tags: '{"user:Name":"web, prod","user:Team":"a \\"b\\""}',
              product: '{"region":"us-east-1","servicecode":"AmazonEC2"}',
            });
          return { cells: assemble(columns, keyOf, row, base, row.shape.nasty), shape: row.shape };
        }),
      );
    });
}

function nameOf(fmt: Fmt, key: CurKey): string {
  return fmt === 'cur-legacy' ? CUR_KEYS[key] : cur2Name(CUR_KEYS[key]);
}

function shuffled<T>(items: readonly T[], order: readonly number[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0 && order.length > 0; i--) {
    const j = (order[i % order.length] as number) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing a file: RFC 4180 quoting, line numbers of each row, encodings.

const NUMBER_LIKE = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function quoteCell(cell: string, style: GenFile['quote']): string {
  const needs = /[",\r\n]/.test(cell);
  const wanted = style === 'all' || (style === 'text' && cell !== '' && cell !== 'NULL' && !NUMBER_LIKE.test(cell));
  return needs || wanted ? `"${cell.replaceAll('"', '""')}"` : cell;
}

interface Written {
  readonly text: string;
  /** The 1-based physical line where each row starts. */
  readonly lines: number[];
}

function write(file: GenFile): Written {
  let text = file.header.map((name) => quoteCell(name, file.quote)).join(',');
  const lines: number[] = [];
  const newlines = (s: string) => s.split('\n').length - 1;
  for (const row of file.rows) {
    if (row.blankBefore !== undefined) text += row.eol + row.blankBefore;
    const cells =
      row.width === 'short' ? row.cells.slice(0, -1) : row.width === 'long' ? [...row.cells, 'extra'] : row.cells;
    text += row.eol;
    lines.push(newlines(text) + 1);
    text += cells.map((cell) => quoteCell(cell, file.quote)).join(',');
  }
  text += file.eol.repeat(file.end);
  return { text, lines };
}

function encode(text: string, encoding: GenFile['encoding']): Uint8Array {
  if (encoding === 'utf8' || encoding === 'utf8-bom') {
    const utf8 = Buffer.from(encoding === 'utf8-bom' ? `\uFEFF${text}` : text, 'utf8');
    // BAD_BYTES (EE 80 80) becomes FF FF FF: bytes that are not UTF-8 at all.
    for (let at = utf8.indexOf('\uE000'); at >= 0; at = utf8.indexOf('\uE000', at)) utf8.fill(0xff, at, at + 3);
    return utf8;
  }
  const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
  return encoding === 'utf16le' ? le : le.swap16();
}

// ---------------------------------------------------------------------------------------------
// The oracle.

interface Expected {
  readonly vendor: string;
  readonly accountId: string;
  readonly vendorSku: string;
  readonly quantity: Dec;
  readonly cost: Dec | undefined;
  readonly usageDate: string;
  readonly period: string;
  readonly currency: string | undefined;
}

type Outcome =
  { readonly kind: 'reject' } | { readonly kind: 'skip' } | { readonly kind: 'record'; readonly record: Expected };

const REJECT: Outcome = { kind: 'reject' };
const SKIP: Outcome = { kind: 'skip' };

class Invalid extends Error {}

/** A key cell's value, trimmed; the literal NULL is empty. */
type Get = (key: string) => string;

function required(get: Get, key: string): string {
  const value = get(key);
  if (value === '') throw new Invalid(key);
  return value;
}

/**
 * FOCUS and AWS numbers: a decimal with an optional exponent (`9.984E-7`) of at most ±40, read
 * exactly, whose value has at most 15 digits before the point and 40 decimals (docs/rules.md).
 */
function exponentDecimal(text: string): Dec {
  const m = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE]([-+]?\d+))?$/.exec(text);
  if (!m || Math.abs(Number(m[4] ?? 0)) > 40) throw new Invalid(text);
  const value = new Dec(text);
  const [whole = '', fraction = ''] = value.abs().toFixed().split('.');
  if (whole.replace(/^0+/, '').length > 15 || fraction.length > 40) throw new Invalid(text);
  return value;
}
const focusNumber = exponentDecimal;
const awsDecimal = exponentDecimal;

interface Instant {
  /** The date as written (YYYY-MM-DD). */
  readonly written: string;
  /** The UTC date of the instant. */
  readonly utc: string;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z| UTC|[-+]\d{2}:?\d{2})?)?$/;

/**
 * `YYYY-MM-DD`, or an ISO 8601 timestamp (seconds and fraction optional) with `Z`, an offset
 * `±HH:MM` / `±HHMM` (hours 00-23, minutes 00-59), or no zone (UTC).
 */
function instant(text: string): Instant {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new Invalid(text);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    throw new Invalid(text);
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== ' UTC') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(-2));
    if (oh > 23 || om > 59) throw new Invalid(text);
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000)
    .toISOString()
    .slice(0, 10);
  if (!/^\d{4}-/.test(utc)) throw new Invalid(text);
  return { written: `${m[1]}-${m[2]}-${m[3]}`, utc };
}

/**
 * The month of a billing period start. docs/contract.md §3 says "month of BillingPeriodStart" and adds
 * "(UTC)" for the usage date only: the billing period that starts on 1 September (whatever
 * the offset it is written with) is September.
 */
function periodOfBillingStart(start: Instant): string {
  return start.written.slice(0, 7);
}

/** A currency cell: an ISO 4217-shaped code (upper-cased), or nothing. */
function currencyOf(text: string): string | undefined {
  if (text === '') return undefined;
  if (!/^[A-Za-z]{3}$/.test(text)) throw new Invalid(text);
  return text.toUpperCase();
}

function focusOutcome(get: Get): Outcome {
  const category = required(get, 'ChargeCategory').toLowerCase();
  if (category === 'tax') return SKIP;
  const vendor = required(get, 'ProviderName').toLowerCase();
  const accountId = required(get, 'SubAccountId');
  const vendorSku = required(get, 'SkuId');
  // FOCUS: PricingQuantity may be null on a Usage or Purchase row only when ChargeClass is "Correction".
  const correctionWithoutQuantity = get('PricingQuantity') === '' && get('ChargeClass').toLowerCase() === 'correction';
  const quantity =
    (category === 'usage' || category === 'purchase') && !correctionWithoutQuantity
      ? focusNumber(get('PricingQuantity'))
      : ZERO;
  const usageDate = instant(get('ChargePeriodStart')).utc;
  const period = periodOfBillingStart(instant(get('BillingPeriodStart')));
  const cost = focusNumber(get('BilledCost'));
  const currency = currencyOf(get('BillingCurrency'));
  return { kind: 'record', record: { vendor, accountId, vendorSku, quantity, cost, usageDate, period, currency } };
}

const CUR_USAGE_LINES = new Set(['', 'usage', 'discountedusage', 'savingsplancoveredusage']);

function curOutcome(get: Get): Outcome {
  const lineType = get('type');
  if (lineType.toLowerCase() === 'tax') return SKIP;
  const isUsage = CUR_USAGE_LINES.has(lineType.toLowerCase());
  const product = required(get, 'product');
  const usageType = isUsage ? required(get, 'usageType') : get('usageType') || lineType;
  const start = instant(get('start'));
  const accountId = required(get, 'account');
  const quantity = isUsage ? awsDecimal(get('amount')) : ZERO;
  const billStart = get('billStart');
  const period = billStart === '' ? start.utc.slice(0, 7) : periodOfBillingStart(instant(billStart));
  const costText = get('cost');
  const cost = costText === '' ? undefined : awsDecimal(costText);
  const currency = currencyOf(get('currency'));
  return {
    kind: 'record',
    record: {
      vendor: 'aws',
      accountId,
      vendorSku: `${product}:${usageType}`,
      quantity,
      cost,
      usageDate: start.utc,
      period,
      currency,
    },
  };
}

/** Binds the oracle's keys to the header as written (names case-insensitive, trimmed). */
function bindHeader(fmt: Fmt, header: readonly string[]): Map<string, number> {
  const names = header.map((name) => name.trim().toLowerCase());
  const bound = new Map<string, number>();
  if (fmt === 'focus') {
    for (const key of FOCUS_READ) bound.set(key, names.indexOf(key.toLowerCase()));
  } else {
    for (const [key, legacy] of Object.entries(CUR_KEYS)) {
      const index = names.indexOf(legacy.toLowerCase());
      bound.set(key, index >= 0 ? index : names.indexOf(cur2Name(legacy)));
    }
  }
  return bound;
}

interface OracleResult {
  readonly counts: [number, number, number, number];
  readonly skipped: number;
  readonly rejectedLines: number[];
  readonly records: (Expected & { readonly line: number })[];
}

function oracle(file: GenFile, lines: readonly number[]): OracleResult {
  const bound = bindHeader(file.fmt, file.header);
  const rejectedLines: number[] = [];
  const records: (Expected & { line: number })[] = [];
  let skipped = 0;
  file.rows.forEach((row, i) => {
    const line = lines[i] as number;
    let outcome: Outcome;
    if (row.width !== 'ok') outcome = REJECT;
    else {
      // Cells are read trimmed (the contract is silent; a padded id or number is still that id or number).
      const get: Get = (key) => {
        const index = bound.get(key) ?? -1;
        const value = index < 0 ? '' : (row.cells[index] as string).trim();
        return value === 'NULL' ? '' : value;
      };
      try {
        outcome = file.fmt === 'focus' ? focusOutcome(get) : curOutcome(get);
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        outcome = REJECT;
      }
    }
    if (outcome.kind === 'reject') rejectedLines.push(line);
    else if (outcome.kind === 'skip') skipped++;
    else records.push({ ...outcome.record, line });
  });
  const read = file.rows.length;
  return { counts: [read, read - rejectedLines.length, rejectedLines.length, 0], skipped, rejectedLines, records };
}

// ---------------------------------------------------------------------------------------------
// Comparison.

type Groups = Record<string, { rows: number; quantity: string; cost: string }>;

function groups(
  records: readonly {
    period: string;
    vendor: string;
    accountId: string;
    vendorSku: string;
    quantity: Dec;
    cost?: Dec | undefined;
  }[],
): Groups {
  const sums = new Map<string, { rows: number; quantity: Dec; cost: Dec }>();
  for (const r of records) {
    const key = [r.period, r.vendor, r.accountId, r.vendorSku].join(' | ');
    const group = sums.get(key) ?? { rows: 0, quantity: ZERO, cost: ZERO };
    sums.set(key, {
      rows: group.rows + 1,
      quantity: group.quantity.plus(r.quantity),
      cost: group.cost.plus(r.cost ?? ZERO),
    });
  }
  return Object.fromEntries(
    [...sums]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, g]) => [key, { rows: g.rows, quantity: g.quantity.toFixed(), cost: g.cost.toFixed() }]),
  );
}

function detail(r: {
  line: number;
  period: string;
  vendor: string;
  accountId: string;
  vendorSku: string;
  quantity: Dec;
  cost?: Dec | undefined;
  usageDate: string;
  currency?: string | undefined;
}): string {
  return [
    r.line,
    r.period,
    r.vendor,
    r.accountId,
    r.vendorSku,
    r.quantity.toFixed(),
    r.cost?.toFixed() ?? '∅',
    r.usageDate,
    r.currency ?? '∅',
  ].join(' | ');
}

const FORMAT_NAME: Record<Fmt, string> = { focus: 'focus', 'cur-legacy': 'aws-cur', cur2: 'aws-cur' };

async function compare(file: GenFile): Promise<void> {
  // Prepare
  const { text, lines } = write(file);
  const bytes = encode(text, file.encoding);
  const expected = oracle(file, lines);
  // Act
  const { summary, records } = await readBytes(`generated-${file.fmt}.csv`, bytes, file.chunk, referenceSet());
  // Assert
  expect(summary.fileError).toBeUndefined();
  expect(summary.format).toBe(FORMAT_NAME[file.fmt]);
  expect(summary.bytes).toBe(bytes.length);
  expect([summary.rowsRead, summary.rowsAccepted, summary.rowsRejected, summary.rowsDuplicate]).toEqual(
    expected.counts,
  );
  expect(summary.rowsSkipped).toBe(expected.skipped);
  expect(summary.rejections.map((r) => r.line)).toEqual(expected.rejectedLines);
  expect(groups(records)).toEqual(groups(expected.records));
  expect(records.map((r: UsageRecord) => detail({ ...r, line: r.source.line }))).toEqual(expected.records.map(detail));
  expect(records.every((r) => r.reference === undefined && r.source.file === `generated-${file.fmt}.csv`)).toBe(true);
}

/** Runs per property; DIFF_RUNS=2000 for a long hunt. */
const RUNS = Number(process.env.DIFF_RUNS ?? 100);

describe('differential: cloud usage files against an oracle written from docs/contract.md §3', () => {
  it('FOCUS 1.x files of varied shapes', async () => {
    await fc.assert(fc.asyncProperty(focusFile, compare), { numRuns: RUNS, ...SHRINK_BOUND });
  });

  it('AWS CUR legacy (lineItem/…) files of varied shapes', async () => {
    await fc.assert(fc.asyncProperty(curFile('cur-legacy'), compare), { numRuns: RUNS, ...SHRINK_BOUND });
  });

  it('AWS CUR 2.0 (line_item_…) files of varied shapes', async () => {
    await fc.assert(fc.asyncProperty(curFile('cur2'), compare), { numRuns: RUNS, ...SHRINK_BOUND });
  });
});

/*
 * Found by this test and fixed in the reader (the generators above now produce them):
 * - a BillingPeriodStart written with a positive offset (`2024-09-01T00:00:00+02:00`) was filed in
 *   the month before (its UTC instant); the period is now the month as written;
 * - impossible UTC offsets (`+99:99`, `+24:00`, `-12:60`) moved the date instead of rejecting the row;
 * - an instant past 9999-12-31 in UTC gave the period `+010000`; it is now rejected;
 * - an exponent beyond ±40 was refused as "uses exponent notation"; the reason now names the limit;
 * - FOCUS numbers in E notation (allowed by FOCUS NumericFormat) were rejected; BigQuery's
 *   ` UTC` timestamps (GCP's FOCUS export) were rejected. Both are read now.
 */
