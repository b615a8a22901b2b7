"""Matching short texts in any language: the engine behind FAQ answers and feedback duplicate hints.

``bm25`` turns text into terms and keeps a BM25 index of one kind of term; ``index.MatchIndex`` ranks
entries (each with one or more phrasings: an FAQ entry's questions, a feedback item's text) for a
new text with a calibrated confidence; ``semantic.HybridIndex`` fuses sentence embeddings in when a
model or an embeddings server is configured. Platform-neutral and storage-free: features feed it
what to index and decide what a match means to them.
"""
