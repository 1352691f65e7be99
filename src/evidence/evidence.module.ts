import { Module } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttestationService } from './attestation.service.js';
import { EvidenceService } from './evidence.service.js';
import { JobsService } from './jobs.service.js';
import { MonthlyReportsService } from './monthly-reports.service.js';
import { SigningService } from './signing.service.js';

const SERVICES = [
  MetricsService,
  EvidenceService,
  SigningService,
  JobsService,
  AttestationService,
  MonthlyReportsService,
];

@Module({
  imports: [IngestionModule],
  providers: SERVICES,
  exports: SERVICES,
})
export class EvidenceModule {}
