/**
 * "StepLens: Verify" for one document: K verifications of its trace with the verifier model and the
 * verification settings, in a cancellable notification; the aggregated view comes back for the
 * annotation service to show. Without a verifier model the user is offered the demo model or the
 * picker instead.
 */
import path from "node:path";
import * as vscode from "vscode";
import { contentKey } from "../annotations/resultCache";
import type { VerificationView } from "../annotations/stepAnnotations";
import { verificationViewOf } from "../annotations/verificationView";
import type { Trace } from "../core/trace";
import { resolveTemplate } from "../verify/templates";
import { verifyTrace } from "../verify/verifyPipeline";
import { withCancellableProgress } from "./cancellableProgress";
import type { Configuration } from "./configuration";
import { isDemoModel } from "./demoModel";
import type { EngineHost } from "./engineHost";
import { noModelMessage, offerModel } from "./modelOnboarding";
import { fileLabel } from "./traceDocuments";

export interface VerifyRunnerDeps {
  configuration: Configuration;
  engines: EngineHost;
  globalStorage: vscode.Uri;
  log: vscode.LogOutputChannel;
}

export interface VerifiedTrace {
  /** Identifies the problem and steps verified (a later edit makes the view stale). */
  stepsKey: string;
  view: VerificationView;
}

/** Verifies `trace` (read from `document`); undefined when cancelled or no verifier is set. */
export async function verifyDocument(document: vscode.TextDocument, trace: Trace, deps: VerifyRunnerDeps): Promise<VerifiedTrace | undefined> {
  if (!trace.steps.length) throw new Error(`${fileLabel(document.uri)} has no steps to verify.`);
  const c = deps.configuration.current;
  const verifierSpec = c.engine.kind === "openai" ? c.openai.model : c.models.verifier;
  if (!verifierSpec.trim()) {
    await offerModel("verifier", noModelMessage("verifier", c.engine.kind), { globalStorage: deps.globalStorage, log: deps.log }, "warning");
    return undefined;
  }
  const engine = await deps.engines.get();
  const folder = vscode.workspace.getWorkspaceFolder(document.uri) ?? vscode.workspace.workspaceFolders?.[0];
  const template = resolveTemplate(c.verify.promptTemplate, folder?.uri.fsPath ?? path.dirname(document.uri.fsPath));
  const steps = trace.steps.map((s) => s.text);
  const name = path.basename(fileLabel(document.uri));
  const demo = c.engine.kind === "local" && isDemoModel(deps.engines.resolveModelSpec(verifierSpec));
  const result = await withCancellableProgress(`StepLens: verifying ${name} (×${c.verify.samples})`, ({ signal, onProgress }) =>
    verifyTrace(
      engine,
      { problem: trace.problem, steps },
      {
        template,
        samples: c.verify.samples,
        temperature: c.verify.temperature,
        topP: c.verify.topP,
        maxTokens: c.verify.maxTokens,
        finalVerdictRule: c.verify.finalVerdictRule,
        tau: c.verify.tau,
        aggregate: c.verify.aggregate,
        metaCritique: c.verify.metaCritique,
        // A random-weight demo model cannot follow a format: constrain it so the pipeline still runs end to end.
        constrained: c.verify.constrained || demo ? (demo ? { maxCritiqueChars: 80 } : true) : false,
        seed: 1,
      },
      { signal, onProgress },
    ),
  );
  if (!result) return undefined;
  const view = verificationViewOf(result, verifierSpec);
  deps.log.info(`verified ${name}: K=${view.samples}, first error ${view.firstError ?? "?"} in ${result.seconds.toFixed(2)} s`);
  return { stepsKey: contentKey({ problem: trace.problem, steps }), view };
}
