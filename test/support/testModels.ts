/**
 * The standard generated test models, written once into out/test-models/ and reused (the file name
 * carries a hash of the options, so changing an option writes a new file). RANDOM WEIGHTS: they
 * test plumbing, not judgement.
 *
 *   const modelPath = await testModel({ tokenizer: "spm" });                   // tiny, SentencePiece
 *   const chatPath  = await testModel({ tokenizer: "bpe", chatTemplate: true }); // tiny, BPE + ChatML
 *   const bigPath   = await testModel({ tokenizer: "bpe", size: "100m" });       // ~106M params (benchmarks)
 *
 * Safe to call from several test processes at once (each writes a temp file, then renames it).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { writeGgufModel, type GgufModelOptions, type TokenizerKind } from "../../src/engines/local/ggufWriter";

export type TestModelSize = "tiny" | "100m";

export interface TestModelOptions {
  tokenizer: TokenizerKind;
  chatTemplate?: boolean;
  size?: TestModelSize;
  seed?: number;
}

/** Bump when the writer's output changes, so cached files are regenerated. */
const WRITER_VERSION = 2;

/** Shapes per size. "100m": 8 layers × 768 wide, 32000-token vocabulary, f16 matrices ≈ 106M parameters, ~212 MB. */
export const TEST_MODEL_SHAPES: Record<TestModelSize, Omit<GgufModelOptions, "tokenizer">> = {
  tiny: { embd: 64, layers: 2, heads: 4, ff: 128, contextLength: 4096, weightType: "f32" },
  "100m": { embd: 768, layers: 8, heads: 12, ff: 2048, contextLength: 4096, vocabSize: 32000, weightType: "f16" },
};

/** Folder of the generated models (override with STEPLENS_TEST_MODELS). */
export function testModelDir(): string {
  return process.env.STEPLENS_TEST_MODELS ?? path.join(projectRoot(), "out", "test-models");
}

/** The folder holding StepLens's package.json, found upwards from this (possibly bundled) file. */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "steplens") return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

export function testModelOptions(o: TestModelOptions): GgufModelOptions {
  const size = o.size ?? "tiny";
  return {
    ...TEST_MODEL_SHAPES[size],
    tokenizer: o.tokenizer,
    chatTemplate: o.chatTemplate ?? false,
    seed: o.seed ?? 1234,
    name: `steplens-test-${size}-${o.tokenizer}${o.chatTemplate ? "-chatml" : ""}`,
  };
}

/** Path of the model with these options, generating it when it is not there yet. */
export async function testModel(o: TestModelOptions): Promise<string> {
  const options = testModelOptions(o);
  const hash = crypto.createHash("sha256").update(JSON.stringify({ WRITER_VERSION, options })).digest("hex").slice(0, 12);
  const dir = testModelDir();
  const file = path.join(dir, `${options.name}-${hash}.gguf`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeGgufModel(tmp, options);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return file;
}

/** The four tiny variants the engine tests run over. */
export const TINY_VARIANTS: readonly TestModelOptions[] = [
  { tokenizer: "spm" },
  { tokenizer: "spm", chatTemplate: true },
  { tokenizer: "bpe" },
  { tokenizer: "bpe", chatTemplate: true },
];
