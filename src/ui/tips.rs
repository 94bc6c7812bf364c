//! One-sentence explanations shown as tooltips: the ideas, in plain words.

pub const PRESET: &str = "Pick a target distribution: a mixture of Gaussians the flow learns to sample. Each preset is a file in assets/presets/.";
pub const EDITOR_2D: &str = "The target density. Drag a centre to move a mode, drag a square handle to change its width, scroll over a mode to change its weight, click empty space to add one, select and press Delete to remove it.";
pub const EDITOR_1D: &str = "The target density. Drag a mode's dot to move it, drag its square handle to change its width, scroll over it to change its weight, click empty space to add one, select and press Delete to remove it.";
pub const PLAY: &str = "Train 1-RF: a small network learns the velocity v(x, t) that carries noise (t = 1) to data (t = 0), by regressing onto z − x0 along straight lines between random noise and data pairs (conditional flow matching).";
pub const PAUSE: &str = "Hold training between two steps; press again to go on.";
pub const STOP: &str = "Stop the running phase; finished rounds are kept.";
pub const RESET: &str = "Clear the rounds and start again from the current target and settings. The run is kept in the Runs list, and Undo (Ctrl+Z) brings it back.";
pub const REFLOW: &str = "Reflow: sample (noise, data) pairs from the latest model's own ODE and retrain on straight lines between them; the pairs no longer cross, so the new paths are straighter.";
pub const DISTILL: &str = "Distillation: train a student to jump from noise to the latest model's result in one step, x0 = z − v(z, 1); it works because reflowed paths are nearly straight.";
pub const RUN_ALL: &str =
    "Run the whole lecture: 1-RF, the configured number of reflows, then distillation.";
pub const OT_CFM: &str = "OT-CFM (O): train a fresh network on pairs matched well from the start — each batch of noise and data is paired by an exact optimal assignment before the straight lines are drawn. Compare its straightness, transport cost, few-step W2 and training time with 1-RF and 2-RF: the assignment costs time on every step, and pairing within a batch is only close to the global optimum.";
pub const DIFFUSION: &str = "Diffusion path (V): train a fresh network on the variance-preserving path of diffusion models instead of straight lines: x_t = α(t)·x0 + σ(t)·z, α = exp(−½∫₀ᵗβ), β(t) = 0.1 + 19.9·t, σ = √(1 − α²), velocity α'·x0 + σ'·z. Its paths curve, so it needs more steps for the same W2.";
pub const SOURCE: &str = "Where paths start (t = 1). Normally the standard normal N(0, I); tick the box to start from a second mixture instead, and the flow learns to transport that mixture to the target. Reflow, transport cost and straightness work the same way.";
pub const GUIDED: &str = "Guidance (G): train a fresh network that is also told which mode (class) each data point came from, with the class hidden 10 % of the time so the same network learns the unconditional field too. Select the 'guided' round to sample one class with v_cfg = (1 + w)·v_cond − w·v_uncond.";
pub const CONSISTENCY: &str = "Consistency (K): distil 1-RF into a student that jumps from any point of a path straight to its end. It reads its network as f(x, t) = x − t·v(x, t), so f(x, 0) = x always, and learns to give the same answer one teacher step further down the teacher's path. One step is its guess of x0; two or four steps re-noise that guess and guess again. Select the 'consistency' round and set the steps to 1, 2 or 4 (any count works): it is sampled its own way, whatever the solver menu says.";
pub const SHORTCUT: &str = "Shortcut model (J): train a fresh network that is also told the size d of the step it should take. Most of each batch is plain flow matching at d = 0; a quarter learns that one step of size 2d lands where two steps of size d do, using its own answers as targets. No teacher, one training. n steps are n jumps of size 1/n, each asked for at that size.";
pub const MEANFLOW: &str = "MeanFlow (M): train a fresh network of the average velocity over an interval [r, t], so one jump from t to r is exact: x_r = x_t − (t − r)·u. It learns through the identity u = v − (t − r)·du/dt, where du/dt along the path is a forward-mode derivative of the network itself. One step is x0 = z − u(z, 0, 1); n steps are n jumps of 1/n.";
pub const SHOWDOWN: &str = "Every round's within-mode W2 at 1, 2 and 4 steps (big, middle and small dot) above the network evaluations it took to make it: training steps × batch × passes per example, plus the teacher's pairs and the teacher's own cost (log axis). Lower is better, left is cheaper. The dashed line is the floor.";
pub const GUIDANCE_W: &str = "Guidance scale w: 0 follows the class's own field; larger w pushes further from the unconditional field, so the samples crowd together — and past w ≈ 1 overshoot their mode, pushed away from the other classes.";
pub const GUIDANCE_CHART: &str = "Measured when the round was trained: mean distance of 500 guided samples to their class's centre, and their spread, against w (mean over the classes). The dashed line is the w on the slider.";
pub const PROGRESS: &str =
    "The phase running now, its progress and the time left at the current speed.";
