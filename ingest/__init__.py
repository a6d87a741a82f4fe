"""The municipal side: inbox sources, pipeline, storage, matching, responses."""
