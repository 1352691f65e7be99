import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { AttestationService } from '../evidence/attestation.service.js';
import type { Actor } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import { packModel } from './evidence.resolver.js';
import { EvidencePackModel } from './models/evidence.models.js';

@Resolver()
export class AttestationResolver {
  constructor(private readonly attestations: AttestationService) {}

  @Mutation(() => EvidencePackModel, {
    description:
      'A signed one-page insurer attestation for a client as of an instant (default now), covering the 12 months before it; ' +
      'kind "attestation", downloaded and verified like a pack',
  })
  async generateAttestation(
    @CurrentActor() actor: Actor,
    @Args('clientId', { type: () => ID }) clientId: string,
    @Args('asOf', { nullable: true }) asOf?: Date,
  ) {
    return packModel(await this.attestations.generate(actor, clientId, asOf?.getTime()));
  }
}
