// Traffic generation.
