/**
 * Ingest benchmark: a 1,000,000-row canonical CSV (~70 MB, generated once into the OS temp
 * folder) read (a) by a bare split-lines-and-commas pass and (b) by TrueUp's full ingest
 * (readUsageFile + validation + normalisation + per-pair aggregation of Dec quantities).
 * Last stdout line: `ingest rows=… seconds=S baseline_seconds=B ratio=R peak_rss_mb=M`.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Dec } from '../functions/domain/money.js';
import type { UsageRecord } from '../functions/domain/types.js';
import { readUsageFile } from '../functions/ingest/read-usage-file.js';

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

function branch<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let child = map.get(key);
  if (!child) map.set(key, (child = new Map()));
  return child;
}

async function ingest(): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  // Nested maps: no per-row key concatenation. Period is the month of usageDate here.
  const totals = new Map<string, Map<string, Map<string, Map<string, Dec>>>>();
  const seen = new Map<string, Set<string>>();
  let progress = 0;
  let aggregates = 0;
  const summary = await readUsageFile(
    { name: 'bench.csv', chunks: createReadStream(FILE, { highWaterMark: 1 << 16 }) },
    (record: UsageRecord) => {
      const byDate = branch(branch(branch(totals, record.vendor), record.accountId), record.vendorSku);
      const total = byDate.get(record.usageDate);
      byDate.set(record.usageDate, total === undefined ? record.quantity : total.plus(record.quantity));
      aggregates += total === undefined ? 1 : 0;
      if (++progress % 200_000 === 0) process.stderr.write(`  ${progress} rows\n`);
    },
    {
      isDuplicate: ({ vendor, period, reference }) => {
        const group = `${vendor}|${period}`;
        let references = seen.get(group);
        if (!references) seen.set(group, (references = new Set()));
        if (references.has(reference)) return true;
        references.add(reference);
        return false;
      },
    },
  );
  process.stderr.write(`ingest: read ${summary.rowsRead}, accepted ${summary.rowsAccepted}, rejected ${summary.rowsRejected}, duplicate ${summary.rowsDuplicate}, ${aggregates} aggregates\n`);
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
