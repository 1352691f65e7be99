import { Module } from '@nestjs/common';
import { VulnerabilityService } from '../vulnerabilities/vulnerability.service.js';
import { IngestionService } from './ingestion.service.js';

@Module({
  providers: [IngestionService, VulnerabilityService],
  exports: [IngestionService, VulnerabilityService],
})
export class IngestionModule {}
