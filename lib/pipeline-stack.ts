import { ArnFormat, Aws, CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config.js';
import { atLeastOneAlarm } from './constructs/alarm.js';
import { autoPayJob } from './constructs/auto-pay-job.js';
import { BooksJob } from './constructs/books-job.js';
import { MissedRunAlarm } from './constructs/missed-run-alarm.js';
import { PaymentsEndpoint } from './constructs/payments-endpoint.js';
import { statementsJob } from './constructs/statements-job.js';
import { WebConsole } from './constructs/web-console.js';
import type { ScheduledJob } from './constructs/scheduled-job.js';
import type { PipelineFunction } from './constructs/pipeline-function.js';
import {
  Job,
  pascalCase,
  putPrefix,
  readPrefix,
  sendMessages,
  tableReadWrite,
  type Grant,
  type JobProps,
} from './constructs/job.js';
import { acknowledge, type ExportedBucket } from './nag.js';
import type { StatefulExports } from './stateful-exports.js';
import { WEB_ASSETS, type WebAsset } from './web-assets.js';
import { ARTIFACT_PREFIXES, USAGE_PREFIXES } from '../functions/app/bucket-layout.js';
import { BILLING_RUN_COMPLETED, BILLING_RUN_EXPECTED, DRAFTS_WAITING } from '../functions/handlers/metric-names.js';

export interface PipelineStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /** Names of the stateful stack's exports (buckets, table, queues, alarm topic, topic key). */
  readonly stateful: StatefulExports;
  /** The console's static files (CDK config `web`). @default WEB_ASSETS */
  readonly webAssets?: readonly WebAsset[];
}

/**
 * The stateless pipeline: one function per job, their triggers (S3 drops, schedules, queues,
 * SES events), SES sending, alarms and the dashboard. Safe to destroy and redeploy.
 */
