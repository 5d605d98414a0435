// One step of bench/feature-scale.ts in a process of its own, so its peak memory is its own: the high-water mark of
// its resident set (VmHWM in /proc/self/status) at exit, not a figure raised by the bench's other work (the SAE's
// files written, the bare-encoding reference's own copy of the basis). Not getrusage's maxRSS: Linux carries that
// over from the forking parent into the exec'd child, so a child spawned by a 1 GB bench reported 1 GB whatever it
// did (how `npm run bench` printed an import-sae peak of 1,051–1,089 MB for an import that peaks under 400 MB).
// Prints one JSON line: { peakMb, result }.
// Usage: node --import tsx bench/feature-scale-peak.ts import|import-whole|stats PROJECT ARG (harvest id + SAE dir, or basis id)
import { readFileSync } from 'node:fs';
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
/** This process image's peak resident set in MB (getrusage's maxRSS where /proc is missing: not Linux, no carry-over). */
function peakMb(): number {
  try {
    const hwm = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}
process.stdout.write(`${JSON.stringify({ peakMb: peakMb(), result })}\n`);
