CREATE TABLE `webhook_deliveries` (
	`job_id` text NOT NULL,
	`round` integer NOT NULL,
	`status` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`last_attempt_at` text,
	PRIMARY KEY(`job_id`, `round`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_status_idx` ON `webhook_deliveries` (`status`);--> statement-breakpoint
-- Every delivery the jobs table recorded, including the "never deliver" marks
-- 0002 set (webhook_round set, webhook_status null) for runs that ended
-- before webhooks were delivered.
INSERT INTO `webhook_deliveries` (`job_id`, `round`, `status`, `attempts`, `last_status_code`, `last_error`, `last_attempt_at`)
  SELECT `id`, `webhook_round`, `webhook_status`, `webhook_attempts`, `webhook_last_status_code`, `webhook_last_error`, `webhook_last_attempt_at`
  FROM `jobs` WHERE `webhook_round` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` DROP COLUMN `webhook_status`;--> statement-breakpoint
ALTER TABLE `jobs` DROP COLUMN `webhook_attempts`;--> statement-breakpoint
ALTER TABLE `jobs` DROP COLUMN `webhook_last_status_code`;--> statement-breakpoint
ALTER TABLE `jobs` DROP COLUMN `webhook_last_error`;--> statement-breakpoint
ALTER TABLE `jobs` DROP COLUMN `webhook_last_attempt_at`;--> statement-breakpoint
ALTER TABLE `jobs` DROP COLUMN `webhook_round`;