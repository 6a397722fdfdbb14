"""What every app stands on and that belongs to none of them: running a write's SQL
statements (statements.py) and the text every stored string must pass (text.py). Plain
Python over Django's database layer: no models, nothing that imports an app."""
