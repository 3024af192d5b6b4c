import { Capture, Match } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BILLING_RUN_COMPLETED, DRAFTS_WAITING } from '../../functions/handlers/metric-names.js';
import { PROJECT_ROOT } from '../../lib/bundling.js';
import { actionsOf, buildFixture, logicalId, policyStatements, resourcesOf, type Fixture } from './app-fixture.js';

let fx: Fixture;
beforeAll(() => {
  fx = buildFixture({ timezone: 'America/Denver', senderEmail: 'billing@acme-it.example' });
});

const fnId = (prefix: string): string => logicalId(fx.pipelineTemplate, 'AWS::Lambda::Function', `${prefix}Function`);
const roleId = (prefix: string): string => logicalId(fx.pipelineTemplate, 'AWS::IAM::Role', `${prefix}Role`);
const statementsOf = (prefix: string): ReturnType<typeof policyStatements> =>
  policyStatements(fx.pipelineTemplate).filter((s) => s.policy.startsWith(`${prefix}RoleDefaultPolicy`));

describe('PipelineStack functions', () => {
  it('runs every handler on Node.js 24, ARM64, traced, with its log group and the shared environment', () => {
    const functions = Object.entries(fx.pipelineTemplate.findResources('AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('BucketNotificationsHandler'),
    ); // CDK's own custom-resource handler

    expect(functions).toHaveLength(11);
    for (const [id, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
      if (id === fnId('Collector')) continue; // its own, smaller environment (below)
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'TABLE_NAME',
          'USAGE_BUCKET',
          'ARTIFACTS_BUCKET',
          'WORK_QUEUE_URL',
          'DISCREPANCY_QUEUE_URL',
          'SES_CONFIGURATION_SET',
          'MSP_TIMEZONE',
          'POWERTOOLS_SERVICE_NAME',
          'NODE_OPTIONS',
        ]),
      );
      expect(fn.Properties.Environment.Variables.MSP_TIMEZONE).toBe('America/Denver');
      // The From address and the report recipients come from the imported settings, not the environment.
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toEqual(expect.arrayContaining(['SENDER_EMAIL']));
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toEqual(
        expect.arrayContaining(['REPORT_RECIPIENTS']),
      );
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toEqual({ 'Fn::ImportValue': 'TrueUp-TableName' });
    }
    fx.pipelineTemplate.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('lets the four scheduled jobs run one at a time', () => {
    for (const prefix of ['BillingRun', 'ReconciliationReport', 'DunningRun', 'AgingReport']) {
      expect(fx.pipelineTemplate.toJSON().Resources[fnId(prefix)].Properties.ReservedConcurrentExecutions).toBe(1);
    }
    for (const prefix of ['IngestFile', 'InvoiceWorker', 'DiscrepancyWorker']) {
      expect(
        fx.pipelineTemplate.toJSON().Resources[fnId(prefix)].Properties.ReservedConcurrentExecutions,
      ).toBeUndefined();
    }
  });

  it.each([
    ['InvoiceWorker', 'TrueUp-WorkQueueArn'],
    ['DiscrepancyWorker', 'TrueUp-DiscrepancyQueueArn'],
  ])('%s consumes its queue 10 at a time and reports partial batch failures', (prefix, queueExport) => {
    fx.pipelineTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId(prefix) },
      EventSourceArn: { 'Fn::ImportValue': queueExport },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('triggers ingest on inbox/ and payments on payments/ of the usage bucket', () => {
    const configuration = new Capture();

    fx.pipelineTemplate.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { 'Fn::ImportValue': 'TrueUp-UsageBucketName' },
      NotificationConfiguration: configuration,
      Managed: false,
    });
    expect(configuration.asObject().LambdaFunctionConfigurations).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbox/' }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [fnId('IngestFile'), 'Arn'] },
      },
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'payments/' }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [fnId('ApplyPayments'), 'Arn'] },
      },
    ]);
  });

  it('subscribes ses-events to the SES event topic fed by the configuration set', () => {
    const topic = logicalId(fx.pipelineTemplate, 'AWS::SNS::Topic', 'SesEventsTopic');

    fx.pipelineTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topic },
      Endpoint: { 'Fn::GetAtt': [fnId('SesEvents'), 'Arn'] },
    });
    fx.pipelineTemplate.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'delivery', 'reject'],
        SnsDestination: { TopicARN: { Ref: topic } },
      },
    });
    fx.pipelineTemplate.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'billing@acme-it.example' });
  });
});

