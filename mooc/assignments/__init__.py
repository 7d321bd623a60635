"""Required courses (必修): who must complete which course by when, and reminders about it."""
