/**
 * The demo model, without VS Code: where no real model can be had (offline, no GPU, just trying
 * StepLens out), a tiny llama-architecture GGUF with RANDOM weights is generated on the spot. The
 * extension writes it into its global storage ("StepLens: Use Demo Model"), the CLI into the model
 * cache (`--model demo`). It runs everything end to end, but its judgement is noise: every place a
 * score from it shows says DEMO_NOTICE.
 *
 * Written by the same GGUF writer the test suite uses (./ggufWriter.ts).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { DEMO_MODEL_PREFIX } from "./demoModelName";
import { writeGgufModel, type GgufModelOptions } from "./ggufWriter";

/** The `--model` value (and preset-like name) that selects the generated demo model. */
export const DEMO_MODEL_SPEC = "demo";

/** Shape of the demo model: tiny (fast on any CPU), SentencePiece tokenizer, ChatML template. */
export const DEMO_MODEL_OPTIONS: GgufModelOptions = {
  tokenizer: "spm",
  chatTemplate: true,
  embd: 64,
  layers: 2,
  heads: 4,
  ff: 128,
  contextLength: 8192,
  weightType: "f32",
  seed: 20240531,
  name: "steplens-demo",
};

/** The demo model's file under `dir`, written when missing (returns its path). Safe against a concurrent writer. */
export function ensureDemoModelFile(dir: string): string {
  const hash = crypto.createHash("sha256").update(JSON.stringify(DEMO_MODEL_OPTIONS)).digest("hex").slice(0, 10);
  const file = path.join(dir, `${DEMO_MODEL_PREFIX}${hash}.gguf`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeGgufModel(tmp, DEMO_MODEL_OPTIONS);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return file;
}
