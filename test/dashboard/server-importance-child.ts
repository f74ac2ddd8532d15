/**
 * A dashboard process for server-importance.test.ts, run under tsx like the
 * CLI in development: asks importance and interactions of a study over HTTP
 * and prints one JSON line {ranIn, importance, interactions}.
 * argv[2]: {"storage", "studyId"}.
 */
import { ApiClient } from '../../src/dashboard/api.js';
import { startDashboard } from '../../src/dashboard/server/start.js';

const { storage, studyId } = JSON.parse(process.argv[2] as string) as { storage: string; studyId: number };
const d = await startDashboard({ storage, port: 0, uiDir: null, log: () => {} });
try {
  const api = new ApiClient(fetch, { baseUrl: d.url.replace(/\/$/, '') });
  const importance = await api.importance(studyId);
  const interactions = await api.interactions(studyId);
  process.stdout.write(`${JSON.stringify({ ranIn: d.importance.lastRanIn, importance: importance.importances, interactions: interactions.pairs })}\n`);
} finally {
  await d.close();
}