pub const ROUNDS: &str = "Each finished round is kept: 1-RF is plain flow matching, k-RF is the k-th reflow, 'distilled' is the one-step student. Pick one to show it.";
pub const LIVE: &str =
    "The network as it is being trained right now, redrawn a few times a second.";
pub const SIDE_BY_SIDE: &str = "Show every round's paths next to each other at the same step count, so the straightening is seen.";
pub const STEPS: &str = "Number of solver steps from noise to data. Curved paths need many steps; straight paths can be followed in one.";
pub const SOLVER: &str = "How each step follows the velocity: Euler uses one evaluation, midpoint and Heun two, RK4 four; higher order follows curves better per step. On the diffusion round, DDPM samples the reverse SDE instead (noise added on the way, the same marginals): the sampler diffusion models are compared with.";
pub const ADAPTIVE: &str = "Adaptive Dormand–Prince 5(4): every sample picks its own step sizes so the estimated error of each step stays under the tolerance — large steps where its path is straight, small ones where it bends. The number beside the slider is what the picture cost: network evaluations per sample. A straighter flow needs fewer (at 1e-3, seed 0: 1-RF about 26 on two-far and 29 on eight-gaussians, 2-RF about 22).";
pub const TOLERANCE: &str = "How much error each adaptive step may make (relative and absolute). Tighter costs more evaluations; a straight flow stays cheap even when tight.";
pub const LIVE_NUMBERS: &str = "While training, the live picture is redrawn several times a second but measured only every few seconds, and not in a round's first second, so that the previews cost training little (the exact matchings behind W2 take far longer than the picture). These numbers belong to a live picture of a few seconds ago; the newest is being measured.";
pub const W2: &str = "W2: the Wasserstein-2 distance between the generated points and a target sample (optimal one-to-one matching), the mean over the evaluation's draws ± one standard error. On a target with several modes it is mostly chance — how many points happen to land in each mode — so a perfect sampler's W2 swings by 20–30 % from draw to draw; within-mode W2 is the steadier number.";
pub const WITHIN_MODE: &str = "Within-mode W2: each generated point goes to its most likely mode and is compared with fresh draws from that mode (weighted by the modes' weights), so it measures the shape of every mode apart from how much mass it got. Lower is better; the floor is what a perfect sampler scores (two-far: 0.10). The mean over the same draws flowlab run uses, ± one standard error.";
pub const STRAY: &str = "Stray mass: the share of points more than 3 (in Mahalanobis distance) from every mode — mass stranded between the modes. A perfect sampler leaves about 1.1 % in 2-D (the floor); each reflow round raises it a little, the visible cost of reflow.";
pub const COVERAGE: &str = "Mode coverage: total variation between the share of samples in each mode and the mode's weight; 0 means every mode gets exactly its share, and the floor is what chance alone gives a perfect sampler on draws of this size.";
pub const PATHS_2D: &str = "Paths of a few hundred particles from noise (faint dots) to data, coloured by the mode they end in. Where colours cross, the flow had to bend.";
pub const PATHS_1D: &str = "Paths in the (t, x) plane from noise at t = 1 (left) to data at t = 0 (right), coloured by the mode they end in. Crossings mean the flow averaged conflicting directions.";
pub const SCRUBBER: &str = "Move the particles along their paths: t = 1 is noise, t = 0 is data.";
pub const FIELD: &str = "Arrows show where the velocity field moves particles at the scrubber's time: the direction of −v(x, t), since t runs from 1 down to 0.";
pub const LOSS: &str = "The flow matching loss while training (log scale). It does not fall to zero for 1-RF: crossing pairs make the target velocity ambiguous. Reflow removes that ambiguity, so its loss is far lower.";
pub const COST: &str = "Transport cost E|z − x0|² of the pairs each round trains on: independent pairs for 1-RF, the model's own pairs after. It falls once, to about the optimum (the dashed line: no coupling of noise and target costs less); later changes are noise, and a round marked 'drift' sits below the optimum by more than its error — its teacher's samples have drifted from the target.";
pub const STRAIGHTNESS: &str = "Straightness: how far the velocity along a path strays from the path's net displacement (0 = perfectly straight). Straight paths are what one-step sampling needs.";
pub const W2_STEPS: &str = "Sample quality against the number of Euler steps, one line per round (within-mode W2, stray mass or W2: pick in the ⋯ menu); the dashed line is the floor, what a perfect sampler scores. One step fails on curved paths, and works once reflow has straightened them.";
pub const SETTINGS: &str =
    "Training settings. Changing one stops the current run; the next Play starts over with them.";
