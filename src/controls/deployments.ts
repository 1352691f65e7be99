/**
 * The period's changes: every deployment attempt (successful or failed: a failed install still changed a production
 * system) that ended inside the period, with the change-management facts the control tests and the SOX sample
 * judge it by. One place decides "approved before it ran" or "tested in pilot first", so a control result and
 * the sampled change never disagree.
 */
import type { DeployAttempt, RemediationCase } from '../metrics/remediation-case.js';
import { byEventId, evaluationEnd } from './case-facts.js';
import type { ControlTestInput } from './control.types.js';
import { DEFAULT_PILOT_RINGS, DEFAULT_PRODUCTION_RINGS, splitRings } from './control-test-params.js';

export interface RingConfig {
  pilot: string[];
  production: string[];
  /** A production change needs a successful pilot deployment of the same patch at least this long before. */
  minSoakMs: number;
}

export const DEFAULT_RINGS: RingConfig = {
  pilot: splitRings(DEFAULT_PILOT_RINGS),
  production: splitRings(DEFAULT_PRODUCTION_RINGS),
  minSoakMs: 0,
};

/** `other`: a ring that is neither pilot nor production (e.g. `dev`); `unknown`: no ring recorded anywhere. */
export type RingKind = 'pilot' | 'production' | 'other' | 'unknown';

/** Why segregation of duties could or could not be judged. */
export type SodBasis = 'compared' | 'no_approval' | 'unknown_person';

export interface PeriodDeployment {
  caseKey: string;
  /** The `deployed` / `failed` event. */
  eventId: string;
  clientId: string;
  assetId: string;
  hostname: string;
  patchId: string;
  cveIds: string[];
  /** When the change started (`deployment_started`, else the end event). */
  startedAt: number;
  /** When it ended. */
  at: number;
  outcome: DeployAttempt['outcome'];
  ring?: string;
  ringKind: RingKind;
  emergency: boolean;
  actor?: string;
  approver?: string;
  /** Approval recorded for this change, before or after it ran. */
  approvedAt?: number;
  approvedBeforeDeploy: boolean;
  backupVerifiedAt?: number;
  backupBeforeDeploy: boolean;
  verifiedAt?: number;
  rolledBackAt?: number;
  /** A verified backup or snapshot before the change, or a recorded rollback of it. */
  backOutEvidence: boolean;
  /** null: not a production change, or its ring is unknown. */
  testedInPilotFirst: boolean | null;
  /** The pilot deployment that tested it. */
  pilotEventId?: string;
  /** null: see `sodBasis`. */
  segregationOfDuties: boolean | null;
  sodBasis: SodBasis;
}

/** Fields a newer fold adds to attempts; read structurally so this works with folds with and without them. */
interface RetroApproval {
  retroApprovedAt?: number;
  retroApprover?: string;
}

type DeploymentScope = Pick<ControlTestInput, 'cases' | 'assets' | 'period' | 'asOf'>;

function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function ringKind(ring: string | undefined, rings: RingConfig): RingKind {
  if (ring === undefined || ring.trim() === '') return 'unknown';
  const r = ring.trim().toLowerCase();
  if (rings.production.includes(r)) return 'production';
  if (rings.pilot.includes(r)) return 'pilot';
  return 'other';
}

/** Successful pilot deployments per patch id, oldest first, known at `asOf` (may precede the period). */
function pilotDeployments(
  scope: DeploymentScope,
  ringOf: (c: RemediationCase, a: DeployAttempt) => string | undefined,
  rings: RingConfig,
): Map<string, { at: number; eventId: string }[]> {
  const byPatch = new Map<string, { at: number; eventId: string }[]>();
  for (const c of scope.cases) {
    for (const a of c.attempts) {
      if (a.outcome !== 'deployed' || a.at > scope.asOf) continue;
      if (ringKind(ringOf(c, a), rings) !== 'pilot') continue;
      const list = byPatch.get(c.patchId) ?? [];
      list.push({ at: a.at, eventId: a.eventId });
      byPatch.set(c.patchId, list);
    }
  }
  for (const list of byPatch.values()) list.sort((x, y) => x.at - y.at || byEventId(x, y));
  return byPatch;
}

/** Every deployment attempt that ended in [period.from, min(period.to, asOf)), ordered by event id. */
export function periodDeployments(
  scope: DeploymentScope,
  rings: RingConfig = DEFAULT_RINGS,
): PeriodDeployment[] {
  const end = evaluationEnd(scope.period, scope.asOf);
  const assetRing = new Map(scope.assets.map((a) => [a.id, a.ring]));
  const ringOf = (c: RemediationCase, a: DeployAttempt): string | undefined =>
    a.ring ?? assetRing.get(c.assetId);
  const pilots = pilotDeployments(scope, ringOf, rings);
  const out: PeriodDeployment[] = [];
  for (const c of scope.cases) {
    for (const a of c.attempts) {
      if (a.at < scope.period.from || a.at >= end) continue;
      const startedAt = a.startedAt ?? a.at;
      const ring = ringOf(c, a);
      const kind = ringKind(ring, rings);
      // An approval after the change (an emergency change approved afterwards) is on the attempt when the fold
      // records it, else it is the case's approval dated after the start.
      const retro = a as RetroApproval;
      const caseRetro = c.approvedAt !== undefined && c.approvedAt > startedAt ? c.approvedAt : undefined;
      const approvedAt = a.approvedAt ?? retro.retroApprovedAt ?? caseRetro;
      let approver: string | undefined;
      if (a.approvedAt !== undefined) approver = a.approver ?? c.approver;
      else if (retro.retroApprovedAt !== undefined) approver = retro.retroApprover ?? c.approver;
      else if (caseRetro !== undefined) approver = c.approver;
      const approvedBeforeDeploy = a.approvedAt !== undefined && a.approvedAt <= startedAt;
      const backupBeforeDeploy = a.backupVerifiedAt !== undefined && a.backupVerifiedAt <= startedAt;
      let testedInPilotFirst: boolean | null = null;
      let pilotEventId: string | undefined;
      if (kind === 'production') {
        const pilot = (pilots.get(c.patchId) ?? []).find((p) => p.at + rings.minSoakMs <= startedAt);
        testedInPilotFirst = pilot !== undefined;
        pilotEventId = pilot?.eventId;
      }
      let sodBasis: SodBasis = 'compared';
      let segregationOfDuties: boolean | null = null;
      if (approvedAt === undefined) sodBasis = 'no_approval';
      else if (approver === undefined || a.actor === undefined) sodBasis = 'unknown_person';
      else segregationOfDuties = !samePerson(approver, a.actor);
      out.push({
        caseKey: c.key,
        eventId: a.eventId,
        clientId: c.clientId,
        assetId: c.assetId,
        hostname: c.hostname,
        patchId: c.patchId,
        cveIds: c.cveIds,
        startedAt,
        at: a.at,
        outcome: a.outcome,
        ring,
        ringKind: kind,
        emergency: a.emergency === true,
        actor: a.actor,
        approver,
        approvedAt,
        approvedBeforeDeploy,
        backupVerifiedAt: a.backupVerifiedAt,
        backupBeforeDeploy,
        verifiedAt: a.verifiedAt,
        rolledBackAt: a.rolledBackAt,
        backOutEvidence: backupBeforeDeploy || a.rolledBackAt !== undefined,
        testedInPilotFirst,
        pilotEventId,
        segregationOfDuties,
        sodBasis,
      });
    }
  }
  return out.sort(byEventId);
}
