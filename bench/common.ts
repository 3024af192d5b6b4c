/**
 * Shared by the benchmarks: the scale (BENCH_SCALE), a peak-RSS sampler, output lines, a
 * seeded PRNG, and a meter that counts the SDK calls (and estimates DynamoDB capacity units)
 * of the embedded stand-in's clients through an SDK middleware.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../functions/adapters/aws/aws-deps.js';
import { retryUnprocessed } from '../functions/adapters/aws/retry-unprocessed.js';

/** BENCH_SCALE=0.1 runs everything 10× smaller; default 1. */
export function benchScale(): number {
  const raw = process.env.BENCH_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10)
    throw new Error(`BENCH_SCALE must be a number in (0, 10], not ${raw}`);
  return scale;
}

export const scaled = (full: number, scale: number, min = 1): number => Math.max(min, Math.round(full * scale));

/** Samples this process's resident set size every 20 ms; `peakMb()` reads the high-water mark. */
export function rssSampler(): { peakMb(): number; stop(): void } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  timer.unref();
  return {
    peakMb: () => Math.round(Math.max(peak, process.memoryUsage.rss()) / 1048576),
    stop: () => clearInterval(timer),
  };
}

/** One `bench <name> key=value …` line on stdout (values must not contain spaces). */
export function line(name: string, fields: Record<string, string | number>): string {
  const text = `bench ${name} ${Object.entries(fields)
    .map(([k, v]) => `${k}=${String(v).replace(/\s+/g, '_')}`)
    .join(' ')}`;
  process.stdout.write(`${text}\n`);
  return text;
}

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export const seconds = (fromMs: number): number => Number(((performance.now() - fromMs) / 1000).toFixed(2));

/** mulberry32, seeded from a name: the same data on every run. */
export { SeededRandom as Rng } from '../functions/text/seeded-random.js';

type Service = keyof AwsClients;

/** The part of an SDK client's middleware stack the meter uses (the union of the four clients' stacks is not callable as is). */
interface Handler {
  (args: { input: unknown }): Promise<{ output: unknown }>;
}
interface MiddlewareStack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: 'initialize'; name: string; override: boolean },
  ): void;
}

/** SDK calls per service and command, plus DynamoDB capacity-unit estimates (on-demand pricing units). */
export class Meter {
  readonly calls = new Map<string, number>();
  /** `performance.now()` of the first call of each service:command since the last reset. */
  readonly firstAt = new Map<string, number>();
  /** Milliseconds spent inside each service:command (wall time of the awaited SDK call). */
  readonly ms = new Map<string, number>();
  /** Estimated DynamoDB write request units (1 KB each; transactions count twice). */
  wru = 0;
  /** Estimated DynamoDB read request units (4 KB each; eventually consistent reads half). */
  rru = 0;
  /** The part of `rru` read by Query calls (listings). */
  queryRru = 0;
  /** Bytes stored in S3 by PutObject. */
  s3PutBytes = 0;
  /** SQS requests as billed: every 64 KB of a send is one request. */
  sqsBilledRequests = 0;
  /** SES recipients (SendRawEmail destinations) and raw bytes. */
  sesRecipients = 0;
  sesBytes = 0;

  reset(): void {
    this.calls.clear();
    this.ms.clear();
    this.firstAt.clear();
    this.wru = 0;
    this.rru = 0;
    this.queryRru = 0;
    this.s3PutBytes = 0;
    this.sqsBilledRequests = 0;
    this.sesRecipients = 0;
    this.sesBytes = 0;
  }

