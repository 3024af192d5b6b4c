/**
 * Deployment settings, read from the CDK context key `trueup` (cdk.json `context.trueup`, or
 * `cdk synth -c trueup='{"mspName":"Acme IT",...}'`) and validated with zod. Every key has a
 * default so a fresh clone synthesizes; an invalid value stops synth with every problem listed.
 */
import { z } from 'zod';

/** A schedule expression EventBridge Scheduler accepts: `cron(6 fields)`, `rate(n unit)` or `at(…)`. */
const ScheduleExpression = z
  .string()
  .trim()
  .refine(
    (value) =>
      /^cron\((\S+\s+){5}\S+\)$/.test(value) ||
      /^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(value) ||
      /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(value),
    'must be cron(min hour day-of-month month day-of-week year), rate(n unit) or at(yyyy-mm-ddThh:mm:ss)',
  );

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const DeploymentConfigSchema = z
  .object({
    /** The MSP's name; used in descriptions and the dashboard title. */
    mspName: z.string().trim().min(1).max(100).default('TrueUp MSP'),
    /** IANA time zone of the MSP: business dates and every schedule use it. */
    timezone: z
      .string()
      .trim()
      .refine(isTimeZone, 'must be an IANA time zone such as America/Chicago')
      .default('America/Chicago'),
    /** The From address of every email; an SES email identity is created for it. */
    senderEmail: z.email().default('billing@example.com'),
    /** Where CloudWatch alarms are emailed (SNS email subscription, confirm it once). */
    alarmEmail: z.email().default('ops@example.com'),
    /** The account's SES send rate (messages per second), shared by the functions that send mail. */
    sesMaxSendRate: z.number().positive().max(1000).default(14),
    /** Resource name prefix for the two stacks. */
    stackPrefix: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/, 'letters, digits and hyphens, starting with a letter')
      .default('TrueUp'),
    /** Protect the stateful stack (buckets, table) from `cdk destroy`. */
    terminationProtection: z.boolean().default(true),
    /** CloudWatch Logs retention for every function, in days (a value CloudWatch accepts). */
    logRetentionDays: z
      .union([
        z.literal(1),
        z.literal(3),
        z.literal(5),
        z.literal(7),
        z.literal(14),
        z.literal(30),
        z.literal(60),
        z.literal(90),
        z.literal(120),
        z.literal(150),
        z.literal(180),
        z.literal(365),
        z.literal(400),
        z.literal(545),
        z.literal(731),
        z.literal(1096),
        z.literal(1827),
        z.literal(2192),
        z.literal(2557),
        z.literal(2922),
        z.literal(3288),
        z.literal(3653),
      ])
      .default(90),
    /** Optional deployment target; without it the stacks are environment-agnostic. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
      .optional(),
    schedules: z
      .object({
        /** The billing run: 06:00 on the 1st of each month. */
        billingRun: ScheduleExpression.default('cron(0 6 1 * ? *)'),
        /** The reconciliation report: one hour after the billing run. */
        reconciliationReport: ScheduleExpression.default('cron(0 7 1 * ? *)'),
        /** Dunning: every day at 08:00. */
        dunning: ScheduleExpression.default('cron(0 8 * * ? *)'),
        /**
         * The AR aging report: checked daily at 09:00, sent on trueup.json's `reports.agingWeekday`
         * (the job does nothing on the other days), so the weekday is the data folder's setting.
         */
        aging: ScheduleExpression.default('cron(0 9 * * ? *)'),
        /**
         * The collector: pulls every enabled source of the imported sources.json (docs/sources.md).
         * Daily at 05:00, an hour before the billing run; a pull never lands an item twice.
         */
        collector: ScheduleExpression.default('cron(0 5 * * ? *)'),
        /**
         * Statements of account (docs/statements.md): checked daily at 08:30, after dunning, sent on
         * trueup.json's `statements.dayOfMonth` (the job does nothing on the other days).
         */
        statements: ScheduleExpression.default('cron(30 8 * * ? *)'),
        /** Auto-pay (only with `payments`): daily at 07:30, before dunning. */
        autoPay: ScheduleExpression.optional(),
        /**
         * Publishing to the books (only with `books`): daily at 08:45, after auto-pay and dunning
         * applied the day's payments, before the aging report (docs/deploy.md, "Connect the books").
         */
        books: ScheduleExpression.optional(),
      })
      .strict()
      .prefault({}),
    /**
     * The Secrets Manager name prefix of the pull sources' credentials: the collector may read
     * secrets under it and no others (sources.json `"credential": {"secret": "<prefix>pax8"}`).
     */
    sourceSecretsPrefix: z
      .string()
      .regex(
        /^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*\/$/,
        'a Secrets Manager name prefix ending in "/", such as trueup/sources/ (letters, digits and _+=.@- between the slashes)',
      )
      .default('trueup/sources/'),
    /**
     * Getting paid online (docs/payments.md): the payments endpoint (the stack's one public URL,
     * a Lambda Function URL for the Stripe webhook and the Pay links), its two secrets and the
     * auto-pay job (docs/auto-pay.md). Off by default: the stacks are then exactly what they
     * were without it.
     */
    payments: z.boolean().default(false),
    /**
     * Publishing to QuickBooks Online or Xero (docs/accounting.md, "Publishing"): the daily
     * books-publish job and the secret holding its OAuth2 connection (docs/deploy.md, "Connect
     * the books"). Off by default: the stacks are then exactly what they were without it.
     */
    books: z.boolean().default(false),
    /**
     * The billing team's console and the client portal on AWS (docs/web-aws.md): CloudFront in
     * front of an S3 bucket (the console's CSS/JS) and an API Gateway HTTP API (one Lambda,
     * throttled), a Cognito user pool with `admin` and `read-only` groups, and the retained
     * secret portal links are signed with. Off by default: the stacks are then exactly what
     * they were without it.
     */
    web: z.boolean().default(false),
  })
  .strict();

export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;

/** Parses the raw context value (an object, a JSON string from `-c`, or undefined). */
export function parseConfig(raw: unknown): DeploymentConfig {
  let value: unknown = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new Error(`Invalid TrueUp config (context key "trueup"): not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = DeploymentConfigSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  - trueup.${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`Invalid TrueUp config (context key "trueup"):\n${problems.join('\n')}`);
  }
  return parsed.data;
}
