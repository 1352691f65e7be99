import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { IngestionService } from '../ingestion/ingestion.service.js';
import type { Actor } from '../tenancy/actor.js';
import { requireRole } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import { EventInput, IngestOutcomeModel, LedgerVerificationModel } from './models/ingestion.models.js';

/** GraphQL leaves absent optional fields out but sends explicit nulls: treat null as absent before validation. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

@Resolver()
export class IngestionResolver {
  constructor(private readonly ingestion: IngestionService) {}

  @Mutation(() => IngestOutcomeModel, { description: 'Up to 1,000 events; one result per event, in order' })
  ingestEvents(
    @CurrentActor() actor: Actor,
    @Args('events', { type: () => [EventInput] }) events: EventInput[],
    @Args('clientId', { type: () => ID, nullable: true }) clientId?: string,
  ) {
    return this.ingestion.ingest(actor, events.map(withoutNulls), { defaultClientId: clientId });
  }

  @Query(() => LedgerVerificationModel, { description: 'Recomputes the tenant’s hash chain' })
  verifyLedger(@CurrentActor() actor: Actor) {
    requireRole(actor, 'msp_admin', 'auditor');
    return this.ingestion.verifyLedger(actor);
  }
}
