/**
 * `npm run bench`: every benchmark, each in its own child process (so each peak RSS is its
 * own and each gets a fresh embedded stand-in), one `bench …` line per figure, then a summary.
 *
 *   npm run bench                   # full size (~10 min on 2 cores)
 *   BENCH_SCALE=0.1 npm run bench   # 10× smaller (bench/ingest.ts has a fixed 1,000,000 rows)
 *
 * Children's stderr (progress, per-call timings) is passed through; their `bench`/`ingest`
 * result lines are collected and re-printed here.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { benchScale } from './common.js';
import { costTable } from './cost-model.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TSX = join(HERE, '..', 'node_modules', '.bin', 'tsx');
const scale = benchScale();

interface Run {
  readonly name: string;
  readonly lines: string[];
  readonly seconds: number;
  readonly code: number;
}

async function run(name: string, script: string): Promise<Run> {
  const started = performance.now();
  const child = spawn(TSX, [join(HERE, script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const lines = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('bench ') || l.startsWith('ingest '));
  return { name, lines, seconds: (performance.now() - started) / 1000, code };
}

function fields(text: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (text ?? '')
      .split(' ')
      .slice(2)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

const started = performance.now();
const printed: string[] = [];
const failures: string[] = [];
for (const [name, script] of [
  ['ingest', 'ingest.ts'],
  ['billing', 'billing.ts'],
  ['dunning', 'dunning.ts'],
  ['webhooks', 'webhooks.ts'],
  ['ses_limiter', 'ses-limiter.ts'],
] as const) {
  process.stderr.write(`\n== ${name} (BENCH_SCALE=${scale}) ==\n`);
  const result = await run(name, script);
  if (result.code !== 0 || result.lines.length === 0) failures.push(`${name} (exit ${result.code})`);
  // bench/ingest.ts prints `ingest rows=…` as its last line: re-print it as `bench ingest …`.
  const lines =
    name === 'ingest' ? result.lines.slice(-1).map((l) => (l.startsWith('bench ') ? l : `bench ${l}`)) : result.lines;
  for (const l of lines) {
    process.stdout.write(`${l}\n`);
    printed.push(l);
  }
  process.stderr.write(`== ${name}: ${result.seconds.toFixed(1)} s ==\n`);
}

const byName = (name: string): Record<string, string> => fields(printed.find((l) => l.startsWith(`bench ${name} `)));
const ingest = byName('ingest');
const billing = byName('billing');
const delivery = byName('billing_delivery');
const dunning = byName('dunning');
const limiter = byName('ses_limiter');
const limiterOk =
  Number(limiter.achieved_rate) >= 0.9 * Number(limiter.rate_limit) &&
  Number(limiter.max_1s_window) <= Number(limiter.rate_limit);
const summary = [
  `bench summary scale=${scale} total_seconds=${((performance.now() - started) / 1000).toFixed(1)}`,
  `ingest_ratio=${ingest.ratio ?? 'n/a'}`,
  `billing_seconds=${billing.seconds ?? 'n/a'}`,
  `billing_ddb_calls_per_client=${billing.ddb_calls_per_client ?? 'n/a'}`,
  `delivery_seconds_per_invoice=${delivery.seconds_per_invoice ?? 'n/a'}`,
  `dunning_seconds=${dunning.seconds ?? 'n/a'}`,
  `ses_limiter=${limiterOk ? 'ok' : 'FAILED'}`,
  `status=${failures.length === 0 && limiterOk ? 'ok' : `failed:${failures.join(',') || 'ses_limiter'}`}`,
].join(' ');
process.stdout.write(`${summary}\n`);
process.stderr.write(
  `\nCost of one billing period (docs/cost-model.md; scaled from this run's figures):\n${costTable(printed)}\n`,
);
if (failures.length > 0 || !limiterOk) process.exitCode = 1;
