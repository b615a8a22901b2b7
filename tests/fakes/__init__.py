"""Local fakes of the platforms' APIs (127.0.0.1 only): the real libraries talk to them."""
