/**
 * From a model id as a span reports it to the keys of the price table. Spans carry the
 * same model under many spellings (dated snapshots, Bedrock inference profiles and
 * revisions, Vertex `@version`, resource paths, gateway `vendor/model` names), while the
 * table holds one lowercase key per priced model.
 */

// Bedrock geographic inference profiles cost the same as in-Region calls; `global.` ones
// can be cheaper, so the table may hold a separate `global.` key for them.
const GEO_PROFILE = /^(?:us|us-gov|eu|apac|au|ca|jp|in)\./;
const GLOBAL_PROFILE = 'global.';

// `:0` / `-1:0`: the Bedrock model revision, never part of the price. A `-v1` before the
// colon stays: in `cohere.embed-v4:0` it names the model; SNAPSHOT_SUFFIX skips it elsewhere.
const BEDROCK_REVISION = /(?:-\d+)?:\d+$/;

// The model's own vendor in a Bedrock id (`anthropic.claude-...`); without it the id is the
// vendor's own, priced the same when Bedrock has no entry of its own.
const BEDROCK_VENDOR = /^(?:anthropic|meta|amazon|mistral|cohere|openai|ai21|deepseek|google|qwen|writer)\./;

/**
 * What may follow a known key for the id to still name that model: a snapshot date
 * (-2024-08-06, -20250929, -0613, -001, -26-04), a Bedrock `-v1`, `-latest`. Anything else
 * (`-mini`, `-5`, `-audio-preview`) is another model, so a key never matches it.
 */
const SNAPSHOT_SUFFIX = /^(?:-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3,4}|\d{2}-\d{2}))?(?:-v\d+)?(?:-latest)?$/;

/** The ids to look `model` up under, most specific first. */
export function lookupIds(model: string): string[] {
  let id = model.trim().toLowerCase();
  // ARNs, `models/gemini-...`, Vertex `publishers/google/models/...`, gateway `openai/gpt-4o`.
  id = id.slice(id.lastIndexOf('/') + 1);
  const at = id.indexOf('@');
  if (at >= 0) id = id.slice(0, at);
  id = id.replace(BEDROCK_REVISION, '');
  // Gateways write Claude versions with dots (claude-sonnet-4.5); Anthropic ids use dashes.
  if (id.includes('claude-')) id = id.replace(/(\d)\.(\d)/g, '$1-$2');

  if (id.startsWith(GLOBAL_PROFILE)) {
    const plain = id.slice(GLOBAL_PROFILE.length);
    return [id, ...withoutVendor(plain)];
  }
  return withoutVendor(id.replace(GEO_PROFILE, ''));
}

function withoutVendor(id: string): string[] {
  const vendor = BEDROCK_VENDOR.exec(id);
  return vendor ? [id, id.slice(vendor[0].length)] : [id];
}

/**
 * The entry of `index` for `id`: its exact key, else the longest key that `id` extends by a
 * snapshot suffix only. Cost is a couple of map lookups per dash in the id.
 */
export function matchId<T>(index: ReadonlyMap<string, T>, id: string): T | undefined {
  const exact = index.get(id);
  if (exact !== undefined) return exact;
  for (let cut = id.lastIndexOf('-'); cut > 0; cut = id.lastIndexOf('-', cut - 1)) {
    if (!SNAPSHOT_SUFFIX.test(id.slice(cut))) continue;
    const hit = index.get(id.slice(0, cut));
    if (hit !== undefined) return hit;
  }
  return undefined;
}
