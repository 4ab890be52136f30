/**
 * StepLens's own GGUF writer for the demo model, test models and benchmark models: a valid GGUF v3 file of the llama
 * architecture with RANDOM weights drawn from a seed. Random weights make every score meaningless
 * but deterministic: these models test plumbing (tokenizers, positions, batching, caching, forking,
 * grammars), never judgement.
 *
 * Tokenizers:
 * - "spm": SentencePiece style (`tokenizer.ggml.model = "llama"`): "▁" for spaces, scored pieces,
 *   `<0xXX>` byte fallback, BOS prepended (like Llama/Mistral).
 * - "bpe": GPT-2 byte-level BPE (`tokenizer.ggml.model = "gpt2"`, pre-tokenizer "qwen2"): bytes mapped
 *   to printable characters, merges, no BOS (like Qwen).
 * The vocabulary holds the pieces StepLens's adapters and prompts use ("ки", "+", "-", "Yes", "No",
 * "Step", digits, LaTeX pieces, JSON pieces such as {"verdict": "correct"}), so those tokenize into
 * few tokens; anything else still tokenizes (SPM byte fallback, BPE bytes).
 *
 * No dependencies; writes the file in tensor-sized chunks so a ~100M-parameter model never needs a
 * second copy of itself in memory.
 */
import fs from "node:fs";

export type TokenizerKind = "spm" | "bpe";
export type WeightType = "f32" | "f16";

export interface GgufModelOptions {
  tokenizer: TokenizerKind;
  /** Seed of the random weights (same seed, same file). */
  seed?: number;
  /** Add a ChatML chat template (`tokenizer.chat_template`, as Qwen uses). */
  chatTemplate?: boolean;
  /** Hidden size (must be divisible by `heads`). */
  embd?: number;
  layers?: number;
  heads?: number;
  /** Feed-forward size; default 2 × embd. */
  ff?: number;
  /** Training context length written into the metadata. */
  contextLength?: number;
  /** Pad the vocabulary with unused tokens up to this size (e.g. 32000, to make the output layer realistic). */
  vocabSize?: number;
  /** Type of the 2-D weight matrices (norms are always f32). */
  weightType?: WeightType;
  /** `general.name`. */
  name?: string;
}

/** Pieces every test model's vocabulary holds (each with a leading-space variant). */
export const VOCAB_PIECES: readonly string[] = [
  // prompts and adapters
  "ки",
  "Step",
  "step",
  "Problem",
  "Question",
  "Answer",
  "answer",
  "Is",
  "is",
  "this",
  "correct",
  "incorrect",
  "correct?",
  "Yes",
  "No",
  "yes",
  "no",
  "+",
  "-",
  "verdict",
  "score",
  "reason",
  "the",
  "so",
  "We",
  "we",
  "have",
  "Let",
  "let",
  "Then",
  "then",
  "Therefore",
  "and",
  "of",
  "to",
  "a",
  "in",
  "x",
  "y",
  "n",
  "equals",
  "solve",
  "sum",
  "total",
  "number",
  "find",
  "true",
  "false",
  "user",
  "assistant",
  "system",
  // numbers and maths
  "10",
  "12",
  "100",
  "2x",
  "x^2",
  "=",
  "+=",
  "$$",
  "\\(",
  "\\)",
  "\\[",
  "\\]",
  "\\frac",
  "\\sqrt",
  "\\cdot",
  "\\times",
  "\\left",
  "\\right",
  "\\boxed",
  "\\pi",
  "\\le",
  "\\ge",
  "\\neq",
  "\\in",
  // JSON pieces
  '{"',
  '"}',
  '": "',
  '", "',
  '"verdict"',
  '"correct"',
  '"incorrect"',
  '"step"',
  '": ',
];

/** Special tokens present in every vocabulary. */
export const SPECIAL_TOKENS = { step: "<|step|>", imStart: "<|im_start|>", imEnd: "<|im_end|>" } as const;

