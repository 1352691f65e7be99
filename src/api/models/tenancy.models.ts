import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ROLES, type Role } from '../../tenancy/actor.js';
import { CLIENT_FRAMEWORKS } from '../../tenancy/tenancy.types.js';

/** GraphQL enum names use underscores; the stored framework ids use hyphens. */
export enum FrameworkEnum {
  hipaa = 'hipaa',
  pci_dss = 'pci-dss',
  sox_itgc = 'sox-itgc',
}
registerEnumType(FrameworkEnum, {
  name: 'Framework',
  description: `Frameworks a client can have in scope: ${CLIENT_FRAMEWORKS.join(', ')}`,
});

export enum RoleEnum {
  msp_admin = 'msp_admin',
  ingest = 'ingest',
  client_viewer = 'client_viewer',
  auditor = 'auditor',
}
registerEnumType(RoleEnum, { name: 'Role', description: `API key roles: ${ROLES.join(', ')}` });

@ObjectType('Tenant')
export class TenantModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() timeZone: string;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('MaintenanceWindow')
export class MaintenanceWindowModel {
  @Field(() => [Int], { description: 'ISO weekdays, 1 = Monday' }) days: number[];
  @Field({ description: 'HH:MM in the client time zone' }) start: string;
  @Field({ description: 'HH:MM in the client time zone' }) end: string;
}

@ObjectType('Client')
export class ClientModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => [FrameworkEnum]) frameworks: string[];
  @Field() timeZone: string;
  @Field(() => [MaintenanceWindowModel]) maintenanceWindows: MaintenanceWindowModel[];
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('Asset')
export class AssetModel {
  @Field(() => ID) id: string;
  @Field(() => ID) clientId: string;
  @Field() hostname: string;
  @Field(() => String, { nullable: true }) os: string | null;
  @Field({ description: 'Deployment ring / environment, e.g. pilot or production' }) ring: string;
  @Field() criticality: string;
  @Field(() => [String]) tags: string[];
  @Field({ description: 'Legacy or end-of-life system' }) legacy: boolean;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('ApiKey')
export class ApiKeyModel {
  @Field(() => ID) id: string;
  @Field({ description: 'Public part of the key, shown in lists' }) publicId: string;
  @Field() last4: string;
  @Field(() => RoleEnum) role: Role;
  @Field(() => ID, { nullable: true }) clientId: string | null;
  @Field() label: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) expiresAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt: Date | null;
  @Field(() => GraphQLISODateTime) createdAt: Date;
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyModel {
  @Field(() => ApiKeyModel) key: ApiKeyModel;
  @Field({ description: 'The secret key: shown once, never stored or retrievable again' }) token: string;
}

@InputType()
export class MaintenanceWindowInput {
  @Field(() => [Int]) days: number[];
  @Field() start: string;
  @Field() end: string;
}

@InputType()
export class CreateClientInput {
  @Field() name: string;
  @Field(() => [FrameworkEnum]) frameworks: string[];
  @Field({ nullable: true, description: 'IANA time zone, default UTC' }) timeZone?: string;
  @Field(() => [MaintenanceWindowInput], { nullable: true }) maintenanceWindows?: MaintenanceWindowInput[];
}

@InputType()
export class CreateAssetInput {
  @Field(() => ID) clientId: string;
  @Field() hostname: string;
  @Field(() => String, { nullable: true }) os?: string | null;
  @Field(() => String, { nullable: true }) ring?: string | null;
  @Field(() => String, { nullable: true, description: 'low, medium, high or critical' }) criticality?:
    string | null;
  @Field(() => [String], { nullable: true }) tags?: string[] | null;
  @Field(() => Boolean, { nullable: true }) legacy?: boolean | null;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => RoleEnum) role: Role;
  @Field(() => ID, { nullable: true, description: 'Required for client_viewer and auditor' }) clientId?:
    string | null;
  @Field(() => String, { nullable: true }) label?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Required for auditor' })
  expiresAt?: Date | null;
}
