/**
 * A control's status from its tests' results. The roll-up rules, in the order they apply:
 *
 * 1. A control rests on its direct and supporting tests. If any of them is `not_satisfied`, the control is
 *    `not_satisfied`: evidence that the control failed outweighs any amount of evidence that it held.
 * 2. Otherwise the strongest tier that has an applicable result (direct, else supporting, else interpretive)
 *    decides: any `insufficient_evidence` there makes the control `insufficient_evidence`, else `satisfied`.
 *    A supporting test that cannot be judged does not pull down a control whose direct tests all passed.
 * 3. Interpretive tests (a common auditor reading, not the control's text) decide only when the control has no
 *    applicable direct or supporting test; then an interpretive `not_satisfied` makes the control
 *    `not_satisfied`. When a stronger tier exists their failures stay listed as results, without changing it.
 * 4. When every test is `not_applicable`, so is the control.
 */
import type {
  Control,
  ControlEvaluation,
  ControlStatus,
  ControlTestInput,
  FrameworkCatalog,
  MappingStrength,
  TestResult,
} from './control.types.js';
import { evaluateControlTest } from './control-tests.js';

const TIERS: MappingStrength[] = ['direct', 'supporting', 'interpretive'];

export function rollUpStatus(results: TestResult[]): ControlStatus {
  const applicable = results.filter((r) => r.status !== 'not_applicable');
  if (applicable.some((r) => r.strength !== 'interpretive' && r.status === 'not_satisfied'))
    return 'not_satisfied';
  const tier = TIERS.find((t) => applicable.some((r) => r.strength === t));
  if (tier === undefined) return 'not_applicable';
  const deciding = applicable.filter((r) => r.strength === tier);
  if (deciding.some((r) => r.status === 'not_satisfied')) return 'not_satisfied';
  if (deciding.some((r) => r.status === 'insufficient_evidence')) return 'insufficient_evidence';
  return 'satisfied';
}

export function evaluateControl(
  catalog: Pick<FrameworkCatalog, 'framework'>,
  control: Control,
  input: ControlTestInput,
): ControlEvaluation {
  const results = control.tests.map((ref) => evaluateControlTest(ref, input));
  return {
    framework: catalog.framework,
    controlId: control.id,
    title: control.title,
    citation: control.citation,
    status: rollUpStatus(results),
    results,
  };
}

/** Every control of the catalog, in catalog order. */
export function evaluateFramework(catalog: FrameworkCatalog, input: ControlTestInput): ControlEvaluation[] {
  return catalog.controls.map((control) => evaluateControl(catalog, control, input));
}
