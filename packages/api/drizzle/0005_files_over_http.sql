CREATE TABLE `uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`path` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`size_bytes` integer DEFAULT 0 NOT NULL,
	`expected_bytes` integer,
	`sha256` text,
	`created_at` text NOT NULL,
	`completed_at` text
);
--> statement-breakpoint
CREATE INDEX `uploads_created_idx` ON `uploads` (`created_at`);--> statement-breakpoint
CREATE INDEX `uploads_path_idx` ON `uploads` (`path`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `stream_copy` text DEFAULT 'auto' NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `output_deleted_at` text;--> statement-breakpoint
CREATE INDEX `jobs_input_status_idx` ON `jobs` (`input`,`status`);--> statement-breakpoint
CREATE INDEX `jobs_finished_idx` ON `jobs` (`finished_at`);