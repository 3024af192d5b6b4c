/**
 * Where the operating CLI commands act: a running local stand-in (`trueup local`, which
 * writes `.trueup/local.json`) or a deployed stack (the outputs file of `cdk deploy
 * --outputs-file`). Both give the same use-case dependencies.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import {
  createAwsClients,
  createAwsDeps,
  DEFAULT_SES_MAX_SEND_RATE,
  type AwsClients,
} from '../functions/adapters/aws/aws-deps.js';
import type { Deps } from '../functions/app/deps.js';
import { silentLogger } from '../functions/app/deps.js';
import { drainQueue, localEnv, type LocalRuntime } from '../functions/local-runner/local-runtime.js';
import { localPaymentsWiring } from '../functions/adapters/local/stripe/local-payments.js';
import { FileTokenStore } from '../functions/adapters/books/file-token-store.js';
import { localBooksSystem } from '../functions/local-runner/embedded-books.js';
import type { BooksSystemName } from '../functions/app/books-ports.js';
import { localPortalWiring } from '../functions/adapters/local/local-portal.js';

export const LOCAL_FILE = resolve('.trueup/local.json');

/**
 * The tokens of the running books stand-in (`trueup local`), apart from a real connection's
 * `.trueup/books-<system>.json`: each command refreshes and rotates them, as with the real system.
 */
export function localBooksTokenFile(system: BooksSystemName): string {
  return resolve(`.trueup/local-books-${system}.json`);
}

export interface Connection {
  readonly kind: 'local' | 'aws';
  readonly deps: Deps;
  /** Local only: run the queue workers now (in AWS, Lambda event sources do it). */
  readonly drain?: <M>(
    queue: 'work' | 'discrepancies',
    schema: z.ZodType<M>,
    handle: (message: M) => Promise<void>,
  ) => Promise<number>;
  close(): void;
}

const ClientConfig = z.object({
  endpoint: z.string().url(),
  region: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  forcePathStyle: z.boolean().optional(),
  useQueueUrlAsEndpoint: z.boolean().optional(),
});
const LocalFile = z.object({
  pid: z.number(),
  configs: z.object({ dynamodb: ClientConfig, s3: ClientConfig, sqs: ClientConfig, ses: ClientConfig }),
  queues: z.object({ work: z.string(), discrepancies: z.string() }),
  payments: z.object({ stripeApiBase: z.string().url(), endpointUrl: z.string().url() }).optional(),
  books: z.object({ system: z.enum(['quickbooks', 'xero']), url: z.string().url() }).optional(),
  // The client portal's local server and the key its links are signed with (docs/portal.md).
  portal: z.object({ baseUrl: z.string().url(), linkKey: z.string().min(1) }).optional(),
});

/** Outputs of the deployed stacks, as `cdk deploy --outputs-file` writes them (any stack names). */
const StackOutputs = z.record(z.string(), z.record(z.string(), z.string()));
const REQUIRED_OUTPUTS = [
  'TableName',
  'UsageBucketName',
  'ArtifactsBucketName',
  'WorkQueueUrl',
  'DiscrepancyQueueUrl',
] as const;

export async function writeLocalFile(runtime: LocalRuntime): Promise<void> {
  const configs = {
    dynamodb: runtime.aws.clientConfig('dynamodb'),
    s3: runtime.aws.clientConfig('s3'),
    sqs: runtime.aws.clientConfig('sqs'),
    ses: runtime.aws.clientConfig('ses'),
  };
  await mkdir(dirname(LOCAL_FILE), { recursive: true });
  const payments = runtime.payments
    ? { stripeApiBase: runtime.payments.stripe.apiBase, endpointUrl: runtime.payments.endpointUrl }
    : undefined;
  const books = runtime.books ? { system: runtime.books.system, url: runtime.books.url } : undefined;
  if (runtime.books)
    await new FileTokenStore(localBooksTokenFile(runtime.books.system), runtime.books.system).write(
      runtime.books.initialTokens,
    );
  const portal = runtime.portal
    ? { baseUrl: runtime.portal.url, linkKey: await runtime.portal.deps.portal!.linkKey() }
    : undefined;
  await writeFile(
    LOCAL_FILE,
    JSON.stringify(
      {
        pid: process.pid,
        configs,
        queues: runtime.queues,
        ...(payments ? { payments } : {}),
        ...(books ? { books } : {}),
        ...(portal ? { portal } : {}),
      },
      null,
      1,
    ),
  );
}

