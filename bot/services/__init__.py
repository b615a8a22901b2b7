"""Services: the product's logic. They take repositories and a clock, return what to say."""
