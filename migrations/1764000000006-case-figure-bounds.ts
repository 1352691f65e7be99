import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a metrics request needs to know of a case before reading its fold: when it closed for good (`closed_at`,
 * null while open), the latest instant its policy clock can start from (`anchor_at`: release, publication,
 * detection, KEV listing or first event) and the KEV catalog's due date (`kev_due_at`). A case closed, quiet and
 * past every deadline before a request's first trend month enters none of its figures and is not read
 * (`mayEnterFigures`). Filled from the stored folds (epoch milliseconds in `data`).
 */
export class CaseFigureBounds1764000000006 implements MigrationInterface {
  name = 'CaseFigureBounds1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE remediation_cases ADD COLUMN closed_at timestamptz, ADD COLUMN anchor_at timestamptz,
         ADD COLUMN kev_due_at timestamptz`,
    );
    const ms = (field: string) => `to_timestamp((data ->> '${field}')::float8 / 1000)`;
    await q.query(
      `UPDATE remediation_cases SET closed_at = ${ms('closedAt')}, kev_due_at = ${ms('kevDueAt')},
         anchor_at = greatest(${['releasedAt', 'publishedAt', 'detectedAt', 'kevAddedAt', 'firstEventAt'].map(ms).join(', ')})`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE remediation_cases DROP COLUMN closed_at, DROP COLUMN anchor_at, DROP COLUMN kev_due_at`,
    );
  }
}
