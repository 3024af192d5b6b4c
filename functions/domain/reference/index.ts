/** Reference data (docs/contract.md §2): parsing from text, with every problem as a value. */
export { formatProblem, formatProblems, sortProblems, type ParseResult, type Problem } from './problems.js';
export { DEFAULT_SETTINGS, DEFAULT_SETTINGS_JSON, parseSettings } from './settings.js';
export {
  overlappingAgreements,
  parseAccounts,
  parseAgreements,
  parseClients,
  parsePaymentFiles,
  parsePayments,
  parseProducts,
  parseSkuMap,
  type PaymentFileOptions,
} from './parse.js';
export {
  REFERENCE_FILE_NAMES,
  parseReferenceData,
  type ReferenceFileNames,
  type ReferenceFiles,
} from './reference-data.js';
export { CHARGES_FILE, parseCharges } from './charges.js';
