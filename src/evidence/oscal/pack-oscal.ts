/**
 * The two OSCAL documents every pack carries. Each is validated against its v1.2.1 schema before it is written: a
 * document that does not validate would be rejected by the auditor's GRC tool, so the render fails instead, naming
 * the file and the first schema errors.
 */
import { DomainError } from '../../errors.js';
import type { EvidencePackContent } from '../pack-content.js';
import {
  toAssessmentResults,
  toPoam,
  validateOscal,
  type OscalDocument,
  type OscalKind,
} from './oscal-export.js';

export const OSCAL_ASSESSMENT_RESULTS_FILE = 'oscal-assessment-results.json';
export const OSCAL_POAM_FILE = 'oscal-poam.json';

export interface OscalFile {
  name: string;
  kind: OscalKind;
  document: OscalDocument;
  bytes: Buffer;
}

export function packOscalFiles(content: EvidencePackContent, schemasDir?: string): OscalFile[] {
  const documents: [string, OscalKind, OscalDocument][] = [
    [OSCAL_ASSESSMENT_RESULTS_FILE, 'assessment-results', toAssessmentResults(content)],
    [OSCAL_POAM_FILE, 'poam', toPoam(content)],
  ];
  return documents.map(([name, kind, document]) => {
    const validation = validateOscal(document, kind, schemasDir);
    if (!validation.valid) {
      throw new DomainError(
        'UNPROCESSABLE',
        `${name} does not validate against the OSCAL ${kind} schema: ${validation.errors.slice(0, 5).join('; ')}`,
        { file: name, errors: validation.errors },
      );
    }
    return { name, kind, document, bytes: Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8') };
  });
}
