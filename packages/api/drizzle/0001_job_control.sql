CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`job_id` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `attempts_base` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `retries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `cancel_requested_at` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `webhook_status` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `webhook_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `webhook_last_status_code` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `webhook_last_error` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `webhook_last_attempt_at` text;