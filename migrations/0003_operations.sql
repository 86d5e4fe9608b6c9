CREATE TABLE `queue_consumer_stats` (
	`queue` text PRIMARY KEY NOT NULL,
	`last_batch_at` integer NOT NULL,
	`messages` integer NOT NULL,
	`lag_ms` integer NOT NULL,
	`max_attempts` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `room_outbox_backlogs` (
	`target` text PRIMARY KEY NOT NULL,
	`events` integer NOT NULL,
	`oldest_at` integer NOT NULL,
	`reported_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `room_outbox_backlogs_by_age` ON `room_outbox_backlogs` (`oldest_at`);