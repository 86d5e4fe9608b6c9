CREATE TABLE `user_room_refs` (
	`user_id` text NOT NULL,
	`target` text NOT NULL,
	PRIMARY KEY(`user_id`, `target`)
);
