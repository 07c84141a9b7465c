"""External analysis engines. Each runs once per audit; the two run concurrently."""
