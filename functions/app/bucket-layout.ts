/**
 * The layout of the two S3 buckets, in one place (docs/data-model.md, "Buckets"): every key the
 * code reads or writes is spelled here, one function per kind of object, and the objects read
 * back as JSON are read through a zod schema, so that a stored object of another shape is an
 * error naming its key and field instead of a value of the wrong type further on.
 *
 * Usage bucket: `inbox/` (dropped or pulled files), `archive/<sha256>` (the raw bytes),
 * `rejected/<sha256>/<name>.errors.csv` (row errors), `payments/` (payment files).
 * Artifacts bucket: `normalized/` and `refs/` (usage-records.ts), `reconciliation/<P>.json`,
 * `billing/<P>/plan.ndjson`, `invoices/<number>.{json,html,pdf}`, `credit-notes/<number>.{json,html,pdf}`,
 * `reports/…`, `emails/<key>.eml`, `drafts/<P>/<client>.{json,html,pdf}` (hold mode),
 * `statements/<D>/<client>.{html,pdf}` (statements of account).
 */
import { z } from 'zod';
import type { IsoDate, Period } from '../domain/dates.js';
import type { ReconciliationJson } from '../domain/reconciliation-shape.js';
import { replaceControlCharacters } from '../text/control-characters.js';
import { IssueInvoiceMessageSchema } from './messages.js';
import type { BlobStore } from './ports.js';

/** The top-level folders of the usage bucket (the deployment grants access by these). */
export const USAGE_PREFIXES = {
  inbox: 'inbox/',
  archive: 'archive/',
  rejected: 'rejected/',
  payments: 'payments/',
} as const;

/** The top-level folders of the artifacts bucket (the deployment grants access by these). */
export const ARTIFACT_PREFIXES = {
  normalized: 'normalized/',
  refs: 'refs/',
  reconciliation: 'reconciliation/',
  billing: 'billing/',
  invoices: 'invoices/',
  creditNotes: 'credit-notes/',
  reports: 'reports/',
  emails: 'emails/',
  drafts: 'drafts/',
  statements: 'statements/',
} as const;

// ---- Usage bucket

/** A usage file in the inbox; `name` may hold `/` (a data folder's sub-folder, a pulled source's name). */
export function inboxKey(name: string): string {
  return `${USAGE_PREFIXES.inbox}${name}`;
}

/** The raw bytes of an ingested usage file, as delivered (gzip included), by content. */
export function archiveKey(sha256: string): string {
  return `${USAGE_PREFIXES.archive}${sha256}`;
}

/**
 * Where the rejected rows of a file go: `rejected/<sha256>/<name>.errors.csv`, the name kept
 * to one plain segment (path separators, including `\`, and control characters become `_`),
 * so a hostile name never reads as a path when the bucket is synced to a disk.
 */
export function rejectedKey(sha256: string, name: string): string {
  return `${USAGE_PREFIXES.rejected}${sha256}/${replaceControlCharacters(name, '_').replace(/[/\\]/g, '_')}.errors.csv`;
}

// ---- Artifacts bucket: normalized usage (usage-records.ts reads and writes it)

/** Part numbers are zero-padded to this many digits, so that keys sort in part order. */
const PART_DIGITS = 5;
const MAX_PARTS = 10 ** PART_DIGITS;
const SEAL_SUFFIX = '.parts.json';
/** A part's name under its period's folder: the file's sha256, the part number, the kind. */
const PART_NAME = /^([0-9a-f]{64})\.(\d{5})\.(ndjson|txt)$/;

/** The folder of a period's normalized records and their seals. */
export function normalizedPrefix(period: Period): string {
  return `${ARTIFACT_PREFIXES.normalized}${period}/`;
}

/** One part of a file's normalized records in a period (NDJSON). */
export function normalizedKey(period: Period, sha256: string, part: number): string {
  return `${normalizedPrefix(period)}${sha256}${partSuffix(part)}.ndjson`;
}

/** The folder of a period's (vendor, reference) keys. */
export function referencesPrefix(period: Period): string {
  return `${ARTIFACT_PREFIXES.refs}${period}/`;
}

/** One part of a file's (vendor, reference) keys in a period, one `vendor\0reference` a line. */
export function referencesKey(period: Period, sha256: string, part: number): string {
  return `${referencesPrefix(period)}${sha256}${partSuffix(part)}.txt`;
}

