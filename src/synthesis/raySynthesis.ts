/**
 * `steplens synthesize … --ray-address URL --shards N`: the shards of one synthesis run as N Ray
 * jobs on an existing cluster (one job per shard, each `steplens synthesize … --shard i/N` into its
 * own folder), then `synthesize merge` of the N folders into --out, here. Every job goes through
 * src/rl/rayJob.ts (`ray job submit`, logs followed through the Jobs API, Ctrl-C stops it): its
 * working directory carries the CLI bundle and the problems file; the other flags pass through
 * unchanged (endpoints, models, sampling). The shard folders are absolute paths the jobs write to,
 * so they must lie on storage the cluster's workers share with this machine (same path). A failed
 * shard is named with its Ray job and the command that redoes it; the others stay complete. No
 * `vscode` import.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { StepLensError } from "../core/errors";
import { forwardedEnv, jobsApiAddress, newSubmissionId, runRayJob, type RayJobDeps, type RayJobIo, type RayJobSpec } from "../rl/rayJob";
import { mergeShards, type MergeSummary } from "./merge";

/** The flags (with a value) that the submitting command owns and each shard job gets its own of. */
const OWN_VALUE_FLAGS = new Set(["--ray-address", "--shards", "--out", "--problems", "--shard"]);

/** Flags that mean nothing inside a job (they would print one shard's JSON into the merged logs). */
const OWN_BOOLEAN_FLAGS = new Set(["--json"]);

export interface RaySynthesisOptions {
  /** The cluster's dashboard (Jobs API) address. */
  address: string;
  /** Number of shards = number of Ray jobs (≥ 1). */
  shards: number;
  /** The command's own flags, as typed (after `synthesize`). */
  argv: string[];
  problemsFile: string;
  /** The merged output folder (here); the shard folders are `<out>-shards/<i>-of-<N>` beside it. */
  outDir: string;
  /** The CLI bundle (dist/cli.js) the jobs run with `node`. */
  cliPath: string;
  version: string;
}

export interface ShardJob {
  index: number;
  count: number;
  /** The shard's output folder (absolute; written by the job on the cluster). */
  dir: string;
  /** The job's command line inside its working directory. */
  spec: RayJobSpec & { submissionId: string };
  /** What a user runs to redo this shard on this machine (same folder, --resume). */
  redo: string[];
}

/** The command's flags without those it owns (`--out`, `--problems`, `--shard(s)`, `--ray-address`, `--json`). */
export function passThroughArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith("--") ? a.split("=")[0]! : a;
    if (OWN_VALUE_FLAGS.has(name)) {
      if (!a.includes("=")) i++; // the value is the next word
      continue;
    }
    if (OWN_BOOLEAN_FLAGS.has(a)) continue;
    out.push(a);
  }
  return out;
}

/** The folder of shard `index` of `count` for merged output `outDir`. */
export function shardDir(outDir: string, index: number, count: number): string {
  return path.join(`${path.resolve(outDir)}-shards`, `${index}-of-${count}`);
}

/** Name of the problems file inside the job's working directory (its extension kept: it picks the reader). */
export function jobProblemsName(problemsFile: string): string {
  return `problems${path.extname(problemsFile) || ".jsonl"}`;
}

/** The N Ray jobs of a run whose working directory (the bundle and the problems file) is `workDir`. */
export function raySynthesisJobs(o: RaySynthesisOptions, workDir: string, env: NodeJS.ProcessEnv): ShardJob[] {
  const address = jobsApiAddress(o.address);
  const flags = passThroughArgs(o.argv);
  const problems = jobProblemsName(o.problemsFile);
  // The endpoints' key travels with the job like the forwarded STEPLENS_* variables.
  const envVars = forwardedEnv(env, env.OPENAI_API_KEY ? { OPENAI_API_KEY: env.OPENAI_API_KEY } : {});
  return Array.from({ length: o.shards }, (_, index) => {
    const dir = shardDir(o.outDir, index, o.shards);
    const shardFlags = ["--problems", problems, "--out", dir, "--shard", `${index}/${o.shards}`, ...flags];
    return {
      index,
      count: o.shards,
      dir,
      spec: {
        address,
        workingDir: workDir,
        entrypoint: ["node", path.basename(o.cliPath), "synthesize", ...shardFlags],
        envVars,
        excludes: [],
        submissionId: newSubmissionId(`synthesize-${index}-of-${o.shards}`),
      },
      redo: [
        "steplens",
        "synthesize",
        "--problems",
        path.resolve(o.problemsFile),
        "--out",
        dir,
        "--shard",
        `${index}/${o.shards}`,
        ...flags.filter((f) => f !== "--resume"),
        "--resume",
      ],
    };
  });
}

