CREATE TABLE `dead_letters` (
	`message_id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`user_id` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dead_letters_by_user` ON `dead_letters` (`user_id`);--> statement-breakpoint
CREATE TABLE `deletion_receipts` (
	`id` text PRIMARY KEY NOT NULL,
	`subject_key` text NOT NULL,
	`user_id` text,
	`status` text NOT NULL,
	`targets_total` integer NOT NULL,
	`targets_done` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `deletion_receipts_by_subject` ON `deletion_receipts` (`subject_key`);--> statement-breakpoint
CREATE INDEX `deletion_receipts_by_status` ON `deletion_receipts` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `deletion_targets` (
	`receipt_id` text NOT NULL,
	`target` text NOT NULL,
	`done_at` integer,
	PRIMARY KEY(`receipt_id`, `target`)
);
--> statement-breakpoint
CREATE TABLE `event_rollups` (
	`target` text NOT NULL,
	`bucket` integer NOT NULL,
	`type` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`target`, `bucket`, `type`)
);
--> statement-breakpoint
CREATE INDEX `event_rollups_by_type_time` ON `event_rollups` (`type`,`bucket`,`target`);--> statement-breakpoint
CREATE TABLE `reconcile_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`trigger` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`targets_checked` integer NOT NULL,
	`drifts_found` integer NOT NULL,
	`repaired` integer NOT NULL,
	`failed` integer NOT NULL,
	`next_cursor` text,
	`drifts` text NOT NULL
);
--> statement-breakpoint
-- Hand fix of the generated copy: the old table has no detail/rolled_up columns. Existing
-- events start with rolled_up = 0, so the next consumer batch adds them to the rollups once.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`target` text NOT NULL,
	`user_id` text,
	`at` integer NOT NULL,
	`seq` integer NOT NULL,
	`detail` text,
	`rolled_up` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_events`("event_id", "type", "target", "user_id", "at", "seq", "detail", "rolled_up") SELECT "event_id", "type", "target", "user_id", "at", "seq", NULL, 0 FROM `events`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `events_by_target_time` ON `events` (`target`,`at`);--> statement-breakpoint
CREATE INDEX `events_by_user` ON `events` (`user_id`);--> statement-breakpoint
CREATE INDEX `events_pending_rollup` ON `events` (`event_id`) WHERE rolled_up = 0;