"""What a build remembers between builds: the build state, the scan, read tracking, kept parts, the cache."""
