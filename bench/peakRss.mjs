// Shared by the benchmarks that measure a child process: runs `node <args>` and reports its exit
// code, wall time and peak RSS — from /usr/bin/time -v when present, cross-checked (or replaced) by
// polling VmHWM in /proc. Not a benchmark itself (bench/run.mjs does not list it).
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";

/**
 * @param {string[]} nodeArgs arguments after `node`
 * @param {{ stdout?: "capture" | "discard", pollMs?: number }} [options] capture keeps the first 64 KiB of stdout
 */
export async function runMeasured(nodeArgs, { stdout = "capture", pollMs = 20 } = {}) {
  const useTime = fs.existsSync("/usr/bin/time");
  const cmd = useTime ? "/usr/bin/time" : process.execPath;
  const args = useTime ? ["-v", process.execPath, ...nodeArgs] : nodeArgs;
  const devnull = stdout === "discard" ? fs.openSync("/dev/null", "w") : null;
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: ["ignore", devnull ?? "pipe", "pipe"] });
  let out = "";
  let stdoutBytes = 0;
  child.stdout?.on("data", (d) => {
    stdoutBytes += d.length;
    if (out.length < 1 << 16) out += d;
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  let polledKb = 0;
  const poll = setInterval(() => {
    // VmHWM of the node process: the child itself, or time's child.
    try {
      const pids = useTime ? fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/) : [String(child.pid)];
      for (const pid of pids.filter(Boolean)) {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        if (m) polledKb = Math.max(polledKb, Number(m[1]));
      }
    } catch {
      // the process just ended
    }
  }, pollMs);
  const [code] = await once(child, "exit");
  clearInterval(poll);
  if (devnull !== null) fs.closeSync(devnull);
  const wallS = (performance.now() - t0) / 1000;
  const timeKb = useTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? 0) : 0;
  return {
    code,
    wallS,
    peakRssMb: Math.max(timeKb, polledKb) / 1024,
    method: useTime && timeKb ? "/usr/bin/time -v" : "/proc VmHWM polling",
    stdout: out,
    stdoutBytes,
    stderr: (useTime ? err.split(/\n?\s*Command being timed:/)[0] : err).trim(),
  };
}
