ALTER TABLE `jobs` ADD `webhook_round` integer;--> statement-breakpoint
-- Jobs that ended before webhooks were delivered keep no delivery: without
-- this, the reconciler would call every old webhook_url at the first start.
UPDATE `jobs` SET `webhook_round` = `retries` WHERE `webhook_url` IS NOT NULL AND `webhook_status` IS NULL AND `status` IN ('completed', 'failed', 'cancelled');
