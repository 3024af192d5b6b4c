/**
 * `trueup.json` (docs/contract.md §2). Every key has the default shown there; a missing
 * file means all defaults and a partial object is merged with them key by key (arrays —
 * `reports.recipients`, `dunning.steps` — are replaced whole). Unknown keys are problems, so a
 * misspelt key never silently falls back to its default.
 */
import { z } from 'zod';
import { decimalText, type Dec } from '../money.js';
import { isIsoDate, type IsoDate } from '../dates.js';
import type { AccountingSettings, DunningStep, Settings } from '../billing-types.js';
import {
  currencyProblem,
  emailProblem,
  isEmail,
  lineProblem,
  quote,
  toDecimal,
  type Conversion,
  type DecimalBounds,
} from './cell-schemas.js';
import { fail, succeed, type ParseResult, type Problem } from './problems.js';
import { scanJson } from './json-scan.js';

/** The settings example of docs/contract.md §2, which is also every key's default. */
export const DEFAULT_SETTINGS_JSON = {
  msp: { name: 'Acme IT', email: 'billing@acme-it.example', address: '1 Main St, Springfield' },
  timezone: 'America/Chicago',
  currency: 'USD',
  invoice: { prefix: 'INV', paymentTermsDays: 30, recurringTiming: 'advance' },
  reports: { recipients: ['billing@acme-it.example'], agingWeekday: 1 },
  dunning: {
    steps: [
      { name: 'reminder', offsetDays: -3 },
      { name: 'due', offsetDays: 0 },
      { name: 'overdue_1', offsetDays: 7 },
      { name: 'overdue_2', offsetDays: 14, lateFee: { percent: '1.5', minimum: '0' } },
      { name: 'final', offsetDays: 30 },
    ],
  },
} as const;

/** The value a message names: strings quoted, other JSON values written out, cut at 40 characters. */
function got(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string') return quote(input);
  let text: string;
  try {
    text = JSON.stringify(input) ?? String(input);
  } catch {
    // Nested deeper than the stack allows: name its kind rather than crash.
    return Array.isArray(input) ? 'a list' : 'an object';
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A JSON string run through `convert`. */
function str<T>(convert: (text: string) => Conversion<T>) {
  return z.string({ error: (issue) => `must be a string (got ${got(issue.input)})` }).transform((text, ctx): T => {
    const result = convert(text);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.reason, input: text });
      return z.NEVER;
    }
    return result.value;
  });
}

const ok = <T>(value: T): Conversion<T> => ({ ok: true, value });
const no = <T>(reason: string): Conversion<T> => ({ ok: false, reason });

const oneLine = (max: number) =>
  str((text) => {
    const bad =
      text.trim() === ''
        ? 'must not be empty'
        : (lineProblem(text) ?? (text.length > max ? `must be at most ${max} characters` : undefined));
    return bad === undefined ? ok(text) : no<string>(bad);
  });

const email = () => str((text) => (isEmail(text) ? ok(text) : no<string>(emailProblem(text))));

/** A decimal written as a JSON string ("1.5") or number (1.5). */
function decimal(bounds: DecimalBounds) {
  return z
    .union([z.string(), z.number()], {
      error: (issue) => `must be a decimal number written as a string like "1.5" (got ${got(issue.input)})`,
    })
    .transform((value, ctx): Dec => {
      const result = toDecimal(typeof value === 'number' ? String(value) : value.trim(), bounds);
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', message: result.reason, input: value });
        return z.NEVER;
      }
      return result.value;
    });
}

function wholeNumber(min: number, max: number) {
  const message = (input: unknown): string => `must be a whole number from ${min} to ${max} (got ${got(input)})`;
  return z
    .number({ error: (issue) => message(issue.input) })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: (issue) => message(issue.input) });
}

function oneOf<const T extends string>(values: readonly T[]) {
  return z.enum(values as [T, ...T[]], {
    error: (issue) => `must be one of ${values.join(', ')} (got ${got(issue.input)})`,
  });
}

/** True for IANA zone names the runtime knows (`Europe/Dublin`, `UTC`); offsets and abbreviations like `EST` are refused. */
export function timeZoneProblem(zone: string): string | undefined {
  const expected = `must be an IANA time zone like America/Chicago or Europe/London (got ${quote(zone)})`;
  if (!zone.includes('/') && !/^(UTC|GMT)$/i.test(zone)) return expected;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return expected;
  }
}

