import path from 'node:path';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Logger } from 'pino';
import type { AppConfig } from '../config.js';
import { EvidenceModule } from '../evidence/evidence.module.js';
import { IngestionModule } from '../ingestion/ingestion.module.js';
import { AttestationResolver } from './attestation.resolver.js';
import { EvidenceResolver } from './evidence.resolver.js';
import { MonthlyReportsResolver } from './monthly-reports.resolver.js';
import { PacksController } from './packs.controller.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { EventsController } from './events.controller.js';
import { IngestionResolver } from './ingestion.resolver.js';
import { formatGraphqlError } from './error-format.js';
import { GraphqlIdeController } from './graphql-ide.controller.js';
import { aliasLimit, costLimitPlugin, depthLimitRule } from './graphql-limits.js';
import { HealthController } from './health.controller.js';
import { JSONScalar } from './models/json.scalar.js';
import { PagesController } from './pages/pages.controller.js';
import { ShareLinksResolver } from './share-links.resolver.js';
import { ShareLinksService } from '../sharing/share-links.service.js';
import { WebSessionService } from '../tenancy/web-session.service.js';
import { TenancyResolver } from './tenancy.resolver.js';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    const production = config.env === 'production';
    return {
      module: ApiModule,
      imports: [
        TenancyModule,
        IngestionModule,
        EvidenceModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          // Code-first; the generated schema is committed and CI fails when it is stale.
          autoSchemaFile: path.resolve('schema.gql'),
          sortSchema: true,
          path: '/graphql',
          playground: false,
          graphiql: false,
          introspection: !production,
          csrfPrevention: true,
          allowBatchedHttpRequests: false,
          includeStacktraceInErrorResponses: false,
          resolvers: { JSON: JSONScalar },
          context: ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
          validationRules: [depthLimitRule(config.graphql.maxDepth), aliasLimit(config.graphql.maxAliases)],
          plugins: [costLimitPlugin(config.graphql.maxCost)],
          formatError: formatGraphqlError(logger, production),
        }),
      ],
      controllers: [
        HealthController,
        EventsController,
        PacksController,
        PagesController,
        ...(config.graphql.ide ? [GraphqlIdeController] : []),
      ],
      providers: [
        TenancyResolver,
        IngestionResolver,
        EvidenceResolver,
        AttestationResolver,
        MonthlyReportsResolver,
        ShareLinksResolver,
        ShareLinksService,
        WebSessionService,
      ],
    };
  }
}
