// The `z` namespace TrueUp's Lambda bundles get (see index.mjs): zod 4's classic API exactly as
// node_modules/zod/v4/classic/external.js lays it out, except five members Lambda code never
// uses, which become stand-ins that throw when used:
//   core     the internal core namespace (TrueUp uses it in types only: z.core.$ZodLooseShape)
//   locales  error messages in 50 languages (English is registered by classic/schemas.js)
//   toJSONSchema, fromJSONSchema   JSON Schema conversion
//   compile, withParser            the opt-in compiled fast path
// test/cdk/bundling.test.ts checks that these are the only differences from zod's own `z`.
const ZOD = 'node_modules/zod/v4';

export * from '../../../node_modules/zod/v4/classic/schemas.js';
export * from '../../../node_modules/zod/v4/classic/checks.js';
export * from '../../../node_modules/zod/v4/classic/errors.js';
export * from '../../../node_modules/zod/v4/classic/parse.js';
export * from '../../../node_modules/zod/v4/classic/compat.js';
export {
  globalRegistry,
  registry,
  config,
  memoizer,
  $output,
  $input,
  $brand,
  clone,
  regexes,
  treeifyError,
  prettifyError,
  formatError,
  flattenError,
  TimePrecision,
  util,
  NEVER,
  INVALID,
  toZod,
  ZodCompileAsyncError,
  ZodCompileUnsupportedError,
  getDiscriminatedOption,
} from '../../../node_modules/zod/v4/core/index.js';
export { deepPartial } from '../../../node_modules/zod/v4/classic/deep-partial.js';
export { input, output } from '../../../node_modules/zod/v4/classic/in-out.js';
export { ZodISODateTime, ZodISODate, ZodISOTime, ZodISODuration } from '../../../node_modules/zod/v4/classic/iso.js';
export * as iso from '../../../node_modules/zod/v4/classic/iso.js';
export * as coerce from '../../../node_modules/zod/v4/classic/coerce.js';

function notBundled(name) {
  return new Error(
    `z.${name} is left out of TrueUp's Lambda bundles to keep them small (lib/bundling/zod); ` +
      `to use it in a function, re-export it in lib/bundling/zod/api.mjs as ${ZOD}/classic/external.js does`,
  );
}
/** A namespace stand-in: reading any member throws (symbols answer undefined, so inspection works). */
function missingNamespace(name) {
  return new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key === 'symbol') return undefined;
        throw notBundled(`${name}.${key}`);
      },
    },
  );
}
const missingFunction = (name) => () => {
  throw notBundled(name);
};

export const core = missingNamespace('core');
export const locales = missingNamespace('locales');
export const toJSONSchema = missingFunction('toJSONSchema');
export const fromJSONSchema = missingFunction('fromJSONSchema');
export const compile = missingFunction('compile');
export const withParser = missingFunction('withParser');
