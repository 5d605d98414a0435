// The payload of a feature's output effects on a token model (#13 item 4): plain data, so the API contract and the
// renderer can name it without reaching the engine code that measures it (token-effects.ts).

export interface TokenEffect {
  id: number;
  text: string;
  /** Mean change of the token's probability over the measured positions. */
  deltaProb: number;
  /** Mean change of its log-probability (nats). */
  deltaLogProb: number;
  /** Its mean clean probability there. */
  cleanProb: number;
}

export interface EditEffects {
  /** Largest mean rise of probability first (only rises). */
  raised: TokenEffect[];
  /** Largest mean fall first (only falls). */
  lowered: TokenEffect[];
  /** Per token id, the mean change of probability and of log-probability. */
  deltaProb: number[];
  deltaLogProb: number[];
}

export interface TokenEffectsSummary {
  feature: number;
  /** Contexts run. */
  contexts: number;
  /** Token positions where the feature fires, over which the changes are averaged. */
  positions: number;
  vocab: number;
  alpha: number;
  scale: number;
  output: string;
  ablate: EditEffects;
  steer: EditEffects;
}

/** What the token-context browser shows (text.effects): the summary for a basis's feature over its named top contexts. */
export interface TextEffects extends TokenEffectsSummary {
  basisId: number;
  /** The contexts run, by name ('doc.txt @128'). */
  contextNames: string[];
}
