"""Business logic; each public function that writes is one unit of work (one commit)."""