/** The ChatML template written when `chatTemplate` is set. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

// ---- GGUF constants ----
const GGUF_MAGIC = "GGUF";
const GGUF_VERSION = 3;
const ALIGNMENT = 32;
const enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}
const GGML_TYPE = { f32: 0, f16: 1 } as const;
const enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

type MetaValue =
  | { type: ValueType.UINT32 | ValueType.INT32 | ValueType.FLOAT32; value: number }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.ARRAY; itemType: ValueType.STRING; value: readonly string[] }
  | { type: ValueType.ARRAY; itemType: ValueType.FLOAT32 | ValueType.INT32; value: readonly number[] };

// ---- deterministic random numbers ----
/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
function uniformRandom(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalRandom(seed: number): () => number {
  const u = uniformRandom(seed);
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

// ---- tokenizer vocabularies ----
interface Vocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
  merges: string[];
  bos: number;
  eos: number;
  unk?: number;
}

class VocabularyBuilder {
  readonly tokens: string[] = [];
  readonly scores: number[] = [];
  readonly types: number[] = [];
  private readonly ids = new Map<string, number>();

  add(text: string, type: TokenType = TokenType.NORMAL, score = 0): number {
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const id = this.tokens.length;
    this.tokens.push(text);
    this.types.push(type);
    this.scores.push(score);
    this.ids.set(text, id);
    return id;
  }

  padTo(size: number): void {
    while (this.tokens.length < size || this.tokens.length % 8 !== 0) this.add(`[PAD${this.tokens.length}]`, TokenType.UNUSED);
  }
}

function spmVocabulary(padTo: number): Vocabulary {
  const v = new VocabularyBuilder();
  const unk = v.add("<unk>", TokenType.UNKNOWN);
  const bos = v.add("<s>", TokenType.CONTROL);
  const eos = v.add("</s>", TokenType.CONTROL);
  v.add(SPECIAL_TOKENS.step, TokenType.USER_DEFINED);
  v.add(SPECIAL_TOKENS.imStart, TokenType.CONTROL);
  v.add(SPECIAL_TOKENS.imEnd, TokenType.CONTROL);
  for (let b = 0; b < 256; b++) v.add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, TokenType.BYTE);
  // Single characters (lowest scores) so the SPM bigram merge can start from any printable ASCII text.
  v.add("\u2581", TokenType.NORMAL, -1000);
  for (let c = 0x21; c <= 0x7e; c++) v.add(String.fromCharCode(c), TokenType.NORMAL, -1000 - c);
  for (const piece of VOCAB_PIECES) for (const ch of piece) v.add(ch, TokenType.NORMAL, -1000 - (ch.codePointAt(0) ?? 0));
  // Multi-character pieces with all their prefixes (SPM merges bigrams of existing pieces); longer scores higher.
  for (const piece of VOCAB_PIECES) {
    for (const form of [piece, "\u2581" + piece]) {
      const chars = [...form];
      for (let i = 2; i <= chars.length; i++) v.add(chars.slice(0, i).join(""), TokenType.NORMAL, -100 + i);
    }
  }
  v.padTo(padTo);
  return { tokens: v.tokens, scores: v.scores, types: v.types, merges: [], bos, eos, unk };
}

/** GPT-2's bytes_to_unicode: every byte maps to one printable character. */
function gpt2ByteAlphabet(): string[] {
  const printable: number[] = [];
  for (let c = 0x21; c <= 0x7e; c++) printable.push(c);
  for (let c = 0xa1; c <= 0xac; c++) printable.push(c);
  for (let c = 0xae; c <= 0xff; c++) printable.push(c);
  const byteToChar = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    byteToChar[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return byteToChar;
}

function bpeVocabulary(padTo: number): Vocabulary {
  const v = new VocabularyBuilder();
  const alphabet = gpt2ByteAlphabet();
  const charOf = (byte: number): string => {
    const c = alphabet[byte];
    if (c === undefined) throw new Error(`internal: the GPT-2 byte alphabet has no character for byte ${byte}`);
    return c;
  };
  const encode = (s: string) => [...Buffer.from(s, "utf8")].map(charOf);
  for (let b = 0; b < 256; b++) v.add(charOf(b)); // ids 0..255: the bytes, in byte order
  const merges: string[] = [];
  const seenMerges = new Set<string>();
  for (const piece of VOCAB_PIECES) {
    for (const form of [piece, " " + piece]) {
      const [head, ...tail] = encode(form);
      if (head === undefined) continue; // an empty form: no merges, no pieces
      let current = head;
      for (const char of tail) {
        const merge = `${current} ${char}`; // left-to-right merges: "prefix next-char"
        current += char;
        if (!seenMerges.has(merge)) {
          seenMerges.add(merge);
          merges.push(merge);
        }
        v.add(current);
      }
    }
  }
  // Whole-word merges last: " Yes" = "Ġ" + "Yes" once "Yes" is built (as trained BPE vocabularies have).
  for (const piece of VOCAB_PIECES) {
    const word = encode(piece).join("");
    const merge = `${charOf(0x20)} ${word}`;
    if (!seenMerges.has(merge) && [...piece].length > 1) {
      seenMerges.add(merge);
      merges.push(merge);
    }
  }
  const eos = v.add("<|endoftext|>", TokenType.CONTROL);
  v.add(SPECIAL_TOKENS.step, TokenType.USER_DEFINED);
  v.add(SPECIAL_TOKENS.imStart, TokenType.CONTROL);
  v.add(SPECIAL_TOKENS.imEnd, TokenType.CONTROL);
  v.padTo(padTo);
  return { tokens: v.tokens, scores: v.scores, types: v.types, merges, bos: eos, eos };
}

// ---- f16 conversion ----
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 half precision, round to nearest even (values here are small; no NaN/Inf handling needed beyond clamping). */
function toHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] ?? 0; // a one-element view: index 0 always holds the bits just written
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mantissa = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mantissa = (mantissa | 0x800000) >>> (1 - exp);
    if (mantissa & 0x1000) mantissa += 0x2000;
    return sign | (mantissa >>> 13);
  }
  if (exp >= 31) return sign | 0x7bff; // clamp to the largest finite half
  let half = sign | (exp << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return half;
}

