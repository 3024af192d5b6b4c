#!/usr/bin/env node
// The `trueup` command: loads the TypeScript CLI through tsx, so `npx trueup …` works right
// after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv);