export class PipelineStack extends Stack {
  public readonly functions: Readonly<Record<string, PipelineFunction>>;
  public readonly jobs: Readonly<Record<string, ScheduledJob>>;
  public readonly emailIdentity: ses.EmailIdentity;
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly sesEventsTopic: sns.Topic;
  public readonly missedBillingRunAlarm: cloudwatch.Alarm;
  public readonly missedBillingRun: MissedRunAlarm;
  /** Hold mode (docs/review.md): drafts waited longer than `invoice.reviewAlarmDays` for review. */
  public readonly draftsWaitingAlarm: cloudwatch.Alarm;
  /** A pull source failed after its retries (the collector logs `alert: true`). */
  public readonly sourcePullFailedAlarm: cloudwatch.Alarm;
  /** The secrets the collector may read: `arn:…:secret:<sourceSecretsPrefix>*`. */
  public readonly collectorSecretsArn: string;
  public readonly dashboard: cloudwatch.Dashboard;
  /** The payments endpoint and its secrets (CDK config `payments: true`); undefined when off. */
  public readonly payments?: PaymentsEndpoint;
  /** The books-publish job and its secret (CDK config `books: true`); undefined when off. */
  public readonly books?: BooksJob;
  /** The console and portal: CloudFront, HTTP API, Cognito, link key (CDK config `web: true`); undefined when off. */
  public readonly web?: WebConsole;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, stateful: x } = props;

    // ---- what the stateful stack exports ----------------------------------------------------
    const imp = (name: string): string => Fn.importValue(name);
    const usage: ExportedBucket = {
      bucket: s3.Bucket.fromBucketAttributes(this, 'UsageBucket', {
        bucketArn: imp(x.usageBucketArn),
        bucketName: imp(x.usageBucketName),
      }),
      arnExportName: x.usageBucketArn,
    };
    const artifacts: ExportedBucket = {
      bucket: s3.Bucket.fromBucketAttributes(this, 'ArtifactsBucket', {
        bucketArn: imp(x.artifactsBucketArn),
        bucketName: imp(x.artifactsBucketName),
      }),
      arnExportName: x.artifactsBucketArn,
    };
    const table = dynamodb.Table.fromTableAttributes(this, 'Table', {
      tableArn: imp(x.tableArn),
      globalIndexes: ['GSI1', 'GSI2'],
    });
    const workQueue = sqs.Queue.fromQueueAttributes(this, 'WorkQueue', {
      queueArn: imp(x.workQueueArn),
      queueUrl: imp(x.workQueueUrl),
    });
    const discrepancyQueue = sqs.Queue.fromQueueAttributes(this, 'DiscrepancyQueue', {
      queueArn: imp(x.discrepancyQueueArn),
      queueUrl: imp(x.discrepancyQueueUrl),
    });
    const queues = [
      { name: 'work', queue: workQueue },
      { name: 'work DLQ', queue: sqs.Queue.fromQueueArn(this, 'WorkDeadLetterQueue', imp(x.workDeadLetterQueueArn)) },
      { name: 'discrepancy', queue: discrepancyQueue },
      {
        name: 'discrepancy DLQ',
        queue: sqs.Queue.fromQueueArn(this, 'DiscrepancyDeadLetterQueue', imp(x.discrepancyDeadLetterQueueArn)),
      },
    ];
    const alarmTopic = sns.Topic.fromTopicArn(this, 'AlarmTopic', imp(x.alarmTopicArn));
    const topicKey = kms.Key.fromKeyArn(this, 'TopicKey', imp(x.topicKeyArn));

    // ---- SES ----------------------------------------------------------------------------
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.emailIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
      identity: ses.Identity.email(config.senderEmail),
      configurationSet: this.configurationSet,
    });
    this.sesEventsTopic = new sns.Topic(this, 'SesEventsTopic', {
      displayName: 'TrueUp SES events (bounces, complaints, deliveries)',
      masterKey: topicKey,
      enforceSSL: true,
    });
    this.configurationSet.addEventDestination('ToSns', {
      destination: ses.EventDestination.snsTopic(this.sesEventsTopic),
      events: [
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.REJECT,
      ],
    });
    const configurationSetArn = this.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    // ---- jobs: function, grants, trigger ------------------------------------------------
    const environment: Record<string, string> = {
      TABLE_NAME: imp(x.tableName),
      USAGE_BUCKET: imp(x.usageBucketName),
      ARTIFACTS_BUCKET: imp(x.artifactsBucketName),
      WORK_QUEUE_URL: imp(x.workQueueUrl),
      DISCREPANCY_QUEUE_URL: imp(x.discrepancyQueueUrl),
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
      MSP_TIMEZONE: config.timezone,
    };
    const job = (props: Omit<JobProps, 'alarmTopic' | 'logRetention' | 'timeZone'>): Job =>
      new Job(this, {
        environment,
        alarmTopic,
        logRetention: config.logRetentionDays as logs.RetentionDays,
        timeZone: config.timezone,
        ...props,
      });
    /** ses:SendRawEmail on the identity and configuration set; `instances` share the account's send rate. */
    const sendsEmail =
      (instances = 1): Grant =>
      (fn) => {
        fn.function.addEnvironment(
          'SES_MAX_SEND_RATE',
          String(Math.max(1, Math.floor(config.sesMaxSendRate / instances))),
        );
        iam.Grant.addToPrincipal({
          grantee: fn.function,
          actions: ['ses:SendRawEmail'],
          resourceArns: [this.emailIdentity.emailIdentityArn, configurationSetArn],
        });
      };
    const tableAccess = tableReadWrite(table, x.tableArn);

    // ---- payments (docs/payments.md): only with `payments: true` --------------------------
    // The one public endpoint (a Function URL): the Stripe webhook applies payments (receipts
    // and the dispute alert are stored, then queued for the invoice workers, which send them)
    // and Pay links open Stripe Checkout.
    this.payments = config.payments
      ? new PaymentsEndpoint(this, 'Payments', {
          job,
          timeout: Duration.seconds(30),
          grants: [
            tableAccess,
            putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
            sendMessages(workQueue),
            sendMessages(discrepancyQueue),
          ],
        })
      : undefined;
    /** Functions that build Pay links read the link key (nothing when payments are off). */
    const buildsPayLinks: Grant[] = this.payments ? [this.payments.readsLinkKey()] : [];

    // ---- the console and the client portal (docs/web-aws.md): only with `web: true` ----------
    // One function behind CloudFront and an HTTP API. The console reads nearly everything and
    // acts through the same use cases as the CLI (table writes, emails stored then queued,
    // credit notes rendered, usage files uploaded to inbox/); the portal's "question this
    // invoice" emails the billing team.
    this.web = config.web
      ? new WebConsole(this, 'WebConsole', {
          job,
          assets: props.webAssets ?? WEB_ASSETS,
          logRetention: config.logRetentionDays as logs.RetentionDays,
          domainPrefix: config.stackPrefix.toLowerCase(),
          grants: [
            tableAccess,
            ...(
              [
                ARTIFACT_PREFIXES.normalized,
                ARTIFACT_PREFIXES.reconciliation,
                ARTIFACT_PREFIXES.invoices,
                ARTIFACT_PREFIXES.creditNotes,
                ARTIFACT_PREFIXES.drafts,
                ARTIFACT_PREFIXES.statements,
                ARTIFACT_PREFIXES.reports,
                ARTIFACT_PREFIXES.emails,
              ] as const
            ).map((prefix) => readPrefix(artifacts, prefix)),
            putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
            putPrefix(artifacts, ARTIFACT_PREFIXES.creditNotes),
            readPrefix(usage, USAGE_PREFIXES.inbox),
            readPrefix(usage, USAGE_PREFIXES.archive),
            readPrefix(usage, USAGE_PREFIXES.rejected),
            putPrefix(usage, USAGE_PREFIXES.inbox),
            sendMessages(workQueue),
            sendMessages(discrepancyQueue),
            sendsEmail(),
            ...buildsPayLinks,
          ],
        })
      : undefined;
    /** Functions whose emails carry portal links read the portal link key (nothing when `web` is off). */
    const buildsPortalLinks: Grant[] = this.web ? [this.web.readsPortalLinkKey()] : [];

    // S3 triggers are configured from this stack on the imported bucket (CDK's notifications
    // custom resource merges them with any others): on the bucket itself they would make the
    // stateful stack depend on this one, a cycle.
    const ingest = job({
      handlerName: 'ingest-file',
      description: 'Ingest a usage file dropped in inbox/',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      grants: [
        tableAccess,
        readPrefix(usage, USAGE_PREFIXES.inbox),
        putPrefix(usage, USAGE_PREFIXES.archive),
        putPrefix(usage, USAGE_PREFIXES.rejected),
        readPrefix(artifacts, ARTIFACT_PREFIXES.refs),
        // The seals of normalized/ say which refs parts are complete (functions/app/usage-records.ts).
        readPrefix(artifacts, ARTIFACT_PREFIXES.normalized),
        putPrefix(artifacts, ARTIFACT_PREFIXES.normalized),
        putPrefix(artifacts, ARTIFACT_PREFIXES.refs),
      ],
      trigger: { kind: 'objectCreated', bucket: usage.bucket, prefix: USAGE_PREFIXES.inbox },
    });

    const applyPayments = job({
      handlerName: 'apply-payments',
      description: 'Import a payments file dropped in payments/ and apply due payments',
      timeout: Duration.minutes(2),
      grants: [
        tableAccess,
        readPrefix(usage, USAGE_PREFIXES.payments),
        sendMessages(discrepancyQueue),
        // Receipts (trueup.json `receipts`): the raw message is stored, then queued for the invoice workers.
        putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        sendMessages(workQueue),
      ],
      trigger: { kind: 'objectCreated', bucket: usage.bucket, prefix: USAGE_PREFIXES.payments },
    });

    // Schedules run in the MSP's time zone.
    const billingRun = job({
      handlerName: 'billing-run',
      description: 'Reconcile last month, issue invoices, fan out to the work and discrepancy queues',
      timeout: Duration.minutes(15),
      memorySize: 1024,
      reservedConcurrentExecutions: 1,
      grants: [
        tableAccess,
        readPrefix(artifacts, ARTIFACT_PREFIXES.normalized),
        readPrefix(artifacts, ARTIFACT_PREFIXES.reconciliation),
        putPrefix(artifacts, ARTIFACT_PREFIXES.reconciliation),
        // The plan of a period (billing/<P>/plan.ndjson): stored once, read back by every retry.
        readPrefix(artifacts, ARTIFACT_PREFIXES.billing),
        putPrefix(artifacts, ARTIFACT_PREFIXES.billing),
        // Hold mode (docs/review.md): the email that drafts await review (stored, then sent by the invoice workers).
        putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        sendMessages(workQueue),
        sendMessages(discrepancyQueue),
      ],
      trigger: {
        kind: 'schedule',
        expression: config.schedules.billingRun,
        description: 'TrueUp billing run (1st of the month)',
      },
    });

    const invoiceWorkerConcurrency = 2; // the SQS minimum; keeps SES within its send rate
    const invoiceWorker = job({
      handlerName: 'invoice-worker',
      description: 'Render, store and email one invoice per message',
      timeout: Duration.seconds(60),
      memorySize: 1024,
      grants: [
        tableAccess,
        readPrefix(artifacts, ARTIFACT_PREFIXES.reconciliation),
        readPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        putPrefix(artifacts, ARTIFACT_PREFIXES.invoices),
        putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        // Hold mode (docs/review.md): the drafts, rendered with their DRAFT watermark.
        putPrefix(artifacts, ARTIFACT_PREFIXES.drafts),
        sendsEmail(invoiceWorkerConcurrency),
        ...buildsPayLinks,
        ...buildsPortalLinks,
      ],
      trigger: { kind: 'queue', queue: workQueue, batchSize: 10, maxConcurrency: invoiceWorkerConcurrency },
    });

    const discrepancyWorker = job({
      handlerName: 'discrepancy-worker',
      description: 'Store each discrepancy once',
      timeout: Duration.seconds(30),
      grants: [tableAccess],
      trigger: { kind: 'queue', queue: discrepancyQueue, batchSize: 10 },
    });

    const reconciliationReport = job({
      handlerName: 'reconciliation-report',
      description: 'Email the reconciliation report after the billing run',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      reservedConcurrentExecutions: 1,
      grants: [
        tableAccess, // reads the ledger, records the email in the outbox
        readPrefix(artifacts, ARTIFACT_PREFIXES.reconciliation),
        readPrefix(usage, USAGE_PREFIXES.rejected), // the rejected rows, explained and attached
        readPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        putPrefix(artifacts, ARTIFACT_PREFIXES.reports),
        putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        sendsEmail(),
      ],
      trigger: {
        kind: 'schedule',
        expression: config.schedules.reconciliationReport,
        description: 'TrueUp reconciliation report (after the billing run)',
      },
    });

    const dunningRun = job({
      handlerName: 'dunning-run',
      description: 'Apply received payments, send due dunning steps, charge late fees once',
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 1,
      grants: [
        tableAccess,
        readPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        sendMessages(discrepancyQueue),
        // Its emails (and receipts of the payments it applies) are queued for the invoice workers; they attach the invoice PDFs.
        sendMessages(workQueue),
        readPrefix(artifacts, ARTIFACT_PREFIXES.invoices),
        sendsEmail(),
        ...buildsPayLinks,
        ...buildsPortalLinks,
      ],
      trigger: { kind: 'schedule', expression: config.schedules.dunning, description: 'TrueUp dunning (daily)' },
    });

    const agingReport = job({
      handlerName: 'aging-report',
      description: 'Email the AR aging report',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      reservedConcurrentExecutions: 1,
      grants: [
        tableAccess, // reads invoices, records the email in the outbox
        readPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        // A re-run after the email was recorded attaches the report it stored (reports/aging-<date>.*).
        readPrefix(artifacts, ARTIFACT_PREFIXES.reports),
        putPrefix(artifacts, ARTIFACT_PREFIXES.reports),
        putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
        sendsEmail(),
      ],
      trigger: { kind: 'schedule', expression: config.schedules.aging, description: 'TrueUp AR aging report (weekly)' },
    });

    const statements = statementsJob({
      job,
      expression: config.schedules.statements,
      tableAccess,
      artifacts,
      workQueue,
      extraGrants: [...buildsPayLinks, ...buildsPortalLinks],
    });

    const sesEvents = job({
      handlerName: 'ses-events',
      description: 'Record SES bounces and complaints',
      timeout: Duration.seconds(30),
      grants: [tableAccess],
      trigger: { kind: 'topic', topic: this.sesEventsTopic },
    });

    // ---- collector: pull sources (docs/sources.md) ------------------------------------------
    // Reads the imported sources.json and its own state in the table, the sources' secrets (and
    // nothing else) from Secrets Manager through the extension, and lands files in inbox/, where
    // the S3 event starts ingest-file. No VPC: it only makes outbound calls (to the vendors and
    // AWS APIs), and nothing can connect to a Lambda function.
    this.collectorSecretsArn = this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${config.sourceSecretsPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const collector = job({
      handlerName: 'collector',
      description: 'Pull usage files from the sources in sources.json into inbox/',
      environment: {
        TABLE_NAME: imp(x.tableName),
        USAGE_BUCKET: imp(x.usageBucketName),
        SOURCE_SECRETS_PREFIX: config.sourceSecretsPrefix,
      },
      // Partner Center exports are polled for up to 10 minutes; files are held in memory.
      timeout: Duration.minutes(15),
      memorySize: 1024,
      reservedConcurrentExecutions: 1,
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
        cacheEnabled: true,
        secretsManagerTtl: Duration.minutes(5),
        logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
      }),
      grants: [
        putPrefix(usage, USAGE_PREFIXES.inbox),
        (fn) => this.grantCollectorState(fn, table.tableArn),
        (fn) => this.grantSourceSecrets(fn, config.sourceSecretsPrefix),
      ],
      trigger: {
        kind: 'schedule',
        expression: config.schedules.collector,
        description: 'TrueUp collector (pull every enabled source of sources.json)',
        rerunHint: 'invoke the collector with {} (every enabled source) or {"source":"<name>"}',
      },
    });
    this.sourcePullFailedAlarm = this.sourcePullFailures(collector.fn, alarmTopic);
    new CfnOutput(this, 'CollectorRoleArn', {
      value: collector.fn.role.roleArn,
      description:
        'The collector role: allow it s3:ListBucket and s3:GetObject in the bucket policy of an "s3" source without a credential',
    });

    // ---- auto-pay (docs/auto-pay.md): with the payments endpoint, whose secrets it reads ------
    const autoPay = this.payments
      ? autoPayJob({
          job,
          ...(config.schedules.autoPay ? { expression: config.schedules.autoPay } : {}),
          grants: [
            tableAccess,
            // Its email (and receipts of the payments it applies): stored, then queued for the invoice workers.
            putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
            sendMessages(workQueue),
            sendMessages(discrepancyQueue),
            this.payments.readsProviderSecret(),
            this.payments.readsLinkKey(),
          ],
        })
      : undefined;

    // ---- publishing to the books (docs/accounting.md "Publishing"): only with `books: true` ----
    // Reads the ledger and records what it published; its one email (refusals) is stored, then sent.
    this.books = config.books
      ? new BooksJob(this, 'Books', {
          job,
          ...(config.schedules.books ? { expression: config.schedules.books } : {}),
          grants: [
            tableAccess,
            readPrefix(artifacts, ARTIFACT_PREFIXES.emails),
            putPrefix(artifacts, ARTIFACT_PREFIXES.emails),
            sendsEmail(),
          ],
        })
      : undefined;

    const jobs: Record<string, Job> = {
      'ingest-file': ingest,
      'apply-payments': applyPayments,
      'billing-run': billingRun,
      'invoice-worker': invoiceWorker,
      'discrepancy-worker': discrepancyWorker,
      'reconciliation-report': reconciliationReport,
      'dunning-run': dunningRun,
      'aging-report': agingReport,
      statements,
      'ses-events': sesEvents,
      collector,
      ...(this.payments ? { 'payments-endpoint': this.payments.job } : {}),
      ...(autoPay ? { 'auto-pay': autoPay } : {}),
      ...(this.books ? { 'books-publish': this.books.job } : {}),
      ...(this.web ? { web: this.web.job } : {}),
    };
    this.functions = Object.fromEntries(Object.entries(jobs).map(([name, { fn }]) => [name, fn]));
    this.jobs = Object.fromEntries(
      Object.entries(jobs).flatMap(([name, { schedule }]) => (schedule ? [[name, schedule]] : [])),
    );

    // ---- missed billing run ---------------------------------------------------------------
    // Runs due (a marker schedule with the billing run's expression) minus runs completed, per
    // calendar day of the MSP's time zone, evaluated once the day is over (MissedRunAlarm).
    this.missedBillingRun = new MissedRunAlarm(this, 'MissedBillingRun', {
      expression: config.schedules.billingRun,
      timeZone: config.timezone,
      namespace: 'TrueUp',
      service: billingRun.fn.serviceName,
      completedMetricName: BILLING_RUN_COMPLETED,
      expectedMetricName: BILLING_RUN_EXPECTED,
      jobDescription: 'the billing run',
      remedy:
        'Check the BillingRunSchedule (enabled?), the billing-run errors and its DLQ; then invoke billing-run with {"date":"YYYY-MM-01"}.',
      alarmTopic,
    });
    this.missedBillingRunAlarm = this.missedBillingRun.alarm;

    // ---- drafts waiting for review (hold mode) ----------------------------------------------
    // dunning-run publishes, each day, how many drafts waited longer than invoice.reviewAlarmDays.
    this.draftsWaitingAlarm = atLeastOneAlarm(this, 'DraftsWaitingAlarm', {
      description:
        'TrueUp: invoice drafts have waited longer than invoice.reviewAlarmDays for review (hold mode), so those clients are not invoiced. List them with `trueup invoices drafts`; approve (`trueup invoices approve --period P --all`) or hold them with a reason.',
      metric: new cloudwatch.Metric({
        namespace: 'TrueUp',
        metricName: DRAFTS_WAITING,
        dimensionsMap: { service: dunningRun.fn.serviceName },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.days(1),
      }),
      topic: alarmTopic,
    });

    // ---- dashboard ----------------------------------------------------------------------
    this.dashboard = this.buildDashboard(config, usage.bucket, queues);
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`,
      description: 'CloudWatch dashboard',
    });
    new CfnOutput(this, 'SesConfigurationSetName', {
      value: this.configurationSet.configurationSetName,
      description: 'SES configuration set',
    });
    new CfnOutput(this, 'SesEventsTopicArn', {
      value: this.sesEventsTopic.topicArn,
      description: 'SES bounce/complaint/delivery events',
    });
    for (const [name, fn] of Object.entries(this.functions)) {
      new CfnOutput(this, `${pascalCase(name)}FunctionName`, {
        value: fn.function.functionName,
        description: `The ${name} function`,
      });
    }

    this.acknowledgeFindings();
  }

  private buildDashboard(
    config: DeploymentConfig,
    usageBucket: s3.IBucket,
    queues: readonly { name: string; queue: sqs.IQueue }[],
  ): cloudwatch.Dashboard {
    const fns = Object.entries(this.functions);
    const perFunction = (metric: (fn: PipelineFunction) => cloudwatch.IMetric): cloudwatch.IMetric[] =>
      fns.map(([, fn]) => metric(fn));
    const alarms: cloudwatch.IAlarm[] = [
      this.missedBillingRunAlarm,
      this.sourcePullFailedAlarm,
      this.draftsWaitingAlarm,
      this.missedBillingRun.deadLetterAlarm,
      ...fns.flatMap(([, fn]) => (fn.errorsAlarm ? [fn.errorsAlarm] : [])),
      ...Object.values(this.jobs).map((job) => job.deadLetterAlarm),
    ];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# TrueUp — ${config.mspName}\nUsage inbox: \`s3://${usageBucket.bucketName}/inbox/\` · payments: \`payments/\` · time zone ${config.timezone}`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations',
        width: 8,
        left: perFunction((fn) => fn.function.metricInvocations({ period: Duration.hours(1), label: fn.node.id })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors',
        width: 8,
        left: perFunction((fn) => fn.function.metricErrors({ period: Duration.hours(1), label: fn.node.id })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration p95 (ms)',
        width: 8,
        left: perFunction((fn) =>
          fn.function.metricDuration({
            period: Duration.hours(1),
            statistic: cloudwatch.Stats.p(95),
            label: fn.node.id,
          }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        width: 8,
        left: queues.map(({ name, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.MAXIMUM,
            label: name,
          }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest message age (s)',
        width: 8,
        left: queues.map(({ name, queue }) =>
          queue.metricApproximateAgeOfOldestMessage({
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.MAXIMUM,
            label: name,
          }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Business metrics (TrueUp namespace)',
        width: 8,
        left: ['InvoicesPlanned', 'DunningEmails', 'LateFees', 'UsageRowsAccepted', 'UsageRowsRejected'].map(
          (metricName) =>
            new cloudwatch.MathExpression({
              expression: `SUM(SEARCH('{TrueUp,service} MetricName="${metricName}"', 'Sum', 86400))`,
              label: metricName,
              period: Duration.days(1),
            }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Collector: files pulled and failed pulls, per source',
        width: 24,
        left: ['FilesPulled', 'SourceFailures'].map(
          (metricName) =>
            new cloudwatch.MathExpression({
              expression: `SEARCH('{TrueUp,service,source} service="collector" MetricName="${metricName}"', 'Sum', 86400)`,
              label: metricName,
              period: Duration.days(1),
            }),
        ),
      }),
    );
    return dashboard;
  }

  /**
   * The collector's state in the ledger table (docs/sources.md): items under `SOURCE#<name>`
   * (claims, cursors, status) read and written, the imported `SOURCES` config only read. The
   * `dynamodb:LeadingKeys` condition keeps it away from every ledger item.
   */
  private grantCollectorState(fn: PipelineFunction, tableArn: string): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SOURCE#*'] } },
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SOURCES'] } },
      }),
    );
  }

  /** Read-only access to the pull sources' secrets, named under the sources' prefix. */
  private grantSourceSecrets(fn: PipelineFunction, prefix: string): void {
    iam.Grant.addToPrincipal({
      grantee: fn.function,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.collectorSecretsArn],
    });
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}*]`,
      `Read-only (GetSecretValue) on the pull sources' secrets, named under ${prefix}; the trailing * is Secrets Manager's random suffix and the source name.`,
    );
  }

  /**
   * A source that still fails after its retries is logged as `source pull failed` with
   * `alert: true` (functions/collect/collect.ts); a metric filter counts those lines.
   */
  private sourcePullFailures(fn: PipelineFunction, alarmTopic: sns.ITopic): cloudwatch.Alarm {
    const filter = new logs.MetricFilter(this, 'SourcePullFailures', {
      logGroup: fn.logGroup,
      filterPattern: logs.FilterPattern.booleanValue('$.alert', true),
      metricNamespace: 'TrueUp',
      metricName: 'SourcePullAlerts',
      metricValue: '1',
    });
    return atLeastOneAlarm(this, 'SourcePullFailedAlarm', {
      description:
        'TrueUp collector: a pull source failed after its retries. See the collector log ("source pull failed") or trueup sources list; fix the cause and invoke the collector with {"source":"<name>"}.',
      metric: filter.metric({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      topic: alarmTopic,
    });
  }

  /** cdk-nag findings that are by design here (grant wildcards are acknowledged where granted, lib/nag.ts). */
  private acknowledgeFindings(): void {
    for (const fn of Object.values(this.functions)) {
      acknowledge(
        fn.role,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions.',
      );
    }
    for (const [name, job] of Object.entries(this.jobs)) {
      acknowledge(
        job.deadLetterQueue,
        'AwsSolutions-SQS3',
        'This queue is itself a dead-letter queue: the Scheduler target DLQ and the Lambda on-failure destination of the job.',
      );
      // The L2 LambdaInvoke target grants lambda:InvokeFunction on the function and its versions.
      const fn = this.functions[name]?.function;
      if (!fn) continue;
      const logicalId = this.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId) as string;
      acknowledge(
        this,
        `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        `The ${name} schedule role may invoke only that function; ":*" is its versions and aliases (grantInvoke).`,
      );
    }
    const notificationsHandler = this.node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (notificationsHandler) {
      acknowledge(
        notificationsHandler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's S3 bucket-notifications custom resource handler (runs only on deploy); its role is defined by aws-cdk-lib.",
      );
      acknowledge(
        notificationsHandler,
        'AwsSolutions-IAM5[Resource::*]',
        "CDK's S3 bucket-notifications handler needs s3:PutBucketNotification; aws-cdk-lib grants it on * (runs only on deploy).",
      );
    }
  }
}
