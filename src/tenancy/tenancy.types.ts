import type { FrameworkId } from '../controls/control.types.js';
import type { Role } from './actor.js';

export const CLIENT_FRAMEWORKS = ['hipaa', 'pci-dss', 'sox-itgc'] as const satisfies readonly FrameworkId[];
export type ClientFramework = (typeof CLIENT_FRAMEWORKS)[number];

export interface Tenant {
  id: string;
  name: string;
  timeZone: string;
  createdAt: Date;
}

export interface MaintenanceWindowSpec {
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  days: number[];
  start: string;
  end: string;
}

export interface Client {
  id: string;
  tenantId: string;
  name: string;
  frameworks: ClientFramework[];
  timeZone: string;
  maintenanceWindows: MaintenanceWindowSpec[];
  createdAt: Date;
}

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export interface Asset {
  id: string;
  tenantId: string;
  clientId: string;
  hostname: string;
  os: string | null;
  ring: string;
  criticality: Criticality;
  tags: string[];
  legacy: boolean;
  createdAt: Date;
}

export interface ApiKeyInfo {
  id: string;
  publicId: string;
  last4: string;
  role: Role;
  clientId: string | null;
  label: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}
