/** Builds both stacks on a fresh App with bundling skipped (no esbuild run in unit tests). */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildTrueUp, type TrueUpStacks } from '../../lib/app.js';
import { parseConfig } from '../../lib/config.js';

export interface Fixture extends TrueUpStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly pipelineTemplate: Template;
}

export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

export function buildFixture(trueup: unknown = {}): Fixture {
  const app = testApp();
  const stacks = buildTrueUp(app, parseConfig(trueup));
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    pipelineTemplate: Template.fromStack(stacks.pipeline),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The logical id of the only resource of a type whose id starts with a prefix. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type) as Resources).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

/** Every IAM policy statement in a template, with the policy's logical id. */
export function policyStatements(
  template: Template,
): { policy: string; Action: string | string[]; Resource: unknown; Effect: string }[] {
  const out: { policy: string; Action: string | string[]; Resource: unknown; Effect: string }[] = [];
  for (const [policy, resource] of Object.entries(template.findResources('AWS::IAM::Policy') as Resources)) {
    const document = resource.Properties?.PolicyDocument as {
      Statement: { Action: string | string[]; Resource: unknown; Effect: string }[];
    };
    for (const statement of document.Statement) out.push({ policy, ...statement });
  }
  return out;
}

export function actionsOf(statement: { Action: string | string[] }): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: { Resource: unknown }): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}
