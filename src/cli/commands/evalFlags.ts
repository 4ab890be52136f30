/**
 * The flags of `steplens eval processbench` (its help is in src/cli/commands/eval.ts) and what the
 * two modes share: the predictions mode (src/cli/commands/evalPredictions.ts) and the model mode
 * (src/cli/commands/evalModel.ts).
 */
import { PROCESSBENCH_SUBSETS } from "../../eval/processbenchMetric";
import { PROCESSBENCH_REPO } from "../../eval/processbenchDownload";
import { SCORER_NAMES } from "../../eval/scorers";
import { CRITIC_TIE_RULES } from "../../eval/criticProtocol";
import { CRITIC_INDEX_RULES } from "../../verify/verdictParser";
import { ENGINE_OPTIONS } from "../flags";
import { defineOptions, jsonOption, type OptionValues } from "../options";
import { CONCURRENCY_OPTION, PRM_OPTION, THRESHOLD_OPTION } from "../commonOptions";
import { VERIFY_FLAG_OPTIONS } from "./verify";

/** The options of `eval processbench` itself (the verifier's and the model's follow them). */
export const EVAL_OWN_OPTIONS = defineOptions({
  data: {
    type: "text",
    arg: "<dir|file>",
    help: `the ProcessBench folder (gsm8k.json, math.json, olympiadbench.json, omnimath.json) or one subset file; without it the subsets are downloaded once from the Hugging Face Hub (${PROCESSBENCH_REPO}) into the StepLens cache ($STEPLENS_CACHE, default ~/.cache/steplens; HF_ENDPOINT for a mirror)`,
  },
  subset: { type: "text", arg: "<a,b,…>", defaultText: PROCESSBENCH_SUBSETS.join(","), help: "subsets to evaluate" },
  limit: {
    type: "int",
    arg: "<n>",
    bounds: { min: 1, max: Number.MAX_SAFE_INTEGER },
    help: "n items of each subset: a seeded sample (the same every run) that keeps both classes in proportion, at least one of each",
  },
  predictions: {
    type: "text",
    arg: "<file>",
    help: 'compute the metric from a JSONL file of {"id": "...", "prediction": <int>} lines, with no model; an item with no prediction counts as wrong (the count is reported), unknown ids and bad lines are reported',
  },
  scorer: {
    type: "enum",
    choices: SCORER_NAMES,
    default: "prm",
    help: "with a model: prm — PRM step scores; prediction = first step below the threshold\nverify — the verification pipeline's aggregate first error (--samples, --aggregate, --tau, --template, … below)\ncritic — ProcessBench's critic protocol as its official script runs it: the last \\boxed{} read as an integer, greedy for --samples 1, else --samples (default 8) at temperature 1, top_p 0.9, seed 42, most common answer (first seen wins a tie)",
  },
  "critic-index": {
    type: "enum",
    choices: CRITIC_INDEX_RULES,
    defaultText: "official",
    help: "critic: official | lenient (also \\text{2}, a later non-index box skipped, no box → the first paragraph judged wrong; not comparable)",
  },
  "critic-vote": {
    type: "enum",
    choices: CRITIC_TIE_RULES,
    defaultText: "official",
    help: "critic: official (first seen wins a tie) | earliest (the earliest step wins a tie, -1 loses ties)",
  },
  prm: { ...PRM_OPTION, help: `prm: ${PRM_OPTION.help}` },
  threshold: { ...THRESHOLD_OPTION, help: "prm: fixed threshold" },
  "tune-threshold": {
    type: "text",
    arg: "<subset>",
    help: "prm: pick the threshold maximising F1 on that subset (the paper: gsm8k) and apply it to every subset; the subset is scored even when not listed",
  },
  out: {
    type: "text",
    arg: "<dir>",
    defaultText: "./steplens-eval-<scorer>",
    help: "with a model: where raw.jsonl (append-only, resumable), predictions.jsonl and metrics.json go; rerunning the same command resumes, skipping finished items",
  },
  concurrency: { ...CONCURRENCY_OPTION, default: 1, help: "items scored at once (raise it for endpoints)" },
  json: jsonOption('print {"subsets": {"<name>": {"n", "accError", "accCorrect", "f1"}}, "averageF1"}; otherwise a table (notes go to stderr either way)'),
});

export const EVAL_FLAG_OPTIONS = defineOptions({ ...EVAL_OWN_OPTIONS, ...VERIFY_FLAG_OPTIONS, ...ENGINE_OPTIONS });

/** The parsed flag values; `data` is filled in (downloaded) before a mode runs. */
export type EvalFlags = OptionValues<typeof EVAL_FLAG_OPTIONS> & { data: string };

/** What both modes take from the command line besides the flags. */
export interface EvalRun {
  /** The subsets asked for (undefined: all). */
  subsets: string[] | undefined;
  /** Items per subset (--limit). */
  limit: number | undefined;
  json: boolean;
  /** The flags given on the command line (the others hold their defaults). */
  given: ReadonlySet<string>;
}