// ---- file layout ----
interface TensorSpec {
  name: string;
  /** ggml order: dims[0] is the contiguous (input-feature) dimension. */
  dims: number[];
  type: WeightType;
  init: "ones" | { std: number };
}

function elementCount(t: TensorSpec): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

function byteSize(t: TensorSpec): number {
  return elementCount(t) * (t.type === "f16" ? 2 : 4);
}

const padding = (n: number) => (ALIGNMENT - (n % ALIGNMENT)) % ALIGNMENT;

class ByteWriter {
  private readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  /** `size` bytes, filled by `write` (little-endian). */
  private fixed(size: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(size);
    write(b);
    this.push(b);
  }
  u32(v: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(v));
  }
  i32(v: number): void {
    this.fixed(4, (b) => b.writeInt32LE(v));
  }
  u64(v: number): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(v)));
  }
  f32(v: number): void {
    this.fixed(4, (b) => b.writeFloatLE(v));
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  value(m: MetaValue): void {
    switch (m.type) {
      case ValueType.UINT32:
        return this.u32(m.value);
      case ValueType.INT32:
        return this.i32(m.value);
      case ValueType.FLOAT32:
        return this.f32(m.value);
      case ValueType.BOOL:
        return this.push(Buffer.from([m.value ? 1 : 0]));
      case ValueType.STRING:
        return this.str(m.value);
      case ValueType.ARRAY: {
        this.u32(m.itemType);
        this.u64(m.value.length);
        if (m.itemType === ValueType.STRING) for (const s of m.value as readonly string[]) this.str(s);
        else if (m.itemType === ValueType.FLOAT32) for (const x of m.value as readonly number[]) this.f32(x);
        else for (const x of m.value as readonly number[]) this.i32(x);
        return;
      }
    }
  }
  padToAlignment(): void {
    const p = padding(this.length);
    if (p) this.push(Buffer.alloc(p));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface GgufWriteResult {
  path: string;
  bytes: number;
  parameters: number;
  vocabSize: number;
}

/** Parameters a model with these options has (without writing it). */
export function parameterCount(options: GgufModelOptions): number {
  const vocab = (options.tokenizer === "spm" ? spmVocabulary : bpeVocabulary)(options.vocabSize ?? 0).tokens.length;
  return tensorSpecs(resolveShape(options), vocab).reduce((n, t) => n + elementCount(t), 0);
}

function resolveShape(o: GgufModelOptions) {
  const embd = o.embd ?? 64;
  const heads = o.heads ?? 4;
  if (embd % heads !== 0) throw new Error(`embd (${embd}) must be divisible by heads (${heads})`);
  return {
    embd,
    heads,
    layers: o.layers ?? 2,
    ff: o.ff ?? 2 * embd,
    contextLength: o.contextLength ?? 2048,
    weightType: o.weightType ?? "f32",
  };
}

function tensorSpecs(s: ReturnType<typeof resolveShape>, vocab: number): TensorSpec[] {
  const w = s.weightType;
  const proj = { std: 1.2 / Math.sqrt(s.embd) };
  const specs: TensorSpec[] = [{ name: "token_embd.weight", dims: [s.embd, vocab], type: w, init: { std: 0.5 } }];
  for (let l = 0; l < s.layers; l++) {
    specs.push(
      { name: `blk.${l}.attn_norm.weight`, dims: [s.embd], type: "f32", init: "ones" },
      { name: `blk.${l}.attn_q.weight`, dims: [s.embd, s.embd], type: w, init: proj },
      { name: `blk.${l}.attn_k.weight`, dims: [s.embd, s.embd], type: w, init: proj },
      { name: `blk.${l}.attn_v.weight`, dims: [s.embd, s.embd], type: w, init: proj },
      { name: `blk.${l}.attn_output.weight`, dims: [s.embd, s.embd], type: w, init: proj },
      { name: `blk.${l}.ffn_norm.weight`, dims: [s.embd], type: "f32", init: "ones" },
      { name: `blk.${l}.ffn_gate.weight`, dims: [s.embd, s.ff], type: w, init: proj },
      { name: `blk.${l}.ffn_up.weight`, dims: [s.embd, s.ff], type: w, init: proj },
      { name: `blk.${l}.ffn_down.weight`, dims: [s.ff, s.embd], type: w, init: { std: 1.2 / Math.sqrt(s.ff) } },
    );
  }
  specs.push(
    { name: "output_norm.weight", dims: [s.embd], type: "f32", init: "ones" },
    { name: "output.weight", dims: [s.embd, vocab], type: w, init: { std: 0.3 } },
  );
  return specs;
}

function metadata(o: GgufModelOptions, s: ReturnType<typeof resolveShape>, v: Vocabulary): [string, MetaValue][] {
  const u32 = (value: number): MetaValue => ({ type: ValueType.UINT32, value });
  const f32 = (value: number): MetaValue => ({ type: ValueType.FLOAT32, value });
  const str = (value: string): MetaValue => ({ type: ValueType.STRING, value });
  const bool = (value: boolean): MetaValue => ({ type: ValueType.BOOL, value });
  const kv: [string, MetaValue][] = [
    ["general.architecture", str("llama")],
    ["general.name", str(o.name ?? `steplens-test-llama-${o.tokenizer}`)],
    ["general.alignment", u32(ALIGNMENT)],
    ["general.file_type", u32(s.weightType === "f16" ? 1 : 0)], // ALL_F32 / MOSTLY_F16
    ["llama.context_length", u32(s.contextLength)],
    ["llama.embedding_length", u32(s.embd)],
    ["llama.block_count", u32(s.layers)],
    ["llama.feed_forward_length", u32(s.ff)],
    ["llama.attention.head_count", u32(s.heads)],
    ["llama.attention.head_count_kv", u32(s.heads)],
    ["llama.rope.dimension_count", u32(s.embd / s.heads)],
    ["llama.rope.freq_base", f32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", f32(1e-5)],
    ["llama.vocab_size", u32(v.tokens.length)],
  ];
  const tokens: MetaValue = { type: ValueType.ARRAY, itemType: ValueType.STRING, value: v.tokens };
  const types: MetaValue = { type: ValueType.ARRAY, itemType: ValueType.INT32, value: v.types };
  if (o.tokenizer === "spm") {
    kv.push(
      ["tokenizer.ggml.model", str("llama")],
      ["tokenizer.ggml.tokens", tokens],
      ["tokenizer.ggml.scores", { type: ValueType.ARRAY, itemType: ValueType.FLOAT32, value: v.scores }],
      ["tokenizer.ggml.token_type", types],
      ["tokenizer.ggml.bos_token_id", u32(v.bos)],
      ["tokenizer.ggml.eos_token_id", u32(v.eos)],
      ["tokenizer.ggml.unknown_token_id", u32(v.unk ?? 0)],
      ["tokenizer.ggml.add_bos_token", bool(true)],
      ["tokenizer.ggml.add_eos_token", bool(false)],
    );
  } else {
    kv.push(
      ["tokenizer.ggml.model", str("gpt2")],
      ["tokenizer.ggml.pre", str("qwen2")],
      ["tokenizer.ggml.tokens", tokens],
      ["tokenizer.ggml.token_type", types],
      ["tokenizer.ggml.merges", { type: ValueType.ARRAY, itemType: ValueType.STRING, value: v.merges }],
      ["tokenizer.ggml.bos_token_id", u32(v.bos)],
      ["tokenizer.ggml.eos_token_id", u32(v.eos)],
      ["tokenizer.ggml.padding_token_id", u32(v.eos)],
      ["tokenizer.ggml.add_bos_token", bool(false)],
    );
  }
  if (o.chatTemplate) kv.push(["tokenizer.chat_template", str(CHATML_TEMPLATE)]);
  return kv;
}

/** Random tensor data, generated and written one tensor (or slice of one) at a time. */
function writeTensorData(fd: number, t: TensorSpec, next: () => number): void {
  const total = elementCount(t);
  const chunk = 1 << 20;
  for (let start = 0; start < total; start += chunk) {
    const n = Math.min(chunk, total - start);
    let buf: Buffer;
    if (t.type === "f32") {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = t.init === "ones" ? 1 : next() * t.init.std;
      buf = Buffer.from(data.buffer);
    } else {
      const data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = toHalf(t.init === "ones" ? 1 : next() * t.init.std);
      buf = Buffer.from(data.buffer);
    }
    fs.writeSync(fd, buf);
  }
  const pad = padding(byteSize(t));
  if (pad) fs.writeSync(fd, Buffer.alloc(pad));
}

/** Writes a random-weight llama GGUF to `path` (replacing it). */
export function writeGgufModel(path: string, options: GgufModelOptions): GgufWriteResult {
  const shape = resolveShape(options);
  const vocab = (options.tokenizer === "spm" ? spmVocabulary : bpeVocabulary)(options.vocabSize ?? 0);
  const tensors = tensorSpecs(shape, vocab.tokens.length);
  const kv = metadata(options, shape, vocab);

  const header = new ByteWriter();
  header.push(Buffer.from(GGUF_MAGIC, "ascii"));
  header.u32(GGUF_VERSION);
  header.u64(tensors.length);
  header.u64(kv.length);
  for (const [key, value] of kv) {
    header.str(key);
    header.u32(value.type);
    header.value(value);
  }
  let offset = 0;
  for (const t of tensors) {
    header.str(t.name);
    header.u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(GGML_TYPE[t.type]);
    header.u64(offset);
    offset += byteSize(t) + padding(byteSize(t));
  }
  header.padToAlignment();

  const next = normalRandom(options.seed ?? 1234);
  const fd = fs.openSync(path, "w");
  try {
    fs.writeSync(fd, header.toBuffer());
    for (const t of tensors) writeTensorData(fd, t, next);
  } finally {
    fs.closeSync(fd);
  }
  return {
    path,
    bytes: header.length + offset,
    parameters: tensors.reduce((n, t) => n + elementCount(t), 0),
    vocabSize: vocab.tokens.length,
  };
}
