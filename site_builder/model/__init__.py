"""Model stage: validated content and computed results -> the published issues and entries, with urls and dates."""
