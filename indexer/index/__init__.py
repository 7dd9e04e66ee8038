"""The index on disk: the Whoosh schema codec, the writer, the manifest and the concept store."""
