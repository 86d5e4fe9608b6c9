CREATE TABLE `comments` (
	`id` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`seq` integer NOT NULL,
	`author_id` text,
	`author_name` text NOT NULL,
	`text` text NOT NULL,
	`mentions` text NOT NULL,
	`reply_to` text,
	`created_at` integer NOT NULL,
	`deleted_at` integer,
	`highlighted` integer DEFAULT 0 NOT NULL,
	`replies` integer DEFAULT 0 NOT NULL,
	`reactions` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `comments_by_thread` ON `comments` (`target`,`reply_to`,`id`);--> statement-breakpoint
CREATE INDEX `comments_by_author` ON `comments` (`author_id`);