"""Reference data shipped with the app (taxonomies): pure loaders, no Flask."""
