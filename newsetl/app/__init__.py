"""What people run: the CLI, serve/schedule, status, the SQL shell, progress display."""
