CREATE TABLE `job_status_counts` (
	`status` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `job_status_counts` (`status`, `n`) SELECT `status`, count(*) FROM `jobs` GROUP BY `status`;--> statement-breakpoint
CREATE TRIGGER `jobs_count_insert` AFTER INSERT ON `jobs` BEGIN
	INSERT INTO `job_status_counts` (`status`, `n`) VALUES (NEW.`status`, 1)
		ON CONFLICT (`status`) DO UPDATE SET `n` = `n` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `jobs_count_delete` AFTER DELETE ON `jobs` BEGIN
	UPDATE `job_status_counts` SET `n` = `n` - 1 WHERE `status` = OLD.`status`;
END;--> statement-breakpoint
CREATE TRIGGER `jobs_count_status` AFTER UPDATE OF `status` ON `jobs` WHEN OLD.`status` IS NOT NEW.`status` BEGIN
	UPDATE `job_status_counts` SET `n` = `n` - 1 WHERE `status` = OLD.`status`;
	INSERT INTO `job_status_counts` (`status`, `n`) VALUES (NEW.`status`, 1)
		ON CONFLICT (`status`) DO UPDATE SET `n` = `n` + 1;
END;
