#!/usr/bin/env -S npx tsx
/** CDK entry point (cdk.json "app"): both TrueUp stacks from the `trueup` context, checked by cdk-nag. */
import { App } from 'aws-cdk-lib';
import { applyNag, buildTrueUp } from '../lib/app.js';

const app = new App();
buildTrueUp(app);
applyNag(app);
app.synth();
