import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('ShareLink', { description: 'Read access to one pack or attestation, without an account' })
export class ShareLinkModel {
  @Field(() => ID) id: string;
  @Field(() => ID) packId: string;
  @Field({ description: 'First characters of the token, to tell links apart; not usable as a link' })
  tokenPrefix: string;
  @Field(() => GraphQLISODateTime) expiresAt: Date;
  @Field(() => Int, { nullable: true }) maxDownloads: number | null;
  @Field(() => Int) downloads: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt: Date | null;
  @Field() createdBy: string;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('CreatedShareLink')
export class CreatedShareLinkModel {
  @Field(() => ShareLinkModel) link: ShareLinkModel;
  @Field({ description: 'The secret token: shown once, never stored or retrievable again' }) token: string;
  @Field({ description: 'The page to send: PUBLIC_BASE_URL/s/<token>' }) url: string;
}