function canonicalZone(zone: string): string {
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
}

function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = Object.keys(shape).filter((name) => !name.startsWith('$'));
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((name) => JSON.stringify(name)).join(', ')} (known here: ${known.join(', ')})`
        : `must be a JSON object (got ${got(issue.input)})`,
  });
}

const STEP_NAME = /^[A-Za-z0-9._-]{1,64}$/;

const stepSchema = strict({
  name: str((text) =>
    STEP_NAME.test(text)
      ? ok(text)
      : no<string>(`must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-" (got ${quote(text)})`),
  ),
  offsetDays: wholeNumber(-3650, 3650),
  lateFee: strict({
    percent: decimal({ min: 0, max: 100 }),
    minimum: decimal({ min: 0 }).prefault('0'),
  }).optional(),
}).transform((step): DunningStep => ({
  name: step.name,
  offsetDays: step.offsetDays,
  ...(step.lateFee ? { lateFee: step.lateFee } : {}),
}));

const stepsSchema = z
  .array(stepSchema, { error: (issue) => `must be a list of steps (got ${got(issue.input)})` })
  .superRefine((steps, ctx) => {
    const names = new Map<string, number>();
    const offsets = new Map<number, number>();
    steps.forEach((step, index) => {
      const sameName = names.get(step.name);
      if (sameName !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `repeats the name of steps[${sameName}] (got ${quote(step.name)})`,
        });
      else names.set(step.name, index);
      const sameOffset = offsets.get(step.offsetDays);
      if (sameOffset !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'offsetDays'],
          message: `repeats the offsetDays of steps[${sameOffset}] (got ${step.offsetDays})`,
        });
      else offsets.set(step.offsetDays, index);
    });
  })
  .transform((steps) => [...steps].sort((a, b) => a.offsetDays - b.offsetDays));

const D = DEFAULT_SETTINGS_JSON;

/** The account of each kind of entry when `accounting` leaves it out (docs/accounting.md). */
export const DEFAULT_ACCOUNTS: AccountingSettings = {
  accountsReceivable: '1200 Accounts Receivable',
  undepositedFunds: '1250 Undeposited Funds',
  salesTaxPayable: '2200 Sales Tax Payable',
  unappliedCash: '2300 Unapplied Cash',
  clientCredit: '2310 Client Credit',
  defaultIncome: '4000 Sales',
  lateFeeIncome: '4900 Late Fee Income',
  surchargeIncome: '4910 Card Surcharge Income',
  providerFees: '6100 Payment Processing Fees',
};

/** An account as the accounting system names it (a code, a name, or both): one line, 1–100 characters. */
export const accountCode = () =>
  str((text) => {
    const trimmed = text.trim();
    const bad =
      trimmed === ''
        ? 'must not be empty'
        : (lineProblem(trimmed) ?? (trimmed.length > 100 ? 'must be at most 100 characters' : undefined));
    return bad === undefined ? ok(trimmed) : no<string>(bad);
  });

/**
 * `{ "8.25": "2201 Texas Sales Tax" }`: the sales tax account of each tax rate (percent, 0–100,
 * as clients.csv `tax_rate` writes it). Keys are kept in their plain form ("8.250" → "8.25") so
 * a client's rate finds its account; two keys naming the same rate are a problem.
 */
