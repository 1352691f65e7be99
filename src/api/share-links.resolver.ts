import { Inject } from '@nestjs/common';
import { Args, GraphQLISODateTime, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { ShareLinksService } from '../sharing/share-links.service.js';
import type { Actor } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import { CreatedShareLinkModel, ShareLinkModel } from './models/share-link.models.js';

@Resolver()
export class ShareLinksResolver {
  constructor(
    private readonly links: ShareLinksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Mutation(() => CreatedShareLinkModel, {
    description: 'msp_admin: a link to one ready pack or attestation',
  })
  async createShareLink(
    @CurrentActor() actor: Actor,
    @Args('packId', { type: () => ID }) packId: string,
    @Args('expiresAt', { type: () => GraphQLISODateTime }) expiresAt: Date,
    @Args('maxDownloads', { type: () => Int, nullable: true }) maxDownloads: number | null,
  ) {
    const { link, token } = await this.links.create(actor, { packId, expiresAt, maxDownloads }, new Date());
    return { link, token, url: `${this.config.publicBaseUrl.replace(/\/$/, '')}/s/${token}` };
  }

  @Query(() => [ShareLinkModel])
  shareLinks(
    @CurrentActor() actor: Actor,
    @Args('packId', { type: () => ID, nullable: true }) packId: string | null,
  ) {
    return this.links.list(actor, packId);
  }

  @Mutation(() => ShareLinkModel)
  revokeShareLink(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string) {
    return this.links.revoke(actor, id, new Date());
  }
}
