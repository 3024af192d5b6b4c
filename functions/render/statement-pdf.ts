/**
 * The statement of account as a PDF, laid out as the PDF invoice (invoice-pdf.ts); deterministic
 * like it (dated by the statement date), so rendering it again gives the same bytes.
 */
import { renderDocumentPdf } from './invoice-pdf.js';
import { statementModel, type StatementView } from './statement-model.js';

export function renderStatementPdf(view: StatementView): Promise<Buffer> {
  return renderDocumentPdf(statementModel(view), {
    settings: view.settings,
    issueDate: view.statement.asOf,
    subject: `Statement of account for ${view.client.name} as of ${view.statement.asOf}`,
    ...(view.logo ? { logo: view.logo } : {}),
  });
}
