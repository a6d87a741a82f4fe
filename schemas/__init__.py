"""Official artefacts (manifest and installer) and the project's own schemas."""
