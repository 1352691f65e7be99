import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';

@InputType()
export class EventAssetInput {
  @Field() hostname: string;
  @Field({ nullable: true }) os?: string;
  @Field({ nullable: true }) ring?: string;
  @Field({ nullable: true, description: 'low, medium, high or critical' }) criticality?: string;
  @Field({ nullable: true }) legacy?: boolean;
}

@InputType()
export class EventPatchInput {
  @Field({ description: 'KB number, package@version or vendor id' }) id: string;
  @Field({ nullable: true }) vendor?: string;
  @Field({ nullable: true }) title?: string;
  @Field({ nullable: true, description: 'YYYY-MM-DD or RFC 3339' }) releasedAt?: string;
}

@InputType()
export class EventExceptionInput {
  @Field() reason: string;
  @Field(() => [String]) compensatingControls: string[];
  @Field() owner: string;
  @Field() approver: string;
  @Field({ description: 'RFC 3339 with offset' }) expiresAt: string;
}

@InputType({ description: 'One lifecycle event; see the README for the kinds and fields' })
export class EventInput {
  @Field(() => ID, { nullable: true, description: 'Defaults to the batch clientId' }) clientId?: string;
  @Field({
    description:
      'detected, approved, scheduled, backup_verified, deployment_started, deployed, failed, rolled_back, verified, superseded, exception_granted, exception_expired',
  })
  kind: string;
  @Field({ description: 'RFC 3339 with an offset' }) occurredAt: string;
  @Field() source: string;
  @Field() sourceEventId: string;
  @Field(() => EventAssetInput) asset: EventAssetInput;
  @Field(() => EventPatchInput) patch: EventPatchInput;
  @Field(() => [String], { nullable: true }) cveIds?: string[];
  @Field({ nullable: true, description: 'critical, high, medium, low or none' }) vendorSeverity?: string;
  @Field({ nullable: true }) actor?: string;
  @Field({ nullable: true }) changeTicket?: string;
  @Field({ nullable: true }) errorCode?: string;
  @Field({ nullable: true }) ring?: string;
  @Field({ nullable: true }) emergency?: boolean;
  @Field({ nullable: true }) supersededBy?: string;
  @Field(() => EventExceptionInput, { nullable: true }) exception?: EventExceptionInput;
  @Field({ nullable: true, description: 'The source record as text, kept for provenance' }) raw?: string;
}

@ObjectType('EventResult')
export class EventResultModel {
  @Field(() => Int) index: number;
  @Field({ description: 'accepted, duplicate or rejected' }) status: string;
  @Field(() => Int, { nullable: true }) seq?: number;
  @Field(() => ID, { nullable: true }) eventId?: string;
  @Field({ nullable: true }) field?: string;
  @Field({ nullable: true }) reason?: string;
}

@ObjectType('IngestReceipt')
export class IngestReceiptModel {
  @Field(() => Int) accepted: number;
  @Field(() => Int) duplicates: number;
  @Field(() => Int) rejected: number;
  @Field(() => Int, { nullable: true }) firstSeq: number | null;
  @Field(() => Int, { nullable: true }) lastSeq: number | null;
  @Field(() => Int) headSeq: number;
  @Field() headHash: string;
  @Field() committedAt: string;
}

@ObjectType('IngestOutcome')
export class IngestOutcomeModel {
  @Field(() => [EventResultModel]) results: EventResultModel[];
  @Field(() => IngestReceiptModel) receipt: IngestReceiptModel;
}

@ObjectType('LedgerVerification')
export class LedgerVerificationModel {
  @Field() ok: boolean;
  @Field(() => Int) eventsChecked: number;
  @Field(() => Int) headSeq: number;
  @Field() headHash: string;
  @Field(() => Int, { nullable: true, description: 'The first sequence number that does not verify' })
  firstBadSeq: number | null;
  @Field(() => String, { nullable: true }) reason: string | null;
}