  count(service: Service, command?: string): number {
    let total = 0;
    for (const [key, n] of this.calls) {
      const [s, c] = key.split(':');
      if (s === service && (command === undefined || c === command)) total += n;
    }
    return total;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.calls].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** `service:command` → "calls × mean ms = total s", for the hot-spot notes on stderr. */
  timings(): Record<string, string> {
    return Object.fromEntries(
      [...this.calls]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, n]) => {
          const total = this.ms.get(key) ?? 0;
          return [key, `${n}x${(total / n).toFixed(1)}ms=${(total / 1000).toFixed(1)}s`];
        }),
    );
  }

  /** Give to `provisionLocal`/`startLocalRuntime` as `onClient`. */
  readonly onClient = (service: Service, client: AwsClients[Service]): void => {
    (client.middlewareStack as unknown as MiddlewareStack).add(
      (next, context) => async (args) => {
        const command = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        this.calls.set(`${service}:${command}`, (this.calls.get(`${service}:${command}`) ?? 0) + 1);
        const input = args.input as Record<string, unknown>;
        this.before(service, command, input);
        const started = performance.now();
        if (!this.firstAt.has(`${service}:${command}`)) this.firstAt.set(`${service}:${command}`, started);
        const out = await next(args);
        this.ms.set(`${service}:${command}`, (this.ms.get(`${service}:${command}`) ?? 0) + performance.now() - started);
        if (service === 'dynamodb') {
          const units = readUnits(command, input, out.output as Record<string, unknown>);
          this.rru += units;
          if (command === 'Query') this.queryRru += units;
        }
        return out;
      },
      { step: 'initialize', name: 'benchMeter', override: true },
    );
  };

  private before(service: Service, command: string, input: Record<string, unknown>): void {
    if (service === 'dynamodb') this.wru += writeUnits(command, input);
    if (service === 's3' && command === 'PutObject') this.s3PutBytes += byteLength(input.Body);
    if (service === 'sqs') {
      if (command === 'SendMessageBatch') {
        const bytes = ((input.Entries as { MessageBody?: string }[] | undefined) ?? []).reduce(
          (n, e) => n + Buffer.byteLength(e.MessageBody ?? ''),
          0,
        );
        this.sqsBilledRequests += Math.max(1, Math.ceil(bytes / 65536));
      } else this.sqsBilledRequests += 1;
    }
    if (service === 'ses' && command === 'SendRawEmail') {
      this.sesRecipients += ((input.Destinations as unknown[] | undefined) ?? []).length || 1;
      this.sesBytes += byteLength((input.RawMessage as { Data?: unknown } | undefined)?.Data);
    }
  }
}

function byteLength(body: unknown): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

function itemKb(item: unknown): number {
  const bytes = Buffer.byteLength(JSON.stringify(item, (_k, v: unknown) => (v instanceof Set ? [...v] : v)) ?? '');
  return Math.max(1, Math.ceil(bytes / 1024));
}

function writeUnits(command: string, input: Record<string, unknown>): number {
  switch (command) {
    case 'Put':
    case 'PutItem':
      return itemKb(input.Item);
    case 'Update':
    case 'UpdateItem':
    case 'Delete':
    case 'DeleteItem':
      return 1;
    case 'BatchWrite':
    case 'BatchWriteItem': {
      let units = 0;
      for (const requests of Object.values(
        (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: unknown } }[]>,
      )) {
        for (const r of requests) units += r.PutRequest ? itemKb(r.PutRequest.Item) : 1;
      }
      return units;
    }
    case 'TransactWrite':
    case 'TransactWriteItems': {
      let units = 0;
      for (const t of (input.TransactItems ?? []) as { Put?: { Item: unknown } }[])
        units += 2 * (t.Put ? itemKb(t.Put.Item) : 1);
      return units;
    }
    default:
      return 0;
  }
}

function readUnits(
  command: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
): number {
  const factor = input.ConsistentRead === true ? 1 : 0.5;
  const units = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096)) * factor;
  switch (command) {
    case 'Get':
    case 'GetItem':
      return units(output?.Item ? Buffer.byteLength(JSON.stringify(output.Item, setsAsArrays)) : 0);
    case 'Query':
    case 'Scan': {
      const items = (output?.Items ?? []) as unknown[];
      return units(items.reduce<number>((n, i) => n + Buffer.byteLength(JSON.stringify(i, setsAsArrays)), 0));
    }
    default:
      return 0;
  }
}

const setsAsArrays = (_k: string, v: unknown): unknown => (v instanceof Set ? [...v] : v);

/** Writes items 25 a call with at most `concurrency` calls in flight; unprocessed items are retried with exponential backoff and jitter. */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  table: string,
  all: readonly Record<string, unknown>[],
  concurrency: number,
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < all.length; i += 25) batches.push(all.slice(i, i + 25));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      await retryUnprocessed(
        batch,
        async (pending) => {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: [...pending] } }));
          return (out.UnprocessedItems?.[table] ?? []) as typeof batch;
        },
        {
          retries: 8,
          delayMs: (attempt) => Math.random() * 50 * 2 ** attempt,
          exhausted: (left) => new Error(`DynamoDB left ${left.length} items unprocessed after 8 retries`),
        },
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
