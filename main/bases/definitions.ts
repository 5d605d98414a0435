// What each basis method is, whom it follows and where the lab departs from its authors' definition — shown in the
// app beside the fit form and every fitted basis (bases.definitions), and in a report's Methods part. The numbers
// quoted for the lab are its defaults (main/bases/*.ts); a fit stores the values it actually ran with.
import type { BasisMethodDefinition } from './types';
import { BASIS_METHODS, type BasisMethodName } from '../util/method-order';
import { basisFactory } from './index';

const BRICKEN = 'Bricken et al. 2023, "Towards Monosemanticity: Decomposing Language Models With Dictionary Learning" (Anthropic)';
const GAO = 'Gao et al. 2024, "Scaling and evaluating sparse autoencoders" (OpenAI)';
const BUSSMANN = 'Bussmann, Leask & Nanda 2024, "BatchTopK Sparse Autoencoders" (arXiv 2412.06410), as SAELens\' BatchTopKTrainingSAE';
const MATRYOSHKA = 'Bussmann, Nabeshima, Karvonen & Nanda 2025, "Learning Multi-Level Features with Matryoshka Sparse Autoencoders" (arXiv 2503.17547) and Nabeshima 2024 ("Matryoshka Sparse Autoencoders"), as SAELens\' MatryoshkaBatchTopKTrainingSAE';
const JUMPING_AHEAD = 'Rajamanoharan, Lieberum, Sonnerat, Conmy, Varma, Kramár & Nanda 2024, "Jumping Ahead: Improving Reconstruction Fidelity with JumpReLU Sparse Autoencoders" (arXiv 2407.14435)'; // h12jg
const GATED = 'Rajamanoharan, Conmy, Smith, Lieberum, Varma, Kramár, Shah & Nanda 2024, "Improving Dictionary Learning with Gated Sparse Autoencoders" (arXiv 2404.16014)'; // h12jg
const KLINDT = 'Klindt, Sanborn et al. 2023, "Identifying interpretable visual features in artificial and biological neural systems" (arXiv 2310.11431), code david-klindt/Superposition';

const SAE_SHARED =
  'Inputs are scaled by one factor so that their mean L2 norm is √d (targetNorm), computed over the whole harvest before training and stored with the SAE as norm_scale; encode and decode work in the harvest\'s own units, and an SAELens export folds the factor into the weights (SAELens\' own normalisation factor is easily lost). ' +
  'Initialisation: decoder rows seeded random unit vectors, W_enc = W_decᵀ, b_enc = 0, b_dec the geometric median (Weiszfeld) of up to 4,096 sampled rows. ' +
  'Adam (β = 0.9, 0.999) with lr 10⁻³ warmed up linearly over the first steps/20 steps (at most 1,000), no decay by default. ' +
  'Data order: rows shuffled within a window of the stream (64 MiB of rows by default) with a seeded order, so a run is a pure function of its seed and resumes exactly. ' +
  'Runs are short by the papers\' standards: 10,000 steps of 1,024 rows by default, where the papers train on hundreds of millions to billions of activations.';

