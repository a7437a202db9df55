ALTER TABLE `jobs` ADD `segment_plan` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `segments` text;