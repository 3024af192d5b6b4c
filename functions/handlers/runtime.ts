/**
 * What every handler shares, created once per container: logger, metrics, validated
 * environment, SDK clients and the use-case dependencies.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { z } from 'zod';
import { createAwsClients, createAwsDeps, loadEnv } from '../adapters/aws/aws-deps.js';
import { dateInZone, isIsoDate } from '../domain/dates.js';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: 'TrueUp' });
export const env = loadEnv(process.env);
export const clients = createAwsClients();
export const deps = createAwsDeps(env, clients, {
  info: (message, extra) => logger.info(message, extra ?? {}),
  warn: (message, extra) => logger.warn(message, extra ?? {}),
});

/**
 * Scheduled jobs share the main table for Powertools idempotency records (PK = a static
 * value per function, SK = the hashed key), so a job started twice for one date runs once.
 */
export const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: env.TABLE_NAME,
  keyAttr: 'PK',
  sortKeyAttr: 'SK',
  expiryAttr: 'expiresAt',
  awsSdkV3Client: clients.dynamodb,
});
export const dailyIdempotency = new IdempotencyConfig({ eventKeyJmesPath: 'date', expiresAfterSeconds: 3 * 24 * 3600 });

/** A scheduled event: EventBridge Scheduler passes `{}`; an operator may pass `{ "date": "YYYY-MM-DD" }` to re-run a day. */
export const ScheduledEvent = z
  .object({ date: z.string().refine(isIsoDate, 'date must be YYYY-MM-DD').optional() })
  .passthrough();

/** The business date of a scheduled run: the given date, else today in the MSP's time zone. */
export function runDate(event: unknown, now: Date = new Date()): string {
  const parsed = ScheduledEvent.parse(event ?? {});
  return parsed.date ?? dateInZone(now, env.MSP_TIMEZONE);
}
