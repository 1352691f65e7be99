/** Every migration, in order. Listed explicitly so the app, the CLI and the tests load the same classes. */
import { Foundation1764000000000 } from './1764000000000-foundation.js';
import { EventLedger1764000000001 } from './1764000000001-event-ledger.js';
import { PoliciesAndPacks1764000000002 } from './1764000000002-policies-and-packs.js';
import { ShareLinks1764000000003 } from './1764000000003-share-links.js';
import { LedgerCheckpoints1764000000004 } from './1764000000004-ledger-checkpoints.js';
import { CaseDataJson1764000000005 } from './1764000000005-case-data-json.js';
import { CaseFigureBounds1764000000006 } from './1764000000006-case-figure-bounds.js';
import { CaseFigures1764000000007 } from './1764000000007-case-figures.js';
import { CaseMonthFigures1764000000008 } from './1764000000008-case-month-figures.js';

export const MIGRATIONS = [
  Foundation1764000000000,
  EventLedger1764000000001,
  PoliciesAndPacks1764000000002,
  ShareLinks1764000000003,
  LedgerCheckpoints1764000000004,
  CaseDataJson1764000000005,
  CaseFigureBounds1764000000006,
  CaseFigures1764000000007,
  CaseMonthFigures1764000000008,
];
