CREATE TABLE `dead_letter_users` (
	`message_id` text NOT NULL,
	`user_id` text NOT NULL,
	`subject_key` text NOT NULL,
	PRIMARY KEY(`message_id`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `dead_letter_users_by_user` ON `dead_letter_users` (`user_id`);