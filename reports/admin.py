"""Admin of reports (filled in below)."""
