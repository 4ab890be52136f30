// Host side of the dataset dashboard on the 3,400-record ProcessBench set with step scores
// (bench/dashboard-fixture.mjs): index the file (as the Datasets tree does), read the eval run's
// raw.jsonl, build the model, compute the first summary, then one threshold view per slider
// position (0.00 … 1.00). Medians of repeated runs; the summary's and a view's message sizes. The
// browser-side figures (Open Dataset Dashboard → first chart, slider → F1 shown) come from the e2e
// run (test/e2e/inspector.e2e.mjs → out/test-artifacts/e2e/dashboard-timings.json) and are merged
// in when present. Writes bench/results/dashboard.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatasetIndex } from "../src/datasets/datasetIndex";
import { DashboardModel, dashboardRecords } from "../src/inspector/dashboardModel";
import { readScoresFile } from "../src/inspector/scoresFile";
import { median } from "./samples";
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- a plain .mjs helper shared with the e2e checks
import { expectedMetrics, writeDashboardFixture } from "./dashboard-fixture.mjs";

const root = path.resolve(__dirname, "../..");

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-dashboard-"));
  try {
    const { dataset, out, items } = writeDashboardFixture(root, dir) as { dataset: string; out: string; items: { scores: number[] }[] };
    const runs: { indexMs: number; scoresMs: number; modelMs: number; summaryMs: number; totalMs: number }[] = [];
    let model: DashboardModel | null = null;
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      const index = await DatasetIndex.build(dataset);
      const t1 = performance.now();
      const scores = await readScoresFile(out);
      const t2 = performance.now();
      const { records } = dashboardRecords(index, scores, "all");
      model = new DashboardModel({ file: dataset, title: "processbench-3400.jsonl", format: index.detected.format, records, settingsThreshold: 0.5 });
      const t3 = performance.now();
      model.summary(0.5);
      const t4 = performance.now();
      runs.push({ indexMs: t1 - t0, scoresMs: t2 - t1, modelMs: t3 - t2, summaryMs: t4 - t3, totalMs: t4 - t0 });
    }
    const views: number[] = [];
    for (let rep = 0; rep < 5; rep++)
      for (let i = 0; i <= 100; i++) {
        const t0 = performance.now();
        model!.view(i / 100);
        views.push(performance.now() - t0);
      }
    const summary = model!.summary(0.5);
    const want = expectedMetrics(items, 0.5).averageF1;
    if (Math.abs(summary.view.averageF1! - want) > 1e-9) throw new Error(`average F1 ${summary.view.averageF1} ≠ ${want}`);
    const pick = (k: keyof (typeof runs)[number]) => +median(runs.map((r) => r[k])).toFixed(2);
    const result: Record<string, unknown> = {
      records: summary.records,
      host: {
        indexMs: pick("indexMs"),
        readScoresMs: pick("scoresMs"),
        buildModelMs: pick("modelMs"),
        firstSummaryMs: pick("summaryMs"),
        openToSummaryMs: pick("totalMs"),
        thresholdViewMs: { median: +median(views).toFixed(3), max: +Math.max(...views).toFixed(3), samples: views.length },
        summaryBytes: JSON.stringify(summary).length,
        viewBytes: JSON.stringify(summary.view).length,
      },
      averageF1At05: +summary.view.averageF1!.toFixed(4),
      machine: { cpus: os.cpus().length, node: process.version, load: os.loadavg().map((x) => +x.toFixed(2)) },
    };
    const e2e = path.join(root, "out/test-artifacts/e2e/dashboard-timings.json");
    if (fs.existsSync(e2e)) result.browser = { ...JSON.parse(fs.readFileSync(e2e, "utf8")), from: "the last e2e run (test/e2e/inspector.e2e.mjs)" };
    fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
    fs.writeFileSync(path.join(root, "bench/results/dashboard.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify(result, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
