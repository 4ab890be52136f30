/**
 * The demo label on every score the server gives from a generated random-weight model (the demo
 * model, the test suite's models): `{"demo": "demo: scores are meaningless"}` in /v1/score,
 * /v1/reward (the answer and each item) and /get_reward, as the CLI and the editor label them.
 * No `vscode` import here.
 */
import type { Engine, ModelRole } from "../engines/engine";
import { DEMO_NOTICE, isDemoModel } from "../engines/local/demoModelName";

/** `{ demo: DEMO_NOTICE }` when `role`'s model is a generated random-weight model, else `{}` (spread it into an answer). */
export function demoField(engine: Engine, role: ModelRole): { demo?: string } {
  return isDemoModel(engine.info().models[role]) ? { demo: DEMO_NOTICE } : {};
}
