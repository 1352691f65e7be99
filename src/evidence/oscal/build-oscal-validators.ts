/**
 * `npm run build` step: writes the OSCAL validators as standalone code next to the compiled oscal-validators module
 * (see there), from the schemas in templates/oscal.
 */
import { DEFAULT_OSCAL_SCHEMAS_DIR } from './oscal-export.js';
import { writeOscalValidators } from './oscal-validators.js';

const file = writeOscalValidators(DEFAULT_OSCAL_SCHEMAS_DIR);
console.log(`OSCAL validators written to ${file}`);