/** The seal of a file's parts in one period, written once every part is stored. */
export function sealKey(period: Period, sha256: string): string {
  return `${normalizedPrefix(period)}${sha256}${SEAL_SUFFIX}`;
}

/** The file and part number of a part key listed under `prefix` (normalizedPrefix or referencesPrefix); undefined for any other key. */
export function parsePartKey(key: string, prefix: string): { sha256: string; part: number } | undefined {
  const match = PART_NAME.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const [, sha256 = '', part = ''] = match;
  return { sha256, part: Number(part) };
}

/** The file whose seal `key` (listed under normalizedPrefix(period)) is; undefined for any other key. */
export function sealedFileOf(key: string, period: Period): string | undefined {
  return key.endsWith(SEAL_SUFFIX) ? key.slice(normalizedPrefix(period).length, -SEAL_SUFFIX.length) : undefined;
}

function partSuffix(part: number): string {
  if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS)
    throw new RangeError(`part ${part} is outside 0…${MAX_PARTS - 1}`);
  return `.${String(part).padStart(PART_DIGITS, '0')}`;
}

/** How many parts of a file's records and of its references a seal vouches for. */
export interface Seal {
  readonly records: number;
  readonly refs: number;
}

const SealSchema = z.object({ records: z.number().int().nonnegative(), refs: z.number().int().nonnegative() });

export async function writeSeal(artifacts: BlobStore, period: Period, sha256: string, seal: Seal): Promise<void> {
  await artifacts.put(
    sealKey(period, sha256),
    JSON.stringify({ records: seal.records, refs: seal.refs }),
    'application/json',
  );
}

/** The seal stored at `key`; undefined when it is gone. */
export async function readSeal(artifacts: BlobStore, key: string): Promise<Seal | undefined> {
  return readJson(artifacts, key, SealSchema);
}

// ---- Artifacts bucket: the billing run's objects

/** The reconciliation of a period, written once by its billing run (docs/contract.md §9's shape and more). */
export function reconciliationKey(period: Period): string {
  return `${ARTIFACT_PREFIXES.reconciliation}${period}.json`;
}

/** The invoice drafts of a period's billing run, one JSON a line in client_id order: stored once, read back by every retry. */
export function planKey(period: Period): string {
  return `${ARTIFACT_PREFIXES.billing}${period}/plan.ndjson`;
}

/** An issued invoice as rendered when it was delivered. */
export function invoiceKey(number: string, kind: 'json' | 'html' | 'pdf'): string {
  return `${ARTIFACT_PREFIXES.invoices}${number}.${kind}`;
}

/** A draft held for review (docs/review.md), rendered with a DRAFT watermark: `drafts/<P>/<client>.<kind>`. */
export function draftKey(period: Period, clientId: string, kind: 'json' | 'html' | 'pdf'): string {
  return `${ARTIFACT_PREFIXES.drafts}${period}/${clientId}.${kind}`;
}

/** A credit note as rendered when it was issued (docs/credit-notes.md). */
export function creditNoteKey(number: string, kind: 'json' | 'html' | 'pdf'): string {
  return `${ARTIFACT_PREFIXES.creditNotes}${number}.${kind}`;
}

/** A statement of account as sent (docs/statements.md): `statements/<as-of date>/<client>.{html,pdf}`. */
export function statementKey(asOf: IsoDate, clientId: string, kind: 'html' | 'pdf'): string {
  return `${ARTIFACT_PREFIXES.statements}${asOf}/${clientId}.${kind}`;
}

/** The reconciliation report of a period, as emailed to the billing team. */
export function reconciliationReportKey(period: Period): string {
  return `${ARTIFACT_PREFIXES.reports}reconciliation-${period}.html`;
}

/** The discrepancies CSV of a period's reconciliation report. */
export function discrepanciesCsvKey(period: Period): string {
  return `${ARTIFACT_PREFIXES.reports}discrepancies-${period}.csv`;
}

/** The folder-and-name start of every aging report (to list them). */
export const AGING_REPORTS_PREFIX = `${ARTIFACT_PREFIXES.reports}aging-`;

/** The AR aging report as of a date. */
export function agingReportKey(asOf: IsoDate, kind: 'csv' | 'html'): string {
  return `${AGING_REPORTS_PREFIX}${asOf}.${kind}`;
}

/** The raw MIME message of an outbox entry, exactly as sent; `outboxKey` made a safe file name. */
export function emailObjectKey(outboxKey: string): string {
  return `${ARTIFACT_PREFIXES.emails}${outboxKey.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`;
}

