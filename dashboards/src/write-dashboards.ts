/** `npm run dashboards`: writes dashboards/*.json from the typed dashboard code (a test fails if they drift). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS, dashboardJson } from './dashboards';

for (const { file, build } of DASHBOARDS) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  writeFileSync(path, dashboardJson(build()));
  console.log(`wrote ${path}`);
}
