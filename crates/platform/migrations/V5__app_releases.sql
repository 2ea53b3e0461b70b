-- Releases of the desktop app the platform offers to its installs (the feed
-- tauri-plugin-updater reads): published by the administrator with their signatures.
CREATE TABLE app_releases (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    arch TEXT NOT NULL,
    major INTEGER NOT NULL,
    minor INTEGER NOT NULL,
    patch INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    pub_date TEXT NOT NULL,
    signature TEXT NOT NULL,
    package BLOB NOT NULL,
    UNIQUE (target, arch, major, minor, patch)
);
