import { Module } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AttestationService } from './attestation.service.js';
import { EvidenceService } from './evidence.service.js';
import { JobsService } from './jobs.service.js';
import { MonthlyReportsService } from './monthly-reports.service.js';
import { SigningService } from './signing.service.js';

@Module({
  imports: [IngestionModule],
  providers: [
    MetricsService,
    EvidenceService,
    SigningService,
    JobsService,
    AttestationService,
    MonthlyReportsService,
  ],
  exports: [
    MetricsService,
    EvidenceService,
    SigningService,
    JobsService,
    AttestationService,
    MonthlyReportsService,
  ],
})
export class EvidenceModule {}
