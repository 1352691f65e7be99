import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import { TenancyService } from '../tenancy/tenancy.service.js';
import {
  ApiKeyModel,
  AssetModel,
  ClientModel,
  CreateApiKeyInput,
  CreateAssetInput,
  CreateClientInput,
  CreatedApiKeyModel,
  TenantModel,
} from './models/tenancy.models.js';

@Resolver()
export class TenancyResolver {
  constructor(private readonly tenancy: TenancyService) {}

  @Query(() => TenantModel, { description: 'The calling key’s tenant (MSP)' })
  tenant(@CurrentActor() actor: Actor) {
    return this.tenancy.tenant(actor);
  }

  @Query(() => [ClientModel], {
    description: 'Clients the caller may see: all for msp_admin, one for scoped keys',
  })
  clients(@CurrentActor() actor: Actor) {
    return this.tenancy.clients(actor);
  }

  @Query(() => ClientModel)
  client(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string) {
    return this.tenancy.client(actor, id);
  }

  @Query(() => [AssetModel])
  assets(@CurrentActor() actor: Actor, @Args('clientId', { type: () => ID }) clientId: string) {
    return this.tenancy.assets(actor, clientId);
  }

  @Query(() => [ApiKeyModel])
  apiKeys(@CurrentActor() actor: Actor) {
    return this.tenancy.apiKeys(actor);
  }

  @Mutation(() => ClientModel)
  createClient(@CurrentActor() actor: Actor, @Args('input') input: CreateClientInput) {
    return this.tenancy.createClient(actor, input);
  }

  @Mutation(() => AssetModel)
  createAsset(@CurrentActor() actor: Actor, @Args('input') input: CreateAssetInput) {
    return this.tenancy.createAsset(actor, input);
  }

  @Mutation(() => CreatedApiKeyModel, {
    description: 'Creates a key; the token is in the answer and never again',
  })
  createApiKey(@CurrentActor() actor: Actor, @Args('input') input: CreateApiKeyInput) {
    return this.tenancy.createApiKey(actor, input, new Date());
  }

  @Mutation(() => ApiKeyModel)
  revokeApiKey(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string) {
    return this.tenancy.revokeApiKey(actor, id, new Date());
  }
}
