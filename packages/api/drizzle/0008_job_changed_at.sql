ALTER TABLE `jobs` ADD `changed_at` text;--> statement-breakpoint
UPDATE `jobs` SET `changed_at` = CASE
	WHEN `status` IN ('queued', 'in_progress') THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
	ELSE coalesce(`finished_at`, `started_at`, `created_at`)
END;--> statement-breakpoint
CREATE INDEX `jobs_changed_idx` ON `jobs` (`changed_at`);--> statement-breakpoint
CREATE TRIGGER `jobs_changed_insert` AFTER INSERT ON `jobs` BEGIN
	UPDATE `jobs` SET `changed_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `jobs_changed_update` AFTER UPDATE ON `jobs` WHEN NEW.`changed_at` IS OLD.`changed_at` BEGIN
	UPDATE `jobs` SET `changed_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `webhook_changed_insert` AFTER INSERT ON `webhook_deliveries` BEGIN
	UPDATE `jobs` SET `changed_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`job_id`;
END;--> statement-breakpoint
CREATE TRIGGER `webhook_changed_update` AFTER UPDATE ON `webhook_deliveries` BEGIN
	UPDATE `jobs` SET `changed_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`job_id`;
END;
