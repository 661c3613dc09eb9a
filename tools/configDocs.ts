// Writes docs/configuration.md from the configuration schema (`npm run docs:config`).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configurationDoc } from '../src/config/configurationDoc.js';

const path = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));
writeFileSync(path, configurationDoc());
console.log(`wrote ${path}`);
