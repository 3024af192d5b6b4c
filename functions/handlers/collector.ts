/**
 * The collector Lambda. Its schedule (CDK `schedules.collector`, in the MSP's time zone)
 * invokes it with `{}`: every enabled source is pulled, side by side. `{ "source": "<name>" }`
 * pulls one source (enabled or not), e.g. to re-run it after fixing a failure. Sources come
 * from the sources.json imported into the table (`trueup sources import`); secrets from
 * Secrets Manager through the Parameters and Secrets Lambda Extension. The files land in the
 * usage bucket's inbox, where the S3 event starts the ingest function as for any dropped file.
 *
 * Environment: TABLE_NAME, USAGE_BUCKET, SOURCE_SECRETS_PREFIX (the only secrets its role may
 * read; others are refused here with a message rather than by IAM with AccessDenied), and the
 * extension's AWS_SESSION_TOKEN, set by Lambda.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { createCollectorDeps } from '../collect/aws-collector.js';
import { pullSources, type PullResult } from '../collect/collect.js';
import { credentialResolver, lambdaExtensionSecrets, type GetSecret } from '../collect/credentials.js';
import { EMPTY_SOURCES, parseSourcesConfig, SourcesConfigError } from '../collect/sources-config.js';

const logger = new Logger({ serviceName: 'trueup-collector' });
const metrics = new Metrics({ namespace: 'TrueUp', serviceName: 'collector' });
const Env = z.object({
  TABLE_NAME: z.string().min(1),
  USAGE_BUCKET: z.string().min(1),
  SOURCE_SECRETS_PREFIX: z.string().min(1).optional(),
});
const env = Env.parse(process.env);

/** The secret's name, from a name or an ARN (`arn:…:secret:<name>-<6 random characters>`). */
export function secretName(secretId: string): string {
  return secretId.startsWith('arn:') ? (secretId.split(':secret:')[1] ?? '') : secretId;
}

/** Secrets Manager through the extension, for secrets under SOURCE_SECRETS_PREFIX only. */
export function sourceSecrets(prefix: string | undefined, getSecret: GetSecret): GetSecret {
  return async (secretId) => {
    if (prefix && !secretName(secretId).startsWith(prefix)) {
      throw new Error(
        `the collector may read only secrets named ${prefix}… (sourceSecretsPrefix in the CDK config); rename the secret or change the prefix`,
      );
    }
    return getSecret(secretId);
  };
}

const deps = createCollectorDeps({
  dynamodb: new DynamoDBClient({}),
  s3: new S3Client({}),
  table: env.TABLE_NAME,
  usageBucket: env.USAGE_BUCKET,
  credentials: credentialResolver({ getSecret: sourceSecrets(env.SOURCE_SECRETS_PREFIX, lambdaExtensionSecrets()) }),
  log: { info: (m, extra) => logger.info(m, extra ?? {}), warn: (m, extra) => logger.warn(m, extra ?? {}) },
});

const Event = z.object({ source: z.string().min(1).optional() }).passthrough();

export async function handler(event: unknown): Promise<{ results: PullResult[] }> {
  const { source } = Event.parse(event ?? {});
  const stored = await deps.state.loadConfig();
  const parsed = stored === undefined ? { ok: true as const, value: EMPTY_SOURCES } : parseSourcesConfig(stored);
  if (!parsed.ok) throw new SourcesConfigError(parsed.problems);
  if (source && !parsed.value.sources.some((s) => s.name === source))
    throw new SourcesConfigError([`no source named "${source}" in the imported sources.json`]);
  const results = await pullSources(deps, parsed.value, source ? { names: [source] } : {});
  for (const r of results) {
    metrics.addDimension('source', r.source);
    metrics.addMetric('FilesPulled', MetricUnit.Count, r.files.length);
    metrics.addMetric('SourceFailures', MetricUnit.Count, r.ok ? 0 : 1);
    metrics.publishStoredMetrics();
  }
  return { results };
}
