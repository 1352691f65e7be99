/**
 * A pack loads its cases without their event ids (`eventIds: false`, with their counts): 10,000 cases hold about a
 * million ids, 100 MB of heap that were also copied into the XLSX worker, and the pack lists few of them. Those are
 * the trails of the cases that findings cite whole (the control tests hand over the case's own `eventIds` array)
 * and of the POA&M items (SLA breaches and exceptions, OSCAL). `fillEvidenceTrails` loads exactly those into the
 * cases' arrays in place, so the findings sharing the arrays list them, and adds them to their results' evidence
 * references as the evaluation does (`finish` in control-tests): the content is then what it is with every id loaded.
 */
import { uniqueSorted } from '../controls/case-facts.js';
import type { TestResult } from '../controls/control.types.js';
import type { RemediationCase } from '../metrics/remediation-case.js';
import type { EvidencePackContent } from './pack-content.js';

/** Loads the stored event ids of the given cases, by case key. */
export type CaseEventIdsLoader = (caseKeys: string[]) => Promise<Map<string, string[]>>;

export async function fillEvidenceTrails(
  content: EvidencePackContent,
  load: CaseEventIdsLoader,
): Promise<void> {
  const byKey = new Map(content.cases.map((c) => [c.key, c]));
  /** A case loaded without the ids it has (re-folded cases come with theirs). */
  const withoutIds = (key: string | undefined): RemediationCase | undefined => {
    const c = key === undefined ? undefined : byKey.get(key);
    return c && c.eventCount !== undefined && c.eventCount > c.eventIds.length ? c : undefined;
  };
  const needed = new Set<RemediationCase>();
  const citing = new Set<TestResult>();
  for (const control of content.controls) {
    for (const result of control.results) {
      for (const finding of result.findings) {
        const c = withoutIds(finding.caseKey);
        if (c && finding.eventIds === c.eventIds) {
          needed.add(c);
          citing.add(result);
        }
      }
    }
  }
  for (const breach of content.metrics.breaches) {
    const c = withoutIds(breach.caseKey);
    if (c) needed.add(c);
  }
  for (const exception of content.exceptions) {
    const c = withoutIds(exception.caseKey);
    if (c) needed.add(c);
  }
  if (needed.size === 0) return;
  const loaded = await load([...needed].map((c) => c.key));
  for (const c of needed) {
    const ids = loaded.get(c.key) ?? [];
    // A case folded again between the two reads would list events its figures did not count.
    if (ids.length !== c.eventCount) {
      throw new Error(
        `case ${c.key} has ${ids.length} event ids for ${c.eventCount} events: it changed while the pack was made`,
      );
    }
    for (const id of ids) c.eventIds.push(id);
  }
  for (const result of citing) {
    result.eventIds = uniqueSorted([...result.eventIds, ...result.findings.flatMap((f) => f.eventIds ?? [])]);
  }
}
