CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`progress` real DEFAULT 0 NOT NULL,
	`input` text NOT NULL,
	`output` text NOT NULL,
	`preset` text NOT NULL,
	`options` text NOT NULL,
	`overwrite` integer NOT NULL,
	`priority` integer NOT NULL,
	`webhook_url` text,
	`request_id` text NOT NULL,
	`encoder` text,
	`worker` text,
	`fps` real,
	`speed` real,
	`eta_seconds` real,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`error` text,
	`result` text,
	`logs` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_created_idx` ON `jobs` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_status_created_idx` ON `jobs` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_output_status_idx` ON `jobs` (`output`,`status`);