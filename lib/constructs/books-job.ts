import { CfnOutput, Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import type { Grant, Job, JobProps } from './job.js';

/**
 * 08:45 daily: after auto-pay (07:30) and dunning (08:00) applied the day's payments, before
 * the aging report (09:00) lists what is not in the books.
 */
export const DEFAULT_BOOKS_SCHEDULE = 'cron(45 8 * * ? *)';

export interface BooksJobProps {
  /** Makes the job as the pipeline makes its others (environment, alarm topic, log retention, time zone). */
  readonly job: (props: Omit<JobProps, 'alarmTopic' | 'logRetention' | 'timeZone'>) => Job;
  /** @default DEFAULT_BOOKS_SCHEDULE */
  readonly expression?: string;
  /** What it may touch besides its secret: the table, the emails prefix, SES sending. */
  readonly grants: readonly Grant[];
}

/**
 * Publishing to the books (docs/accounting.md, "Publishing"; docs/deploy.md, "Connect the
 * books"): the daily books-publish job and the one secret holding its OAuth2 connection to
 * QuickBooks Online or Xero. Made only when the CDK config has `books: true`.
 *
 * The secret is created as `{}` for `trueup accounting connect --outputs …` to fill, and
 * retained when the stack is deleted (the connection is the operator's, made by hand in a
 * browser). The function may read it and write it (each token refresh is written back: refresh
 * tokens rotate) and no other secret. It runs one at a time (reserved concurrency 1), so two
 * runs never refresh the same token at once (functions/adapters/books/secrets-token-store.ts).
 */
export class BooksJob extends Construct {
  public readonly secret: secretsmanager.Secret;
  public readonly job: Job;

  constructor(scope: Construct, id: string, props: BooksJobProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description:
        'TrueUp books: the OAuth2 connection to QuickBooks Online or Xero (client id/secret, rotating refresh token); written by `trueup accounting connect` (docs/deploy.md)',
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'The refresh token rotates with every OAuth2 refresh, which books-publish writes back itself; the client secret is rolled at Intuit/Xero and reconnected with `trueup accounting connect`.',
    );

    this.job = props.job({
      handlerName: 'books-publish',
      description: 'Publish customers, invoices, credit notes and payments to QuickBooks Online or Xero',
      // Xero allows 60 calls a minute: the first run after a month's billing may need several minutes.
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: 1,
      grants: [...props.grants, (fn) => this.readWriteSecret(fn.function)],
      trigger: {
        kind: 'schedule',
        expression: props.expression ?? DEFAULT_BOOKS_SCHEDULE,
        description: 'TrueUp books publish (daily, after payments are applied)',
        rerunHint:
          'invoke the function with {"date":"YYYY-MM-DD"} or run `trueup accounting publish --outputs …` (what is published is skipped, refused documents are tried again)',
      },
    });
    new CfnOutput(scope, 'BooksSecretArn', {
      value: this.secret.secretArn,
      description:
        'The books connection: `trueup accounting connect --system quickbooks|xero --outputs <this file>` writes it (docs/deploy.md "Connect the books")',
    });
  }

  /** GetSecretValue and PutSecretValue on this one secret: read the tokens, write each refresh back. */
  private readWriteSecret(fn: iam.IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment('BOOKS_SECRET_ARN', this.secret.secretArn);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      resourceArns: [this.secret.secretArn],
    });
  }
}