// ---- Checked reads and writes

const PairJsonSchema = z.object({
  clientId: z.string(),
  sku: z.string(),
  status: z.enum(['missing_usage', 'usage_billed', 'unbilled_usage', 'match', 'under_billed', 'over_billed']),
  contracted: z.string(),
  used: z.string(),
  delta: z.string(),
  amountAtStake: z.string(),
  currency: z.string(),
  agreementId: z.string().optional(),
  totalCost: z.string().optional(),
});

const DiscrepancyJsonSchema = z.object({
  id: z.string(),
  type: z.string(),
  clientId: z.string().optional(),
  sku: z.string().optional(),
  vendor: z.string().optional(),
  accountId: z.string().optional(),
  vendorSku: z.string().optional(),
  amountAtStake: z.string().nullable(),
  currency: z.string(),
  detail: z.string().optional(),
});

/**
 * The stored reconciliation (functions/domain/reconciliation-shape.ts). Its fields are listed
 * in the order the billing run writes them: a parsed object lists its fields in the schema's
 * order, and the output writer copies parts of it to the contract's output files (docs/contract.md §9) as they are.
 */
const ReconciliationJsonSchema: z.ZodType<ReconciliationJson> = z.object({
  period: z.string(),
  pairs: z.array(PairJsonSchema),
  discrepancies: z.array(DiscrepancyJsonSchema),
  metrics: z.object({ pairs: z.number(), discrepancies: z.number(), discrepancyRate: z.string() }),
  files: z.array(
    z.object({
      name: z.string(),
      format: z.string().optional(),
      rowsRead: z.number(),
      rowsAccepted: z.number(),
      rowsRejected: z.number(),
      rowsDuplicate: z.number(),
      duplicateOf: z.string().optional(),
      fileError: z.string().optional(),
      sha256: z.string().optional(),
    }),
  ),
  held: z.array(z.object({ vendor: z.string(), clientId: z.string(), sku: z.string() })).optional(),
  released: z
    .array(
      z.object({
        period: z.string(),
        vendor: z.string(),
        pairs: z.array(PairJsonSchema),
        discrepancies: z.array(DiscrepancyJsonSchema),
      }),
    )
    .optional(),
});

/** Stores the reconciliation of its period (reconciliationKey), as JSON indented by one space. */
export async function writeReconciliation(artifacts: BlobStore, json: ReconciliationJson): Promise<void> {
  await artifacts.put(reconciliationKey(json.period), JSON.stringify(json, null, 1), 'application/json');
}

/** The reconciliation stored at `key` (reconciliationKey, or a ledger record's key); undefined when there is none. */
export async function readReconciliation(artifacts: BlobStore, key: string): Promise<ReconciliationJson | undefined> {
  return readJson(artifacts, key, ReconciliationJsonSchema);
}

/** A planned draft as stored and sent: JSON (codec.encode), revived only by the invoice worker. */
const PlanEntrySchema = IssueInvoiceMessageSchema.pick({ draft: true, lateFees: true, usage: true, closes: true });
export type PlanEntry = z.infer<typeof PlanEntrySchema>;

/** Stores a period's plan: `lines` are its entries, each encoded (codec.encode) as one line of JSON. */
export async function writePlan(artifacts: BlobStore, period: Period, lines: readonly string[]): Promise<void> {
  await artifacts.put(planKey(period), lines.map((l) => `${l}\n`).join(''), 'application/x-ndjson');
}

/** The stored plan of a period (an empty plan is `[]`); undefined when none is stored. */
export async function readPlan(artifacts: BlobStore, period: Period): Promise<PlanEntry[] | undefined> {
  const key = planKey(period);
  const bytes = await artifacts.get(key);
  if (bytes === undefined) return undefined;
  const lines = new TextDecoder().decode(bytes).split('\n');
  return lines.flatMap((line, i) => (line ? [parseJson(`${key} line ${i + 1}`, line, PlanEntrySchema)] : []));
}

async function readJson<T>(store: BlobStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : parseJson(key, new TextDecoder().decode(bytes), schema);
}

/** `text` as `schema` says; an error naming `where` and the first wrong field otherwise. */
function parseJson<T>(where: string, text: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${where}: ${issue?.path.join('.') || 'the object'}: ${issue?.message ?? 'not the stored shape'}`);
}
