/**
 * Engine errors a user can act on. Each says what is wrong, names the file / trace / URI involved,
 * and what to do (`hint`). `code` lets callers (CLI, extension) react without parsing text.
 * No `vscode` import here.
 */
import { StepLensError } from "../core/errors";

export type EngineErrorCode =
  | "model-missing"
  | "model-not-gguf"
  | "model-too-large"
  | "no-binary"
  | "context-too-small"
  | "needs-endpoint"
  | "model-offline"
  | "model-unknown"
  | "model-not-set"
  | "download-failed";

function err(code: EngineErrorCode, message: string, details: { file?: string; hint?: string } = {}): StepLensError {
  return new StepLensError(message, { ...details, code });
}

export function isEngineError(e: unknown, code?: EngineErrorCode): e is StepLensError {
  return e instanceof StepLensError && (code === undefined || e.details.code === code);
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GiB`;

export function modelFileMissing(file: string): StepLensError {
  return err("model-missing", "model file not found.", {
    file,
    hint: "Check the path in steplens.models.<role> (or --model), or give an hf: URI / preset name to download one (`steplens models` lists them).",
  });
}

export function modelNotGguf(file: string, firstBytes: Buffer): StepLensError {
  const seen = firstBytes.length ? `"${firstBytes.toString("latin1").replace(/[^\x20-\x7e]/g, ".")}"` : "an empty file";
  return err("model-not-gguf", `not a GGUF model file (it starts with ${seen}; a GGUF file starts with "GGUF").`, {
    file,
    hint: "The local engine runs GGUF files only. Convert safetensors with llama.cpp's convert_hf_to_gguf.py, or pick a GGUF from Hugging Face; an unfinished download has a .ipull suffix — run `steplens models fetch` again to resume it.",
  });
}

export function modelTooLarge(file: string, bytes: number, available: number, where: string): StepLensError {
  return err("model-too-large", `model is ${gib(bytes)} but only ${gib(available)} of ${where} is free.`, {
    file,
    hint: "Pick a smaller quantisation (e.g. Q4_K_M instead of Q8_0) or a smaller model, close other programs, or run it on an endpoint (--endpoint / steplens.engine.kind = openai).",
  });
}

export function noBinary(platform: string, arch: string, gpu: string, cause?: unknown): StepLensError {
  const why = cause instanceof Error && cause.message && cause.message !== cause.name ? ` (${cause.message})` : "";
  return err("no-binary", `no prebuilt llama.cpp binary of node-llama-cpp works on ${platform}-${arch} (gpu: ${gpu})${why}.`, {
    hint: 'Reinstall StepLens for this platform (the VSIX is per platform), or build one with `npx --no node-llama-cpp source download`; set steplens.local.gpu to "off" if a GPU variant is what fails.',
  });
}

export function gpuUnavailableWarning(asked: string, threads: number): string {
  return `GPU '${asked}' was asked for (steplens.local.gpu / --gpu) but no working ${asked} binary or device was found: running on the CPU with ${threads} thread${threads === 1 ? "" : "s"}. Set the GPU setting to "auto" or "off" to silence this.`;
}

/** `what` names what did not fit: "trace <name>", "the trace", "the prompt". */
export function contextTooSmall(what: string, tokens: number, contextSize: number): StepLensError {
  return err("context-too-small", `${what} needs ${tokens} tokens but the context holds ${contextSize}.`, {
    hint: `Raise steplens.local.contextSize (CLI: --context-size) to at least ${Math.ceil(tokens / 256) * 256}, or shorten the trace.`,
  });
}

export function needsEndpoint(preset: string, reason: string): StepLensError {
  return err("needs-endpoint", `preset '${preset}' cannot run on the local engine: ${reason}.`, {
    // The reason names the one vLLM command for this preset; the hint only says how to point StepLens at it.
    hint: `Then point StepLens at that vLLM server (the endpoint route): steplens score --endpoint http://HOST:PORT/v1 --api-model NAME --prm ${preset} (settings: steplens.engine.kind = openai).`,
  });
}

export function modelOffline(uri: string, dir: string, fileName: string | undefined, url: string | undefined, cause?: unknown): StepLensError {
  const why = cause instanceof Error ? ` (${cause.message})` : "";
  const target = fileName ? `${dir}/${fileName}` : `${dir}/`;
  return err("model-offline", `cannot download ${uri}: Hugging Face is not reachable${why}.`, {
    hint: url
      ? `On a machine with internet access download ${url} and put it at ${target} (or point --model / steplens.models.<role> at the file).`
      : `On a machine with internet access run \`steplens models fetch ${uri}\` and copy the .gguf into ${target} (or point --model / steplens.models.<role> at the file).`,
  });
}

export function downloadFailed(uri: string, dir: string, cause: unknown): StepLensError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return err("download-failed", `download of ${uri} into ${dir} failed: ${why}.`, {
    hint: "Run the same command again: the download resumes where it stopped.",
  });
}

export function unknownModel(spec: string, presets: readonly string[]): StepLensError {
  return err("model-unknown", `'${spec}' is not a file, an hf: URI or a preset.`, {
    hint: `Give a path to a .gguf file, an hf:user/repo/file.gguf URI, or one of: ${presets.join(", ")}.`,
  });
}

export function modelNotSet(role: string): StepLensError {
  return err("model-not-set", `no model is set for the ${role} role.`, {
    hint: `Set steplens.models.${role} (a .gguf path, an hf: URI or a preset), or pass --model.`,
  });
}
