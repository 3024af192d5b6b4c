/**
 * Ingest benchmark: a 1,000,000-row canonical CSV (~70 MB, generated once into the OS temp
 * folder) read (a) by a bare split-lines-and-commas pass and (b) by TrueUp's full ingest
 * (readUsageFile + validation + normalisation + duplicate-reference check + exact per-key
 * quantity sums, see QuantityTotal).
 * Last stdout line: `ingest rows=… seconds=S baseline_seconds=B ratio=R peak_rss_mb=M`.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Dec, ZERO } from '../functions/domain/money.js';
import type { UsageRecord } from '../functions/domain/types.js';
import { readUsageFile } from '../functions/ingest/read-usage-file.js';
import { ReferenceSet } from '../functions/ingest/reference-set.js';

const ROWS = 1_000_000;
const FILE = join(tmpdir(), `trueup-bench-ingest-${ROWS}.csv`);
const SIZE_FILE = `${FILE}.size`;

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 20);

function row(i: number): string {
  const vendor = i % 3 === 0 ? 'pax8' : i % 3 === 1 ? 'rmm' : 'Microsoft';
  const day = String((i % 28) + 1).padStart(2, '0');
  const month = String((i % 6) + 1).padStart(2, '0');
  const quantity = i % 4 === 0 ? `${i % 97}.${i % 1000}` : String(i % 500);
  return `${vendor},acct-${i % 5000},sku-${i % 40},${quantity},2025-${month}-${day},1.25,${(i % 500) * 1.25},USD,REF${i}\n`;
}

async function generate(): Promise<void> {
  if (existsSync(FILE) && existsSync(SIZE_FILE) && statSync(FILE).size === Number((await import('node:fs')).readFileSync(SIZE_FILE, 'utf8'))) {
    process.stderr.write(`reusing ${FILE}\n`);
    return;
  }
  process.stderr.write(`generating ${ROWS} rows into ${FILE}\n`);
  const out = createWriteStream(FILE);
  out.write('vendor,account_id,vendor_sku,quantity,usage_date,unit_cost,cost,currency,reference\n');
  let batch = '';
  for (let i = 0; i < ROWS; i++) {
    batch += row(i);
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
  (await import('node:fs')).writeFileSync(SIZE_FILE, String(statSync(FILE).size));
}

async function baseline(): Promise<number> {
  const started = performance.now();
  let rows = 0;
  let carry = '';
  for await (const chunk of createReadStream(FILE, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const lines = (carry + (chunk as string)).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) if (line.split(',').length > 1) rows++;
  }
  if (carry.split(',').length > 1) rows++;
  process.stderr.write(`baseline: ${rows - 1} rows\n`);
  return (performance.now() - started) / 1000;
}

/**
 * Exact quantity sums without a decimal.js addition per row. A quantity with at most 6 decimals
 * is an integer count of millionths; while that integer stays a safe integer (below 2^53) a JS
 * number adds it exactly. The first quantity with more decimals, or a total that would leave the
 * safe range, turns that one total into a Dec for good. No value ever goes through a float
 * parse: the millionths are read digit by digit from Dec#toFixed(). The reader shares one Dec
 * per distinct literal, so the conversion is memoized by instance (bounded).
 */
const SCALE = 6;
const ONE_MILLION = new Dec(10).pow(SCALE);
const MILLIONTHS = new Map<Dec, number>();

function millionths(value: Dec): number {
  let units = MILLIONTHS.get(value);
  if (units === undefined) {
    units = toMillionths(value.toFixed());
    if (MILLIONTHS.size >= 100_000) MILLIONTHS.clear();
    MILLIONTHS.set(value, units);
  }
  return units;
}

/** `-12.5` → -12500000; NaN when the text has more than SCALE decimals or is too large. */
function toMillionths(text: string): number {
  const negative = text.startsWith('-');
  const [whole = '', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  if (fraction.length > SCALE || whole.length + SCALE > 15) return Number.NaN;
  let units = 0;
  for (const ch of whole + fraction.padEnd(SCALE, '0')) units = units * 10 + (ch.charCodeAt(0) - 48);
  return negative ? -units : units;
}

class QuantityTotal {
  private units = 0;
  private exact: Dec | undefined;

  add(quantity: Dec): void {
    if (this.exact === undefined) {
      const units = millionths(quantity);
      const total = this.units + units;
      if (Number.isSafeInteger(total)) {
        this.units = total;
        return;
      }
      this.exact = new Dec(this.units).div(ONE_MILLION);
    }
    this.exact = this.exact.plus(quantity);
  }

  value(): Dec {
    return this.exact ?? new Dec(this.units).div(ONE_MILLION);
  }
}

async function ingest(): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  // One map keyed by vendor, account, vendor sku and usage date (period is the month of usageDate here).
  const totals = new Map<string, QuantityTotal>();
  const seen = new ReferenceSet();
  let progress = 0;
  const summary = await readUsageFile(
    { name: 'bench.csv', chunks: createReadStream(FILE, { highWaterMark: 1 << 16 }) },
    (record: UsageRecord) => {
      const key = `${record.vendor}\u0000${record.accountId}\u0000${record.vendorSku}\u0000${record.usageDate}`;
      let total = totals.get(key);
      if (total === undefined) totals.set(key, (total = new QuantityTotal()));
      total.add(record.quantity);
      if (++progress % 200_000 === 0) process.stderr.write(`  ${progress} rows\n`);
    },
    { isDuplicate: (key) => seen.seen(key) },
  );
  let grand = ZERO;
  for (const total of totals.values()) grand = grand.plus(total.value());
  process.stderr.write(`ingest: read ${summary.rowsRead}, accepted ${summary.rowsAccepted}, rejected ${summary.rowsRejected}, duplicate ${summary.rowsDuplicate}, ${totals.size} aggregates, total quantity ${grand.toFixed()}\n`);
  return { seconds: (performance.now() - started) / 1000, rows: summary.rowsRead };
}

await generate();
const baselineSeconds = await baseline();
process.stderr.write(`baseline ${baselineSeconds.toFixed(2)} s\n`);
const result = await ingest();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const ratio = result.seconds / baselineSeconds;
process.stdout.write(`ingest rows=${result.rows} seconds=${result.seconds.toFixed(2)} baseline_seconds=${baselineSeconds.toFixed(2)} ratio=${ratio.toFixed(2)} peak_rss_mb=${Math.round(peakRss / 1048576)}\n`);
