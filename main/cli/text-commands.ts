// `cajal stimuli` (room: text, #13): makes a stimulus set in a project from a spec — text:PATH?… cut into contexts of
// token ids with sampled positions, or any image/noise spec that needs no model — through the router like the UI.
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { StimulusSetInfo } from '../api/schemas/stimuli';
import { createRouter } from '../api/router';
import { UserError } from '../errors';
import { Lab } from '../services/lab';
import { openStimulusSource, parseStimulusSpec } from '../stimuli';
import type { TextStimulusSource } from '../stimuli/text';
import { out } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

const stimuli = {
  usage: `cajal stimuli --project FILE --stimuli SPEC [--name N] [--show N] [--json]
  Stores a stimulus set. Text: text:PATH[?field=F&tokenizer=T&context=L&stride=S&positions=K&seed=N]
  PATH          a text file, a folder of text files, or a .jsonl file (field= names the text field)
  tokenizer     bytes (UTF-8, vocabulary 256; the default) or a Hugging Face tokenizer.json
  context       tokens per context (128); stride: tokens between context starts (= context)
  positions     token positions sampled per context (250, as Towards Monosemanticity); seed (0)
  --show N      print the first N sampled rows: context, document, position, token id and text`,
  options: {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    project: { type: 'string' },
    stimuli: { type: 'string' },
    name: { type: 'string' },
    show: { type: 'string' },
  } satisfies Options,
  async run(v: Record<string, unknown>): Promise<number> {
    if (typeof v.project !== 'string') throw new UserError('cli.usage', 'Name the project with --project FILE.');
    if (typeof v.stimuli !== 'string') throw new UserError('cli.usage', 'Name the stimuli with --stimuli SPEC (e.g. text:corpus/).');
    const show = v.show === undefined ? 0 : Number(v.show);
    if (!Number.isInteger(show) || show < 0) throw new UserError('cli.usage', `--show takes a whole number, not ${String(v.show)}.`);
    // Every input problem (binary file, bad JSONL line, unknown tokenizer) is found before the project is opened.
    const spec = parseStimulusSpec(v.stimuli, null);
    const source = await openStimulusSource(spec);
    const corpus = (source as Partial<TextStimulusSource>).corpus;
    const rows = corpus ? corpus.rows(0, corpus.contexts.length) : null;
    const lab = new Lab(() => undefined, {});
    lab.openProject({ path: resolve(v.project), create: true });
    try {
      const set = (await createRouter(lab, 'direct').call('stimuli.create', { spec, ...(typeof v.name === 'string' ? { name: v.name } : {}) })) as StimulusSetInfo;
      const shown = rows ? rows.slice(0, show) : [];
      if (v.json) {
        out({ ok: true, set, ...(corpus ? { documents: corpus.documents.length, tokens: corpus.tokens.reduce((a, t) => a + t.length, 0), rows: rows!.length, vocabSize: corpus.tokenizer.vocabSize, shown } : {}) });
      } else {
        process.stdout.write(`Stimulus set ${set.id} (${set.name}): ${set.count} items of [${set.itemShape.join(', ')}]\n`);
        if (corpus) {
          const tokens = corpus.tokens.reduce((a, t) => a + t.length, 0);
          process.stdout.write(`${corpus.documents.length} documents, ${tokens} tokens (${corpus.tokenizer.name}, vocabulary ${corpus.tokenizer.vocabSize}), ${rows!.length} sampled token rows\n`);
          for (const r of shown) process.stdout.write(`  context ${r.context}  document ${corpus.documents[r.document]!.name}  position ${r.position}  token ${r.tokenId} ${JSON.stringify(r.tokenText)}\n`);
        }
      }
      return 0;
    } finally {
      await lab.shutdown();
    }
  },
};

export const textCommands = { stimuli };
