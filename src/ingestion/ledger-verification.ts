/**
 * Verification of a tenant's stored hash chain, from genesis or from a checkpoint.
 *
 * A successful verification records a checkpoint (the sequence and hash it reached, and where it started). A later
 * verification may start from the newest checkpoint at or below the head it needs, once it has checked that the
 * checkpointed event still carries the checkpointed hash: any rewrite of the chain up to that event (re-hashed to
 * stay consistent) changes that hash. A change to an event before the checkpoint that leaves its `hash` column alone
 * is only caught by a verification from genesis, which the nightly job runs for every tenant and which
 * `verifyLedger` (GraphQL and CLI) always runs; packs state which kind they got and when genesis was last verified.
 */
import type { EntityManager } from 'typeorm';
import type { SqlRow as Row } from '../database/sql-row.js';
import { fastEventHash } from './fast-canonical.js';
import { GENESIS_PREV_HASH, verifyChain } from './ledger-hash.js';
import { EVENT_COLUMNS, toLedgerEvent } from './ledger-rows.js';

export interface LedgerVerification {
  ok: boolean;
  eventsChecked: number;
  headSeq: number;
  headHash: string;
  firstBadSeq: number | null;
  reason: string | null;
  /** Where the recomputation started: 0 for genesis, otherwise the checkpoint's sequence. */
  fromSeq: number;
  /** When the checkpoint it started from was recorded (ISO 8601), or null from genesis. */
  checkpointVerifiedAt: string | null;
  /** The latest verification from genesis on record, this one included (ISO 8601), or null if none. */
  genesisVerifiedAt: string | null;
}

export interface VerifyLedgerOptions {
  /** Verify up to this sequence (a pack's head at its as-of); default the stored head, compared at the end. */
  upToSeq?: number;
  /** Start from the newest checkpoint at or below the end instead of genesis. */
  fromCheckpoint?: boolean;
  /** Record a checkpoint when the verification succeeds (default true). */
  record?: boolean;
}

const PAGE = 10_000;
const iso = (v: unknown): string | null =>
  v === null || v === undefined ? null : new Date(v as string).toISOString();

/** Streams the chain in pages (bounded memory) and compares the end with the stored head. */
export async function verifyTenantLedger(
  em: EntityManager,
  tenantId: string,
  options: VerifyLedgerOptions = {},
): Promise<LedgerVerification> {
  const [head] = await em.query(`SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1`, [tenantId]);
  const headSeq = head ? Number(head.seq) : 0;
  const storedHead: string = head?.hash ?? GENESIS_PREV_HASH;
  const limit = options.upToSeq ?? headSeq;
  let start = { seq: 0, hash: GENESIS_PREV_HASH };
  let checkpointVerifiedAt: string | null = null;
  const [g] = await em.query(
    `SELECT max(verified_at) AS at FROM ledger_checkpoints WHERE tenant_id = $1 AND from_seq = 0`,
    [tenantId],
  );
  let genesisVerifiedAt = iso(g?.at);
  const result = (
    r: Pick<LedgerVerification, 'ok' | 'eventsChecked' | 'headHash' | 'firstBadSeq' | 'reason'>,
  ) => ({
    ...r,
    headSeq,
    fromSeq: start.seq,
    checkpointVerifiedAt,
    genesisVerifiedAt,
  });

  if (options.fromCheckpoint && limit > 0) {
    const [cp]: Row[] = await em.query(
      `SELECT seq, hash, verified_at FROM ledger_checkpoints WHERE tenant_id = $1 AND seq <= $2
       ORDER BY seq DESC, verified_at DESC LIMIT 1`,
      [tenantId, limit],
    );
    if (cp) {
      const seq = Number(cp.seq);
      const [e] = await em.query(`SELECT hash FROM events WHERE tenant_id = $1 AND seq = $2`, [
        tenantId,
        seq,
      ]);
      checkpointVerifiedAt = iso(cp.verified_at);
      if (!e || e.hash !== cp.hash) {
        return result({
          ok: false,
          eventsChecked: 0,
          headHash: storedHead,
          firstBadSeq: seq,
          reason: e
            ? `event ${seq} no longer carries the hash verified at ${checkpointVerifiedAt}: the chain up to it was rewritten`
            : `event ${seq} is missing (verified at ${checkpointVerifiedAt})`,
        });
      }
      start = { seq, hash: cp.hash };
    }
  }

  let at = start;
  let checked = 0;
  for (;;) {
    const rows: Row[] = await em.query(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${PAGE}`,
      [tenantId, at.seq, limit],
    );
    if (rows.length === 0) break;
    const events = rows.map(toLedgerEvent);
    const v = verifyChain(events, at, fastEventHash);
    if (!v.ok) {
      return result({
        ok: false,
        eventsChecked: checked + events.length,
        headHash: storedHead,
        firstBadSeq: v.firstBadSeq,
        reason: v.reason,
      });
    }
    checked += events.length;
    at = { seq: v.headSeq, hash: v.headHash };
  }
  if (at.seq !== limit) {
    return result({
      ok: false,
      eventsChecked: checked,
      headHash: storedHead,
      firstBadSeq: at.seq + 1,
      reason: `event ${at.seq + 1} is missing`,
    });
  }
  if (options.upToSeq === undefined && head && at.hash !== head.hash) {
    return result({
      ok: false,
      eventsChecked: checked,
      headHash: head.hash,
      firstBadSeq: headSeq,
      reason: 'the stored ledger head does not match the recomputed chain',
    });
  }
  if ((options.record ?? true) && at.seq > start.seq) {
    const [r] = await em.query(
      `INSERT INTO ledger_checkpoints (tenant_id, seq, hash, from_seq, events_checked)
       VALUES ($1, $2, $3, $4, $5) RETURNING verified_at`,
      [tenantId, at.seq, at.hash, start.seq, checked],
    );
    if (start.seq === 0) genesisVerifiedAt = iso(r.verified_at);
  }
  return result({ ok: true, eventsChecked: checked, headHash: at.hash, firstBadSeq: null, reason: null });
}
