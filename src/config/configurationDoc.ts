// docs/configuration.md as config/schema.ts describes it: one table per section, each variable's default, values and meaning.
import { VARIABLES } from './schema.js';
import { SECTIONS, type Section } from './variables.js';

/** The command that rewrites docs/configuration.md (named when the committed copy is stale). */
export const REGENERATE_COMMAND = 'npm run docs:config';

const INTRODUCTION = `# Configuration

Every setting is an environment variable. The server, the functions and the commands that work without the server
(\`embed\`, \`score\`, \`weights\`, \`import-*\`) parse all of them once at start, against one schema
(\`src/config/schema.ts\`): a bad value stops the process at start with one line naming the variable, for example

    configuration: CORREMBED_WORKERS must be an integer from 1 to 256 (got "x")

An empty variable counts as unset. This page is generated from the schema (\`${REGENERATE_COMMAND}\`); edit the
schema, not the page.
`;

const cell = (text: string): string => text.replaceAll('|', '\\|');

function code(value: string): string {
  return /^[`(]|^unset|^one |^generated|^required|^the |^AWS$|^\d+ \(/.test(value) ? value : `\`${value}\``;
}

/** The Markdown of docs/configuration.md. */
export function configurationDoc(): string {
  const parts = [INTRODUCTION];
  for (const [section, title] of Object.entries(SECTIONS) as [Section, string][]) {
    const rows = Object.entries(VARIABLES).filter(([, variable]) => variable.section === section);
    parts.push(`## ${title}\n\n| variable | default | values | meaning |\n|---|---|---|---|`);
    parts.push(
      rows.map(([name, v]) => `| \`${name}\` | ${cell(code(v.fallback))} | ${cell(v.accepts)} | ${cell(v.description)} |`).join('\n'),
    );
    parts.push('');
  }
  return parts.join('\n');
}
