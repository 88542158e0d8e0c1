"""Figures in article text, read without a model: numbers (`numbers`), what they count and what happened
(`claims`, `groups`), each article's own figure for what a question counts (`sources`), and whether
articles disagree (`conflicts`)."""