pub const WIDTH: &str = "Units per hidden layer of the velocity network.";
pub const DEPTH: &str = "Hidden layers of the velocity network.";
pub const BATCH: &str = "Training pairs per optimiser step.";
pub const TRAIN_STEPS: &str = "Optimiser steps for 1-RF.";
pub const REFLOW_STEPS: &str =
    "Optimiser steps for each reflow round (it starts from the previous model).";
pub const DISTILL_STEPS: &str = "Optimiser steps for the one-step student.";
pub const LEARNING_RATE: &str = "AdamW's step size (it decays along a cosine to a tenth).";
pub const TIME_SAMPLING: &str = "How training picks t: uniform, logit-normal (more weight mid-way, as in Stable Diffusion 3) or cosine-shaped.";
pub const SEED: &str = "The random seed: the same seed and settings give the same run.";
pub const REFLOW_PAIRS: &str = "Number of (noise, sample) pairs each reflow round trains on.";
pub const REFLOWS: &str = "Reflow rounds that 'Run all' makes.";
pub const WARM_START: &str =
    "Start each reflow round from the previous model's weights (faster) instead of from scratch.";
pub const LOAD: &str = "Load a target from a TOML file (the format flowlab run --target reads), or your own data: a CSV of 1-D or 2-D points (one or two columns), to which a Gaussian mixture is fitted (EM, number of components chosen by BIC); the points are drawn over its density.";
pub const SAVE: &str = "Save the current target as a TOML file.";
pub const COMPONENTS: &str = "The mixture's components: weight, centre and width per axis. Values that would make an invalid mixture are refused.";
pub const COUPLING: &str = "Grey lines join the (noise, data) pairs the selected round was trained on: random pairs for 1-RF, which cross, and the previous model's own pairs after a reflow, which do not. The network learns the average direction where lines cross, so its paths bend.";

pub const EXPORT_CHART: &str =
    "Write this chart as PNG and SVG (1920×1080, for slides) into the export folder.";
pub const EXPORT_SECTION: &str = "Figures, data, the run card and sessions.";
pub const EXPORT_DIR: &str = "Folder the exports are written to (created if missing).";
pub const FIGURE_THEME: &str =
    "Background of exported figures: white for print, dark for dark slides.";
pub const EXPORT_ALL: &str = "Write every figure of every round (PNG and SVG, with a README.md index), metrics.json, CSV files, the run card and the session into the export folder.";
pub const SESSION_PATH: &str = "Path of the session file (.flowlab) to save or open.";
pub const SAVE_SESSION: &str =
    "Save target, settings and every round (weights, numbers, losses) to one file (Ctrl+S).";
pub const OPEN_SESSION: &str =
    "Open a saved session: its rounds come back without training (Ctrl+O).";
pub const PRESENTATION: &str = "Presentation mode (P): text 20 % larger and thicker lines for a projector, the side panel closed so the pictures get the room. H opens the side panel, C shows a chart big, F11 is full screen.";
pub const STUDENT_STEPS: &str = "A distilled student is a one-step sampler: it jumps from noise to data in a single step, so it is drawn and measured at 1 step whatever the slider says.";
pub const PLAY_SECONDS: &str = "How long Play takes to carry the particles from t = 1 to t = 0.";
pub const ENLARGE: &str =
    "Show this chart big, in place of the target (C cycles through the charts; Esc goes back).";
pub const CONTROLS: &str = "Open or close the side panel: the target's numbers and file, the source, exports and sessions, the settings (H).";
pub const COMPARE: &str = "Train a comparison beside the rectified rounds, each from fresh weights: OT-CFM (O), the diffusion path (V), the class-conditional model for guidance (G); the consistency student (K), distilled from 1-RF; the shortcut model (J) and MeanFlow (M), which learn to jump in one training without a teacher.";
