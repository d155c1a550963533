-- Cost and usage per tenant, day, provider and model, kept by ClickHouse inside every part
-- of records (an aggregate projection): "cost by model per day" over months reads a few
-- hundred pre-aggregated rows instead of every record. Queries use it by themselves when
-- they filter and group on these columns, with days as toDate(timestamp), e.g.
--   WHERE tenant_id = 't' AND toDate(timestamp) >= today() - 89
--   GROUP BY toDate(timestamp), request_model
-- It follows the rows: TTL, erasure mutations and deduplicated inserts apply to it as to
-- the table. MATERIALIZE builds it for rows stored before this migration (in the background).

ALTER TABLE {{database}}.records ADD PROJECTION IF NOT EXISTS cost_by_day
(
    SELECT tenant_id, toDate(timestamp), provider, request_model,
           count(), sum(cost_usd), sum(input_tokens), sum(output_tokens)
    GROUP BY tenant_id, toDate(timestamp), provider, request_model
);

ALTER TABLE {{database}}.records MATERIALIZE PROJECTION cost_by_day;
