/**
 * The judgement behind the README's grading-dependency rationale: @cortex-js/compute-engine (a
 * maintained LaTeX-to-math library that parses LaTeX and compares expressions) against StepLens's
 * own LaTeX clean-up over mathjs, on the comparison corpus (bench/grading/corpus.mjs). Both get the
 * same extracted answers (StepLens's extractGold / extractAnswer); the comparison is then
 * `ce.parse(gold).isEqual(ce.parse(pred))` vs StepLens's compareAnswers. Right = the corpus truth.
 * compute-engine is not a dependency: install it anywhere (npm install --prefix DIR
 * @cortex-js/compute-engine) and pass --ce-dir DIR. Writes bench/results/grading-library.json.
 *
 * Usage: node bench/grading-library.mjs --ce-dir DIR
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { compareAnswers, extractAnswer, extractGold } from "../src/grading";
import { buildCorpus, CATEGORIES } from "./grading/corpus.mjs";
import { loadReviewed } from "./grading/compare";

const at = process.argv.indexOf("--ce-dir");
const ceArg = at < 0 ? undefined : process.argv[at + 1];
if (ceArg === undefined) throw new Error("give --ce-dir DIR (a folder where @cortex-js/compute-engine is installed)");
const ceDir = path.resolve(ceArg);
const ceVersion = (JSON.parse(fs.readFileSync(path.join(ceDir, "node_modules/@cortex-js/compute-engine/package.json"), "utf8")) as { version: string }).version;
// The ESM build, imported at run time (not bundled: it is not a dependency).
const dynamicImport = new Function("u", "return import(u)") as (u: string) => Promise<{ ComputeEngine: new () => any }>;

async function main() {
  const { ComputeEngine } = await dynamicImport(pathToFileURL(path.join(ceDir, "node_modules/@cortex-js/compute-engine/dist/compute-engine.min.esm.js")).href);
  const ce = new ComputeEngine();
  const root = process.cwd();
  const reviewed = loadReviewed(path.join(root, "bench/grading/reviewed.json"));
  const corpus = buildCorpus({ root });
  const per: Record<string, { pairs: number; steplensRight: number; computeEngineRight: number; computeEngineErrors: number }> = {};
  let slMs = 0;
  let ceMs = 0;
  for (const p of corpus) {
    const r = reviewed.get(p.id);
    const truth = r && r.gold === p.gold && r.pred === p.pred ? r.truth : p.expected;
    const g = extractGold(p.gold);
    const q = extractAnswer(p.pred);
    const c = (per[p.category] ??= { pairs: 0, steplensRight: 0, computeEngineRight: 0, computeEngineErrors: 0 });
    c.pairs++;
    let t = performance.now();
    const sl = g !== null && q !== null && compareAnswers(g, q).equal;
    slMs += performance.now() - t;
    t = performance.now();
    let cev = false;
    try {
      cev = g !== null && q !== null && ce.parse(g).isEqual(ce.parse(q)) === true;
    } catch {
      c.computeEngineErrors++;
    }
    ceMs += performance.now() - t;
    if (sl === truth) c.steplensRight++;
    if (cev === truth) c.computeEngineRight++;
  }
  const overall = Object.values(per).reduce((a, c) => ({
    pairs: a.pairs + c.pairs,
    steplensRight: a.steplensRight + c.steplensRight,
    computeEngineRight: a.computeEngineRight + c.computeEngineRight,
    computeEngineErrors: a.computeEngineErrors + c.computeEngineErrors,
  }));
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    computeEngineVersion: ceVersion,
    note: "same extracted answers for both; right = the corpus truth (construction or reviewed verdict); times are the comparison only, one run",
    overall: { ...overall, steplensMs: Math.round(slMs), computeEngineMs: Math.round(ceMs) },
    perCategory: Object.fromEntries(CATEGORIES.filter((c) => per[c]).map((c) => [c, per[c]])),
  };
  fs.writeFileSync(path.join(root, "bench/results/grading-library.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result.overall));
  for (const [c, v] of Object.entries(result.perCategory)) console.log(c.padEnd(14), JSON.stringify(v));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