const accountsByRate = () =>
  z.unknown().transform((input, ctx): Record<string, string> => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object of rate → account (got ${got(input)})`, input });
      return z.NEVER;
    }
    const out: Record<string, string> = {};
    const seen = new Map<string, string>();
    // Object.keys, not a record schema: a "__proto__" key from JSON.parse is an own key to refuse, not drop.
    for (const key of Object.keys(input)) {
      const problem = (message: string): void => ctx.addIssue({ code: 'custom', path: [key], message, input: key });
      const rate = toDecimal(key.trim(), { min: 0, max: 100 });
      const account = accountCode().safeParse((input as Record<string, unknown>)[key]);
      if (!rate.ok) problem(`is not a tax rate: ${rate.reason}`);
      else if (seen.has(decimalText(rate.value)))
        problem(`names the same rate as ${quote(seen.get(decimalText(rate.value))!)} (${decimalText(rate.value)}%)`);
      else if (!account.success) problem(account.error.issues[0]?.message ?? 'is not an account');
      else {
        seen.set(decimalText(rate.value), key);
        out[decimalText(rate.value)] = account.data;
      }
    }
    return out;
  });

/** Text that may span lines (addresses, payment instructions); other control characters are refused. */
const multiLine = (max: number) =>
  str((text) => {
    const bad =
      text.trim() === ''
        ? 'must not be empty'
        : (lineProblem(text.replace(/\r?\n/g, ' ')) ??
          (text.length > max ? `must be at most ${max} characters` : undefined));
    return bad === undefined ? ok(text) : no<string>(bad);
  });

/** A logo file in the data folder: a relative path to a .png, .jpg/.jpeg or .svg file. */
export const LOGO_FILE = /\.(png|jpe?g|svg)$/i;
const logoFile = () =>
  str((text) => {
    if (!LOGO_FILE.test(text))
      return no<string>(`must name a .png, .jpg or .svg file in the data folder (got ${quote(text)})`);
    if (/^([/\\]|[A-Za-z]:)/.test(text) || text.split(/[/\\]/).includes('..'))
      return no<string>(`must be a path inside the data folder, like "logo.png" (got ${quote(text)})`);
    const bad = lineProblem(text);
    return bad === undefined ? ok(text) : no<string>(bad);
  });

/** A document series' prefix (`invoice.prefix`, `invoice.creditNotePrefix`): `{prefix}-{YYYY}-{NNNNNN}`. */
const seriesPrefix = () =>
  str((text) =>
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/.test(text)
      ? ok(text)
      : no<string>(
          `must be 1–20 characters of A–Z, a–z, 0–9, ".", "_" or "-", starting with a letter or digit (got ${quote(text)})`,
        ),
  );

/** A display name for the From header (`"Acme IT" <billing@…>`): one line, no quotes or angle brackets. */
const senderName = () =>
  str((text) => {
    const bad =
      text.trim() === ''
        ? 'must not be empty'
        : (lineProblem(text) ??
          (/["<>\\]/.test(text) ? `must not contain ", <, > or \\ (got ${quote(text)})` : undefined) ??
          (text.length > 100 ? 'must be at most 100 characters' : undefined));
    return bad === undefined ? ok(text.trim()) : no<string>(bad);
  });

/** A BCP 47 locale with a region (the region picks the paper size), that the runtime formats with (`en-US`, `de-DE`, `zh-Hant-TW`). */
export function localeProblem(text: string): string | undefined {
  const expected = `must be a locale like en-US, en-GB, de-DE or fr-CA (got ${quote(text)})`;
  try {
    const [canonical] = Intl.getCanonicalLocales(text);
    return canonical !== undefined &&
      Intl.DateTimeFormat.supportedLocalesOf(canonical).length > 0 &&
      /^[a-z]{2,3}(-[A-Z][a-z]{3})?-([A-Z]{2}|\d{3})(-|$)/.test(canonical)
      ? undefined
      : expected;
  } catch {
    return expected;
  }
}

