import { Module } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EvidenceService } from './evidence.service.js';
import { JobsService } from './jobs.service.js';
import { SigningService } from './signing.service.js';

@Module({
  imports: [IngestionModule],
  providers: [MetricsService, EvidenceService, SigningService, JobsService],
  exports: [MetricsService, EvidenceService, SigningService, JobsService],
})
export class EvidenceModule {}
