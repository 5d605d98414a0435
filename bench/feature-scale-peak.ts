// One step of bench/feature-scale.ts in a process of its own, so its peak memory is its own: the process' maximum
// resident set (getrusage) at exit, not a figure raised by the bench's other work (the SAE's files written, the
// bare-encoding reference's own copy of the basis). Prints one JSON line: { peakMb, result }.
// Usage: node --import tsx bench/feature-scale-peak.ts import|import-whole|stats PROJECT ARG (harvest id + SAE dir, or basis id)
import { Lab } from '../main/services/lab';
import { importSae as importWhole } from '../main/services/saelens';

const [op, project, a, b] = process.argv.slice(2);
const lab = new Lab(() => undefined);
lab.openProject({ path: project!, create: false });
let result: unknown;
try {
  if (op === 'import') result = (await lab.importSae({ harvestId: Number(a), path: b! })).id;
  else if (op === 'import-whole') result = (await importWhole(lab['db']!, { harvestId: Number(a), path: b! })).id;
  else if (op === 'stats') {
    const { jobId } = lab.startFeatureStats({ basisId: Number(a), topK: 32, bands: 8 });
    const job = await lab.jobs.wait(jobId);
    if (job.status !== 'done') throw new Error(`feature-stats job ${job.status}: ${job.error}`);
    result = jobId;
  } else throw new Error(`unknown step ${op}`);
} finally {
  await lab.shutdown();
}
process.stdout.write(`${JSON.stringify({ peakMb: process.resourceUsage().maxRSS / 1024, result })}\n`);
