"""Domain rules: plain data in, plain data out. Nothing here imports Flask or the database."""