const settingsSchema = strict({
  $schema: z.string().optional(),
  msp: strict({
    name: oneLine(200).prefault(D.msp.name),
    email: email().prefault(D.msp.email),
    // The address may span lines (letterhead); other control characters are refused.
    address: str((text) => {
      const bad = lineProblem(text.replace(/\r?\n/g, ' '));
      return bad === undefined ? ok(text) : no<string>(bad);
    }).prefault(D.msp.address),
    phone: oneLine(50).optional(),
    taxId: oneLine(100).optional(),
    senderName: senderName().optional(),
    logo: logoFile().optional(),
  }).prefault({}),
  timezone: str((text) => {
    const bad = timeZoneProblem(text);
    return bad === undefined ? ok(canonicalZone(text)) : no<string>(bad);
  }).prefault(D.timezone),
  currency: str((text) => {
    const bad = currencyProblem(text);
    return bad === undefined ? ok(text) : no<string>(bad);
  }).prefault(D.currency),
  invoice: strict({
    prefix: seriesPrefix().prefault(D.invoice.prefix),
    paymentTermsDays: wholeNumber(0, 3650).prefault(D.invoice.paymentTermsDays),
    recurringTiming: oneOf(['advance', 'arrears'] as const).prefault(D.invoice.recurringTiming),
    paymentInstructions: multiLine(2000).optional(),
    remitTo: multiLine(500).optional(),
    paperSize: oneOf(['Letter', 'A4'] as const).optional(),
    // Hold mode (docs/review.md): absent keys stay absent, so saved reference data is unchanged.
    review: oneOf(['auto', 'hold'] as const).optional(),
    autoApprove: strict({
      noOpenDiscrepancies: z
        .boolean({ error: (issue) => `must be true or false (got ${got(issue.input)})` })
        .optional(),
      maxChangePercent: decimal({ min: 0 }).optional(),
    })
      .transform((rules) => ({
        ...(rules.noOpenDiscrepancies !== undefined ? { noOpenDiscrepancies: rules.noOpenDiscrepancies } : {}),
        ...(rules.maxChangePercent !== undefined ? { maxChangePercent: rules.maxChangePercent } : {}),
      }))
      .optional(),
    reviewAlarmDays: wholeNumber(1, 365).optional(),
    creditNotePrefix: seriesPrefix().optional(),
  }).prefault({}),
  reports: strict({
    // At least one: the reports are emailed, and nobody would receive them.
    recipients: z
      .array(email(), { error: (issue) => `must be a list of email addresses (got ${got(issue.input)})` })
      .min(1, {
        error: 'must list at least one email address: the reconciliation and aging reports are emailed to them',
      })
      .prefault([...D.reports.recipients]),
    agingWeekday: wholeNumber(1, 7).prefault(D.reports.agingWeekday),
  }).prefault({}),
  dunning: strict({
    steps: stepsSchema.prefault(D.dunning.steps.map((step) => ({ ...step }))),
    // Absent stays absent, so saved reference data is unchanged (docs/statements.md).
    statement: z.boolean({ error: (issue) => `must be true or false (got ${got(issue.input)})` }).optional(),
  }).prefault({}),
  // Not in docs/contract.md §2: off unless set, so a data folder without it gets the emails it always did.
  receipts: strict({
    enabled: z.boolean({ error: (issue) => `must be true or false (got ${got(issue.input)})` }).prefault(false),
  }).optional(),
  // Getting paid online (docs/payments.md): absent, nothing of it runs.
  payments: strict({
    provider: oneOf(['stripe'] as const).prefault('stripe'),
    methods: z
      .array(oneOf(['card', 'us_bank_account'] as const), {
        error: (issue) => `must be a list of "card" and "us_bank_account" (got ${got(issue.input)})`,
      })
      .min(1, { error: 'must list at least one method: clients would have no way to pay' })
      .prefault(['card', 'us_bank_account']),
    publicUrl: str((text) => {
      const bad = publicUrlProblem(text);
      return bad === undefined ? ok(text.replace(/\/+$/, '')) : no<string>(bad);
    }).optional(),
    autoPayOn: oneOf(['issue_date', 'due_date'] as const).prefault('due_date'),
    cardSurchargePercent: decimal({ min: 0, max: 10 }).optional(),
  })
    .transform((p) => ({
      provider: p.provider,
      methods: [...new Set(p.methods)],
      ...(p.publicUrl !== undefined ? { publicUrl: p.publicUrl } : {}),
      autoPayOn: p.autoPayOn,
      ...(p.cardSurchargePercent !== undefined && !p.cardSurchargePercent.isZero()
        ? { cardSurchargePercent: p.cardSurchargePercent }
        : {}),
    }))
    .optional(),
  statements: strict({
    dayOfMonth: wholeNumber(1, 28).prefault(1),
  }).optional(),
  // The chart of accounts the journal posts to (docs/accounting.md): absent stays absent.
  accounting: strict({
    accountsReceivable: accountCode().prefault(DEFAULT_ACCOUNTS.accountsReceivable),
    salesTaxPayable: accountCode().prefault(DEFAULT_ACCOUNTS.salesTaxPayable),
    // Per tax rate (percent), where a client's rate is listed; absent: every rate to salesTaxPayable.
    salesTaxPayableByRate: accountsByRate().optional(),
    lateFeeIncome: accountCode().prefault(DEFAULT_ACCOUNTS.lateFeeIncome),
    defaultIncome: accountCode().prefault(DEFAULT_ACCOUNTS.defaultIncome),
    undepositedFunds: accountCode().prefault(DEFAULT_ACCOUNTS.undepositedFunds),
    unappliedCash: accountCode().prefault(DEFAULT_ACCOUNTS.unappliedCash),
    clientCredit: accountCode().prefault(DEFAULT_ACCOUNTS.clientCredit),
    surchargeIncome: accountCode().prefault(DEFAULT_ACCOUNTS.surchargeIncome),
    providerFees: accountCode().prefault(DEFAULT_ACCOUNTS.providerFees),
    // Publishing to QuickBooks Online or Xero: absent, nothing is published.
    publish: strict({
      system: oneOf(['quickbooks', 'xero'] as const),
      from: str((text) =>
        isIsoDate(text) ? ok(text) : no<IsoDate>(`must be a date written YYYY-MM-DD (got ${quote(text)})`),
      ),
      paymentAccount: accountCode().optional(),
    }).optional(),
  }).optional(),
  locale: str((text) => {
    const bad = localeProblem(text);
    return bad === undefined ? ok(Intl.getCanonicalLocales(text)[0] ?? text) : no<string>(bad);
  }).optional(),
  // The client portal (docs/portal.md): absent, no portal links in emails and none served.
  portal: strict({
    linkDays: wholeNumber(1, 365).prefault(30),
  }).optional(),
}).transform(({ $schema: _schema, ...settings }): Settings => settings);

