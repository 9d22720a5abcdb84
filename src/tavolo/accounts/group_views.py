"""Placeholder: filled in by the administration work of issue 5."""
