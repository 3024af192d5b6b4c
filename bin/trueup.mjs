#!/usr/bin/env node
// The `trueup` command: loads the TypeScript CLI through tsx, so `npx trueup …` works right
// after `npm ci` with no build step.
import { setInterval, clearInterval } from 'node:timers';
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that its 2027 releases will need Node 22; TrueUp pins its
// SDK versions, so the warning tells a user nothing they can act on.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  const name = typeof warning === 'object' ? warning?.name : type;
  // Older SDK releases pass the name as the type; newer ones only prefix the message with it.
  const text = typeof warning === 'string' ? warning : '';
  if (
    name === 'NodeVersionSupportWarning' ||
    type === 'NodeVersionSupportWarning' ||
    text.startsWith('NodeVersionSupportWarning')
  )
    return;
  emitWarning(warning, ...rest);
};

// `npx trueup …` runs this file under `sh -c`, under npm: stopping npm (SIGTERM) does not reach
// this process, which would run on, orphaned, with its DynamoDB Local JVM. When the parent goes
// away, stop as on SIGTERM (the commands stop their stand-in on SIGINT, SIGTERM and SIGHUP).
const parent = process.ppid;
if (parent > 1) {
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  watch.unref();
}

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv);
