"""`kabar eval`: run gold questions through any `predict(item) -> Answer` (`evaluate`) and score them
(`metrics`)."""
