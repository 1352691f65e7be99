import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { JobsService } from '../evidence/jobs.service.js';
import { MonthlyReportsService } from '../evidence/monthly-reports.service.js';
import { requireRole, type Actor } from '../tenancy/actor.js';
import { CurrentActor } from '../tenancy/auth.guard.js';
import { MonthlyReportRunModel } from './models/monthly-reports.models.js';

@Resolver()
export class MonthlyReportsResolver {
  constructor(
    private readonly monthly: MonthlyReportsService,
    private readonly jobs: JobsService,
  ) {}

  @Query(() => MonthlyReportRunModel, {
    description: "Progress of a month's client packs, failures with their error",
  })
  monthlyReportRun(@CurrentActor() actor: Actor, @Args('month', { description: 'YYYY-MM' }) month: string) {
    return this.monthly.progress(actor, month);
  }

  @Mutation(() => MonthlyReportRunModel, {
    description:
      "Runs a month's reports by hand: one pack per client and policy version (existing ones are reused, failed ones rendered again)",
  })
  async runMonthlyReports(
    @CurrentActor() actor: Actor,
    @Args('month', { description: 'YYYY-MM' }) month: string,
  ) {
    requireRole(actor, 'msp_admin');
    await this.jobs.startMonthlyReports(actor.tenantId, month);
    return this.monthly.progress(actor, month);
  }
}
