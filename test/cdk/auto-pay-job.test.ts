/**
 * The auto-pay job in the pipeline stack: absent unless the CDK config turns payments on; then
 * one daily schedule before dunning, a function that reads the two payment secrets and nothing
 * else of Secrets Manager, and cdk-nag clean.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTrueUp } from '../../lib/app.js';
import { parseConfig } from '../../lib/config.js';
import { actionsOf, buildFixture, logicalId, policyStatements, resourcesOf, testApp } from './app-fixture.js';

type Resources = Record<string, { Properties: Record<string, unknown> }>;

const schedulesNamed = (fx: ReturnType<typeof buildFixture>, description: string): Resources =>
  fx.pipelineTemplate.findResources('AWS::Scheduler::Schedule', {
    Properties: { Description: description },
  }) as Resources;

describe('the auto-pay job', () => {
  it('is not deployed without payments in the CDK config', () => {
    const fx = buildFixture({});
    expect(fx.pipeline.functions['auto-pay']).toBeUndefined();
    expect(Object.keys(schedulesNamed(fx, 'TrueUp auto-pay (daily, before dunning)'))).toEqual([]);
    expect(Object.keys(fx.pipelineTemplate.findResources('AWS::SecretsManager::Secret'))).toEqual([]);
  });

  it('with payments: a daily schedule at 07:30 in the MSP time zone, or the configured one', () => {
    const fx = buildFixture({ payments: true, timezone: 'Europe/Berlin' });
    const [schedule, ...others] = Object.values(schedulesNamed(fx, 'TrueUp auto-pay (daily, before dunning)'));
    expect(others).toEqual([]);
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'cron(30 7 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    expect(fx.pipeline.jobs['auto-pay']).toBeDefined();

    const custom = buildFixture({ payments: true, schedules: { autoPay: 'cron(0 7 * * ? *)' } });
    expect(
      Object.values(schedulesNamed(custom, 'TrueUp auto-pay (daily, before dunning)'))[0]?.Properties,
    ).toMatchObject({ ScheduleExpression: 'cron(0 7 * * ? *)' });
  });

  it('with payments: the function is told both secrets and may read those two only', () => {
    const fx = buildFixture({ payments: true });
    const fn = fx.pipeline.functions['auto-pay'];
    expect(fn).toBeDefined();
    const id = fx.pipeline.getLogicalId(fn!.function.node.defaultChild as never);
    const properties = (fx.pipelineTemplate.findResources('AWS::Lambda::Function') as Resources)[id]?.Properties;
    const variables = (properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const provider = logicalId(fx.pipelineTemplate, 'AWS::SecretsManager::Secret', 'PaymentsProviderSecret');
    const linkKey = logicalId(fx.pipelineTemplate, 'AWS::SecretsManager::Secret', 'PaymentsLinkKeySecret');
    expect(variables).toMatchObject({ PAYMENTS_SECRET_ARN: { Ref: provider }, PAY_LINK_SECRET_ARN: { Ref: linkKey } });

    // Of Secrets Manager, the job reads these two; the provider secret is read by the endpoint besides.
    const secretReads = policyStatements(fx.pipelineTemplate).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    const ours = secretReads.filter((s) => s.policy.startsWith('AutoPayRole'));
    expect(ours.flatMap(resourcesOf)).toEqual([{ Ref: provider }, { Ref: linkKey }]);
    expect(
      ours
        .flatMap(actionsOf)
        .every((a) => ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].includes(a)),
    ).toBe(true);
    const providerReaders = secretReads
      .filter((s) => resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: provider })))
      .map((s) => s.policy.replace(/RoleDefaultPolicy.*$/, ''));
    expect(providerReaders.sort()).toEqual(['AutoPay', 'PaymentsEndpoint']);
  });

  it('with payments: no unacknowledged cdk-nag finding', () => {
    const app = testApp({ 'aws:cdk:outdir': undefined });
    const stacks = buildTrueUp(app, parseConfig({ payments: true }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let failure: unknown;
    try {
      app.synth({ force: true });
    } catch (error) {
      failure = error;
    }
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: { ruleName: string }[] }[];
    };
    expect(report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => v.ruleName))).toEqual([]);
    expect(failure).toBeUndefined();
    expect(Annotations.fromStack(stacks.pipeline).findError('*', Match.anyValue())).toEqual([]);
  });
});