describe('PipelineStack schedules', () => {
  it.each([
    ['BillingRun', 'cron(0 6 1 * ? *)'],
    ['ReconciliationReport', 'cron(0 7 1 * ? *)'],
    ['DunningRun', 'cron(0 8 * * ? *)'],
    ['AgingReport', 'cron(0 9 * * ? *)'],
  ])('%s runs at %s in the MSP time zone, with retries and a DLQ', (prefix, expression) => {
    const dlq = logicalId(fx.pipelineTemplate, 'AWS::SQS::Queue', `${prefix}ScheduleDeadLetterQueue`);

    fx.pipelineTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'America/Denver',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [fnId(prefix), 'Arn'] },
        Input: '{}',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
        RoleArn: Match.anyValue(),
      },
    });
    fx.pipelineTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId(prefix) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
    fx.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ 'Fn::ImportValue': 'TrueUp-AlarmTopicArn' }],
    });
  });

  it('gives each schedule a role that may invoke only its own function', () => {
    const roles = new Capture();
    fx.pipelineTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: { RoleArn: { 'Fn::GetAtt': [roles, 'Arn'] } },
    });
    const invokeStatements = policyStatements(fx.pipelineTemplate).filter((s) =>
      actionsOf(s).includes('lambda:InvokeFunction'),
    );

    expect(invokeStatements).toHaveLength(6);
    for (const statement of invokeStatements) {
      const targets = new Set(
        resourcesOf(statement).map((r) => JSON.stringify(r).match(/"(\w+Function[0-9A-F]{8})"/)?.[1]),
      );
      expect(targets.size).toBe(1);
      expect(actionsOf(statement)).toEqual(['lambda:InvokeFunction']);
    }
  });
});

describe('PipelineStack permissions', () => {
  it('grants ses:SendRawEmail only on the sender identity and the configuration set, only to mail senders', () => {
    const ses = policyStatements(fx.pipelineTemplate).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
    const identity = logicalId(fx.pipelineTemplate, 'AWS::SES::EmailIdentity', 'SenderIdentity');
    const configurationSet = logicalId(fx.pipelineTemplate, 'AWS::SES::ConfigurationSet', 'ConfigurationSet');

    expect(ses.map((s) => s.policy.replace(/RoleDefaultPolicy.*/, '')).sort()).toEqual([
      'AgingReport',
      'DunningRun',
      'InvoiceWorker',
      'ReconciliationReport',
    ]);
    const rate = (prefix: string): unknown =>
      fx.pipelineTemplate.toJSON().Resources[fnId(prefix)].Properties.Environment.Variables.SES_MAX_SEND_RATE;
    expect([rate('InvoiceWorker'), rate('DunningRun'), rate('IngestFile')]).toEqual(['7', '14', undefined]); // two invoice workers share 14/s
    for (const statement of ses) {
      expect(actionsOf(statement)).toEqual(['ses:SendRawEmail']);
      expect(resourcesOf(statement)).toEqual([
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ses:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':identity/',
              { Ref: identity },
            ],
          ],
        },
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ses:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':configuration-set/',
              { Ref: configurationSet },
            ],
          ],
        },
      ]);
    }
  });

  it('never grants DynamoDB or S3 actions on *', () => {
    const broad = policyStatements(fx.pipelineTemplate)
      .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:') || a.startsWith('s3:')))
      .filter((s) => resourcesOf(s).includes('*') && !s.policy.startsWith('BucketNotificationsHandler'));

    expect(broad).toEqual([]);
  });

  it('lets ingest write only archive/ and rejected/ of the usage bucket and normalized/ and refs/ of the artifacts bucket', () => {
    const puts = statementsOf('IngestFile').filter((s) => actionsOf(s).includes('s3:PutObject'));
    const written = puts.flatMap((s) => resourcesOf(s).map((r) => JSON.stringify(r)));

    expect(written.sort()).toEqual(
      [
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-ArtifactsBucketArn' }, '/normalized/*']] }),
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-ArtifactsBucketArn' }, '/refs/*']] }),
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-UsageBucketArn' }, '/archive/*']] }),
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-UsageBucketArn' }, '/rejected/*']] }),
      ].sort(),
    );
    expect(written.join()).not.toContain('invoices/');
  });

  it('lets ingest read the seals and references of the artifacts bucket, nothing else there', () => {
    const gets = statementsOf('IngestFile').filter((s) => actionsOf(s).some((a) => a.startsWith('s3:GetObject')));
    // Object resources only (the bucket ARN itself is there for s3:List*).
    const read = gets
      .flatMap((s) => resourcesOf(s).map((r) => JSON.stringify(r)))
      .filter((r) => r.includes('ArtifactsBucketArn') && r.includes('/'));

    expect(read.sort()).toEqual(
      [
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-ArtifactsBucketArn' }, '/normalized/*']] }),
        JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-ArtifactsBucketArn' }, '/refs/*']] }),
      ].sort(),
    );
  });

  it.each([
    ['BillingRun', 'billing/', 'its stored plan, which every retry reads back'],
    ['AgingReport', 'reports/', 'the report it stored, attached again by a re-run'],
  ])('lets %s read and write %s of the artifacts bucket (%s)', (prefix, keyPrefix) => {
    const objects = (action: string): string[] =>
      statementsOf(prefix)
        .filter((s) => actionsOf(s).some((a) => a.startsWith(action)))
        .flatMap((s) => resourcesOf(s).map((r) => JSON.stringify(r)));
    const resource = JSON.stringify({
      'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-ArtifactsBucketArn' }, `/${keyPrefix}*`]],
    });

    expect(objects('s3:GetObject')).toContain(resource);
    expect(objects('s3:PutObject')).toContain(resource);
  });

  it('keeps the discrepancy worker and ses-events away from S3, SQS sends and SES', () => {
    for (const prefix of ['DiscrepancyWorker', 'SesEvents']) {
      const actions = statementsOf(prefix).flatMap(actionsOf);
      expect(actions.filter((a) => a.startsWith('s3:') || a === 'sqs:SendMessage' || a.startsWith('ses:'))).toEqual([]);
    }
  });

  it('lets only the billing run, the dunning run, the payments job and the statements job send to the work queue', () => {
    const senders = policyStatements(fx.pipelineTemplate)
      .filter(
        (s) => actionsOf(s).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes('TrueUp-WorkQueueArn'),
      )
      .map((s) => s.policy.replace(/RoleDefaultPolicy.*/, ''));

    expect(senders.sort()).toEqual(['ApplyPayments', 'BillingRun', 'DunningRun', 'Statements']);
  });

  it('gives functions their own log group instead of AWSLambdaBasicExecutionRole', () => {
    const role = fx.pipelineTemplate.toJSON().Resources[roleId('BillingRun')];

    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(statementsOf('BillingRun')).toContainEqual(
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalId(fx.pipelineTemplate, 'AWS::Logs::LogGroup', 'BillingRunLogs'), 'Arn'] },
      }),
    );
  });
});

