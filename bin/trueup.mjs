#!/usr/bin/env node
// The `trueup` command: loads the TypeScript CLI through tsx, so `npx trueup …` works right
// after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that its 2027 releases will need Node 22; TrueUp pins its
// SDK versions, so the warning tells a user nothing they can act on.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  const name = typeof warning === 'object' ? warning?.name : type;
  // Older SDK releases pass the name as the type; newer ones only prefix the message with it.
  const text = typeof warning === 'string' ? warning : '';
  if (name === 'NodeVersionSupportWarning' || type === 'NodeVersionSupportWarning' || text.startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv);
