"""The audit log: who did what to which thing, for admin and editor actions."""