describe('PipelineStack operations', () => {
  it('alarms on every function’s errors', () => {
    const alarms = fx.pipelineTemplate.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
    });

    expect(Object.keys(alarms)).toHaveLength(11);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties).toMatchObject({
        Threshold: 1,
        AlarmActions: [{ 'Fn::ImportValue': 'TrueUp-AlarmTopicArn' }],
      });
    }
  });

  it('alarms when the billing run was due but did not complete that day, days counted in the MSP time zone', () => {
    const metrics = new Capture();
    const alarmId = logicalId(fx.pipelineTemplate, 'AWS::CloudWatch::Alarm', 'MissedBillingRunAlarm');

    fx.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching', // no data: nothing was due that day
      EvaluationWindow: { WallClockWindow: { Timezone: 'America/Denver' } }, // whole local days, evaluated once over
      AlarmActions: [{ 'Fn::ImportValue': 'TrueUp-AlarmTopicArn' }],
      Metrics: metrics,
    });
    expect(fx.pipelineTemplate.toJSON().Resources[alarmId].Properties.Metrics).toEqual(metrics.asArray()); // it was this alarm
    const service =
      fx.pipelineTemplate.toJSON().Resources[fnId('BillingRun')].Properties.Environment.Variables
        .POWERTOOLS_SERVICE_NAME;
    const stat = (metricName: string): unknown => ({
      Metric: { Namespace: 'TrueUp', MetricName: metricName, Dimensions: [{ Name: 'service', Value: service }] },
      Period: 86400,
      Stat: 'Sum',
    });
    expect(metrics.asArray()).toEqual([
      {
        Id: expect.any(String),
        Expression: 'FILL(expected, 0) - FILL(completed, 0)',
        Label: expect.any(String),
        ReturnData: true,
      },
      { Id: 'expected', MetricStat: stat('BillingRunsExpected'), ReturnData: false },
      { Id: 'completed', MetricStat: stat('BillingRuns'), ReturnData: false },
    ]);
    expect(JSON.stringify(metrics.asArray())).not.toContain('DATE('); // no UTC calendar arithmetic
  });

  it('marks the billing run as due with a schedule of the same expression and time zone that publishes BillingRunsExpected', () => {
    const target = new Capture();
    const billing = Object.values(
      fx.pipelineTemplate.findResources('AWS::Scheduler::Schedule', {
        Properties: { Target: { Arn: { 'Fn::GetAtt': [fnId('BillingRun'), 'Arn'] } } },
      }),
    )[0]!.Properties;

    fx.pipelineTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      Description: Match.stringLikeRegexp('BillingRunsExpected'),
      ScheduleExpression: billing.ScheduleExpression,
      ScheduleExpressionTimezone: billing.ScheduleExpressionTimezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: target,
    });
    const role = logicalId(fx.pipelineTemplate, 'AWS::IAM::Role', 'MissedBillingRunRole');
    const dlq = logicalId(fx.pipelineTemplate, 'AWS::SQS::Queue', 'MissedBillingRunDeadLetterQueue');
    expect(target.asObject()).toMatchObject({
      Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:cloudwatch:putMetricData']] },
      RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    });
    expect(JSON.parse(target.asObject().Input as string)).toEqual({
      Namespace: 'TrueUp',
      MetricData: [
        {
          MetricName: 'BillingRunsExpected',
          Dimensions: [{ Name: 'service', Value: 'trueup-billing-run' }],
          Unit: 'Count',
          Value: 1,
        },
      ],
    });
    // The marker's role may only put metrics into the TrueUp namespace (and park failures in its DLQ, which alarms).
    expect(
      policyStatements(fx.pipelineTemplate)
        .filter((s) => s.policy.startsWith('MissedBillingRunRole'))
        .map((s) => ({ ...s, policy: undefined })),
    ).toEqual([
      {
        policy: undefined,
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'TrueUp' } },
      },
      { policy: undefined, Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    ]);
    fx.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
    });
  });

  it('follows a changed billing schedule and time zone', () => {
    const other = buildFixture({ timezone: 'Asia/Tokyo', schedules: { billingRun: 'cron(30 2 1 * ? *)' } });
    const expected = other.pipelineTemplate.findResources('AWS::Scheduler::Schedule', {
      Properties: { Description: Match.stringLikeRegexp('BillingRunsExpected') },
    });

    expect(
      Object.values(expected).map((r) => [r.Properties.ScheduleExpression, r.Properties.ScheduleExpressionTimezone]),
    ).toEqual([['cron(30 2 1 * ? *)', 'Asia/Tokyo']]);
    other.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      EvaluationWindow: { WallClockWindow: { Timezone: 'Asia/Tokyo' } },
    });
  });

  it('counts completed runs under the name the billing-run handler publishes', () => {
    const handler = readFileSync(join(PROJECT_ROOT, 'functions', 'handlers', 'billing-run.ts'), 'utf8');

    expect(BILLING_RUN_COMPLETED).toBe('BillingRuns');
    expect(handler).toMatch(/metrics\.addMetric\(BILLING_RUN_COMPLETED, 'Count', 1\)/);
  });

  it('alarms when drafts wait for review longer than reviewAlarmDays, on the figure dunning-run publishes', () => {
    const handler = readFileSync(join(PROJECT_ROOT, 'functions', 'handlers', 'dunning-run.ts'), 'utf8');
    expect(handler).toMatch(/metrics\.addMetric\(DRAFTS_WAITING, 'Count', waiting\)/);
    fx.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: DRAFTS_WAITING,
      Namespace: 'TrueUp',
      Dimensions: [{ Name: 'service', Value: 'trueup-dunning-run' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ 'Fn::ImportValue': 'TrueUp-AlarmTopicArn' }],
    });
  });

  it('lets the invoice workers write the drafts of hold mode and the billing run the email that they await review', () => {
    const puts = (prefix: string): string[] =>
      statementsOf(prefix)
        .filter((s) => actionsOf(s).includes('s3:PutObject'))
        .flatMap((s) => resourcesOf(s).map((r) => JSON.stringify(r)));
    const artifacts = (prefix: string): string =>
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-ArtifactsBucketArn' }, prefix]] });
    expect(puts('InvoiceWorker')).toContain(artifacts('/drafts/*'));
    expect(puts('BillingRun')).toContain(artifacts('/emails/*'));
    expect(puts('BillingRun')).not.toContain(artifacts('/drafts/*'));
  });

  it('publishes the dashboard URL and function names', () => {
    fx.pipelineTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    fx.pipelineTemplate.hasOutput('DashboardUrl', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    fx.pipelineTemplate.hasOutput('BillingRunFunctionName', { Value: { Ref: fnId('BillingRun') } });
  });
});
