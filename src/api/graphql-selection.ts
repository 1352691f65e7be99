/**
 * Which fields a query selects under the current one, so a resolver can skip work nobody asked for. Fragments and
 * inline fragments are followed; `@skip`/`@include` are ignored, so a field under either counts as selected (doing
 * the work when it was not needed is harmless; the other way round is not).
 */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

export function selectsAnyField(info: GraphQLResolveInfo, names: readonly string[]): boolean {
  const wanted = new Set(names);
  const seenFragments = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): boolean => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        if (wanted.has(s.name.value)) return true;
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (visit(s.selectionSet)) return true;
      } else if (!seenFragments.has(s.name.value)) {
        seenFragments.add(s.name.value);
        if (visit(info.fragments[s.name.value]?.selectionSet)) return true;
      }
    }
    return false;
  };
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}
