// Placeholder so the target builds before its issue fills it; delete when adding real sources.
