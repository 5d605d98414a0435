// `cajal import-recording` (#11 item 4): a recorded experiment into a project, through the router like every other
// command, so the CLI checks what the UI checks. Its cells then map with `cajal revcorr --recording R --cells …`.
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { RecordingInfo } from '../api/schemas/recordings';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { out } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

const importRecording = {
  usage: `cajal import-recording --project FILE (--stimulus stim.npy|.csv --frame-shape H,W[,C] --frame-rate HZ --spikes spikes.npy|.csv
                       | --nwb FILE.nwb [--series NAME]) [--spikes-as times|counts] [--name N] [--json]
  Stores a recording: its frames as the stimulus, its cells as the units of a harvest (spike counts per frame).
  --stimulus     one frame per row (frames × H·W·C, or frames × H × W[ × C]), values as shown
  --spikes       .csv rows of cell,time (seconds); .npy cells × spike times padded with NaN; or .npy frames × cells counts
  --spikes-as    read an .npy as times or counts (default: counts when it has one row per frame of whole numbers)
  --nwb          an NWB file: /units (spike_times, spike_times_index) and a frame series under /stimulus/presentation`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    stimulus: { type: 'string' },
    'frame-shape': { type: 'string' },
    'frame-rate': { type: 'string' },
    spikes: { type: 'string' },
    'spikes-as': { type: 'string' },
    nwb: { type: 'string' },
    series: { type: 'string' },
    name: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    const spikesAs = v['spikes-as'] as string | undefined;
    if (spikesAs !== undefined && spikesAs !== 'times' && spikesAs !== 'counts') throw new UserError('cli.usage', `--spikes-as takes times or counts, not ${spikesAs}.`);
    const rate = v['frame-rate'] === undefined ? undefined : Number(v['frame-rate']);
    // Importing may start a project, as import-activations does.
    const lab = new Lab(() => undefined, {});
    lab.openProject({ path: resolve(v.project), create: true });
    try {
      const params = { stimulus: v.stimulus, frameShape: v['frame-shape'], frameRate: rate, spikes: v.spikes, spikesAs, nwb: v.nwb, series: v.series, name: v.name };
      const rec = (await createRouter(lab, 'direct').call('recordings.import', params)) as RecordingInfo;
      if (v.json) out({ ok: true, recording: rec });
      else {
        const [c, h, w] = rec.frameShape;
        process.stdout.write(`Imported recording ${rec.id} (${rec.name}): ${rec.frames} frames of ${h}×${w}${c === 1 ? '' : `×${c}`} at ${rec.frameRate} Hz, ${rec.cells} cells as the units of harvest ${rec.harvestId}\n`);
      }
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

export const recordingCommands = { 'import-recording': importRecording };
