/**
 * The payments endpoint (CDK config `payments: true`): the stacks' one public endpoint is the
 * payments function's Function URL; its grants and secrets are only what it needs; the functions
 * that build Pay links read the link key and nothing else of it; cdk-nag stays clean. Off: none
 * of it exists.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrueUp } from '../../lib/app.js';
import { parseConfig } from '../../lib/config.js';
import { actionsOf, buildFixture, policyStatements, resourcesOf, testApp, type Fixture } from './app-fixture.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The logical id of the function of a PipelineFunction construct id (`PaymentsEndpoint` → its Function). */
function functionId(template: Template, construct: string): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function') as Resources).filter((id) =>
    id.startsWith(`${construct}Function`),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** Every resource a caller outside the account could reach: URLs, public permissions, APIs. */
function publicSurface(template: Template) {
  const all = template.toJSON().Resources as Resources;
  return {
    urls: Object.values(all).filter((r) => r.Type === 'AWS::Lambda::Url'),
    publicPermissions: Object.values(all).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties?.Principal === '*',
    ),
    apis: Object.values(all).filter((r) => /^AWS::(ApiGateway|ApiGatewayV2|AppSync|ElasticLoadBalancing)/.test(r.Type)),
  };
}

describe('payments on', () => {
  let fx: Fixture;
  let endpoint: string;
  beforeAll(() => {
    fx = buildFixture({ payments: true });
    endpoint = functionId(fx.pipelineTemplate, 'PaymentsEndpoint');
  });

  it('has exactly one public endpoint: the payments function URL, auth NONE, and nothing else public', () => {
    const { urls, publicPermissions, apis } = publicSurface(fx.pipelineTemplate);
    expect(urls).toEqual([
      {
        Type: 'AWS::Lambda::Url',
        Properties: { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [endpoint, 'Arn'] } },
      },
    ]);
    expect(publicPermissions.length).toBeGreaterThan(0);
    for (const permission of publicPermissions) {
      expect(permission.Properties?.FunctionName).toEqual({ 'Fn::GetAtt': [endpoint, 'Arn'] });
      // Only through the URL: InvokeFunctionUrl for auth NONE, or InvokeFunction via the URL.
      const viaUrl =
        permission.Properties?.FunctionUrlAuthType === 'NONE' || permission.Properties?.InvokedViaFunctionUrl === true;
      expect(viaUrl).toBe(true);
    }
    expect(apis).toEqual([]);
    expect(publicSurface(fx.statefulTemplate)).toEqual({ urls: [], publicPermissions: [], apis: [] });
  });

  it('outputs the endpoint URL', () => {
    const urlId = Object.keys(fx.pipelineTemplate.findResources('AWS::Lambda::Url'))[0]!;
    fx.pipelineTemplate.hasOutput('PaymentsEndpointUrl', { Value: { 'Fn::GetAtt': [urlId, 'FunctionUrl'] } });
  });

  it('creates the provider secret with placeholders and a generated link key, both retained', () => {
    const secrets = fx.pipelineTemplate.findResources('AWS::SecretsManager::Secret') as Record<
      string,
      { Properties: Record<string, unknown>; DeletionPolicy?: string }
    >;
    const byId = Object.entries(secrets);
    expect(byId).toHaveLength(2);
    const provider = byId.find(([id]) => id.startsWith('PaymentsProviderSecret'))![1];
    const link = byId.find(([id]) => id.startsWith('PaymentsLinkKeySecret'))![1];
    expect(JSON.parse(provider.Properties.SecretString as string)).toEqual({
      stripeSecretKey: 'sk_test_replace_me',
      stripeWebhookSecret: 'whsec_replace_me',
    });
    expect(link.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'linkKey' });
    expect([provider.DeletionPolicy, link.DeletionPolicy]).toEqual(['Retain', 'Retain']);
  });

  it('grants the endpoint the table, emails/ put, the two queues, the two secrets and nothing else', () => {
    const resources = fx.pipelineTemplate.toJSON().Resources as Resources;
    const role = (resources[endpoint]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.entries(fx.pipelineTemplate.findResources('AWS::IAM::Policy') as Resources)
      .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(role))
      .map(([id]) => id);
    const actions = policyStatements(fx.pipelineTemplate)
      .filter((s) => policies.includes(s.policy))
      .flatMap(actionsOf)
      .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    const services = [...new Set(actions.map((a) => a.split(':')[0]))].sort();
    expect(services).toEqual(['dynamodb', 's3', 'secretsmanager', 'sqs']);
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(
      [
        's3:Abort*',
        's3:PutObject',
        's3:PutObjectLegalHold',
        's3:PutObjectRetention',
        's3:PutObjectTagging',
        's3:PutObjectVersionTagging',
      ].sort(),
    );
    expect(actions.filter((a) => a.startsWith('secretsmanager:')).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:GetSecretValue',
    ]);
    expect(actions).not.toContain('ses:SendRawEmail');
    fx.pipelineTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 10,
      Environment: {
        Variables: Match.objectLike({
          PAYMENTS_SECRET_ARN: { Ref: Match.stringLikeRegexp('^PaymentsProviderSecret') },
          PAY_LINK_SECRET_ARN: { Ref: Match.stringLikeRegexp('^PaymentsLinkKeySecret') },
          POWERTOOLS_SERVICE_NAME: 'trueup-payments-endpoint',
        }),
      },
    });
  });

  it('gives the invoice worker and dunning the link key and the endpoint URL, never the provider secret', () => {
    const resources = fx.pipelineTemplate.toJSON().Resources as Resources;
    const secretRefs = (id: string): string[] =>
      policyStatements(fx.pipelineTemplate)
        .filter((s) => {
          const role = (resources[id]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
          return JSON.stringify(resources[s.policy]!.Properties?.Roles).includes(role);
        })
        .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .flatMap(resourcesOf)
        .map((r) => JSON.stringify(r));
    for (const name of ['InvoiceWorker', 'DunningRun']) {
      const id = functionId(fx.pipelineTemplate, name);
      const variables = (resources[id]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.PAY_LINK_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^PaymentsLinkKeySecret/) });
      expect(variables.PAYMENTS_ENDPOINT_URL).toEqual({ 'Fn::GetAtt': [expect.any(String), 'FunctionUrl'] });
      expect(variables.PAYMENTS_SECRET_ARN).toBeUndefined();
      expect(secretRefs(id)).toEqual([expect.stringMatching(/PaymentsLinkKeySecret/)]);
    }
  });

  it('passes cdk-nag with no unacknowledged finding', () => {
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
      pluginReports: { violations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
    };
    const violations = report.pluginReports.flatMap((r) =>
      (r.violations ?? []).map(
        (v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
      ),
    );
    expect(violations).toEqual([]);
    expect(failure).toBeUndefined();
    expect(Annotations.fromStack(stacks.pipeline).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stacks.pipeline).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('payments off (the default)', () => {
  it('has no public endpoint, no secret and no payments variable anywhere', () => {
    const fx = buildFixture({});
    expect(publicSurface(fx.pipelineTemplate)).toEqual({ urls: [], publicPermissions: [], apis: [] });
    fx.pipelineTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const json = JSON.stringify(fx.pipelineTemplate.toJSON());
    for (const name of [
      'PAY_LINK_SECRET_ARN',
      'PAYMENTS_SECRET_ARN',
      'PAYMENTS_ENDPOINT_URL',
      'PaymentsEndpointUrl',
      'PaymentsSecretArn',
    ])
      expect(json).not.toContain(name);
    expect(fx.pipeline.payments).toBeUndefined();
  });
});
