ALTER TABLE `user_room_refs` ADD `noted_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written: comments deleted before this version keep no author or text in the archive either (docs/comments.md).
UPDATE `comments` SET `author_id` = NULL, `author_name` = '[deleted]', `text` = '', `mentions` = '[]' WHERE `deleted_at` IS NOT NULL;
