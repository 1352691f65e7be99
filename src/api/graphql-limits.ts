/**
 * Limits Apollo 5 does not apply by itself (measured: 2,000 aliases and depth 200 answered 200 OK): depth, aliases
 * and an estimated cost, all refused before execution with a 400 and a clear message.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

export function aliasLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(
            new GraphQLError(`Too many aliases: at most ${max} per operation`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            }),
          );
        }
      },
    };
  };
}

export function depthLimitRule(max: number) {
  return depthLimit(max, {}, () => undefined);
}

export function costLimitPlugin(maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }) {
          // GraphiQL's introspection query scores high and is harmless where introspection is allowed at all.
          if (request.operationName === 'IntrospectionQuery') return;
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              operationName: request.operationName,
              query: document,
              variables: request.variables,
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (err) {
            // The estimator coerces variables first: a wrong type or unknown input field is the caller's error.
            throw new GraphQLError(err instanceof Error ? err.message : 'invalid variables', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          if (cost > maxCost) {
            throw new GraphQLError(
              `Query too costly: estimated cost ${cost} exceeds the limit of ${maxCost}`,
              {
                extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } },
              },
            );
          }
        },
      };
    },
  };
}
