CREATE TABLE `events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`target` text NOT NULL,
	`user_id` text NOT NULL,
	`at` integer NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_by_target_time` ON `events` (`target`,`at`);--> statement-breakpoint
CREATE INDEX `events_by_user` ON `events` (`user_id`);--> statement-breakpoint
CREATE TABLE `target_counts` (
	`target` text PRIMARY KEY NOT NULL,
	`likes` integer NOT NULL,
	`seq` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_likes` (
	`user_id` text NOT NULL,
	`target` text NOT NULL,
	`liked_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `target`)
);
--> statement-breakpoint
CREATE INDEX `user_likes_by_time` ON `user_likes` (`user_id`,`liked_at`,`target`);--> statement-breakpoint
CREATE INDEX `user_likes_by_target` ON `user_likes` (`target`);