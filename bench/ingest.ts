/**
 * Ingest benchmark: a 1,000,000-row canonical CSV (~70 MB, generated once into the OS temp
 * folder) read (a) by a bare split-lines-and-commas pass and (b) by TrueUp's full ingest:
 * readUsageFile as ingest-usage-file.ts calls it (decoding, sha256, validation, normalisation),
 * the duplicate-reference check (ReferenceSet), and the aggregation per (client, product) pair
 * that the billing run does (UsageSummarizer, one per period, against mappingData()).
 * Last stdout line: `ingest rows=… seconds=S baseline_seconds=B ratio=R peak_rss_mb=M`.
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Period } from '../functions/domain/dates.js';
import { ONE, ZERO } from '../functions/domain/money.js';
import { UsageSummarizer, type MappingData } from '../functions/domain/summarize-usage.js';
import type {
  Account,
  Aggregation,
  Client,
  Product,
  SkuMapping,
  UsageRecord,
} from '../functions/domain/billing-types.js';
import { readUsageFile } from '../functions/ingest/read-usage-file.js';
import { ReferenceSet } from '../functions/ingest/reference-set.js';

const ROWS = 1_000_000;
const FILE = join(tmpdir(), `trueup-bench-ingest-${ROWS}.csv`);
const SIZE_FILE = `${FILE}.size`;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

function row(i: number): string {
  const vendor = i % 3 === 0 ? 'pax8' : i % 3 === 1 ? 'rmm' : 'Microsoft';
  const day = String((i % 28) + 1).padStart(2, '0');
  const month = String((i % 6) + 1).padStart(2, '0');
  const quantity = i % 4 === 0 ? `${i % 97}.${i % 1000}` : String(i % 500);
  return `${vendor},acct-${i % 5000},sku-${i % 40},${quantity},2025-${month}-${day},1.25,${(i % 500) * 1.25},USD,REF${i}\n`;
}

async function generate(): Promise<void> {
  if (
    existsSync(FILE) &&
    existsSync(SIZE_FILE) &&
    statSync(FILE).size === Number((await import('node:fs')).readFileSync(SIZE_FILE, 'utf8'))
  ) {
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

const VENDORS = ['pax8', 'rmm', 'microsoft'];
const AGGREGATIONS: readonly Aggregation[] = ['max', 'sum', 'avg', 'last'];

/**
 * The reference data the generated rows map to, as a billing run loads it: one client per
 * account number (its three vendor accounts), one product per vendor sku. Accounts 4,900–4,999
 * and skus 38–39 are left out, so 2 % of the rows are unknown accounts and 5 % unmapped skus.
 */
function mappingData(): MappingData {
  const clients: Client[] = [];
  const accounts: Account[] = [];
  for (let i = 0; i < 4_900; i++) {
    const clientId = `C${String(i).padStart(5, '0')}`;
    clients.push({
      clientId,
      name: `Client ${i}`,
      billingEmails: [`ap@c${i}.example`],
      currency: 'USD',
      paymentTermsDays: 30,
      taxRate: ZERO,
      dunning: 'standard',
    });
    for (const vendor of VENDORS) accounts.push({ vendor, accountId: `acct-${i}`, clientId });
  }
  const products: Product[] = [];
  const skuMap: SkuMapping[] = [];
  for (let k = 0; k < 38; k++) {
    products.push({
      sku: `P${k}`,
      name: `Product ${k}`,
      unit: 'unit',
      aggregation: AGGREGATIONS[k % 4] as Aggregation,
    });
    for (const vendor of VENDORS) skuMap.push({ vendor, vendorSku: `sku-${k}`, sku: `P${k}`, factor: ONE });
  }
  return { clients, accounts, products, skuMap };
}

async function ingest(): Promise<{ seconds: number; rows: number }> {
  const started = performance.now();
  // The billing run's aggregation (functions/domain/summarize-usage.ts), one summarizer per period.
  const data = mappingData();
  const summarizers = new Map<Period, UsageSummarizer>();
  const seen = new ReferenceSet();
  let progress = 0;
  const summary = await readUsageFile(
    { name: 'bench.csv', chunks: createReadStream(FILE, { highWaterMark: 1 << 16 }) },
    (record: UsageRecord) => {
      let summarizer = summarizers.get(record.period);
      if (summarizer === undefined)
        summarizers.set(record.period, (summarizer = new UsageSummarizer(data, record.period)));
      summarizer.add(record);
      if (++progress % 200_000 === 0) process.stderr.write(`  ${progress} rows\n`);
    },
    { isDuplicate: (key) => seen.seen(key) },
  );
  let pairs = 0;
  let rows = 0;
  let used = ZERO;
  let cost = ZERO;
  let unmatched = 0;
  for (const summarizer of summarizers.values()) {
    const result = summarizer.result();
    for (const pair of result.pairs.values()) {
      pairs++;
      rows += pair.rows;
      used = used.plus(pair.used);
      cost = cost.plus(pair.totalCost ?? ZERO);
    }
    for (const entry of [...result.unknownAccounts, ...result.unmappedSkus, ...result.currencyMismatches])
      unmatched += entry.rows;
  }
  process.stderr.write(
    `ingest: read ${summary.rowsRead}, accepted ${summary.rowsAccepted}, rejected ${summary.rowsRejected}, duplicate ${summary.rowsDuplicate}; ` +
      `${summarizers.size} periods, ${pairs} pairs over ${rows} rows (used ${used.toFixed()}, cost ${cost.toFixed()}), ${unmatched} rows unmatched\n`,
  );
  return { seconds: (performance.now() - started) / 1000, rows: summary.rowsRead };
}

await generate();
const baselineSeconds = await baseline();
process.stderr.write(`baseline ${baselineSeconds.toFixed(2)} s\n`);
const result = await ingest();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const ratio = result.seconds / baselineSeconds;
process.stdout.write(
  `ingest rows=${result.rows} seconds=${result.seconds.toFixed(2)} baseline_seconds=${baselineSeconds.toFixed(2)} ratio=${ratio.toFixed(2)} peak_rss_mb=${Math.round(peakRss / 1048576)}\n`,
);