/** An http(s) URL without credentials, query or fragment: the base that Pay links are built on. */
function publicUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `must be an http(s) URL (got ${quote(text)})`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an http(s) URL (got ${quote(text)})`;
  if (url.username || url.password || url.search || url.hash)
    return `must be a plain base URL, without user, query or fragment (got ${quote(text)})`;
  return undefined;
}

/** `dunning.steps[2].lateFee.percent` */
function keyPath(path: readonly PropertyKey[]): string | undefined {
  let text = '';
  for (const segment of path)
    text += typeof segment === 'number' ? `[${segment}]` : `${text === '' ? '' : '.'}${String(segment)}`;
  return text === '' ? undefined : text;
}

/** The 1-based line and column of a character offset. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function jsonSyntaxProblem(text: string, error: unknown, file: string): Problem {
  const message = error instanceof Error ? error.message : String(error);
  const at = /at position (\d+)/.exec(message);
  // Some V8 messages ("Unexpected token 'N'", for NaN) give no position: find it ourselves.
  const offset = at ? Number(at[1]) : (scanJson(text).errorAt ?? text.length);
  const { line, column } = position(text, offset);
  const what = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/,?\s*"[^]*" is not valid JSON$/, '');
  return { file, line, reason: `is not valid JSON: ${what} (line ${line}, character ${column})` };
}

/** A key written twice in one object: JSON.parse would keep the last silently, so it is a problem. */
function repeatedKeys(text: string, file: string): Problem[] {
  return scanJson(text).duplicates.map((d) => ({
    file,
    line: position(text, d.at).line,
    column: d.path,
    reason: `repeats the key ${JSON.stringify(d.key)} already set on line ${position(text, d.firstAt).line}: write each setting once`,
  }));
}

/** All defaults: what a data folder without `trueup.json` gets. */
export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

/** Parses `trueup.json`; `undefined` (no file) gives every default. */
export function parseSettings(jsonText: string | undefined, file = 'trueup.json'): ParseResult<Settings> {
  if (jsonText === undefined) return succeed(DEFAULT_SETTINGS);
  const text = jsonText.replace(/^\ufeff/, '');
  if (text.trim() === '') return fail([{ file, reason: 'is empty: write {} for all defaults, or remove the file' }]);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail([jsonSyntaxProblem(text, error, file)]);
  }
  const repeated = repeatedKeys(text, file);
  const parsed = settingsSchema.safeParse(json);
  if (parsed.success && repeated.length === 0) return succeed(parsed.data);
  return fail([
    ...repeated,
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => {
          const column = keyPath(issue.path);
          return { file, ...(column !== undefined ? { column } : {}), reason: issue.message };
        })),
  ]);
}
