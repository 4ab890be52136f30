/** The PRM adapters by name. No `vscode` import. */
import type { PrmAdapterName } from "../presets";
import { chatTurnAdapter } from "./chatTurn";
import { judgeAdapter } from "./judge";
import { mathShepherdAdapter } from "./mathShepherd";
import type { PrmAdapter } from "./plan";

export const ADAPTERS: Record<PrmAdapterName, PrmAdapter> = {
  "math-shepherd": mathShepherdAdapter,
  "chat-turn": chatTurnAdapter,
  judge: judgeAdapter,
};

export type { PrmAdapter, PrmPlan, PlanRead, PlanBranch, PrmInput, AdapterContext } from "./plan";
export { scoreFromLogits } from "./plan";
