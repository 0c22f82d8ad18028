// BerthCompose: see ARCHITECTURE.md for what this target owns.
