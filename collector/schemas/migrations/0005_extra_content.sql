-- Default-deny for content (docs/architecture.md): whatever of a span is not known to be
-- metadata (unknown attribute keys, resource attributes, span events, exception messages)
-- is sealed with the record, in its own column under the content TTL.

ALTER TABLE {{database}}.records ADD COLUMN IF NOT EXISTS extra_sealed String CODEC(NONE) TTL {{content_ttl}} AFTER tools_sealed;
