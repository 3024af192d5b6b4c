import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTrueUp } from '../../lib/app.js';
import { parseConfig } from '../../lib/config.js';
import { testApp } from './app-fixture.js';

interface Report {
  pluginReports: {
    pluginName: string;
    violations?: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/** Synthesizes with cdk-nag as a validation plugin; returns the violations and any synth failure. */
function synthWithNag(app: App): { violations: string[]; failure: unknown } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let failure: unknown;
  try {
    app.synth({ force: true });
  } catch (error) {
    failure = error;
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as Report;
  const violations = report.pluginReports.flatMap((r) =>
    (r.violations ?? []).map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((x) => x.constructPath).join(', ')}`,
    ),
  );
  return { violations, failure };
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it('reports a violation in a deliberately non-compliant stack (the harness can fail)', () => {
    const app = testApp({ 'aws:cdk:outdir': undefined });
    new s3.Bucket(new Stack(app, 'Naive'), 'Bucket');

    const { violations, failure } = synthWithNag(app);

    expect(violations.some((v) => v.includes('AwsSolutions-S10'))).toBe(true);
    expect(failure).toBeDefined();
  });

  it('finds no unacknowledged error or warning in either stack', () => {
    const app = testApp({ 'aws:cdk:outdir': undefined });
    const stacks = buildTrueUp(app, parseConfig({}));

    const { violations, failure } = synthWithNag(app);

    expect(violations).toEqual([]);
    expect(failure).toBeUndefined();
    for (const stack of [stacks.stateful, stacks.pipeline]) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });
});
