/**
 * The compiled grammars of a LocalEngine, one per distinct JSON schema, in a least-recently-used
 * cache of at most `maxEntries` (setting `steplens.local.grammarCacheSize`): a client that sends
 * thousands of different schemas no longer grows the heap without bound. A schema over the limits of
 * ../jsonSchemaLimits.ts, or one node-llama-cpp cannot compile, is a StepLensError (code
 * "bad-schema", a 400 on the server), never cached. No `vscode` import.
 */
import { StepLensError } from "../../core/errors";
import { LruCache } from "../../core/lruCache";
import { checkJsonSchema, ENGINE_SCHEMA_LIMITS, type JsonSchemaLimits } from "../jsonSchemaLimits";

export const DEFAULT_GRAMMAR_CACHE_SIZE = 32;

export class GrammarCache<G> {
  private readonly entries: LruCache<string, Promise<G>>;

  constructor(
    private readonly compile: (schema: object) => Promise<G>,
    readonly maxEntries: number = DEFAULT_GRAMMAR_CACHE_SIZE,
    private readonly limits: JsonSchemaLimits = ENGINE_SCHEMA_LIMITS,
  ) {
    this.entries = new LruCache(maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The grammar of `schema`, compiled once while it stays among the `maxEntries` most recently used. */
  get(schema: object): Promise<G> {
    const key = JSON.stringify(schema);
    const hit = this.entries.get(key);
    if (hit) return hit;
    try {
      checkJsonSchema(schema, this.limits, key);
    } catch (e) {
      return Promise.reject(e);
    }
    const compiled = this.compile(schema).catch((e: unknown) => {
      this.entries.delete(key);
      throw e instanceof StepLensError
        ? e
        : new StepLensError(`JSON schema cannot be turned into a grammar: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}.`, {
            code: "bad-schema",
            hint: "Simplify the schema (fewer nesting levels, smaller repetition counts), or leave response_format out.",
          });
    });
    this.entries.set(key, compiled);
    return compiled;
  }

  clear(): void {
    this.entries.clear();
  }
}