/** A stream that writes each line to `to` behind `prefix` (a torn last line waits for its end or `final`). */
export class LinePrefixer extends Writable {
  private pending = "";
  constructor(
    private readonly to: NodeJS.WritableStream,
    private readonly prefix: string,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    const text = this.pending + chunk.toString();
    const lines = text.split("\n");
    this.pending = lines.pop()!;
    if (lines.length) this.to.write(lines.map((l) => `${this.prefix}${l}\n`).join(""));
    done();
  }
  override _final(done: (e?: Error | null) => void): void {
    if (this.pending) this.to.write(`${this.prefix}${this.pending}\n`);
    this.pending = "";
    done();
  }
}

/** A shell word as the user could paste it back. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface RaySynthesisResult {
  /** Exit code per shard (0 succeeded, 1 failed or not submitted, 130 stopped). */
  codes: number[];
  merged?: MergeSummary;
}

/**
 * Submits the N shard jobs at once, streams their logs with a `[shard i/N]` prefix, waits for all,
 * and merges the folders into `outDir` when every job succeeded. Resolves the command's exit code.
 */
export async function runRaySynthesis(o: RaySynthesisOptions, io: RayJobIo, deps: RayJobDeps = {}): Promise<number> {
  if (!fs.existsSync(o.cliPath) || !o.cliPath.endsWith(".js"))
    throw new StepLensError(`the CLI bundle ${o.cliPath} to send with the Ray jobs was not found`, {
      hint: "Run steplens from its bundle (node dist/cli.js, or the installed steplens command).",
    });
  const problems = path.resolve(o.problemsFile);
  if (!fs.statSync(problems, { throwIfNoEntry: false })?.isFile())
    throw new StepLensError(`--problems ${problems}: no such file`, { hint: "Give the problems file (JSONL or a dataset StepLens reads)." });
  // The job's working directory: the bundle and a copy of the problems file (Ray uploads it once per job).
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-ray-synthesis-"));
  try {
    fs.copyFileSync(o.cliPath, path.join(workDir, path.basename(o.cliPath)));
    fs.copyFileSync(problems, path.join(workDir, jobProblemsName(problems)));
    const jobs = raySynthesisJobs(o, workDir, io.env);
    io.err.write(
      `steplens: ${jobs.length} shard${jobs.length > 1 ? "s" : ""} as Ray jobs on ${jobs[0]!.spec.address}; shard folders in ${path.dirname(jobs[0]!.dir)}\n`,
    );
    const codes = await Promise.all(
      jobs.map(async (job) => {
        const tag = `[shard ${job.index}/${job.count}] `;
        const out = new LinePrefixer(io.out, tag);
        const err = new LinePrefixer(io.err, tag);
        try {
          return await runRayJob(job.spec, { out, err, signal: io.signal, env: io.env }, deps);
        } catch (e) {
          err.write(`${e instanceof StepLensError ? e.format() : (e as Error).message}\n`);
          return 1;
        } finally {
          await Promise.all([new Promise<void>((r) => out.end(r)), new Promise<void>((r) => err.end(r))]);
        }
      }),
    );
    if (io.signal.aborted || codes.includes(130)) {
      io.err.write(
        `steplens: stopped. Nothing is lost; continue with:\n  steplens synthesize ${o.argv
          .filter((a) => a !== "--resume")
          .map(shellWord)
          .join(" ")} --resume\n`,
      );
      return 130;
    }
    const failed = jobs.filter((j) => codes[j.index] !== 0);
    if (failed.length) {
      io.err.write(`steplens: ${failed.length} of ${jobs.length} shard jobs did not succeed (the others' folders are complete):\n`);
      for (const j of failed)
        io.err.write(
          `  shard ${j.index}/${j.count} (Ray job ${j.spec.submissionId}), folder ${j.dir}; redo it with:\n    ${j.redo.map(shellWord).join(" ")}\n`,
        );
      io.err.write(
        `then merge:\n    steplens synthesize merge ${jobs.map((j) => shellWord(j.dir)).join(" ")} --out ${shellWord(path.resolve(o.outDir))}\n` +
          `(or rerun this command with --resume: finished shards end at once)\n`,
      );
      return 1;
    }
    let merged: MergeSummary;
    try {
      merged = await mergeShards({
        dirs: jobs.map((j) => j.dir),
        outDir: o.outDir,
        version: o.version,
        signal: io.signal,
        command: `steplens synthesize merge ${jobs.map((j) => shellWord(j.dir)).join(" ")} --out ${shellWord(path.resolve(o.outDir))}`,
      });
    } catch (e) {
      if (e instanceof StepLensError && /no manifest\.json/.test(e.message))
        throw new StepLensError(`${e.message}: every shard job succeeded, but its folder is not here`, {
          hint: "The shard folders must be on storage the Ray workers share with this machine (same path): give --out on a shared filesystem.",
        });
      throw e;
    }
    io.out.write(
      `Merged ${merged.shards} shards into ${merged.outDir}: ${merged.counts.problems} problems, ${merged.counts.solutions} solutions, ${merged.counts.verifications} verifications, ${merged.counts.labels} labels\n`,
    );
    return 0;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