/** Removes what writeLocalFile wrote: local.json and the books stand-in's token file. */
export async function removeLocalFile(runtime?: LocalRuntime): Promise<void> {
  await rm(LOCAL_FILE, { force: true });
  if (runtime?.books) await rm(localBooksTokenFile(runtime.books.system), { force: true });
}

export async function connect(options: { outputs?: string }): Promise<Connection> {
  return options.outputs ? connectAws(options.outputs) : connectLocal();
}

async function connectLocal(): Promise<Connection> {
  let text: string;
  try {
    text = await readFile(LOCAL_FILE, 'utf8');
  } catch {
    throw new ConnectionError(
      'No local TrueUp is running here: start one with `npx trueup local --data DIR` in another terminal, or pass --outputs FILE for a deployed stack.',
    );
  }
  const file = LocalFile.parse(JSON.parse(text));
  if (!isAlive(file.pid))
    throw new ConnectionError(
      `The local TrueUp recorded in ${LOCAL_FILE} (pid ${file.pid}) is no longer running: start it again with \`npx trueup local\`.`,
    );
  const local = createAwsClients(file.configs);
  const pipeline = createAwsDeps(localEnv(file.queues), local, silentLogger);
  // The running stand-in's provider and endpoint, so Pay links and charges made here are its.
  const withPayments = file.payments
    ? { ...pipeline, payments: localPaymentsWiring(file.payments.stripeApiBase, file.payments.endpointUrl) }
    : pipeline;
  // The running books stand-in, so `trueup accounting publish` publishes to it; and the running
  // portal's address and key, so `trueup portal link` prints links it opens.
  const withBooks = file.books
    ? {
        ...withPayments,
        books: {
          system: localBooksSystem(
            file.books,
            new FileTokenStore(localBooksTokenFile(file.books.system), file.books.system),
          ),
        },
      }
    : withPayments;
  const deps = file.portal
    ? { ...withBooks, portal: localPortalWiring(file.portal.linkKey, file.portal.baseUrl).wiring }
    : withBooks;
  return {
    kind: 'local',
    deps,
    drain: (queue, schema, handle) =>
      drainQueue(local.sqs, queue === 'work' ? file.queues.work : file.queues.discrepancies, schema, handle),
    close: () => destroy(local),
  };
}

async function connectAws(path: string): Promise<Connection> {
  const all = StackOutputs.parse(JSON.parse(await readFile(path, 'utf8')));
  const merged: Record<string, string> = Object.assign({}, ...Object.values(all));
  const missing = REQUIRED_OUTPUTS.filter((k) => !merged[k]);
  if (missing.length > 0)
    throw new ConnectionError(
      `${path} lacks the stack outputs ${missing.join(', ')}: deploy with \`npx cdk deploy --all --outputs-file ${path}\`.`,
    );
  const clients = createAwsClients();
  const deps = createAwsDeps(
    {
      TABLE_NAME: merged.TableName!,
      USAGE_BUCKET: merged.UsageBucketName!,
      ARTIFACTS_BUCKET: merged.ArtifactsBucketName!,
      WORK_QUEUE_URL: merged.WorkQueueUrl!,
      DISCREPANCY_QUEUE_URL: merged.DiscrepancyQueueUrl!,
      SES_CONFIGURATION_SET: merged.SesConfigurationSetName,
      MSP_TIMEZONE: merged.MspTimezone ?? 'UTC',
      SES_MAX_SEND_RATE: DEFAULT_SES_MAX_SEND_RATE,
      // Payments on (CDK config): the CLI builds Pay links (statements send) as the functions do.
      PAY_LINK_SECRET_ARN: merged.PayLinkSecretArn,
      PAYMENTS_ENDPOINT_URL: merged.PaymentsEndpointUrl,
      // The web console on (CDK config `web`): the CLI builds portal links (statements send) as the functions do.
      PORTAL_LINK_SECRET_ARN: merged.PortalLinkSecretArn,
      PORTAL_BASE_URL: merged.PortalBaseUrl,
    },
    clients,
    silentLogger,
  );
  return { kind: 'aws', deps, close: () => destroy(clients) };
}

export class ConnectionError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function destroy(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}
