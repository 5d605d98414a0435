// `cajal` command line: inspect, harvest, serve, demo, bases, features, metrics, compare, report. Every command takes
// --json for scripts. Errors print one clear sentence on stderr and exit non-zero; inputs are validated before the
// project file is opened, so a bad model, tensor or stimulus folder leaves the project untouched.
import { parseArgs } from 'node:util';
import { commands } from './commands';
import { describeError } from '../errors';

const USAGE = `cajal — a lab for studying neural networks

Usage:
  cajal inspect MODEL.onnx [--json]
  cajal harvest --project FILE --model MODEL.onnx --tensor NAME [--tensor NAME…] --stimuli SPEC
                [--positions centre|all|mean] [--limit N] [--batch N] [--recipe-preset NAME]
                [--size WxH] [--channels 1|3] [--order RGB|BGR] [--scale X] [--mean a,b,c] [--std a,b,c]
                [--layout NCHW|NHWC] [--labels-from-subfolders] [--noise-generator 1|2] [--json]
                SPEC: mnist | mnist:N | folder:PATH | noise:white
                [--shard i/n]   one slice of the stimuli into its own file; join the files with cajal merge
  cajal merge --into FILE SHARD.cajal… [--json]
  cajal serve [--project FILE] [--port N] [--host 127.0.0.1] [--json]
  cajal demo [--out DIR] [--digits N] [--steps N] [--json]
  cajal import-activations --project FILE --npy X.npy [--labels y.npy] [--json]
  cajal fit --project FILE --harvest ID --method METHOD [--k K] [--l1 λ] [--topk k] [--steps N] [--seed S] [--json]
  cajal bases --project FILE [--harvest ID] [--json]
  cajal export-sae --project FILE --basis ID --out DIR      cajal import-sae --project FILE --harvest ID --sae DIR
  cajal export-directions --project FILE --basis ID --out FILE.npy
  cajal resume --project FILE --job ID
  cajal features --project FILE --basis ID [--top K] [--json]
  cajal metrics --project FILE --basis ID [--metric NAME …] [--perceptual-model MODEL] [--json]
  cajal compare --project FILE --harvest ID [--json]
  cajal report --project FILE (--compare HARVEST_ID | --report ID) [--out FILE.html] [--pdf FILE.pdf] [--chromium PATH] [--json]
  cajal export --project FILE --what activations|features|directions|metrics|comparison|stats (--harvest ID | --basis ID)
               --format npy|csv|parquet --out PATH [--json]
  cajal revcorr --project FILE (--harvest H --units LIST | --basis B --features LIST) --estimator sta|ridge|stc
                [--stimuli noise:white|noise:sparse|noise:pink|mnist|folder:P] [--out filters.npy] [--json]   (#11)
  cajal ablate --project FILE (--basis B | --harvest H) (--features LIST | --top N --by METRIC | --all)
               --mode zero|mean|resample|project|clamp|steer [--alpha a,b,c] [--positions all|centre] [--json]
  cajal shapley --project FILE (--basis B | --harvest H) --features LIST --game accuracy|logit:CLASS|loss
                [--samples N] [--interactions K] [--json]
  cajal loss-recovered --project FILE --basis B [--stimuli N] [--json]
  cajal revcorr --project FILE --recording R --cells LIST --estimator sta [--lags L] [--json]   (recordings, #11)
  cajal import-recording --project FILE (--stimulus S --frame-shape H,W[,C] --frame-rate HZ --spikes P | --nwb F) [--json]   (recordings, #11)
  cajal tca-sweep --project FILE --harvest ID --ranks 1-12 [--nonneg] [--restarts N] [--json]   (#15)
  cajal sweep --project FILE --harvest ID --method sae-topk --values 2,4,8 [--k M] [--steps N] [--json]   (#12)
  cajal stimuli --project FILE --stimuli text:PATH[?field=F&tokenizer=T&context=L&stride=S&positions=K&seed=N] [--show N] [--json]   (text, #13)
  cajal train-series --out DIR [--snapshots N] · cajal harvest-series --project FILE --models A,B,C --tensor NAME   (#15)
  METHOD: neurons | random | pca | ica | nmf | kmeans | sae-l1 | sae-topk | sae-batchtopk | sae-matryoshka | sae-jumprelu | sae-gated | sparse-coding | tca

Run 'cajal COMMAND --help' for details.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const cmd = commands[command];
  if (!cmd) {
    process.stderr.write(`cajal: unknown command ${command}. Run 'cajal --help' for the list.\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`cajal ${command}: ${(err as Error).message}\n${cmd.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(parsed.values as Record<string, unknown>, parsed.positionals);
  } catch (err) {
    const { message, code } = describeError(err);
    if (code === 'internal' && process.env.CAJAL_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    if (parsed.values.json) process.stderr.write(`${JSON.stringify({ ok: false, error: { code, message } })}\n`);
    else process.stderr.write(`cajal ${command}: ${message}\n`);
    return 1;
  }
}

// Run when executed directly (tsx or the bundled bin), not when imported by tests.
const invoked = process.argv[1] ?? '';
if (/cli(\/index)?\.(ts|js|mjs)$/.test(invoked) || process.env.CAJAL_CLI_MAIN === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cajal: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