const DEFS: Record<BasisMethodName, Omit<BasisMethodDefinition, 'method' | 'params' | 'trained' | 'sweep'>> = {
  neurons: {
    title: 'Neurons',
    source: 'The units of the harvested tensor themselves (the baseline of both seed papers).',
    departure: null,
  },
  random: {
    title: 'Random directions',
    source: `${KLINDT} (random directions as the control)`,
    departure: 'None: m ≤ d seeded random orthonormal directions (orthonormalised Gaussian vectors). They also serve as the null distribution of every interpretability metric, which is reported as a z-score against them.',
  },
  pca: {
    title: 'PCA',
    source: "Principal component analysis as scikit-learn's PCA (centred; explained variance with n − 1).",
    departure: 'Computed from the d × d scatter matrix (float64 sums of onnxruntime Gram blocks) and a symmetric eigendecomposition instead of an SVD of the data: the same components up to rounding; signs follow scikit-learn ≥ 1.5 (the largest-magnitude loading of each component positive). Randomized: Halko–Martinsson–Tropp with power iterations, as scikit-learn\'s randomized solver.',
  },
  ica: {
    title: 'FastICA',
    source: "Hyvärinen & Oja 2000, as scikit-learn's FastICA (whiten = 'unit-variance').",
    departure: 'None in the algorithm (logcosh or cube contrast, parallel or deflation); the whitened rows are streamed from the project file when they do not fit the memory cap.',
  },
  nmf: {
    title: 'NMF',
    source: "Lee & Seung 2001 (multiplicative updates) and Cichocki & Phan 2009 (HALS), Frobenius loss, as scikit-learn's NMF ('mu' and 'cd').",
    departure: 'Fitted over a stream: W (rows × m) is kept in memory when it fits the cap and otherwise recomputed per block from its initialisation each pass; H is updated from the pass statistics WᵀW and WᵀX. No regularisation. encode solves the non-negative least-squares problem per row with H fixed (HALS sweeps). Initialisation NNDSVDa by default, as scikit-learn.',
  },
  kmeans: {
    title: 'K-means directions',
    source: `${KLINDT}: MiniBatchKMeans on unit-normalised activations (cosine), k = number of units, a direction's activation the projection on its centroid.`,
    departure: 'Cosine (Klindt et al.\'s setting) is an option; the default clusters the raw rows (Euclidean). Mini-batch updates take rows in seeded windows by their global index, so the result does not depend on how the stream is cut; empty clusters keep their centre (scikit-learn relocates them). For explained variance a row is reconstructed as its nearest centroid (cosine: its projection on the best-aligned centroid direction), which the paper does not define.',
  },
  'sparse-coding': {
    title: 'Sparse coding (dictionary learning)',
    source: "Olshausen & Field 1996; Mairal et al. 2009 (online dictionary learning), as scikit-learn's MiniBatchDictionaryLearning: codes min ½‖x − c·D‖² + α‖c‖₁ per row (or OMP with a fixed number of atoms), unit-norm atoms updated by block coordinate descent from the forgotten statistics A = Σ cᵀc, B = Σ cᵀx.",
    departure: 'The lasso is solved by FISTA (a fixed number of iterations, default 50) instead of LARS or coordinate descent; α = 0.1 by default (scikit-learn: 1), for activations of unit-scale atoms. The dictionary starts from the first m rows of the harvest, unit-normalised (scikit-learn: an SVD of the data), and mini-batches are consecutive rows in harvest order (scikit-learn shuffles). An atom no batch has used yet is replaced by a row of the current batch; between passes an atom used under 1 % of the mean, or within |cos| 0.9 of a more used atom, is restarted from a row. Each atom is oriented so its codes sum positive over the last pass (scikit-learn leaves the sign arbitrary). encode runs the same inference with the fitted dictionary.',
  },
  // tca (#15)
  tca: {
    title: 'Tensor component analysis (CP)',
    source: "Williams et al. 2018, \"Unsupervised discovery of demixed, low-dimensional neural dynamics across multiple timescales through tensor component analysis\" (Neuron): a CP decomposition of the units × positions × stimuli tensor by alternating least squares, or non-negative by hierarchical ALS, as tensortools' cp_als and ncp_hals (random start 'randn' / 'rand' scaled to the data's norm, factors rebalanced after every sweep, stop when the normalised residual improves by less than tol = 10⁻⁵); random restarts, the lowest residual kept; factors normalised to unit columns with their product as the component's weight, largest first.",
    departure:
      'The tensor is never unfolded: a sweep streams the harvest twice, Xᵀ·(C ⊙ B) for the unit factor and X·A, from which the position and stimulus MTTKRPs are reduced (both GEMMs on onnxruntime; Y, rows × rank, is kept up to 256 MiB, else streamed again). Signs, which CP leaves free in pairs, are fixed so that the unit and position factors sum non-negative. ' +
      'Held-out rows are whole stimuli, so the stimulus factor covers the training stimuli in harvest order. ' +
      "A row is encoded by least squares on the unit factors (non-negative least squares by coordinate descent, 100 sweeps, for the non-negative fit), not by projection on each direction alone: the unit factors are not orthogonal, and least squares returns a row's CP codes λ_r·B[p, r]·C[s, r] exactly when the model explains the row.",
  },
  'sae-l1': {
    title: 'Sparse autoencoder · L1',
    source: `${BRICKEN}: x̄ = x − b_dec, f = ReLU(W_enc x̄ + b_enc), x̂ = W_dec f + b_dec; loss = MSE (mean over elements) + λ·Σ|f| (mean over rows); decoder rows at unit norm with the gradient component parallel to each removed; dead latents resampled from loss²-weighted inputs (encoder row at 0.2 × the mean alive norm, b_enc 0, Adam state reset).`,
    departure:
      'Resampling scaled to the run: at 10, 20, 30 and 40 % of the steps (the paper: 25k, 50k, 75k and 100k steps), of latents inactive for the last steps/20 steps (the paper: 12,500), drawing from 8,192 sampled rows (the paper: 819,200). ' +
      'λ = 0.02 by default at the input scale below (the paper\'s run A/5 uses 0.004 on its own, unnormalised scale, so the numbers do not compare), warmed up linearly over the first steps/20 steps. ' +
      SAE_SHARED,
  },
  'sae-topk': {
    title: 'Sparse autoencoder · TopK',
    source: `${GAO}: f = ReLU(TopK_k(W_enc (x − b_dec) + b_enc)), no L1 penalty; an auxiliary loss in which the top k_aux dead latents reconstruct the residual x − x̂ (coefficient 1/32); decoder rows at unit norm with the parallel gradient removed.`,
    departure:
      'k_aux = max(2k, d/2) by default (Gao et al. use 512 on much wider models); a latent counts as dead after steps/20 steps without activity (Gao et al.: 10 M tokens). No resampling, as in the paper. ' +
      SAE_SHARED,
  },
  // #12
  'sae-batchtopk': {
    title: 'Sparse autoencoder · BatchTopK',
    source: `${BUSSMANN}: in training f = ReLU(pre) with only the k·B largest values of the whole batch of B rows kept (so rows share a budget of k on average); the TopK auxiliary loss on dead latents; at inference one global threshold θ, f = pre·H(pre − θ), where θ is a running mean θ ← (1 − 0.01)·θ + 0.01·(smallest positive code kept in the batch), started at 0.`,
    departure:
      'k_aux = max(2k, d/2) and the aux coefficient 1/32, as for TopK here; a latent counts as dead after steps/20 steps without activity. h12def: the running mean is kept while training (checkpoints hold it), but the threshold encode applies is re-estimated on the finished encoder — the mean, over 8 seeded batches of B training rows, of the smallest code each batch\'s top k·B keeps — because the running mean, started at 0, trailed the changing encoder and let too many latents through on short runs (L0 6.2 for k = 4 on the demo layer, 4.3 now). SAELens exports a BatchTopK SAE as JumpReLU for inference, and so does Cajal: every latent gets the one threshold. ' +
      SAE_SHARED,
  },
  'sae-matryoshka': {
    title: 'Sparse autoencoder · Matryoshka (BatchTopK)',
    source: `${MATRYOSHKA}: BatchTopK codes (the k·B largest of the batch); the dictionary's nested prefixes of sizes m_1 < … < m_L = m each reconstruct x from their own latents' codes, x̂_i = f[:m_i]·W_dec[:m_i] + b_dec, and the loss is Σ_i MSE(x, x̂_i) plus the TopK auxiliary loss; early latents are pushed to coarse, general features. Inference as BatchTopK: one global threshold.`,
    departure:
      'Prefix sizes m/2^(L−1), …, m/2, m with L = nestLevels, by default log2(m/d) + 1 (at least 2), so the smallest prefix holds about d latents (d, 2d, …, 8d at the default m = 8·d), as Bussmann et al.\'s groups start at the input width (their m/16 at m = 16·d); h12gm: it was m/16 … m at every m, and on a planted dictionary (d 64, m 256, 4 atoms per row, k 4) recovery at the defaults rose from 0.941 to 0.975 with the prefixes d, 2d, 4d. Each prefix loss is a mean over elements like the full one. h12mat: the prefix losses are not equally weighted (Bussmann et al.\'s and SAELens\' choice) but balanced as Chanin, Dulka & Garriga-Alonso 2025 ("Feature Hedging: Correlated Features Break Narrow Sparse Autoencoders", arXiv 2505.11756) propose: the prefix j levels inside the full dictionary weighs β^j (nestLossDecay, default 0.25 from their sweep 0 … 1; 1 gives the paper\'s equal weights, 0 plain BatchTopK). Why: a narrow prefix that must reconstruct alone mixes components of the features it cannot hold into its latents (their "feature hedging"), and it does so more the larger k is, since spare codes let a mixed latent fire on rows it only partly explains. Measured on the planted dictionary (d 64, m 256, 4 atoms per row) at k 8 with equal weights: 59 of the first 64 latents were mixtures of atoms after 2,000 steps (best cosine < 0.9 with a second atom above 0.2), and recovery at the full defaults was 0.850; after 2,000 steps of 1,024 rows at k 8 recovery was 0.754 with equal weights, 0.822 with β 0.5, 0.877 with β 0.25 and 0.912 with β 0 (plain BatchTopK), and in the CI\'s short run (k 4, 1,500 steps of 256 rows) 0.869 with equal weights, 0.922 with β 0.25; at the full defaults (10,000 steps of 1,024 rows) with β 0.25 recovery is 0.965 / 0.983 / 0.966 at k 2 / 4 / 8 (equal weights: 0.968 / 0.975 / 0.850; β 0.5 at k 8: 0.924), and at k 8 the first 64 latents hold 60 atoms above cosine 0.9 (5 with equal weights after 2,000 steps). Threshold, aux loss and SAELens export (JumpReLU with one threshold) as BatchTopK. ' +
      SAE_SHARED,
  },
  // h12jg
  'sae-jumprelu': {
    title: 'Sparse autoencoder · JumpReLU',
    source: `${JUMPING_AHEAD}: pre = W_enc(x − b_dec) + b_enc; f = pre ⊙ H(pre − θ) with a trained threshold θ per latent (stored as log θ, θ = exp(log θ)); loss = ‖x − x̂‖² + λ·Σ H(pre − θ) (an L0 penalty). H has no useful derivative, so θ learns through straight-through pseudo-derivatives with the rectangle kernel K(u) = 1[|u| < ½] of bandwidth ε: ð JumpReLU/ð θ = −(θ/ε)·K((pre − θ)/ε) and ð H/ð θ = −(1/ε)·K((pre − θ)/ε); the pre-activation gets the true derivatives (H for f, 0 through the L0). Paper constants: ε = 0.001 and θ initialised at 0.001, for inputs normalised to unit mean squared norm; decoder rows at unit norm.`,
    departure:
      'Inputs are scaled to mean norm √d (not 1), so ε and the initial θ are given in units of the mean norm (ε 0.001 as the paper; initial θ 0.1, not the paper\'s 0.001: log θ moves about lr per Adam step, so from 0.001 θ climbed for most of a 10,000-step run and the planted dictionary was recovered at 0.662 instead of 0.980) and multiplied by √d inside; the reconstruction term is the mean over elements, which at this scale equals the paper\'s ‖x − x̂‖² at unit norm, so λ keeps the paper\'s meaning. λ defaults to 0.02 (a lab choice, set on a planted dictionary, not the paper\'s) and warms up linearly over the first steps/20 steps (the paper warms λ up too). Dead latents (whose θ climbed past every code) are resampled as for sae-l1 (Bricken et al.; the paper has no remedy), the threshold restarting at its initial value. Exported to SAELens as jumprelu with threshold = exp(log θ). ' +
      SAE_SHARED,
  },
  'sae-gated': {
    title: 'Sparse autoencoder · Gated',
    source: `${GATED}: x̃ = x − b_dec; π_gate = W_enc x̃ + b_gate; π_mag = (exp(r_mag) ⊙ W_enc) x̃ + b_mag (the magnitude path shares W_enc, rescaled per latent); f = 1[π_gate > 0] ⊙ ReLU(π_mag); x̂ = W_dec f + b_dec; loss = ‖x − x̂‖² + λ·‖ReLU(π_gate)‖₁ + ‖x − (W_dec^frozen ReLU(π_gate) + b_dec^frozen)‖², the last (auxiliary) term through a stop-gradient copy of the decoder, so it trains only the gate path; the indicator passes no gradient. r_mag, b_gate, b_mag start at 0; decoder rows at unit norm; Anthropic's resampling of dead latents.`,
    departure:
      'Inputs scaled to mean norm √d; both reconstruction terms are means over elements. λ defaults to 0.1 (a lab choice, set on a planted dictionary), warmed up over steps/20 steps. b_gate starts at −θ₀ with θ₀ = 0.1 of the mean norm (initThreshold, as JumpReLU\'s initial θ; the paper starts it at 0): from 0 every gate is open and the L1 penalty walks b_gate down at about lr per Adam step, so a 10,000-step run spent a third of its length too dense and left 27 of 256 latents on mixtures of planted atoms (recovery 0.945 at the defaults; 0.990 from −θ₀). b_gate is stored under b_enc and exported as SAELens\' b_gate. Dead latents are resampled as for sae-l1 here (the paper trains with Anthropic\'s resampling; a resampled latent\'s b_gate restarts at −θ₀, its r_mag and b_mag at 0). ' +
      SAE_SHARED,
  },
};

export function basisDefinitions(): BasisMethodDefinition[] {
  // Method order is BASIS_METHODS'; parameters and tags come from each method's factory (its param spec).
  return BASIS_METHODS.map((method) => {
    const { params, tags } = basisFactory(method).spec;
    return { method, ...DEFS[method], params: params.map((p) => ({ ...p })), trained: tags.trained, sweep: tags.sweep };
  });
}
