import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('MonthlyReportItem')
export class MonthlyReportItemModel {
  @Field(() => ID, { description: 'The client (names come from `clients`)' }) clientId: string;
  @Field(() => ID, { nullable: true }) packId: string | null;
  @Field({ description: 'queued, running, ready, failed, not_started or skipped' }) status: string;
  @Field(() => String, { nullable: true, description: 'Why the pack failed or was skipped' })
  error: string | null;
}

@ObjectType('MonthlyReportRun', { description: "Where a month's batch of client packs stands" })
export class MonthlyReportRunModel {
  @Field({ description: 'YYYY-MM' }) month: string;
  @Field(() => Int) clients: number;
  @Field(() => Int) queued: number;
  @Field(() => Int) running: number;
  @Field(() => Int) ready: number;
  @Field(() => Int) failed: number;
  @Field(() => Int, { description: 'Clients without a pack for the month yet' }) notStarted: number;
  @Field(() => Int, { description: 'Clients that cannot have a pack (no framework in scope)' })
  skipped: number;
  @Field(() => [MonthlyReportItemModel]) items: MonthlyReportItemModel[];
}
